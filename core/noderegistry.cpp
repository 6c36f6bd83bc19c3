#include "noderegistry.h"

#include "alerts.h"
#include "auditlog.h"
#include "decommissionpreflight.h"
#include "jobpool.h"
#include "logging.h"
#include "nodeevents.h"
#include "schema.h"
#include "softwareversion.h"
#include "takeovers.h"

#include <QCryptographicHash>
#include <QFile>
#include <QtEndian>

#include <cerrno>
#include <csignal>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace {

constexpr qint32 LivenessLockClass = NodeRegistry::LivenessLockClass;

const QString NodeColumns = uR"(
    guid, name, description, api_address, version, schema_version, state, COALESCE(incarnation, ''),
    hostname, COALESCE(pid, 0), COALESCE(started_at, 0), COALESCE(last_heartbeat, 0),
    COALESCE(offline_since, 0), tz_name, tz_offset_seconds, clock_skew_ms, created_at,
    heartbeat_ms, offline_after_ms, heartbeat_count, host_id, upgrade_to, cert_sha256, config_hash, key_check,
    COALESCE(draining_since, 0))"_s;

// %1: columns; %2: the database clock.
const QString SelectNodeByGuid = u"SELECT %1, %2 FROM nodes WHERE guid = ?"_s;
const QString SelectNodeByRef =
    u"SELECT %1 FROM nodes WHERE guid = ? OR name = ? ORDER BY state = 'decommissioned', name"_s;

// %1: the database clock.
const QString InsertNode = uR"(
    INSERT INTO nodes (guid, name, api_address, version, schema_version, state, incarnation, hostname, pid,
                       started_at, last_heartbeat, tz_name, tz_offset_seconds, clock_skew_ms, created_at,
                       heartbeat_ms, offline_after_ms, heartbeat_count, host_id, cert_sha256, config_hash, key_check)
    VALUES (?, ?, ?, ?, ?, 'online', ?, ?, ?, %1, %1, ?, ?, ?, %1, ?, ?, 1, ?, ?, ?, ?))"_s;
const QString RejoinNode = uR"(
    UPDATE nodes
       SET name = ?, api_address = ?, version = ?, schema_version = ?, state = 'online', incarnation = ?,
           hostname = ?, pid = ?, started_at = %1, last_heartbeat = %1, offline_since = NULL,
           tz_name = ?, tz_offset_seconds = ?, clock_skew_ms = ?,
           heartbeat_ms = ?, offline_after_ms = ?, heartbeat_count = heartbeat_count + 1, host_id = ?,
           cert_sha256 = ?, config_hash = ?, key_check = ?, upgrade_to = '', draining_since = NULL
     WHERE guid = ? AND state <> 'decommissioned')"_s;
const QString SelectJoinedAt = u"SELECT started_at FROM nodes WHERE guid = ?"_s;

const QString Beat = uR"(
    UPDATE nodes SET last_heartbeat = %1, heartbeat_count = heartbeat_count + 1, heartbeat_ms = ?, offline_after_ms = ?
     WHERE guid = ? AND incarnation = ? AND state = 'online')"_s;
const QString SelectState =
    u"SELECT state, COALESCE(last_heartbeat, 0), upgrade_to FROM nodes WHERE guid = ?"_s;
// How soon a peer may declare this node Offline: each allows max(its threshold, 2 x our interval).
const QString SelectPeersAllow = uR"(
    SELECT MIN(CASE WHEN offline_after_ms > ? THEN offline_after_ms ELSE ? END)
      FROM nodes WHERE state = 'online' AND guid <> ? AND offline_after_ms > 0)"_s;

const QString SelectOnlinePeers = uR"(
    SELECT guid, name, COALESCE(incarnation, ''), api_address, host_id, COALESCE(pid, 0), heartbeat_count,
           heartbeat_ms, %1 - COALESCE(last_heartbeat, 0)
      FROM nodes WHERE state = 'online' AND guid <> ?)"_s;
// %1: the database clock; %2: further conditions (the heartbeat counter, the session lock).
const QString MarkOffline = uR"(
    UPDATE nodes SET state = 'offline', offline_since = %1
     WHERE guid = ? AND state = 'online' AND COALESCE(incarnation, '') = ? %2)"_s;

