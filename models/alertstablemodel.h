// AlertsTableModel: the Alerts page, newest first as the database returns them, one row
// per alert, updated row by row from ClusterClient snapshots.
#pragma once

#include "alerts.h"
#include "keyedtablemodel.h"

namespace Cohort {

class AlertsTableModel : public KeyedTableModel<AlertRow, qint64>
{
    Q_OBJECT

public:
    enum Column { Raised, Severity, Node, Message, State, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1,
        IdRole,
        OpenRole,         // not cleared
        AcknowledgedRole, // acknowledged (or cleared)
    };

    explicit AlertsTableModel(QObject *parent = nullptr);

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    int openCount() const;

protected:
    qint64 keyOf(const AlertRow &alert) const override { return alert.id; }
};

} // namespace Cohort
