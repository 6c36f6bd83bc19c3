// SimulatedAgent: one agent of the simulation. It holds a manager list (managers, pins, the
// list's version), starts a round at every heartbeat and, within the round, tries managers
// as the product does: one picked at random, then another not yet tried after each failure
// (a "failover"), or the only one up to three times when the list is a load balancer.
// Everything it does runs on its own strand; report() may be called from any thread.
#pragma once

#include "agentsoptions.h"
#include "agentstatistics.h"
#include "checkinattempt.h"
#include "managerendpoint.h"

#include <QJsonObject>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace Cohort {

class SimulatedAgent
{
public:
    using Clock = std::chrono::steady_clock;

    SimulatedAgent(int index, const AgentsSettings &settings, std::uint64_t randomSeed,
                   boost::asio::io_context &io, boost::asio::ssl::context &tls, AgentStatistics &statistics);

    const std::string &guid() const { return m_guid; }
    // Starts the first round at firstRound (any thread).
    void start(Clock::time_point firstRound);
    // Ends what is under way at once and starts nothing more (any thread).
    void stop();
    // The agent's line of "agents_detail" (any thread).
    QJsonObject report() const;

private:
    // What the agent holds: where to check in, and which certificates those may present.
    struct ManagerList
    {
        std::string version;
        std::vector<ManagerEndpoint> managers;
        std::vector<std::string> pins;
    };

    void startRound();
    void tryNext();
    void onOutcome(std::size_t manager, AttemptOutcome outcome);
    // A 200 answer's list and node; false when the body is not what the protocol says.
    bool adopt(const std::string &body, std::string *node);
    void endRound();
    std::string checkinBody(const std::string &localAddress) const;

    const AgentsSettings &m_settings;
    AgentStatistics &m_statistics;
    boost::asio::ssl::context &m_tls;
    CheckinAttempt::Strand m_strand;
    boost::asio::steady_timer m_heartbeat;
    std::mt19937_64 m_random;
    std::string m_guid;
    std::string m_hostName;
    std::string m_path;
    std::optional<boost::asio::ip::address_v4> m_source;

    // Strand only.
    ManagerList m_list;
    std::vector<bool> m_tried;
    int m_tries = 0;
    Clock::time_point m_roundStart;
    std::shared_ptr<CheckinAttempt> m_attempt;
    // The TLS session last had with each manager (by HOST:PORT), to resume; each is used once.
    std::map<std::string, TlsSession> m_sessions;
    bool m_stopped = false;

    // Written on the strand, read by report().
    mutable std::mutex m_reportLock;
    std::int64_t m_checkins = 0;
    std::int64_t m_failedRounds = 0;
    std::int64_t m_maxGapMs = 0;
    std::optional<Clock::time_point> m_started;
    std::optional<Clock::time_point> m_lastCheckin;
    std::vector<std::pair<std::string, std::int64_t>> m_versionTimes; // version, ms since the epoch
    std::string m_lastNode;
    std::string m_heldVersion;
};

} // namespace Cohort
