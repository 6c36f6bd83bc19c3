#include "churn.h"

#include "nodelinks.h"
#include "noderegistry.h"
#include "sqlerror.h"

#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

namespace {

constexpr qint64 MinuteMs = 60 * 1000;
constexpr int WorkersPerRound = 6;
constexpr qint64 RetryBaseMs = 1000;
constexpr qint64 HourMs = 60 * MinuteMs;
constexpr qint64 MsPerJob = 12;    // total_ms of the jobs statisticsAtRate() records
constexpr qint64 FailedEvery = 30; // of those jobs, one in this many failed

// %1: the database clock. What each Online node's heartbeat does, for all at once.
const QString Heartbeats = u"UPDATE nodes SET last_heartbeat = %1 WHERE state = 'online'"_s;

} // namespace

ClusterChurn::ClusterChurn(QString url, QList<SeededNode> nodes,
                           std::optional<SystemInformation> systemInformation)
    : m_url(std::move(url))
    , m_nodes(std::move(nodes))
    , m_systemInformation(std::move(systemInformation))
{
    m_sinceLastRound.start();
    for (int i = 0; i < m_nodes.size(); ++i) {
        const SeededNode &node = m_nodes.at(i);
        if (node.incarnation.isEmpty())
            continue;
        if (!node.running.isEmpty())
            m_workers.append(i);
        else if (m_flipping < 0)
            m_flipping = i;
        else
            m_online.append(i);
    }
}

ClusterChurn::~ClusterChurn() = default;

void ClusterChurn::churn(int round)
{
    auto applied = apply(round);
    Q_EMIT churned(round, applied ? QString() : applied.message());
}

void ClusterChurn::close()
{
    m_pools.clear();
    if (m_database) {
        m_database->resetConnection();
        m_database.reset();
    }
}

Result<void> ClusterChurn::apply(int round)
{
    if (!m_database) {
        auto opened = Database::fromUrl(m_url);
        if (!opened)
            return opened.error();
        m_database = std::move(opened).value();
    }
    if (auto beat = heartbeats(); !beat)
        return beat.error();
    auto now = JobPool::now(*m_database);
    if (!now)
        return now.error();
    if (auto stats = m_systemInformation ? statisticsAtRate(*now) : statistics(round, *now); !stats)
        return stats.error();
    if (auto ran = jobs(round); !ran)
        return ran.error();
    if (auto flipped = flip(round); !flipped)
        return flipped.error();
    return m_systemInformation ? probes(round) : Result<void>();
}

Result<void> ClusterChurn::heartbeats()
{
    auto beat =
        m_database->exec(Heartbeats.arg(m_database->dialect().nowMillis()), {}, u"recording heartbeats"_s);
    if (!beat)
        return beat.error();
    return {};
}

Result<void> ClusterChurn::statistics(int round, qint64 now)
{
    const Dialect &dialect = m_database->dialect();
    const QString add =
        dialect.upsert(u"job_stats"_s, {u"minute"_s, u"node_guid"_s, u"job_type"_s},
                       {u"succeeded"_s, u"failed"_s, u"total_ms"_s}, Dialect::UpsertMode::Accumulate);
    const qint64 minute = now / MinuteMs * MinuteMs;
    return m_database->write([&](QSqlDatabase &db) -> Result<void> {
        for (int i = 0; i < m_online.size(); ++i) {
            if (i % 3 != round % 3)
                continue;
            const qint64 finished = 1 + (round + i) % 7;
            auto added = execQuery(db, add,
                                   {minute, m_nodes.at(m_online.at(i)).guid, u"agent-offline-check"_s,
                                    finished, qint64(0), finished * 4},
                                   u"adding job statistics"_s);
            if (!added)
                return added.error();
        }
        return {};
    });
}

