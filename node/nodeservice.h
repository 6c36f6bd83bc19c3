// NodeService: one run of a manager node, the composition root of the daemon. Starts in
// the order of the node lifecycle (health endpoint, database, cluster key, schema and
// version, identity, join), then runs the health monitor and the peer probes here and the
// job loop on its own thread, and stops gracefully on SIGTERM or SIGINT.
#pragma once

#include "database.h"
#include "nodeconfig.h"
#include "settingscache.h"

#include <QObject>
#include <QPointer>
#include <QThread>

#include <memory>

class QSocketNotifier;

namespace Cohort {

class HealthEndpoint;
class HealthMonitor;
class JobRunner;
class PeerProber;

// Process exit codes of cohort-node.
enum NodeExit { NodeExitOk = 0, NodeExitFailure = 1, NodeExitUsage = 2, NodeExitUpgradeRequired = 3 };

class NodeService : public QObject
{
    Q_OBJECT

public:
    explicit NodeService(NodeConfig config, QObject *parent = nullptr);
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
    void runnerStopped(int handedBack);
    void finish();

    NodeConfig m_config;
    std::unique_ptr<Database> m_database;
    // After m_database: destroyed first, since they use it.
    std::unique_ptr<HealthEndpoint> m_endpoint;
    std::unique_ptr<PeerProber> m_prober;
    SettingsCache m_settings;
    QString m_guid;
    QString m_incarnation;
    QPointer<HealthMonitor> m_health;
    JobRunner *m_runner = nullptr;
    QThread m_runnerThread;
    QSocketNotifier *m_signalNotifier = nullptr;
    bool m_stopping = false;
    int m_exitCode = 0;
};

} // namespace Cohort
