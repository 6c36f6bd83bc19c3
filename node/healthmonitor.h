// HealthMonitor: this node's side of membership, on the node's membership thread with its
// own connection (never the thread that answers HTTP). Heartbeats and renews the claim
// lease, checks every peer each second and declares the dead ones Offline, notices when it
// was itself declared Offline or is older than the cluster, and submits the cluster's
// recurring housekeeping. Follows the cluster's heartbeat settings while running, unless
// given to the node.
//
// A peer is dead when its heartbeat counter stood still for longer than it is allowed
// (PeerJudge: this node's monotonic clock, no wall clock), or, on PostgreSQL, when its
// session lock is gone and that is confirmed (its API port refuses connections, or stays
// unreachable past a grace), or, on SQLite, when its process ended where this one can see.
#pragma once

#include "claimlease.h"
#include "database.h"
#include "nodeconfig.h"
#include "noderegistry.h"
#include "peerjudge.h"
#include "settingscache.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QSet>
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

    HealthMonitor(Database &database, Options options, SettingsCache &settings, ClaimLease &lease,
                  QObject *parent = nullptr);

    // Reads the cluster's heartbeat settings and puts them in force (unless both values
    // were given to the node). Call once before joining; the timer re-reads them every 15 s.
    void readClusterTiming();
    // The threshold in force, for joining (a previous run silent this long is over).
    qint64 offlineAfterMs() const { return qint64(m_timing.offlineAfterSeconds) * 1000; }
    // The heartbeat interval in force; the peer prober keeps the same pace.
    int heartbeatSeconds() const { return inForce().heartbeatSeconds; }
    // How this node joined: for heartbeats, and to join again after being declared Offline.
    void setJoin(const NodeJoin &join);
    // This node's session lock, once taken (PostgreSQL); before start().
    void setLivenessLock(const class LivenessLock *lock) { m_lock = lock; }
    // The keyring refreshed with the time check (a rotated data key); before start().
    void setKeyring(class NodeKeyring *keyring) { m_keyring = keyring; }
    // Where each peer's heartbeat age is reported (GET /metrics); before start().
    void setMetrics(class NodeMetrics *metrics) { m_metrics = metrics; }
    // On the membership thread, from here on.
    void start();
    // Keeps heartbeating (so peers do not take the jobs still finishing) but stops
    // judging peers and scheduling.
    void beginStop();
    // A graceful stop's end: hands back what this run still holds and marks it Offline;
    // then emits left(). reason: why it stopped (its timeline); jobsReason: what the jobs
    // handed back record.
    void leave(const QString &reason, const QString &jobsReason);

Q_SIGNALS:
    void rejoined(qint64 joinedAt, const QString &incarnation);
    void mustStop(int exitCode, const QString &reason);
    void left(bool ok, const QString &error);

private:
    void tick();
    void beat();
    void checkPeers();
    void findSessionDeaths(const QList<PeerBeat> &peers, qint64 now, QList<NodeDeath> *dead);
    void findProcessDeaths(const QList<PeerBeat> &peers, QList<NodeDeath> *dead);
    void scheduleHousekeeping(qint64 now);
    void checkTime();
    NodeTiming inForce() const;
    void putInForce(const NodeTiming &timing);
    void endTransitionIfDue();

    Database &m_database;
    Options m_options;
    SettingsCache &m_settings;
    ClaimLease &m_lease;
    const LivenessLock *m_lock = nullptr;
    const QString m_hostId;
    QTimer m_timer{this};
    QElapsedTimer m_sinceBeat;
    qint64 m_lastBeatDone = 0; // steady clock
    PeerJudge m_judge;
    QHash<QString, qint64> m_lockFreeSince; // peer GUID -> when its session lock was first seen gone
    QSet<QString> m_lockFreeLogged;         // peer incarnations whose lost lock was logged
    bool m_peersReadFailing = false;
    bool m_stopping = false;
    bool m_databaseOk = true;
    QHash<QString, qint64> m_scheduledBucket; // job type -> last period this node submitted
    QElapsedTimer m_sinceTimeCheck;
    bool m_timeOutOfSync = false;
    bool m_timeCheckFailing = false;
    class NodeKeyring *m_keyring = nullptr;
    class NodeMetrics *m_metrics = nullptr;

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
