#include "seed.h"

#include "benchsupport.h"
#include "noderegistry.h"

#include <QRandomGenerator>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

namespace {

constexpr qint64 MinuteMs = 60 * 1000;
constexpr int HourMinutes = 60;
constexpr int IdleMinutes = 20; // how long ago nodes that are not Online stopped
// Rows per INSERT of job statistics (six values each, well under either database's
// limit on bound values).
constexpr int StatsRowsPerInsert = 400;
const QString OldVersion = u"0.0.9"_s; // older than every node built from this tree
const QString InsertStatsRow = u"(?, ?, ?, ?, ?, ?)"_s;
const QString InsertStats =
    u"INSERT INTO job_stats (minute, node_guid, job_type, succeeded, failed, total_ms) VALUES "_s;
// The rows before the last hour, made by the database in one statement that both dialects
// read the same: every minute %1 to %2 minutes before %5 (the current minute), every node
// of %3 (guid, n), every type of %4 (name, t); counts from 1 to 32, one in 20 rows with
// a failure.
const QString InsertOlderStats = uR"(
    WITH RECURSIVE ago(m) AS (SELECT %1 UNION ALL SELECT m + 1 FROM ago WHERE m < %2),
         seeded_nodes(guid, n) AS (VALUES %3),
         seeded_types(name, t) AS (VALUES %4)
    INSERT INTO job_stats (minute, node_guid, job_type, succeeded, failed, total_ms)
    SELECT minute, guid, name, jobs - failed, failed, jobs * ms_per_job
      FROM (SELECT %5 - ago.m * 60000 AS minute, seeded_nodes.guid AS guid, seeded_types.name AS name,
                   1 + (ago.m * 31 + seeded_nodes.n * 17 + seeded_types.t * 7) % 32 AS jobs,
                   CASE WHEN (ago.m + seeded_nodes.n * 3 + seeded_types.t) % 20 = 0 THEN 1 ELSE 0 END AS failed,
                   1 + (ago.m + seeded_nodes.n + seeded_types.t) % 29 AS ms_per_job
              FROM ago, seeded_nodes, seeded_types) generated)"_s;
// After the registry's own types, names as an operator's job types read.
const QStringList MadeUpTypes = {
    u"inventory-sync"_s, u"agent-deploy"_s, u"patch-scan"_s,    u"backup-verify"_s,  u"log-ship"_s,
    u"cert-renew"_s,     u"report-daily"_s, u"disk-cleanup"_s,  u"config-push"_s,    u"health-audit"_s,
    u"license-check"_s,  u"user-sync"_s,    u"index-rebuild"_s, u"metrics-export"_s, u"alert-digest"_s,
    u"snapshot-prune"_s, u"quota-check"_s,
};

enum class Kind { Online, Offline, Left, UpgradeRequired };

// Spread over the list, as in a real cluster: every 10th node is Offline (peers marked
// it, with an alert, or it stopped), every 25th runs an old version.
Kind kindOf(int index)
{
    if (index % 25 == 12)
        return Kind::UpgradeRequired;
    if (index % 10 == 4)
        return Kind::Offline;
    if (index % 10 == 9 && index % 20 == 19)
        return Kind::Left;
    return Kind::Online;
}

Error seedError(const QString &doing, const Error &error)
{
    return makeError(error.code, doing + u": "_s + error.message);
}

QString sqlText(const QString &text)
{
    QString quoted = text;
    return u"'"_s + quoted.replace(u"'"_s, u"''"_s) + u"'"_s;
}

// One row of job_stats: jobs = succeeded + failed.
struct StatsRow
{
    int minutesAgo;
    int node; // index into the seed's nodes
    int type; // index into the plan's types
    qint64 jobs;
    qint64 failed;
    qint64 msPerJob;
};

