// NodeRegistry: the manager nodes of the cluster in the nodes table: joining, the
// heartbeat, being declared Offline by a peer, leaving, decommissioning, and the list
// with each node's derived status. Every decision uses the database's clock.
#pragma once

#include "database.h"
#include "result.h"

#include <QCoreApplication>
#include <QSet>

#include <optional>

namespace Cohort {

struct DecommissionPlan;

enum class NodeStatus {
    Online,
    Offline,
    UpgradeRequired, // offline, and older than the cluster: does no work until upgraded
    Decommissioned,
};
QString nodeStatusText(NodeStatus status); // "Online", "Offline", "Offline (Upgrade Required)", ...
QString nodeStatusKey(NodeStatus status);  // "online", "offline", "upgrade-required", ...
struct NodeInfo;
// What every view shows: the status, or "Draining" (key "draining") for an Online node an
// administrator drained (it claims nothing, and is still a live peer: status stays Online).
QString nodeDisplayStatus(const NodeInfo &node);
QString nodeDisplayStatusKey(const NodeInfo &node);

struct NodeInfo
{
    QString guid;
    QString name;
    QString description;
    QString apiAddress;
    QString version;
    int schemaVersion = 0;
    QString state; // as stored: online, offline, decommissioned
    QString incarnation;
    QString hostname;
    qint64 pid = 0;
    qint64 startedAt = 0;
    qint64 lastHeartbeat = 0;
    qint64 offlineSince = 0;
    QString tzName;
    int tzOffsetSeconds = 0;
    qint64 clockSkewMs = 0;
    qint64 createdAt = 0;
    qint64 heartbeatMs = 0;    // the heartbeat interval the node keeps
    qint64 offlineAfterMs = 0; // the threshold it judges its peers by
    qint64 heartbeatCount = 0; // raised by every heartbeat
    QString hostId;            // kernel boot id and PID namespace (see hostIdentity())
    QString upgradeTo;         // set when a newer node took over: the version it must run
    QString requiredVersion;   // Offline (Upgrade Required): the version the cluster runs
    QString certSha256;        // the node API's certificate, as peers, agents and the console pin it
    QString configHash;        // NodeConfig's effective settings, hashed (the consistency grid)
    QString keyCheck;          // MasterKey::checkValue() of the data key it unwrapped; never the key
    qint64 drainingSince = 0;  // an administrator drained it: it claims nothing (0: not draining)
    qint64 jobsLastHour = 0;
    qint64 runningJobs = 0;
    NodeStatus status = NodeStatus::Offline;
    // The takeover countdown (list() only), all on the database's clock:
    qint64 heartbeatAgeMs = -1;  // since its last heartbeat; -1: none
    qint64 allowedSilenceMs = 0; // how long its peers let it be silent: min over the live peers
                                 // of max(their threshold, 2 x its interval); 0: no live peer
    qint64 offlineInMs = -1;     // until its peers mark it Offline: 0 once past and once Offline;
                                 // -1: no live peer to do it (or decommissioned)
    QString countdownNote;       // why a node past the threshold is not marked yet, or has no countdown

    friend bool operator==(const NodeInfo &, const NodeInfo &) = default;
};

struct NodeJoin
{
    QString guid;
    QString name;
    QString apiAddress;
    QString version;
    QString incarnation; // this process's run
    QString hostname;
    QString hostId; // hostIdentity() of the machine the node runs on
    qint64 pid = 0;
    QString tzName;
    int tzOffsetSeconds = 0;
    qint64 clockMs = 0;     // the node's own clock when it asked, to compute the skew
    qint64 heartbeatMs = 0; // the node's heartbeat interval, recorded for its peers
    qint64 offlineAfterMs =
        0; // its threshold; also: a previous run with a newer heartbeat may still be alive
    bool livenessLockHeld = false; // PostgreSQL: this process holds the node's session lock
    QString guidFile;              // for the message that says how to join as a new node
    QString certSha256;            // its API certificate's SHA-256 (NodeCertificate), for peers to pin
    QString configHash;            // NodeConfig::effectiveHash(), for the consistency grid
    QString keyCheck;              // the check value of the data key it unwrapped
};

struct JoinOutcome
{
    qint64 joinedAt = 0;   // database time
    bool known = false;    // the GUID had been here before
    int recoveredJobs = 0; // jobs a previous run had claimed, back in the pool
};

struct Heartbeat
{
    bool online = false; // false: a peer declared this node Offline, or it was decommissioned
    QString state;
    qint64 at = 0; // database time
    int schemaVersion = 0;
    QString upgradeTo; // a newer node took over: the version this one must run to work again
    // The shortest silence after which an Online peer may declare this node Offline:
    // min over the peers of max(their threshold, 2 x this node's interval); 0 without peers.
    qint64 peersAllowMs = 0;
};

// What a peer needs to judge another node: one row of the Online nodes.
struct PeerBeat
{
    QString guid;
    QString name;
    QString incarnation;
    QString apiAddress;
    QString hostId;
    qint64 pid = 0;
    qint64 heartbeatCount = 0;
    qint64 heartbeatMs = 0;
    qint64 ageMs = 0; // database clock minus its last heartbeat: one clock only on PostgreSQL
};

// A node a peer found dead, and why.
struct NodeDeath
{
    QString guid;
    QString name;
    QString incarnation;
    QString reason;
    bool heartbeatExpired = false;
    bool sessionEnded = false; // its PostgreSQL session lock was gone
    // The heartbeat counter the peer saw; the node is marked Offline only if it still
    // stands there (-1: not checked).
    qint64 heartbeatCount = -1;
};

class NodeRegistry
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::NodeRegistry)