Result<void> ClusterChurn::statisticsAtRate(qint64 now)
{
    // The jobs the cluster finished since the last round, at least one, spread over the
    // Online nodes and the types in turn, as each node adds its own to the current minute.
    QList<std::pair<int, QString>> pairs;
    for (int i = 0; i < m_nodes.size(); ++i) {
        if (m_nodes.at(i).incarnation.isEmpty())
            continue;
        for (const QString &type : std::as_const(m_systemInformation->jobTypes))
            pairs.append({i, type});
    }
    if (pairs.isEmpty())
        return {};
    m_jobsDue +=
        double(m_systemInformation->jobsPerHour) * double(m_sinceLastRound.restart()) / double(HourMs);
    const auto jobs = qMax<qint64>(1, qint64(m_jobsDue));
    m_jobsDue = qMax(0.0, m_jobsDue - double(jobs));
    const qsizetype count = pairs.size();
    const QString add = m_database->dialect().upsert(
        u"job_stats"_s, {u"minute"_s, u"node_guid"_s, u"job_type"_s},
        {u"succeeded"_s, u"failed"_s, u"total_ms"_s}, Dialect::UpsertMode::Accumulate);
    const qint64 minute = now / MinuteMs * MinuteMs;
    return m_database->write([&](QSqlDatabase &db) -> Result<void> {
        QSqlQuery store(db);
        if (!store.prepare(add))
            return sqlError(store, u"adding job statistics"_s);
        for (qsizetype k = 0; k < qMin(jobs, qint64(count)); ++k) {
            const auto &[node, type] = pairs.at((m_nextPair + k) % count);
            const qint64 finished = jobs / count + (k < jobs % count ? 1 : 0);
            const qint64 failed = finished / FailedEvery;
            store.bindValue(0, minute);
            store.bindValue(1, m_nodes.at(node).guid);
            store.bindValue(2, type);
            store.bindValue(3, finished - failed);
            store.bindValue(4, failed);
            store.bindValue(5, finished * MsPerJob);
            if (!store.exec())
                return sqlError(store, u"adding job statistics"_s);
        }
        m_nextPair = (m_nextPair + jobs) % count;
        return {};
    });
}

Result<void> ClusterChurn::probes(int round)
{
    // The first node that stays Online probes its peers; its probe of the second fails on
    // odd rounds.
    if (m_online.size() < 2)
        return {};
    const int prober = m_online.at(0);
    return NodeLinks::record(*m_database, m_nodes.at(prober).guid,
                             probeRound(m_nodes, prober, round, m_online.at(1)));
}

Result<void> ClusterChurn::jobs(int round)
{
    if (m_workers.isEmpty())
        return {};
    // A few nodes finish what they run (adding to job_stats) and claim new work.
    QList<int> turn;
    for (int i = 0; i < WorkersPerRound && i < m_workers.size(); ++i)
        turn.append(m_workers.at((round * WorkersPerRound + i) % m_workers.size()));
    int wanted = 0;
    for (int index : std::as_const(turn))
        wanted += 1 + (round + index) % 4;
    JobSpec noop;
    noop.type = u"noop"_s;
    if (auto submitted = JobPool::submit(*m_database, QList<JobSpec>(wanted, noop)); !submitted)
        return submitted.error();
    for (int index : std::as_const(turn)) {
        SeededNode &node = m_nodes[index];
        QList<JobOutcome> outcomes;
        for (const ClaimedJob &job : std::as_const(node.running))
            outcomes.append({job, true, {}, 20 + job.id % 50});
        if (!outcomes.isEmpty()) {
            auto completed = pool(node).complete(outcomes, RetryBaseMs);
            if (!completed)
                return completed.error();
        }
        auto claimed = pool(node).claim(1 + (round + index) % 4);
        if (!claimed)
            return claimed.error();
        node.running = *claimed;
    }
    return {};
}

Result<void> ClusterChurn::flip(int round)
{
    if (m_flipping < 0)
        return {};
    SeededNode &node = m_nodes[m_flipping];
    if (round % 2 == 0)
        return NodeRegistry::leave(*m_database, node.guid, node.incarnation, u"stopped by the benchmark"_s);
    const NodeJoin request = seededJoinRequest(m_flipping, node, QStringLiteral(COHORT_VERSION_STRING));
    auto joined = NodeRegistry::join(*m_database, request);
    if (!joined)
        return joined.error();
    node.incarnation = request.incarnation;
    return {};
}

JobPool &ClusterChurn::pool(const SeededNode &node)
{
    auto &slot = m_pools[node.guid];
    if (!slot)
        slot = std::make_unique<JobPool>(*m_database, node.guid, node.incarnation);
    return *slot;
}

} // namespace Cohort::Bench
