// AgentsTableModel: the Agents page, one row per agent, fed by ClusterClient snapshots and
// updated row by row. Shows the node an agent checks in with by name, its last check-in
// relative to the database's clock, and marks the agents that have gone quiet.
#pragma once

#include "agents.h"
#include "keyedtablemodel.h"

#include <QHash>

namespace Cohort {

class AgentsTableModel : public KeyedTableModel<AgentRecord, QString>
{
    Q_OBJECT

public:
    enum Column { Guid, HostName, Addresses, Version, Node, LastCheckin, State, Checkins, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1, // the raw value, for sorting
        GuidRole,
        QuietRole,  // bool: offline, or silent longer than the setting
        FilterRole, // what the filter box matches: GUID, host name, addresses, version, node name
        SealedRole, // host name and addresses are there but not opened
    };

    explicit AgentsTableModel(QObject *parent = nullptr);

    // What the rows are judged and named by: the database time of the snapshot, the
    // silence after which an agent has gone quiet, and the nodes' names by GUID. Call
    // before applySnapshot(); rows whose judgement or node name changes emit dataChanged.
    void setContext(qint64 databaseTime, qint64 offlineAfterMs, const QHash<QString, QString> &nodeNames);

    bool isQuiet(const AgentRecord &agent) const;
    QString nodeName(const QString &guid) const;

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // "12 s ago", "5 min ago", "3 h ago", "2 d ago".
    static QString formatAge(qint64 ageMs);

protected:
    QString keyOf(const AgentRecord &agent) const override { return agent.guid; }

private:
    qint64 m_now = 0;
    qint64 m_offlineAfterMs = 0;
    QHash<QString, QString> m_nodeNames;
};

} // namespace Cohort