// Scales the rows' jobs so that they add up to exactly total, each keeping at least one.
void scaleTo(QList<StatsRow> &rows, qint64 total)
{
    const auto count = qint64(rows.size());
    qint64 sum = 0;
    for (const StatsRow &row : std::as_const(rows))
        sum += row.jobs;
    if (count == 0 || total < count || sum <= count)
        return;
    qint64 scaled = 0;
    for (StatsRow &row : rows) {
        row.jobs = 1 + (row.jobs - 1) * (total - count) / (sum - count);
        scaled += row.jobs;
    }
    for (qsizetype i = 0; scaled < total; i = (i + 1) % rows.size(), ++scaled)
        ++rows[i].jobs;
    for (StatsRow &row : rows)
        row.failed = row.failed > 0 ? qMax<qint64>(1, row.jobs / 5) : 0;
}

Result<void> insertStats(Database &database, const QList<StatsRow> &rows, const QList<SeededNode> &nodes,
                         const QStringList &types, qint64 thisMinute)
{
    return database.write([&](QSqlDatabase &db) -> Result<void> {
        for (qsizetype first = 0; first < rows.size(); first += StatsRowsPerInsert) {
            QVariantList values;
            QStringList placeholders;
            for (qsizetype i = first; i < qMin(rows.size(), first + StatsRowsPerInsert); ++i) {
                const StatsRow &row = rows.at(i);
                values << thisMinute - row.minutesAgo * MinuteMs << nodes.at(row.node).guid
                       << types.at(row.type) << row.jobs - row.failed << row.failed
                       << row.jobs * row.msPerJob;
                placeholders << InsertStatsRow;
            }
            auto inserted =
                execQuery(db, InsertStats + placeholders.join(u", "_s), values, u"adding job statistics"_s);
            if (!inserted)
                return inserted.error();
        }
        return {};
    });
}

// Rows for the minutes before the last hour, in one statement.
Result<qint64> insertOlderStats(Database &database, const StatisticsPlan &plan,
                                const QList<SeededNode> &nodes, qint64 thisMinute)
{
    if (plan.minutes <= HourMinutes || nodes.isEmpty() || plan.jobTypes.isEmpty())
        return qint64(0);
    QStringList nodeValues;
    for (qsizetype i = 0; i < nodes.size(); ++i)
        nodeValues << u"(%1, %2)"_s.arg(sqlText(nodes.at(i).guid)).arg(i);
    QStringList typeValues;
    for (qsizetype i = 0; i < plan.jobTypes.size(); ++i)
        typeValues << u"(%1, %2)"_s.arg(sqlText(plan.jobTypes.at(i))).arg(i);
    const QString sql = InsertOlderStats.arg(HourMinutes)
                            .arg(plan.minutes - 1)
                            .arg(nodeValues.join(u", "_s), typeValues.join(u", "_s))
                            .arg(thisMinute);
    auto inserted = database.exec(sql, {}, u"adding older job statistics"_s);
    if (!inserted)
        return inserted.error();
    return qint64(plan.minutes - HourMinutes) * nodes.size() * plan.jobTypes.size();
}

} // namespace

QString Seed::describe() const
{
    QString text = u"%1 nodes (%2 online, %3 offline, %4 upgrade required), %5 job types, %6 job_stats rows "
                   "(%7 jobs in the last hour), %8 running jobs, %9 alerts"_s.arg(nodes.size())
                       .arg(online)
                       .arg(offline)
                       .arg(upgradeRequired)
                       .arg(jobTypes.size())
                       .arg(formatNumber(double(statsRows), 0), formatNumber(double(lastHourJobs), 0))
                       .arg(runningJobs)
                       .arg(alerts);
    if (links > 0)
        text += u", %1 node links (%2 unreachable)"_s.arg(links).arg(unreachableLinks);
    return text;
}

SeedPlan consoleSeedPlan(int nodeCount)
{
    SeedPlan plan;
    plan.nodes = nodeCount;
    plan.statistics.jobTypes = {u"noop"_s, u"sleep"_s, u"agent-offline-check"_s};
    return plan;
}