const QString Leave = uR"(
    UPDATE nodes SET state = 'offline', offline_since = %1
     WHERE guid = ? AND incarnation = ? AND state = 'online')"_s;

const QString RecordOldVersion = uR"(
    UPDATE nodes SET version = ?, schema_version = ?, upgrade_to = ?, state = 'offline',
           offline_since = COALESCE(offline_since, %1)
     WHERE guid = ? AND state <> 'decommissioned')"_s;
const QString InsertOldVersion = uR"(
    INSERT INTO nodes (guid, name, api_address, version, schema_version, upgrade_to, state, hostname, pid,
                       offline_since, tz_name, tz_offset_seconds, created_at)
    VALUES (?, ?, ?, ?, ?, ?, 'offline', ?, ?, %1, ?, ?, %1))"_s;

const QString Decommission = uR"(
    UPDATE nodes SET state = 'decommissioned', decommissioned_at = %1, incarnation = NULL
     WHERE guid = ? AND state = 'offline')"_s;
const QString DeleteLinks = u"DELETE FROM node_links WHERE from_node = ? OR to_node = ?"_s;
// %1: the database clock.
const QString ClearNodeAlerts = uR"(
    UPDATE alerts SET cleared_at = %1, cleared_by = ? WHERE node_guid = ? AND cleared_at IS NULL)"_s;

// %1: columns. Activity is summed once per node and joined, not counted by a sub-query
// per node: with 200 nodes that is one pass over the last hour of job_stats (a range on
// its primary key) instead of 200. The bound is a value, so the planner can use it.
const QString SelectList = uR"(
    SELECT %1, COALESCE(a.finished, 0), COALESCE(r.running, 0)
      FROM nodes
      LEFT JOIN (SELECT node_guid, SUM(succeeded + failed) AS finished FROM job_stats
                  WHERE minute >= ? GROUP BY node_guid) a ON a.node_guid = nodes.guid
      LEFT JOIN (SELECT claimed_by, COUNT(*) AS running FROM jobs
                  WHERE state = 'running' GROUP BY claimed_by) r ON r.claimed_by = nodes.guid
     WHERE nodes.state <> 'decommissioned' ORDER BY nodes.name, nodes.guid)"_s;

const QString SelectLiveSessions = uR"(
    SELECT objid FROM pg_locks
     WHERE locktype = 'advisory' AND classid = ? AND objsubid = 2 AND granted)"_s;

constexpr int NodeColumnCount = 26;

NodeInfo readNode(const QSqlQuery &query)
{
    NodeInfo node;
    node.guid = query.value(0).toString();
    node.name = query.value(1).toString();
    node.description = query.value(2).toString();
    node.apiAddress = query.value(3).toString();
    node.version = query.value(4).toString();
    node.schemaVersion = query.value(5).toInt();
    node.state = query.value(6).toString();
    node.incarnation = query.value(7).toString();
    node.hostname = query.value(8).toString();
    node.pid = query.value(9).toLongLong();
    node.startedAt = query.value(10).toLongLong();
    node.lastHeartbeat = query.value(11).toLongLong();
    node.offlineSince = query.value(12).toLongLong();
    node.tzName = query.value(13).toString();
    node.tzOffsetSeconds = query.value(14).toInt();
    node.clockSkewMs = query.value(15).toLongLong();
    node.createdAt = query.value(16).toLongLong();
    node.heartbeatMs = query.value(17).toLongLong();
    node.offlineAfterMs = query.value(18).toLongLong();
    node.heartbeatCount = query.value(19).toLongLong();
    node.hostId = query.value(20).toString();
    node.upgradeTo = query.value(21).toString();
    node.certSha256 = query.value(22).toString();
    node.configHash = query.value(23).toString();
    node.keyCheck = query.value(24).toString();
    node.drainingSince = query.value(25).toLongLong();
    return node;
}

