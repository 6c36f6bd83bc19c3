// HealthMonitor: this node's side of membership, on the node's main thread with its own
// connection. Heartbeats, holds the node's session lock (PostgreSQL), checks every peer
// each second and declares the dead ones Offline, notices when it was itself declared
// Offline or is older than the cluster, and submits the cluster's recurring housekeeping.
// Follows the cluster's heartbeat settings while running, unless given to the node.
#pragma once

#include "database.h"
#include "nodeconfig.h"
#include "noderegistry.h"
#include "settingscache.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

namespace Cohort {

class HealthMonitor : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        NodeJoin join;     // the GUID at least, before setJoin()
        NodeTiming timing; // as configured: what was not given follows the cluster settings
    };

    HealthMonitor(Database &database, Options options, SettingsCache &settings, QObject *parent = nullptr);

    // The session lock proves this process is the live one for its GUID (PostgreSQL);
    // false when another live process holds it.
    Result<bool> takeSessionLock();
    // Reads the cluster's heartbeat settings and puts them in force (unless both values
    // were given to the node). Call once before joining; the timer re-reads them every 15 s.
    void readClusterTiming();
    // The threshold in force, for joining (a previous run silent this long is over).
    qint64 offlineAfterMs() const { return qint64(m_timing.offlineAfterSeconds) * 1000; }
    // The heartbeat interval in force; the peer prober keeps the same pace.
    int heartbeatSeconds() const { return inForce().heartbeatSeconds; }
    // How this node joined: for heartbeats, and to join again after being declared Offline.
    void setJoin(const NodeJoin &join);
    void start();
    // Keeps heartbeating (so peers do not take the jobs still finishing) but stops
    // judging peers and scheduling.
    void beginStop();

Q_SIGNALS:
    void rejoined(qint64 joinedAt);
    void mustStop(int exitCode, const QString &reason);

private:
    void tick();
    void beat();
    void checkPeers();
    void scheduleHousekeeping(qint64 now);
    bool ensureSession();
    NodeTiming inForce() const;
    void putInForce(const NodeTiming &timing);
    void endTransitionIfDue();

    Database &m_database;
    Options m_options;
    SettingsCache &m_settings;
    QTimer m_timer;
    QElapsedTimer m_sinceBeat;
    QElapsedTimer m_sessionAge; // since the session lock was (re)taken
    QElapsedTimer m_backSince;  // since the heartbeat worked again after failing
    bool m_sessionLocked = false;
    quint64 m_sessionSerial = 0;
    bool m_stopping = false;
    bool m_databaseOk = true;
    QHash<QString, qint64> m_scheduledBucket; // job type -> last period this node submitted

    NodeTiming m_timing;                               // in force
    NodeTiming m_wanted;                               // from the last good read of the cluster settings
    std::optional<std::pair<qint64, qint64>> m_stored; // that read: heartbeat, offline threshold
    QElapsedTimer m_sinceTimingRead;
    bool m_timingReadFailing = false;
    bool m_timingAnnounced = false;
    // After the cluster's heartbeat changed, until every node has read it: the fastest
    // and slowest heartbeat (seconds) a node may be keeping.
    QDeadlineTimer m_transitionEnds;
    int m_transitionFastest = 0;
    int m_transitionSlowest = 0;
};

} // namespace Cohort
