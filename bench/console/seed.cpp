#include "seed.h"

#include "benchsupport.h"
#include "noderegistry.h"

#include <QRandomGenerator>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

namespace {

constexpr qint64 MinuteMs = 60 * 1000;
constexpr int StatsMinutes = 60;
// Rows per INSERT of job statistics (six values each, well under either database's
// limit on bound values).
constexpr int StatsRowsPerInsert = 400;
const QString OldVersion = u"0.0.9"_s; // older than every node built from this tree
const QString InsertStatsRow = u"(?, ?, ?, ?, ?, ?)"_s;
const QString InsertStats =
    u"INSERT INTO job_stats (minute, node_guid, job_type, succeeded, failed, total_ms) VALUES "_s;

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

NodeJoin joinRequest(int index, const QString &guid, const QString &name, const QString &version)
{
    NodeJoin request;
    request.guid = guid;
    request.name = name;
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

Error seedError(const QString &doing, const Error &error)
{
    return makeError(error.code, doing + u": "_s + error.message);
}

} // namespace

QString Seed::describe() const
{
    return u"%1 nodes (%2 online, %3 offline, %4 upgrade required), %5 job_stats rows, %6 running jobs, %7 alerts"_s
        .arg(nodes.size())
        .arg(online)
        .arg(offline)
        .arg(upgradeRequired)
        .arg(formatNumber(double(statsRows), 0))
        .arg(runningJobs)
        .arg(alerts);
}

QStringList seededJobTypes()
{
    return {u"noop"_s, u"sleep"_s, u"agent-offline-check"_s};
}

Result<Seed> seedCluster(Database &database, int nodeCount)
{
    const QString currentVersion = QStringLiteral(COHORT_VERSION_STRING);
    QRandomGenerator random(4); // the same cluster every run
    Seed seed;
    QList<Kind> kinds;

    for (int i = 0; i < nodeCount; ++i) {
        SeededNode node;
        node.guid = QUuid::createUuid().toString(QUuid::WithoutBraces);
        node.name = u"manager-%1"_s.arg(i + 1, 3, 10, QChar(u'0'));
        const Kind kind = kindOf(i);
        kinds.append(kind);
        if (kind == Kind::UpgradeRequired) {
            // What an old node does when the schema is newer than it: records itself.
            const NodeJoin request = joinRequest(i, node.guid, node.name, OldVersion);
            if (auto recorded = NodeRegistry::recordUpgradeRequired(database, request); !recorded)
                return seedError(u"recording old node %1"_s.arg(node.name), recorded.error());
            ++seed.upgradeRequired;
            ++seed.alerts;
            seed.nodes.append(node);
            continue;
        }
        const NodeJoin request = joinRequest(i, node.guid, node.name, currentVersion);
        if (auto joined = NodeRegistry::join(database, request); !joined)
            return seedError(u"joining node %1"_s.arg(node.name), joined.error());
        if (kind == Kind::Offline) {
            // Declared dead by a peer: the conditional update, and the alert.
            NodeDeath death;
            death.guid = node.guid;
            death.name = node.name;
            death.incarnation = request.incarnation;
            death.reason = u"no heartbeat for 181 s"_s;
            auto marked = NodeRegistry::markOffline(database, death, 180000, u"bench"_s);
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

    // An hour of statistics: every node, every minute, every type; nodes that are not
    // Online stopped finishing jobs 20 minutes ago.
    auto now = JobPool::now(database);
    if (!now)
        return seedError(u"reading the database clock"_s, now.error());
    const qint64 thisMinute = *now / MinuteMs * MinuteMs;
    QVariantList values;
    QStringList rows;
    const auto flush = [&](QSqlDatabase &db) -> Result<void> {
        if (rows.isEmpty())
            return {};
        auto inserted = execQuery(db, InsertStats + rows.join(u", "_s), values, u"adding job statistics"_s);
        if (!inserted)
            return inserted.error();
        rows.clear();
        values.clear();
        return {};
    };
    auto stats = database.write([&](QSqlDatabase &db) -> Result<void> {
        for (int i = 0; i < seed.nodes.size(); ++i) {
            const bool online = kinds.at(i) == Kind::Online;
            for (int minute = 0; minute < StatsMinutes; ++minute) {
                if (!online && minute < 20)
                    continue;
                for (const QString &type : seededJobTypes()) {
                    const qint64 succeeded = random.bounded(1, 60);
                    const qint64 failed = random.bounded(20) == 0 ? 1 : 0;
                    values << thisMinute - minute * MinuteMs << seed.nodes.at(i).guid << type << succeeded
                           << failed << (succeeded + failed) * random.bounded(1, 30);
                    rows << InsertStatsRow;
                    ++seed.statsRows;
                    if (rows.size() == StatsRowsPerInsert) {
                        if (auto flushed = flush(db); !flushed)
                            return flushed.error();
                    }
                }
            }
        }
        return flush(db);
    });
    if (!stats)
        return seedError(u"adding job statistics"_s, stats.error());

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
    return seed;
}

} // namespace Cohort::Bench