// The node named by GUID or by a name only one node has.
Result<NodeInfo> findIn(QSqlDatabase &db, const QString &ref)
{
    auto query = execQuery(db, SelectNodeByRef.arg(NodeColumns), {ref, ref},
                           NodeRegistry::tr("finding node %1").arg(ref));
    if (!query)
        return query.error();
    QList<NodeInfo> found;
    while (query->next())
        found.append(readNode(*query));
    for (const NodeInfo &node : std::as_const(found)) {
        if (node.guid == ref)
            return node;
    }
    // Decommissioned nodes keep their names; a live one of the same name is meant.
    QList<NodeInfo> current;
    for (const NodeInfo &node : std::as_const(found)) {
        if (node.state != u"decommissioned"_s)
            current.append(node);
    }
    if (current.size() == 1)
        return current.first();
    if (current.isEmpty() && found.size() == 1)
        return found.first();
    if (found.isEmpty())
        return makeError(ErrorCode::NotFound, NodeRegistry::tr("No node is called \"%1\".").arg(ref));
    QStringList guids;
    for (const NodeInfo &node : std::as_const(current.isEmpty() ? found : current))
        guids << node.guid;
    return makeError(ErrorCode::InvalidArgument,
                     NodeRegistry::tr("Several nodes are called \"%1\"; name one by its GUID: %2.")
                         .arg(ref, guids.join(u", "_s)));
}

// Text columns are NOT NULL; a null QString would bind as NULL.
NodeJoin withEmptyTexts(NodeJoin request)
{
    for (QString *text :
         {&request.name, &request.apiAddress, &request.version, &request.hostname, &request.tzName,
          &request.hostId, &request.certSha256, &request.configHash, &request.keyCheck}) {
        if (text->isNull())
            *text = u""_s;
    }
    return request;
}

} // namespace

quint32 NodeRegistry::livenessKey(const QString &guid)
{
    const QByteArray digest = QCryptographicHash::hash(guid.toUtf8(), QCryptographicHash::Sha256);
    // 31 bits: pg_locks shows the key as an unsigned oid, the lock takes a signed int.
    return qFromBigEndian<quint32>(digest.constData()) & 0x7fffffffu;
}

Result<bool> NodeRegistry::tryLivenessLock(QSqlDatabase &db, const QString &guid)
{
    auto query =
        execQuery(db, u"SELECT pg_try_advisory_lock(?, ?)"_s, {LivenessLockClass, qint32(livenessKey(guid))},
                  tr("taking the node's session lock"));
    if (!query)
        return query.error();
    return query->next() && query->value(0).toBool();
}

QString NodeRegistry::hostIdentity()
{
    QFile bootId(u"/proc/sys/kernel/random/boot_id"_s);
    if (!bootId.open(QIODevice::ReadOnly))
        return {};
    const QString boot = QString::fromLatin1(bootId.readAll().trimmed());
    // "pid:[4026531836]": the PID namespace this process sees others' processes in.
    char link[128] = {};
    const ssize_t length = ::readlink("/proc/self/ns/pid", link, sizeof link - 1);
    const QString pidNamespace = length > 0 ? QString::fromLatin1(link, length) : QString();
    if (boot.isEmpty() || pidNamespace.isEmpty())
        return {};
    return boot + u' ' + pidNamespace;
}

Result<QSet<quint32>> NodeRegistry::liveSessions(QSqlDatabase &db)
{
    auto query =
        execQuery(db, SelectLiveSessions, {LivenessLockClass}, tr("reading the nodes' session locks"));
    if (!query)
        return query.error();
    QSet<quint32> keys;
    while (query->next())
        keys.insert(query->value(0).toUInt());
    return keys;
}

bool NodeRegistry::processAlive(qint64 pid)
{
    if (pid <= 0)
        return false;
    if (::kill(pid_t(pid), 0) != 0 && errno != EPERM)
        return false;
    // An ended child its parent has not reaped yet is still there, as a zombie.
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (stat.open(QIODevice::ReadOnly)) {
        const QByteArray line = stat.readAll();
        const qsizetype close = line.lastIndexOf(')');
        if (close > 0 && close + 2 < line.size() && (line.at(close + 2) == 'Z' || line.at(close + 2) == 'X'))
            return false;
    }
    return true;
}

NodeStatus NodeRegistry::deriveStatus(const NodeInfo &node, int clusterSchemaVersion,
                                      const QString &clusterVersion)
{
    if (node.state == u"decommissioned"_s)
        return NodeStatus::Decommissioned;
    // Marked by the newer node that took over: it claims nothing from that moment, even
    // while it still finishes what it ran and stops.
    if (!node.upgradeTo.isEmpty())
        return NodeStatus::UpgradeRequired;
    if (node.state == u"online"_s)
        return NodeStatus::Online;
    if (node.schemaVersion < clusterSchemaVersion
        || (!clusterVersion.isEmpty() && SoftwareVersion::compare(node.version, clusterVersion) < 0))
        return NodeStatus::UpgradeRequired;
    return NodeStatus::Offline;
}

