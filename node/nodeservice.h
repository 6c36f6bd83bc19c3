// NodeService: one run of a manager node, the composition root of the daemon. Starts in
// the order of the node lifecycle (health endpoint, database, cluster key, schema and
// version, identity, session lock, join), then runs the HTTP endpoint on the main thread,
// the health monitor and the peer probes on the membership thread, the session lock on a
// thread of its own, the job loop on another, and the agents' manager list and check-in
// records on a fourth; stops gracefully on SIGTERM or SIGINT or a drain through the API.
// After start() no SQL runs on the main thread: nothing keeps HTTP waiting on the database.
#pragma once

#include "claimlease.h"
#include "database.h"
#include "nodeconfig.h"
#include "settingscache.h"

#include <QObject>
#include <QPointer>
#include <QThread>

#include <memory>

class QSocketNotifier;

namespace Cohort {

class AgentInbox;
class AgentRecorder;
class ApiServer;
class ManagerDirectory;
class NodeApi;
class NodeMetrics;
class HealthMonitor;
class JobRunner;
class LivenessLock;
class NodeKeyring;
class PeerProber;

// Process exit codes of cohort-node.
enum NodeExit { NodeExitOk = 0, NodeExitFailure = 1, NodeExitUsage = 2, NodeExitUpgradeRequired = 3 };

class NodeService : public QObject
{
    Q_OBJECT

public:
    // version: the program's version, compared with the cluster's (see SoftwareVersion).
    NodeService(NodeConfig config, QString version, QObject *parent = nullptr);
    ~NodeService() override;

    // Joins the cluster and starts working. On failure returns the exit code and
    // the reason in *error; nothing keeps running.
    int start(QString *error);
    // Graceful stop; the application exits with exitCode once it is done.
    void stop(int exitCode, const QString &reason);

    // Routes SIGTERM and SIGINT to stop(); call once, before start().
    void installSignalHandlers();

private:
    bool listen(QString *error);
    Result<bool> takeSessionLock();
    // A start refused: recorded in the node's timeline when the cluster knows this node
    // (its GUID file exists and names one); best effort, nothing else is written.
    void noteRefusal(const QString &kind, const QString &details);
    // An administrator's drain or resume through the API (main thread).
    void setHeld(bool hold, const QString &actor);
    bool m_held = false;
    QString m_heldBy;
    void runnerStopped(int handedBack);
    void left(bool ok, const QString &error);
    void finish();
    void endThreads();
    void startAgents();

    NodeConfig m_config;
    QString m_version;
    std::unique_ptr<Database> m_database;
    std::unique_ptr<NodeKeyring> m_keyring; // used by the membership thread: outlives it
    std::unique_ptr<NodeMetrics> m_metrics; // counted into by every thread, read by the API's
    std::unique_ptr<AgentInbox> m_inbox;    // filled by the API's threads, emptied by the agents thread
    // After m_database: destroyed first, since they use it.
    std::unique_ptr<NodeApi> m_api; // outlives the server, whose threads call it
    std::unique_ptr<ApiServer> m_endpoint;
    QString m_certificateSha256;
    SettingsCache m_settings;
    std::unique_ptr<ClaimLease> m_lease;
    QString m_guid;
    QString m_incarnation;
    // Each lives on its thread and is deleted there when the thread ends.
    HealthMonitor *m_health = nullptr;
    PeerProber *m_prober = nullptr;
    LivenessLock *m_lock = nullptr;
    JobRunner *m_runner = nullptr;
    ManagerDirectory *m_directory = nullptr;
    AgentRecorder *m_recorder = nullptr;
    QThread m_membershipThread;
    bool m_membershipStarted = false;
    QThread m_lockThread;
    QThread m_runnerThread;
    QThread m_agentsThread; // the manager list and the agents' check-ins
    QSocketNotifier *m_signalNotifier = nullptr;
    bool m_stopping = false;
    bool m_finished = false; // finish() ran: the threads are ended, the exit asked for
    QString m_stopReason;    // as stop() was given it: "received SIGTERM"
    int m_exitCode = 0;
};

} // namespace Cohort