QStringList seededJobTypes(int jobTypes)
{
    QStringList types = {u"noop"_s, u"sleep"_s, u"agent-offline-check"_s};
    types += MadeUpTypes;
    for (int i = int(types.size()); i < jobTypes; ++i)
        types << u"batch-%1"_s.arg(i + 1, 3, 10, QChar(u'0'));
    return types.mid(0, jobTypes);
}

NodeJoin seededJoinRequest(int index, const SeededNode &node, const QString &version)
{
    NodeJoin request;
    request.guid = node.guid;
    request.name = node.name;
    request.apiAddress = u"10.4.%1.%2:8443"_s.arg(index / 200).arg(index % 200 + 10);
    request.version = version;
    request.incarnation = QUuid::createUuid().toString(QUuid::WithoutBraces);
    request.hostname = u"bench-manager-%1"_s.arg(index + 1, 3, 10, QChar(u'0'));
    request.pid = 1000 + index;
    request.tzName = u"UTC"_s;
    request.offlineAfterMs = 180000;
    request.guidFile = u"node.guid"_s;
    return request;
}

QList<ProbeResult> probeRound(const QList<SeededNode> &nodes, int from, int round, int flipping)
{
    // Positions among the Online nodes, so the pattern does not depend on the others.
    QList<int> online;
    for (int i = 0; i < nodes.size(); ++i) {
        if (!nodes.at(i).incarnation.isEmpty())
            online.append(i);
    }
    const auto fromPosition = int(online.indexOf(from));
    QList<ProbeResult> probes;
    for (int position = 0; position < online.size(); ++position) {
        const int to = online.at(position);
        if (to == from)
            continue;
        ProbeResult probe;
        probe.toNode = nodes.at(to).guid;
        const bool unreachable =
            position == 3 || (fromPosition * 7 + position) % 23 == 0 || (to == flipping && round % 2 == 1);
        if (unreachable) {
            probe.error = position == 3 ? u"connection timed out after 2000 ms"_s : u"connection refused"_s;
        } else {
            probe.reachable = true;
            probe.rttMs = 0.3 + double((fromPosition * 13 + position * 7 + round) % 40) / 10;
        }
        probes.append(probe);
    }
    return probes;
}