Result<JoinOutcome> NodeRegistry::join(Database &database, const NodeJoin &given)
{
    const NodeJoin request = withEmptyTexts(given);
    const Dialect &dialect = database.dialect();
    QString refusedClone; // why, when another live process runs this GUID
    auto joined = database.write([&](QSqlDatabase &db) -> Result<JoinOutcome> {
        auto existing = execQuery(db, SelectNodeByGuid.arg(NodeColumns, dialect.nowMillis()), {request.guid},
                                  tr("looking up node %1").arg(request.guid));
        if (!existing)
            return existing.error();
        JoinOutcome outcome;
        qint64 now = 0;
        if (existing->next()) {
            outcome.known = true;
            const NodeInfo node = readNode(*existing);
            now = existing->value(NodeColumnCount).toLongLong();
            if (node.state == u"decommissioned"_s) {
                return makeError(
                    ErrorCode::AccessDenied,
                    tr("Node %1 (\"%2\") was decommissioned and cannot rejoin the cluster. To join "
                       "this machine as a new node, delete %3 and start again.")
                        .arg(node.guid, node.name, request.guidFile));
            }
            if (node.state == u"online"_s && node.incarnation != request.incarnation) {
                // On PostgreSQL the session lock this process holds proves the previous
                // run is gone. Elsewhere: a recent heartbeat, unless its process is known
                // to have ended where this process can see it (the same kernel and PID
                // namespace, not merely the same host name).
                // The same process id there is this very process's (a container
                // restarted as PID 1, say): the previous run is over.
                const bool ended = !request.hostId.isEmpty() && node.hostId == request.hostId
                                   && (node.pid == request.pid || !processAlive(node.pid));
                const bool alive =
                    !request.livenessLockHeld && !ended && now - node.lastHeartbeat <= request.offlineAfterMs;
                if (alive) {
                    refusedClone =
                        tr("Refused process %1 on %2: process %3 on %4 runs this node (last heartbeat "
                           "%5 s ago).")
                            .arg(request.pid)
                            .arg(request.hostname)
                            .arg(node.pid)
                            .arg(node.hostname)
                            .arg((now - node.lastHeartbeat) / 1000);
                    return makeError(
                        ErrorCode::Conflict,
                        tr("Another live cohort-node (process %1 on %2, last heartbeat %3 s ago) "
                           "already runs as node %4. If this machine was cloned from another, "
                           "delete %5 to join as a new node.")
                            .arg(node.pid)
                            .arg(node.hostname)
                            .arg((now - node.lastHeartbeat) / 1000)
                            .arg(node.guid, request.guidFile));
                }
            }
        }
        existing->finish();
        if (now == 0) {
            auto clock =
                execQuery(db, u"SELECT "_s + dialect.nowMillis(), {}, tr("reading the database clock"));
            if (!clock)
                return clock.error();
            now = clock->next() ? clock->value(0).toLongLong() : 0;
        }
        const qint64 skew = request.clockMs == 0 ? 0 : request.clockMs - now;

        if (outcome.known) {
            auto updated = execQuery(db, RejoinNode.arg(dialect.nowMillis()),
                                     {request.name, request.apiAddress, request.version,
                                      Schema::CurrentVersion, request.incarnation, request.hostname,
                                      request.pid, request.tzName, request.tzOffsetSeconds, skew,
                                      request.heartbeatMs, request.offlineAfterMs, request.hostId,
                                      request.certSha256, request.configHash, request.keyCheck, request.guid},
                                     tr("registering node %1").arg(request.guid));
            if (!updated)
                return updated.error();
            if (updated->numRowsAffected() != 1)
                return makeError(ErrorCode::Conflict,
                                 tr("Node %1 changed while it joined; try again.").arg(request.guid));
        } else {
            auto inserted = execQuery(db, InsertNode.arg(dialect.nowMillis()),
                                      {request.guid, request.name, request.apiAddress, request.version,
                                       Schema::CurrentVersion, request.incarnation, request.hostname,
                                       request.pid, request.tzName, request.tzOffsetSeconds, skew,
                                       request.heartbeatMs, request.offlineAfterMs, request.hostId,
                                       request.certSha256, request.configHash, request.keyCheck},
                                      tr("registering node %1").arg(request.guid));
            if (!inserted)
                return inserted.error();
        }

        // Running the cluster's version (checked under the migration lock before joining),
        // it needs no upgrade any more; and joined, it is no longer Offline. (The alerts
        // stay in the list, cleared by the node itself; its timeline keeps the takeover.)
        for (const QString &kind : {AlertKind::UpgradeRequired, AlertKind::NodeOffline}) {
            if (auto resolved = Alerts::resolve(db, dialect, kind, request.guid, request.guid); !resolved)
                return resolved.error();
        }

        // Whatever a previous run of this node held is ours to give back.
        auto recovered = JobPool::releaseClaims(db, dialect, request.guid,
                                                tr("node %1 restarted while running it").arg(request.name));
        if (!recovered)
            return recovered.error();
        outcome.recoveredJobs = *recovered;

        const QString self = request.name;
        if (!outcome.known) {
            if (auto noted = NodeEvents::record(db, dialect,
                                                {.nodeGuid = request.guid,
                                                 .kind = NodeEventKind::Joined,
                                                 .actor = request.guid,
                                                 .actorName = self,
                                                 .details = tr("First joined the cluster as %1.").arg(self)});
                !noted)
                return noted.error();
        }
        if (auto noted = NodeEvents::record(
                db, dialect,
                {.nodeGuid = request.guid,
                 .kind = NodeEventKind::Online,
                 .actor = request.guid,
                 .actorName = self,
                 .details = tr("Version %1 at %2, process %3 on %4.")
                                .arg(request.version,
                                     request.apiAddress.isEmpty() ? tr("no API address") : request.apiAddress)
                                .arg(request.pid)
                                .arg(request.hostname)});
            !noted)
            return noted.error();
        if (*recovered > 0) {
            if (auto noted = NodeEvents::record(
                    db, dialect,
                    {.nodeGuid = request.guid,
                     .kind = NodeEventKind::JobsHandedBack,
                     .actor = request.guid,
                     .actorName = self,
                     .details = tr("%n job(s) a previous run still held went back to the pool.", nullptr,
                                   *recovered)});
                !noted)
                return noted.error();
        }

        auto joinedAt = execQuery(db, SelectJoinedAt, {request.guid}, tr("reading the join time"));
        if (!joinedAt)
            return joinedAt.error();
        outcome.joinedAt = joinedAt->next() ? joinedAt->value(0).toLongLong() : now;
        joinedAt->finish();

        // Manager Time Out of Sync is the health monitor's (TimeCheck), at start and after.
        return outcome;
    });
    if (!joined && !refusedClone.isEmpty()) {
        // The refusal rolled back everything else; its event is written on its own.
        if (auto noted = NodeEvents::recordIfKnown(database, {.nodeGuid = request.guid,
                                                              .kind = NodeEventKind::CloneRefused,
                                                              .actor = request.guid,
                                                              .actorName = request.name,
                                                              .details = refusedClone});
            !noted)
            qCWarning(lcCore).noquote() << "could not record the refused clone:" << noted.error().message;
    }
    return joined;
}

