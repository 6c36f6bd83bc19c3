#include "alertstablemodel.h"
#include "icons.h"
#include "nodestablemodel.h"

#include <QColor>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

QString severityText(const QString &severity)
{
    if (severity == u"critical"_s)
        return AlertsTableModel::tr("Critical", "alert severity");
    if (severity == u"warning"_s)
        return AlertsTableModel::tr("Warning", "alert severity");
    return AlertsTableModel::tr("Information", "alert severity");
}

int severityRank(const QString &severity)
{
    return severity == u"critical"_s ? 2 : severity == u"warning"_s ? 1 : 0;
}

} // namespace

AlertsTableModel::AlertsTableModel(QObject *parent)
    : KeyedTableModel(parent)
{}

int AlertsTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

int AlertsTableModel::openCount() const
{
    int open = 0;
    for (const AlertRow &alert : rows())
        open += alert.clearedAt == 0 ? 1 : 0;
    return open;
}

QVariant AlertsTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const AlertRow &alert = rowAt(index.row());
    switch (role) {
    case IdRole:
        return alert.id;
    case OpenRole:
        return alert.clearedAt == 0;
    case AcknowledgedRole:
        return alert.acknowledgedAt != 0 || alert.clearedAt != 0;
    case Qt::ForegroundRole:
        if (alert.clearedAt != 0)
            return QColor(Qt::gray);
        if (index.column() == Severity && alert.severity == u"critical"_s)
            return QColor(0xc6, 0x28, 0x28);
        return {};
    case Qt::DecorationRole:
        if (index.column() == Severity)
            return Icons::status(alert.severity == u"critical"_s  ? Icons::Status::Error
                                 : alert.severity == u"warning"_s ? Icons::Status::Warning
                                                                  : Icons::Status::Info);
        return {};
    case Qt::ToolTipRole:
        return index.column() == Message ? QVariant(alert.message) : QVariant();
    case SortRole:
        switch (index.column()) {
        case Raised:
            return alert.raisedAt;
        case Severity:
            return severityRank(alert.severity);
        case Node:
            return alert.nodeName;
        case Message:
            return alert.message;
        case State:
            return alert.clearedAt != 0 ? 2 : alert.acknowledgedAt != 0 ? 1 : 0;
        }
        return {};
    case Qt::DisplayRole:
        switch (index.column()) {
        case Raised:
            return formatTimestamp(alert.raisedAt);
        case Severity:
            return severityText(alert.severity);
        case Node:
            return alert.nodeName.isEmpty() ? alert.nodeGuid : alert.nodeName;
        case Message:
            return alert.message;
        case State:
            if (alert.clearedAt != 0) // by a user, or by the node itself (its GUID): its name
                return tr("Cleared by %1")
                    .arg(alert.clearedBy == alert.nodeGuid && !alert.nodeName.isEmpty() ? alert.nodeName
                                                                                        : alert.clearedBy);
            if (alert.acknowledgedAt != 0)
                return tr("Acknowledged by %1").arg(alert.acknowledgedBy);
            return tr("Open", "alert state");
        }
        return {};
    default:
        return {};
    }
}

QVariant AlertsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Raised:
        return tr("Raised", "column heading");
    case Severity:
        return tr("Severity", "column heading");
    case Node:
        return tr("Node", "column heading");
    case Message:
        return tr("Message", "column heading");
    case State:
        return tr("State", "column heading");
    }
    return {};
}

} // namespace Cohort
