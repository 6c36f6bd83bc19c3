// ConsistencyModel: the consistency grid (the Consistency page): one row per node (name,
// status), one column per value that must agree across the cluster. A value that differs
// is highlighted (background and bold) with the reason as its tooltip. Applied as a diff
// by node GUID.
#pragma once

#include "clusterconsistency.h"
#include "keyedtablemodel.h"

#include <QSet>

namespace Cohort {

class ConsistencyModel : public KeyedTableModel<NodeConsistency, QString>
{
    Q_OBJECT

public:
    enum Column { Name, Status, FirstField, ColumnCount = FirstField + ConsistencyFieldCount };
    enum Role {
        SortRole = Qt::UserRole + 1,
        MismatchRole, // bool, on a field's column
        GuidRole,
    };

    using KeyedTableModel::KeyedTableModel;

    static ConsistencyField fieldOf(int column) { return ConsistencyField(column - FirstField); }
    static int columnOf(ConsistencyField field) { return FirstField + int(field); }
    static QColor mismatchColor();
    // The nodes an administrator drained (GUIDs): their status shows as Draining.
    void setDraining(const QSet<QString> &guids);

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

protected:
    QString keyOf(const NodeConsistency &node) const override { return node.guid; }

private:
    QSet<QString> m_draining;
};

} // namespace Cohort