Result<Heartbeat> NodeRegistry::heartbeat(Database &database, const QString &guid, const QString &incarnation,
                                          qint64 heartbeatMs, qint64 offlineAfterMs)
{
    const Dialect &dialect = database.dialect();
    return database.write([&](QSqlDatabase &db) -> Result<Heartbeat> {
        auto beat =
            execQuery(db, Beat.arg(dialect.nowMillis()), {heartbeatMs, offlineAfterMs, guid, incarnation},
                      tr("recording the heartbeat"));
        if (!beat)
            return beat.error();
        Heartbeat result;
        result.online = beat->numRowsAffected() == 1;
        beat->finish();
        auto state = execQuery(db, SelectState, {guid}, tr("reading the node's state"));
        if (!state)
            return state.error();
        if (state->next()) {
            result.state = state->value(0).toString();
            result.at = state->value(1).toLongLong();
            result.upgradeTo = state->value(2).toString();
        }
        state->finish();
        auto allow = execQuery(db, SelectPeersAllow, {2 * heartbeatMs, 2 * heartbeatMs, guid},
                               tr("reading the peers' thresholds"));
        if (!allow)
            return allow.error();
        result.peersAllowMs = allow->next() ? allow->value(0).toLongLong() : 0;
        allow->finish();
        auto schema = Schema::version(db, dialect);
        if (!schema)
            return schema.error();
        result.schemaVersion = *schema;
        return result;
    });
}

