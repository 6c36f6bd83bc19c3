// NodeConfig: how one cohort-node runs, from an INI file and from flags (flags win),
// checked in full before anything starts.
#pragma once

#include "result.h"
#include "systemsettings.h"

#include <QCoreApplication>
#include <QString>
#include <QStringList>

namespace Cohort {

// The heartbeat interval and offline threshold a node runs with. A value given to the node
// (flag or INI key) wins; the other follows the cluster settings, clamped so that the
// threshold stays at least two heartbeats (or a late heartbeat gets a live node marked Offline).
struct NodeTiming
{
    int heartbeatSeconds = int(Setting::HeartbeatSeconds.defaultValue);
    int offlineAfterSeconds = int(Setting::OfflineAfterSeconds.defaultValue);
    bool heartbeatExplicit = false;
    bool offlineAfterExplicit = false;

    bool followsCluster() const { return !heartbeatExplicit || !offlineAfterExplicit; }
    // The timing in force when the cluster stores this pair (nodes.heartbeat_seconds,
    // nodes.offline_after_seconds). *adjustments gets one sentence (for the log) per value
    // that had to differ from what was stored or given.
    NodeTiming withCluster(qint64 clusterHeartbeatSeconds, qint64 clusterOfflineAfterSeconds,
                           QStringList *adjustments = nullptr) const;
    bool sameValues(const NodeTiming &other) const
    {
        return heartbeatSeconds == other.heartbeatSeconds && offlineAfterSeconds == other.offlineAfterSeconds;
    }
};

struct NodeConfig
{
    QString databaseUrl;
    QString name;       // default: the host name
    QString apiAddress; // HOST:PORT peers and agents use; default: hostname:8443; port 0: any free one
    QString dataDir;    // holds node.guid
    QString secretFile; // the cluster's local secret
    int workers = 4;
    // Given or else the cluster's default; see timing().
    int heartbeatSeconds = int(Setting::HeartbeatSeconds.defaultValue);
    int offlineAfterSeconds = int(Setting::OfflineAfterSeconds.defaultValue);
    // Given with --heartbeat / --offline-after or in --config: overrides the cluster setting.
    bool heartbeatExplicit = false;
    bool offlineAfterExplicit = false;
    int graceSeconds = 30;
    int batchSize = 64;
    int apiThreads = 1;             // ApiServer::Limits::threads
    QStringList trustedProxies;     // ApiServer::trustProxies: IP addresses, checked
    int migrationWaitSeconds = 120; // Schema::DefaultWaitSeconds
    QString executionLog;           // optional: one line per job execution, for tests and audits

    QString guidFile() const;
    // The settings that should be the same on every node (timing overrides, grace,
    // migration wait, trusted proxies), one "name=value" each, and their SHA-256 (hex,
    // first 16 digits): what the consistency grid compares. Capacity (workers, batch,
    // API threads) may differ from machine to machine and is left out.
    QStringList sharedSettings() const;
    QString effectiveHash() const;
    // The two halves of apiAddress (parse() checked it): HOST as given (an IPv6 address
    // keeps its brackets) and PORT.
    QString apiHost() const;
    quint16 apiPort() const;
    NodeTiming timing() const
    {
        return {heartbeatSeconds, offlineAfterSeconds, heartbeatExplicit, offlineAfterExplicit};
    }

    Q_DECLARE_TR_FUNCTIONS(Cohort::NodeConfig)

public:
    // Parses arguments (argv without the program name is fine too). Returns the config,
    // or an error whose message is one line for the user. --help and --version are
    // handled by the caller through helpText() / wantsHelp().
    static Result<NodeConfig> parse(const QStringList &arguments);
    static QString helpText();
    static bool wantsHelp(const QStringList &arguments);
    static bool wantsVersion(const QStringList &arguments);
};

} // namespace Cohort
