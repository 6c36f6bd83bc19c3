#include "agentstatistics.h"

#include <QJsonArray>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Cohort {

const char *AgentStatistics::failureName(AttemptFailure failure)
{
    switch (failure) {
    case AttemptFailure::Connect:
        return "connect";
    case AttemptFailure::Tls:
        return "tls";
    case AttemptFailure::Pin:
        return "pin";
    case AttemptFailure::Timeout:
        return "timeout";
    case AttemptFailure::Http4xx:
        return "http_4xx";
    case AttemptFailure::Http5xx:
        return "http_5xx";
    case AttemptFailure::Other:
    case AttemptFailure::Count:
        break;
    }
    return "other";
}

void AgentStatistics::recordAttempt(const std::string &manager)
{
    const std::lock_guard guard(m_lock);
    ++m_connectedTo[manager];
}

void AgentStatistics::recordFailure(AttemptFailure failure)
{
    ++m_failures[std::size_t(failure)];
}

void AgentStatistics::recordCheckin(const std::string &node, std::int64_t latencyUs)
{
    ++m_checkins;
    const bool inWindow =
        std::chrono::steady_clock::now() - std::chrono::microseconds(latencyUs) >= m_latencyFrom;
    const std::lock_guard guard(m_lock);
    ++m_perNode[node];
    if (inWindow)
        m_latency.add(latencyUs);
}

void AgentStatistics::recordListVersion(const std::string &version)
{
    const std::lock_guard guard(m_lock);
    if (std::find(m_listVersions.begin(), m_listVersions.end(), version) == m_listVersions.end())
        m_listVersions.push_back(version);
}

void AgentStatistics::recordGap(std::int64_t gapMs)
{
    std::int64_t seen = m_maxGapMs;
    while (gapMs > seen && !m_maxGapMs.compare_exchange_weak(seen, gapMs)) {
    }
}

QJsonObject AgentStatistics::toJson(std::int64_t elapsedMs, int agents) const
{
    QJsonObject failures;
    for (std::size_t i = 0; i < m_failures.size(); ++i)
        failures.insert(QLatin1StringView(failureName(AttemptFailure(i))), qint64(m_failures[i]));
    const std::int64_t checkins = m_checkins;
    QJsonObject summary{
        {u"elapsed_ms"_s, qint64(elapsedMs)},
        {u"agents"_s, agents},
        {u"checkins"_s, qint64(checkins)},
        {u"failed_rounds"_s, qint64(m_failedRounds)},
        {u"attempt_failures"_s, failures},
        {u"failovers"_s, qint64(m_failovers)},
        {u"resumed_checkins"_s, qint64(m_resumed)},
        {u"rate_per_s"_s, elapsedMs > 0 ? double(checkins) * 1000.0 / double(elapsedMs) : 0.0},
        {u"max_gap_ms"_s, qint64(m_maxGapMs)},
    };
    const std::lock_guard guard(m_lock);
    QJsonObject perNode;
    for (const auto &[node, count] : m_perNode)
        perNode.insert(QString::fromStdString(node), qint64(count));
    QJsonObject connectedTo;
    for (const auto &[manager, count] : m_connectedTo)
        connectedTo.insert(QString::fromStdString(manager), qint64(count));
    QJsonArray versions;
    for (const std::string &version : m_listVersions)
        versions.append(QString::fromStdString(version));
    summary.insert(u"per_node"_s, perNode);
    summary.insert(u"connected_to"_s, connectedTo);
    summary.insert(u"list_versions"_s, versions);
    summary.insert(u"latency_ms"_s, QJsonObject{{u"p50"_s, m_latency.quantileMs(0.5)},
                                                {u"p99"_s, m_latency.quantileMs(0.99)},
                                                {u"max"_s, m_latency.maxMs()}});
    return summary;
}

QString AgentStatistics::toLine(std::int64_t elapsedMs, int agents) const
{
    QStringList failures;
    for (std::size_t i = 0; i < m_failures.size(); ++i)
        failures.append(
            u"%1 %2"_s.arg(QLatin1StringView(failureName(AttemptFailure(i)))).arg(qint64(m_failures[i])));
    const std::lock_guard guard(m_lock);
    QStringList versions;
    for (const std::string &version : m_listVersions)
        versions.append(QString::fromStdString(version));
    QStringList perNode;
    for (const auto &[node, count] : m_perNode)
        perNode.append(u"%1 %2"_s.arg(QString::fromStdString(node.substr(0, 8))).arg(qint64(count)));
    return tr("%1 s: %2 agents, %3 check-ins ok, %4 failed rounds, failed attempts: %5; %6 failovers; "
              "list versions: %7; per node: %8")
        .arg(double(elapsedMs) / 1000.0, 0, 'f', 1)
        .arg(agents)
        .arg(qint64(m_checkins))
        .arg(qint64(m_failedRounds))
        .arg(failures.join(u", "_s))
        .arg(qint64(m_failovers))
        .arg(versions.isEmpty() ? tr("none") : versions.join(u", "_s))
        .arg(perNode.isEmpty() ? tr("none") : perNode.join(u", "_s));
}

} // namespace Cohort