Result<Seed> seedCluster(Database &database, const SeedPlan &plan)
{
    const QString currentVersion = QStringLiteral(COHORT_VERSION_STRING);
    QRandomGenerator random(4); // the same cluster every run
    Seed seed;
    seed.jobTypes = plan.statistics.jobTypes;
    QList<Kind> kinds;

    for (int i = 0; i < plan.nodes; ++i) {
        SeededNode node;
        node.guid = QUuid::createUuid().toString(QUuid::WithoutBraces);
        node.name = u"manager-%1"_s.arg(i + 1, 3, 10, QChar(u'0'));
        const Kind kind = kindOf(i);
        kinds.append(kind);
        if (kind == Kind::UpgradeRequired) {
            // What an old node does when the schema is newer than it: records itself.
            const NodeJoin request = seededJoinRequest(i, node, OldVersion);
            if (auto recorded = NodeRegistry::recordUpgradeRequired(database, request, currentVersion);
                !recorded)
                return seedError(u"recording old node %1"_s.arg(node.name), recorded.error());
            ++seed.upgradeRequired;
            ++seed.alerts;
            seed.nodes.append(node);
            continue;
        }
        const NodeJoin request = seededJoinRequest(i, node, currentVersion);
        if (auto joined = NodeRegistry::join(database, request); !joined)
            return seedError(u"joining node %1"_s.arg(node.name), joined.error());
        if (kind == Kind::Offline) {
            // Declared dead by a peer: the conditional update, and the alert.
            NodeDeath death;
            death.guid = node.guid;
            death.name = node.name;
            death.incarnation = request.incarnation;
            death.reason = u"no heartbeat for 181 s"_s;
            auto marked = NodeRegistry::markOffline(database, death, u"bench"_s);
            if (!marked)
                return seedError(u"marking node %1 Offline"_s.arg(node.name), marked.error());
            ++seed.offline;
            ++seed.alerts;
        } else if (kind == Kind::Left) {
            if (auto left = NodeRegistry::leave(database, node.guid, request.incarnation, u"stopped"_s);
                !left)
                return seedError(u"stopping node %1"_s.arg(node.name), left.error());
            ++seed.offline;
        } else {
            node.incarnation = request.incarnation;
            ++seed.online;
        }
        seed.nodes.append(node);
    }

    // The last hour of statistics: every node, every minute, every type (nodes that are not
    // Online may have stopped finishing jobs a while ago); then the hours before it.
    auto now = JobPool::now(database);
    if (!now)
        return seedError(u"reading the database clock"_s, now.error());
    const qint64 thisMinute = *now / MinuteMs * MinuteMs;
    const StatisticsPlan &stats = plan.statistics;
    QList<StatsRow> rows;
    for (int i = 0; i < seed.nodes.size(); ++i) {
        const bool online = kinds.at(i) == Kind::Online;
        for (int minute = 0; minute < qMin(stats.minutes, HourMinutes); ++minute) {
            if (!online && stats.stoppedNodesIdle && minute < IdleMinutes)
                continue;
            for (int type = 0; type < stats.jobTypes.size(); ++type) {
                const qint64 succeeded = random.bounded(1, 60);
                const qint64 failed = random.bounded(20) == 0 ? 1 : 0;
                rows.append({minute, i, type, succeeded + failed, failed, random.bounded(1, 30)});
            }
        }
    }
    if (stats.lastHourJobs > 0)
        scaleTo(rows, stats.lastHourJobs);
    for (const StatsRow &row : std::as_const(rows))
        seed.lastHourJobs += row.jobs;
    if (auto inserted = insertStats(database, rows, seed.nodes, stats.jobTypes, thisMinute); !inserted)
        return seedError(u"adding job statistics"_s, inserted.error());
    seed.statsRows = rows.size();
    auto older = insertOlderStats(database, stats, seed.nodes, thisMinute);
    if (!older)
        return seedError(u"adding older job statistics"_s, older.error());
    seed.statsRows += *older;

    // Jobs running on every third Online node, one to four each, claimed the real way.
    QList<int> workers;
    for (int i = 0; i < seed.nodes.size(); ++i) {
        if (!seed.nodes.at(i).incarnation.isEmpty() && i % 3 == 0)
            workers.append(i);
    }
    JobSpec noop;
    noop.type = u"noop"_s;
    const QList<JobSpec> specs(workers.size() * 4, noop);
    if (auto submitted = JobPool::submit(database, specs); !submitted)
        return seedError(u"submitting jobs"_s, submitted.error());
    for (int i : std::as_const(workers)) {
        SeededNode &node = seed.nodes[i];
        JobPool pool(database, node.guid, node.incarnation);
        auto claimed = pool.claim(1 + i % 4);
        if (!claimed)
            return seedError(u"claiming jobs for %1"_s.arg(node.name), claimed.error());
        node.running = *claimed;
        seed.runningJobs += int(claimed->size());
    }

    // Every Online node's latest round of probes, recorded the way its PeerProber does.
    if (plan.links) {
        for (int i = 0; i < seed.nodes.size(); ++i) {
            if (seed.nodes.at(i).incarnation.isEmpty())
                continue;
            const QList<ProbeResult> probes = probeRound(seed.nodes, i, 0);
            if (auto recorded = NodeLinks::record(database, seed.nodes.at(i).guid, probes); !recorded)
                return seedError(u"recording the probes of %1"_s.arg(seed.nodes.at(i).name),
                                 recorded.error());
            seed.links += int(probes.size());
            for (const ProbeResult &probe : probes)
                seed.unreachableLinks += probe.reachable ? 0 : 1;
        }
    }
    return seed;
}

} // namespace Cohort::Bench