Result<QList<PeerBeat>> NodeRegistry::onlinePeers(Database &database, const QString &selfGuid)
{
    auto query = database.exec(SelectOnlinePeers.arg(database.dialect().nowMillis()), {selfGuid},
                               tr("checking the peers"));
    if (!query)
        return query.error();
    QList<PeerBeat> peers;
    while (query->next()) {
        PeerBeat peer;
        peer.guid = query->value(0).toString();
        peer.name = query->value(1).toString();
        peer.incarnation = query->value(2).toString();
        peer.apiAddress = query->value(3).toString();
        peer.hostId = query->value(4).toString();
        peer.pid = query->value(5).toLongLong();
        peer.heartbeatCount = query->value(6).toLongLong();
        peer.heartbeatMs = query->value(7).toLongLong();
        peer.ageMs = query->value(8).toLongLong();
        peers.append(peer);
    }
    return peers;
}

Result<bool> NodeRegistry::markOffline(Database &database, const NodeDeath &death, const QString &byGuid)
{
    const Dialect &dialect = database.dialect();
    return database.write([&](QSqlDatabase &db) -> Result<bool> {
        QVariantList values{death.guid, death.incarnation};
        QString condition;
        if (death.heartbeatCount >= 0) {
            // It beat since the peer looked: alive after all.
            condition = u"AND heartbeat_count = ?"_s;
            values << death.heartbeatCount;
        }
        if (death.sessionEnded) {
            // Looked at again under the row's lock: the node may have (re)taken its lock
            // since the list was read.
            condition +=
                u" AND NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = ? "
                "AND objid = ? AND objsubid = 2 AND granted)"_s;
            values << LivenessLockClass << qint64(livenessKey(death.guid));
        }
        auto marked = execQuery(db, MarkOffline.arg(dialect.nowMillis(), condition), values,
                                tr("marking node %1 Offline").arg(death.name));
        if (!marked)
            return marked.error();
        if (marked->numRowsAffected() != 1)
            return false; // another peer was first, or the node came back
        marked->finish();
        auto takeover = Takeovers::record(db, dialect, death.guid, byGuid, death.reason);
        if (!takeover)
            return takeover.error();
        auto released = JobPool::releaseClaims(db, dialect, death.guid,
                                               tr("node %1 went offline while running it").arg(death.name));
        if (!released)
            return released.error();
        if (auto noted = NodeEvents::record(
                db, dialect,
                {.nodeGuid = death.guid,
                 .kind = NodeEventKind::Offline,
                 .actor = byGuid,
                 .actorName = takeover->markedByName,
                 .details = tr("Marked Offline by %1: %2.")
                                .arg(takeover->markedByName.isEmpty() ? byGuid : takeover->markedByName,
                                     death.reason),
                 .takeoverId = takeover->id});
            !noted)
            return noted.error();
        if (*released > 0) {
            if (auto noted = NodeEvents::record(
                    db, dialect,
                    {.nodeGuid = death.guid,
                     .kind = NodeEventKind::JobsHandedBack,
                     .actor = byGuid,
                     .actorName = takeover->markedByName,
                     .details = tr("%n job(s) it held went back to the pool.", nullptr, *released),
                     .takeoverId = takeover->id});
                !noted)
                return noted.error();
        }
        auto raised = Alerts::raise(
            db, dialect, AlertKind::NodeOffline, Alerts::Severity::Critical, death.guid,
            tr("Manager node %1 is Offline: %2. %n job(s) went back to the pool.", nullptr, *released)
                .arg(death.name, death.reason));
        if (!raised)
            return raised.error();
        qCInfo(lcCore).noquote() << "node" << byGuid << "marked node" << death.name
                                 << "Offline:" << death.reason << "-" << *released << "jobs back in the pool";
        return true;
    });
}

Result<void> NodeRegistry::recordKeyCheck(Database &database, const QString &guid, const QString &keyCheck)
{
    auto updated = database.exec(u"UPDATE nodes SET key_check = ? WHERE guid = ?"_s, {keyCheck, guid},
                                 tr("recording the data key node %1 holds").arg(guid));
    if (!updated)
        return updated.error();
    return {};
}

