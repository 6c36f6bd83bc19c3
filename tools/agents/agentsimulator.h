// AgentSimulator: the whole simulation: one io_context run by a few threads, one TLS
// client context, the agents (started spread over the first interval), the live summaries
// and the final one. run() returns when --duration has passed or SIGINT/SIGTERM came.
#pragma once

#include "agentsoptions.h"
#include "agentstatistics.h"
#include "simulatedagent.h"

#include <QCoreApplication>
#include <QTextStream>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace Cohort {

class AgentSimulator
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::AgentSimulator)

public:
    AgentSimulator(const AgentsSettings &settings, QTextStream &out, QTextStream &err);
    ~AgentSimulator();

    // Runs the simulation; returns the exit code (0, or 1 when it could not start).
    int run();

private:
    void requestStop();
    void printSummary(bool final, std::int64_t elapsedMs);

    const AgentsSettings &m_settings;
    QTextStream &m_out;
    QTextStream &m_err;
    AgentStatistics m_statistics;
    std::vector<std::unique_ptr<SimulatedAgent>> m_agents;

    std::mutex m_stopLock;
    std::condition_variable m_stopSignal;
    std::atomic<bool> m_stopRequested{false};
};

} // namespace Cohort
