// AgentRecorder: writes the check-ins the node API answered (AgentInbox) to the agents
// table in batches, twice a second, on the node's agents thread with its own connection,
// so answering an agent never waits on the database and a thousand check-ins a second
// cost two transactions. A batch that cannot be written (the database is away, the data
// key was rotated under it) goes back to the inbox and is tried again; what an agent
// said is never lost while the node runs.
#pragma once

#include "agentinbox.h"
#include "database.h"

#include <QObject>
#include <QTimer>

namespace Cohort {

class NodeKeyring;
class NodeMetrics;

class AgentRecorder : public QObject
{
    Q_OBJECT

public:
    static constexpr int FlushMs = 500;

    AgentRecorder(Database &database, const NodeKeyring &keyring, QString nodeGuid, AgentInbox &inbox,
                  NodeMetrics &metrics, QObject *parent = nullptr);

    // On the agents thread.
    void start();
    // Writes what is waiting, once more, and stops.
    void stop();

private:
    void flush();

    Database &m_database;
    const NodeKeyring &m_keyring;
    const QString m_nodeGuid;
    AgentInbox &m_inbox;
    NodeMetrics &m_metrics;
    QTimer m_timer{this};
    bool m_failing = false;
};

} // namespace Cohort