Result<void> NodeRegistry::leave(Database &database, const QString &guid, const QString &incarnation,
                                 const QString &reason, const QString &jobsReason)
{
    const Dialect &dialect = database.dialect();
    return database.write([&](QSqlDatabase &db) -> Result<void> {
        auto left = execQuery(db, Leave.arg(dialect.nowMillis()), {guid, incarnation},
                              tr("marking this node Offline"));
        if (!left)
            return left.error();
        if (left->numRowsAffected() != 1)
            return {}; // a peer did it already, and handed the jobs back
        left->finish();
        auto released = JobPool::releaseClaims(db, dialect, guid, jobsReason.isEmpty() ? reason : jobsReason);
        if (!released)
            return released.error();
        if (auto noted = NodeEvents::record(db, dialect,
                                            {.nodeGuid = guid,
                                             .kind = NodeEventKind::Stopped,
                                             .actor = guid,
                                             .actorName = {},
                                             .details = reason});
            !noted)
            return noted.error();
        if (*released > 0) {
            if (auto noted = NodeEvents::record(
                    db, dialect,
                    {.nodeGuid = guid,
                     .kind = NodeEventKind::JobsHandedBack,
                     .actor = guid,
                     .actorName = {},
                     .details = tr("%n job(s) not finished within the grace went back to the pool.", nullptr,
                                   *released)});
                !noted)
                return noted.error();
        }
        return {};
    });
}

Result<void> NodeRegistry::recordUpgradeRequired(Database &database, const NodeJoin &given,
                                                 const QString &requiredVersion)
{
    const NodeJoin request = withEmptyTexts(given);
    const Dialect &dialect = database.dialect();
    return database.write([&](QSqlDatabase &db) -> Result<void> {
        auto updated = execQuery(db, RecordOldVersion.arg(dialect.nowMillis()),
                                 {request.version, Schema::CurrentVersion, requiredVersion, request.guid},
                                 tr("recording this node's version"));
        if (!updated)
            return updated.error();
        if (updated->numRowsAffected() == 0) {
            auto inserted = execQuery(db, InsertOldVersion.arg(dialect.nowMillis()),
                                      {request.guid, request.name, request.apiAddress, request.version,
                                       Schema::CurrentVersion, requiredVersion, request.hostname, request.pid,
                                       request.tzName, request.tzOffsetSeconds},
                                      tr("recording this node's version"));
            if (!inserted)
                return inserted.error();
        }
        auto raised =
            Alerts::raise(db, dialect, AlertKind::UpgradeRequired, Alerts::Severity::Warning, request.guid,
                          tr("Manager node %1 runs version %2; the cluster runs %3. Upgrade it: until "
                             "then it does no work.")
                              .arg(request.name, request.version, requiredVersion));
        if (!raised)
            return raised.error();
        if (auto noted =
                NodeEvents::record(db, dialect,
                                   {.nodeGuid = request.guid,
                                    .kind = NodeEventKind::UpgradeRequired,
                                    .actor = request.guid,
                                    .actorName = request.name,
                                    .details = tr("Refused at start: it runs version %1, the cluster %2.")
                                                   .arg(request.version, requiredVersion)});
            !noted)
            return noted.error();
        return {};
    });
}

Result<NodeInfo> NodeRegistry::decommission(Database &database, const QString &ref, const QString &actor,
                                            DecommissionPlan *done)
{
    const Dialect &dialect = database.dialect();
    return database.write(
        [&](QSqlDatabase &db) -> Result<NodeInfo> { return decommissionIn(db, dialect, ref, actor, done); });
}

