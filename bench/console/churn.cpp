#include "churn.h"

#include "noderegistry.h"

#include <QUuid>

using namespace Qt::StringLiterals;

namespace Cohort::Bench {

namespace {

constexpr qint64 MinuteMs = 60 * 1000;
constexpr int WorkersPerRound = 6;
constexpr qint64 RetryBaseMs = 1000;

// %1: the database clock. What each Online node's heartbeat does, for all at once.
const QString Heartbeats = u"UPDATE nodes SET last_heartbeat = %1 WHERE state = 'online'"_s;

} // namespace

ClusterChurn::ClusterChurn(QString url, QList<SeededNode> nodes)
    : m_url(std::move(url))
    , m_nodes(std::move(nodes))
{
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
    if (auto stats = statistics(round, *now); !stats)
        return stats.error();
    if (auto ran = jobs(round); !ran)
        return ran.error();
    return flip(round);
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
    NodeJoin request;
    request.guid = node.guid;
    request.name = node.name;
    request.apiAddress = u"10.4.0.%1:8443"_s.arg(m_flipping + 10);
    request.version = QStringLiteral(COHORT_VERSION_STRING);
    request.incarnation = QUuid::createUuid().toString(QUuid::WithoutBraces);
    request.hostname = u"bench-manager-%1"_s.arg(m_flipping + 1, 3, 10, QChar(u'0'));
    request.pid = 1000 + m_flipping;
    request.tzName = u"UTC"_s;
    request.offlineAfterMs = 180000;
    request.guidFile = u"node.guid"_s;
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
