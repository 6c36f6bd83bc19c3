// JobCountsModel: the jobs finished in the System Information period as a table that a
// bar chart draws. Rows are the categories (nodes, or job types), columns the bar sets
// (succeeded and failed, or one per job type). A new period's counts are applied as a
// diff: rows and columns that vanished are removed, new ones inserted in order, changed
// cells emit dataChanged; a chart updates its bars in place.
#pragma once

#include "jobstatistics.h"
#include "noderegistry.h"

#include <QAbstractTableModel>
#include <QHash>

namespace Cohort {

class JobCountsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum class Grouping {
        ByNode,        // rows: nodes; columns: succeeded, failed
        ByType,        // rows: job types; columns: succeeded, failed
        ByNodeAndType, // rows: nodes; columns: job types (jobs finished, either way)
    };
    Q_ENUM(Grouping)

    enum Role {
        CountRole = Qt::UserRole + 1, // qint64
        RowKeyRole,                   // node GUID or job type
        ColumnKeyRole,                // "succeeded", "failed" or a job type
    };

    static inline const QString Succeeded = QStringLiteral("succeeded");
    static inline const QString Failed = QStringLiteral("failed");

    explicit JobCountsModel(Grouping grouping, QObject *parent = nullptr);

    // counts: per node and type (JobStatistics::byNodeAndType). nodes: the cluster's nodes;
    // each one that is not decommissioned gets a row even when it finished nothing.
    // Returns whether anything changed.
    bool setStatistics(const QList<JobCount> &counts, const QList<NodeInfo> &nodes);

    Grouping grouping() const { return m_grouping; }
    const QStringList &rowKeys() const { return m_rowKeys; }
    const QStringList &columnKeys() const { return m_columnKeys; }
    QString rowLabel(int row) const;
    QString columnLabel(int column) const;
    qint64 count(int row, int column) const;
    qint64 count(const QString &rowKey, const QString &columnKey) const;
    qint64 rowTotal(int row) const;
    qint64 total() const;
    // What a category is called on the axis: "Node" or "Job type".
    QString rowTitle() const;

    // The table as CSV (RFC 4180): a header, then one line per row with a Total column.
    QString toCsv() const;
    // One CSV field: quoted when it holds a comma, a quote or a line break.
    static QString csvField(const QString &text);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    using Cell = std::pair<QString, QString>; // row key, column key

    bool applyRows(const QStringList &keys);
    bool applyColumns(const QStringList &keys);

    Grouping m_grouping;
    QStringList m_rowKeys;
    QStringList m_columnKeys;
    QHash<QString, QString> m_rowLabels; // node names
    QHash<Cell, qint64> m_counts;        // cells that are not zero
};

} // namespace Cohort