Result<NodeInfo> NodeRegistry::decommissionIn(QSqlDatabase &db, const Dialect &dialect, const QString &ref,
                                              const QString &actor, DecommissionPlan *done)
{
    auto node = findIn(db, ref);
    if (!node)
        return node.error();
    // The pre-flight, again, in this transaction: what it lists is what this changes.
    auto plan = DecommissionPreflight::gather(db, node->guid, node->name, node->state);
    if (!plan)
        return plan.error();
    auto updated = execQuery(db, Decommission.arg(dialect.nowMillis()), {node->guid},
                             tr("decommissioning node %1").arg(node->name));
    if (!updated)
        return updated.error();
    if (updated->numRowsAffected() != 1) {
        // The row may have changed since it was read (PostgreSQL): name its state now.
        updated->finish();
        auto current = findIn(db, node->guid);
        if (!current)
            return current.error();
        if (current->state == u"decommissioned"_s)
            return makeError(ErrorCode::Conflict,
                             tr("Node %1 (%2) is already decommissioned.").arg(node->name, node->guid));
        return makeError(
            ErrorCode::Conflict,
            tr("Node %1 (%2) is Online; only an Offline node can be decommissioned. Stop it first, "
               "or wait until its peers mark it Offline.")
                .arg(node->name, node->guid));
    }
    updated->finish();
    auto unlinked = execQuery(db, DeleteLinks, {node->guid, node->guid}, tr("removing the node's links"));
    if (!unlinked)
        return unlinked.error();
    auto released =
        JobPool::releaseClaims(db, dialect, node->guid, tr("node %1 was decommissioned").arg(node->name));
    if (!released)
        return released.error();
    auto cleared = execQuery(db, ClearNodeAlerts.arg(dialect.nowMillis()), {actor, node->guid},
                             tr("clearing the alerts of node %1").arg(node->name));
    if (!cleared)
        return cleared.error();
    cleared->finish();
    if (auto audited =
            AuditLog::record(db, dialect, actor, u"node.decommission"_s, node->guid,
                             u"name=%1 version=%2 agents=%3 list_version=%4 local_runs=%5 alerts_cleared=%6"_s
                                 .arg(node->name, node->version)
                                 .arg(plan->agents.size())
                                 .arg(plan->nextListVersion)
                                 .arg(plan->localRuns)
                                 .arg(plan->alerts.size()));
        !audited)
        return audited.error();
    if (done)
        *done = *plan;
    if (auto noted = NodeEvents::record(db, dialect,
                                        {.nodeGuid = node->guid,
                                         .kind = NodeEventKind::Decommissioned,
                                         .actor = actor,
                                         .actorName = {},
                                         .details = tr("Decommissioned by %1.").arg(actor)});
        !noted)
        return noted.error();
    NodeInfo result = *node;
    result.state = u"decommissioned"_s;
    result.status = NodeStatus::Decommissioned;
    return result;
}

Result<QList<NodeInfo>> NodeRegistry::list(Database &database)
{
    auto schema = Schema::version(database);
    if (!schema)
        return schema.error();
    auto now =
        database.exec(u"SELECT "_s + database.dialect().nowMillis(), {}, tr("reading the database clock"));
    if (!now)
        return now.error();
    const qint64 nowMs = now->next() ? now->value(0).toLongLong() : 0;
    now->finish();
    const qint64 hourAgo = nowMs - 3600 * 1000;
    auto query = database.exec(SelectList.arg(NodeColumns), {hourAgo}, tr("listing the nodes"));
    if (!query)
        return query.error();
    QList<NodeInfo> nodes;
    while (query->next()) {
        NodeInfo node = readNode(*query);
        node.jobsLastHour = query->value(NodeColumnCount).toLongLong();
        node.runningJobs = query->value(NodeColumnCount + 1).toLongLong();
        nodes.append(node);
    }
    query->finish();
    auto clusterVersion = SoftwareVersion::ofCluster(database);
    if (!clusterVersion)
        return clusterVersion.error();
    for (NodeInfo &node : nodes) {
        node.status = deriveStatus(node, *schema, *clusterVersion);
        if (node.status == NodeStatus::UpgradeRequired)
            node.requiredVersion = clusterVersion->isEmpty() ? node.upgradeTo : *clusterVersion;
    }
    applyCountdowns(nodes, nowMs);
    return nodes;
}

Result<NodeInfo> NodeRegistry::find(Database &database, const QString &ref)
{
    auto db = database.connection();
    if (!db)
        return db.error();
    auto node = findIn(*db, ref);
    if (!node)
        return node.code() == ErrorCode::Unavailable ? database.noteFailure(db, node.error()) : node.error();
    auto all = list(database);
    if (all) {
        for (const NodeInfo &listed : std::as_const(*all)) {
            if (listed.guid == node->guid)
                return listed;
        }
    }
    NodeInfo result = *node;
    result.status = deriveStatus(result, Schema::CurrentVersion, {});
    return result;
}

} // namespace Cohort