public:
    // Registers this run of a node and marks it Online. Refused, writing nothing, when the
    // GUID was decommissioned or another live process runs it. Jobs a dead previous run
    // had claimed go back to the pool.
    static Result<JoinOutcome> join(Database &database, const NodeJoin &request);

    // Records a heartbeat for this run, if it is still Online: raises its counter and
    // records the interval it keeps and the threshold it judges peers by.
    static Result<Heartbeat> heartbeat(Database &database, const QString &guid, const QString &incarnation,
                                       qint64 heartbeatMs, qint64 offlineAfterMs);

    // Every Online node but selfGuid, for PeerJudge and the session and process checks.
    static Result<QList<PeerBeat>> onlinePeers(Database &database, const QString &selfGuid);
    // Declares a node Offline, once: a conditional update that only one peer wins (and
    // nobody, when the node's heartbeat counter moved past death.heartbeatCount or, for a
    // session death, it holds its session lock again). The winner returns its claimed
    // jobs to the pool and raises an alert in the same transaction. Returns whether this
    // call did it.
    static Result<bool> markOffline(Database &database, const NodeDeath &death, const QString &byGuid);

    // The data key this node now holds (after a rotation), for the consistency grid.
    static Result<void> recordKeyCheck(Database &database, const QString &guid, const QString &keyCheck);

    // A graceful stop: hands back what this run still holds and marks it Offline. reason
    // (why it stopped) goes in the node's timeline; jobsReason (by default reason) is
    // what the jobs handed back record.
    static Result<void> leave(Database &database, const QString &guid, const QString &incarnation,
                              const QString &reason, const QString &jobsReason = {});
    // A node older than the cluster: recorded Offline with its own version, so it shows
    // as Offline (Upgrade Required). Best effort: the newer schema may refuse it.
    // requiredVersion: the version the cluster runs.
    static Result<void> recordUpgradeRequired(Database &database, const NodeJoin &request,
                                              const QString &requiredVersion);

    // Decommissions an Offline node (by GUID or unique name), audited, in one transaction
    // that re-checks the state.
    static Result<NodeInfo> decommission(Database &database, const QString &node, const QString &actor,
                                         DecommissionPlan *done = nullptr);
    // The same inside the caller's write transaction, for callers that check more in it
    // (Administration reads the operator's role again first).
    // done: what it changed (DecommissionPreflight, gathered in the same transaction).
    static Result<NodeInfo> decommissionIn(QSqlDatabase &db, const Dialect &dialect, const QString &node,
                                           const QString &actor, DecommissionPlan *done = nullptr);

    // Every node that is not decommissioned, by name, with derived status and activity.
    static Result<QList<NodeInfo>> list(Database &database);
    // One node by GUID or unique name, decommissioned included.
    static Result<NodeInfo> find(Database &database, const QString &node);

    // PostgreSQL session locks: each live node holds one on its own connection, released
    // by the server the moment that connection ends, so peers notice a killed node
    // within a second rather than after the heartbeat threshold.
    // The lock is (LivenessLockClass, livenessKey(guid)): pg_try_advisory_lock(int, int).
    static constexpr qint32 LivenessLockClass = 0x436f686e; // "Cohn"
    static quint32 livenessKey(const QString &guid);
    static Result<bool> tryLivenessLock(QSqlDatabase &db, const QString &guid);
    static Result<QSet<quint32>> liveSessions(QSqlDatabase &db);

    // The takeover countdown of every Online node in nodes (the whole list), at nowMs
    // (database time).
    static void applyCountdowns(QList<NodeInfo> &nodes, qint64 nowMs);
    // clusterVersion: the software version the cluster runs (SoftwareVersion::ofCluster).
    static NodeStatus deriveStatus(const NodeInfo &node, int clusterSchemaVersion,
                                   const QString &clusterVersion);
    // Whether a process with this id runs on this host (a zombie counts as ended).
    static bool processAlive(qint64 pid);
    // Who can see whose processes: the kernel's boot id and this process's PID namespace.
    // Two containers may share a host name, never both of these; empty when unknown.
    static QString hostIdentity();
};

} // namespace Cohort
