// NodeEventsModel: one node's timeline (the Properties dialog's Timeline tab), oldest
// first, applied as a diff by event id like every table of the console.
#pragma once

#include "keyedtablemodel.h"
#include "nodeevents.h"

namespace Cohort {

class NodeEventsModel : public KeyedTableModel<NodeEvent, qint64>
{
    Q_OBJECT

public:
    enum Column { Time, Event, By, Details, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1,
        IdRole,
        TakeoverRole, // the takeover report of an offline or jobs-handed-back event; 0: none
    };

    using KeyedTableModel::KeyedTableModel;

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Who did it, for people: a node by its name, a person or tool as recorded.
    static QString actorText(const NodeEvent &event);

protected:
    qint64 keyOf(const NodeEvent &event) const override { return event.id; }
};

} // namespace Cohort
