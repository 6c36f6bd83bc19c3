#include "auditlogmodel.h"
#include "nodestablemodel.h"

namespace Cohort {

AuditLogModel::AuditLogModel(QObject *parent)
    : KeyedTableModel(parent)
{}

int AuditLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AuditLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const AuditEntry &entry = rowAt(index.row());
    if (role == IdRole)
        return entry.id;
    if (role == Qt::ToolTipRole && index.column() == Details)
        return entry.details;
    if (role != Qt::DisplayRole && role != SortRole)
        return {};
    switch (index.column()) {
    case Time:
        return role == SortRole ? QVariant(entry.at) : QVariant(formatTimestamp(entry.at));
    case User:
        return entry.actor;
    case Action:
        return entry.action;
    case Target:
        return entry.target;
    case Details:
        return entry.details;
    }
    return {};
}

QVariant AuditLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Time:
        return tr("Time", "column heading");
    case User:
        return tr("User", "column heading");
    case Action:
        return tr("Action", "column heading");
    case Target:
        return tr("Target", "column heading");
    case Details:
        return tr("Details", "column heading");
    }
    return {};
}

} // namespace Cohort
