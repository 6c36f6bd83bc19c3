// NodesTableModel: the Manager Nodes table, one row per node that is not decommissioned,
// fed by ClusterClient snapshots and updated row by row.
#pragma once

#include "keyedtablemodel.h"
#include "noderegistry.h"

#include <QColor>
#include <QIcon>

namespace Cohort {

class NodesTableModel : public KeyedTableModel<NodeInfo, QString>
{
    Q_OBJECT

public:
    enum Column {
        Name,
        Status,
        Version,
        Address,
        TimeZone,
        ClockOffset,
        LastContact,
        Heartbeat, // the age of its last heartbeat
        OfflineIn, // the takeover countdown: until its peers mark it Offline
        JobsLastHour,
        RunningJobs,
        Agents,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // the raw value, for sorting
        GuidRole,
        StatusRole, // NodeStatus as int
    };

    explicit NodesTableModel(QObject *parent = nullptr);

    // Online agents per node GUID (the Agents column); rows whose count changes emit dataChanged.
    void setAgentCounts(const QHash<QString, int> &onlineByNode);
    int agentCount(const QString &guid) const { return m_agents.value(guid); }

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // The colour and icon every view uses for a status.
    static QColor statusColor(NodeStatus status);
    static QIcon statusIcon(NodeStatus status);
    // The same for what a view shows of a node: Draining (an Online node an administrator
    // drained) has its own amber colour and icon.
    static QColor displayColor(const NodeInfo &node);
    static QIcon displayIcon(const NodeInfo &node);
    static QColor drainingColor();
    // The takeover countdown as every view shows it: "3 s ago"; "42 s", "due" (past the
    // threshold, not marked yet), "never (no peer)" for an Online node, "—" once Offline.
    static QString heartbeatText(const NodeInfo &node);
    static QString offlineInText(const NodeInfo &node);
    // What the countdown means: countdownNote, or the silence the peers allow.
    static QString countdownToolTip(const NodeInfo &node);

protected:
    QString keyOf(const NodeInfo &node) const override { return node.guid; }

private:
    QHash<QString, int> m_agents;
};

// Database time in ms as local date and time, written as the default locale writes them
// (with seconds), or a dash for none.
QString formatTimestamp(qint64 ms);

} // namespace Cohort
