// AgentStatistics: what all simulated agents did, shared by the Asio threads (which record)
// and the main thread (which summarises). Counters are atomics; maps and latencies sit
// behind one mutex, held only for a few map updates per check-in.
#pragma once

#include "latencyhistogram.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QString>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace Cohort {

// Why an attempt failed, in the order the summary lists them.
enum class AttemptFailure { Connect, Tls, Pin, Timeout, Http4xx, Http5xx, Other, Count };

class AgentStatistics
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::AgentStatistics)

public:
    // The summary's name of a failure ("connect", "http_4xx", ...).
    static const char *failureName(AttemptFailure failure);

    void recordAttempt(const std::string &manager);
    void recordFailure(AttemptFailure failure);
    void recordFailover() { ++m_failovers; }
    void recordFailedRound() { ++m_failedRounds; }
    // A check-in whose handshake resumed the agent's earlier session with that manager.
    void recordResumed() { ++m_resumed; }
    // A check-in answered; its latency counts unless it started before the latency window.
    void recordCheckin(const std::string &node, std::int64_t latencyUs);
    // Latencies count from this moment on (default: from the start).
    void setLatencyFrom(std::chrono::steady_clock::time_point from) { m_latencyFrom = from; }
    // A list version some agent received; the first sighting fixes its place in the order.
    void recordListVersion(const std::string &version);
    void recordGap(std::int64_t gapMs);

    std::int64_t checkins() const { return m_checkins; }

    // The summary object without "final" and "agents_detail".
    QJsonObject toJson(std::int64_t elapsedMs, int agents) const;
    // The same in one line for people.
    QString toLine(std::int64_t elapsedMs, int agents) const;

private:
    std::atomic<std::int64_t> m_checkins{0};
    std::atomic<std::int64_t> m_failedRounds{0};
    std::atomic<std::int64_t> m_failovers{0};
    std::atomic<std::int64_t> m_resumed{0};
    std::atomic<std::int64_t> m_maxGapMs{0};
    std::array<std::atomic<std::int64_t>, std::size_t(AttemptFailure::Count)> m_failures{};

    mutable std::mutex m_lock;
    std::map<std::string, std::int64_t> m_perNode;
    std::map<std::string, std::int64_t> m_connectedTo;
    std::vector<std::string> m_listVersions;
    LatencyHistogram m_latency;
    std::chrono::steady_clock::time_point m_latencyFrom; // set before the agents start
};

} // namespace Cohort
