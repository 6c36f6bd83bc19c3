#include "consistencymodel.h"
#include "nodestablemodel.h"

#include <QColor>
#include <QFont>

using namespace Qt::StringLiterals;

namespace Cohort {

QColor ConsistencyModel::mismatchColor()
{
    return QColor(0xff, 0xcd, 0xd2); // light red
}

void ConsistencyModel::setDraining(const QSet<QString> &guids)
{
    if (guids == m_draining)
        return;
    m_draining = guids;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, Status), index(rowCount() - 1, Status));
}

int ConsistencyModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConsistencyModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const NodeConsistency &node = rowAt(index.row());
    const int column = index.column();
    if (role == GuidRole)
        return node.guid;
    if (column == Name || column == Status) {
        // As the other views show it: Draining for a drained Online node.
        NodeInfo shown;
        shown.status = node.status;
        shown.drainingSince = m_draining.contains(node.guid) ? 1 : 0;
        switch (role) {
        case Qt::DisplayRole:
            return column == Name ? node.name : nodeDisplayStatus(shown);
        case SortRole:
            return column == Name ? QVariant(node.name) : QVariant(int(node.status));
        case Qt::DecorationRole:
            return column == Status ? QVariant(NodesTableModel::displayIcon(shown)) : QVariant();
        case Qt::ForegroundRole:
            return column == Status ? QVariant(NodesTableModel::displayColor(shown)) : QVariant();
        case Qt::ToolTipRole:
            if (column == Name && node.mismatches() > 0)
                return tr("%n value(s) of this node differ from the cluster's.", nullptr, node.mismatches());
            return {};
        default:
            return {};
        }
    }
    const ConsistencyValue &value = node.value(fieldOf(column));
    switch (role) {
    case Qt::DisplayRole:
        return value.value.isEmpty() ? u"—"_s : value.value;
    case SortRole:
        return value.value;
    case MismatchRole:
        return value.mismatch;
    case Qt::BackgroundRole:
        return value.mismatch ? QVariant(mismatchColor()) : QVariant();
    case Qt::ForegroundRole:
        return value.mismatch ? QVariant(QColor(0xb7, 0x1c, 0x1c)) : QVariant();
    case Qt::FontRole:
        if (value.mismatch) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case Qt::ToolTipRole:
        return value.mismatch ? value.reason : QVariant();
    default:
        return {};
    }
}

QVariant ConsistencyModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (section == Name)
        return tr("Node", "column heading");
    if (section == Status)
        return tr("Status", "column heading");
    if (section >= FirstField && section < ColumnCount)
        return ClusterConsistency::fieldTitle(fieldOf(section));
    return {};
}

} // namespace Cohort
