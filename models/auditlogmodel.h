// AuditLogModel: the Audit Log page, the entries matching the page's filter, newest first.
#pragma once

#include "auditlog.h"
#include "keyedtablemodel.h"

namespace Cohort {

class AuditLogModel : public KeyedTableModel<AuditEntry, qint64>
{
    Q_OBJECT

public:
    enum Column { Time, User, Action, Target, Details, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1, IdRole };

    explicit AuditLogModel(QObject *parent = nullptr);

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

protected:
    qint64 keyOf(const AuditEntry &entry) const override { return entry.id; }
};

} // namespace Cohort
