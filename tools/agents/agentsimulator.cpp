#include "agentsimulator.h"

#include "agentslogging.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <QJsonArray>
#include <QJsonDocument>

#include <openssl/ssl.h>

#include <csignal>
#include <random>
#include <thread>

using namespace Qt::StringLiterals;

namespace Cohort {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

AgentSimulator::AgentSimulator(const AgentsSettings &settings, QTextStream &out, QTextStream &err)
    : m_settings(settings)
    , m_out(out)
    , m_err(err)
{}

AgentSimulator::~AgentSimulator() = default;

void AgentSimulator::requestStop()
{
    {
        const std::lock_guard guard(m_stopLock);
        m_stopRequested = true;
    }
    m_stopSignal.notify_all();
}

int AgentSimulator::run()
{
    net::io_context io(m_settings.threads);

    // A client context: TLS 1.2 or newer, no authority (the pins decide). The context keeps
    // no sessions: each agent keeps its own (SimulatedAgent), as separate agents would; with
    // --full-handshakes it asks for no tickets either, so every check-in is a full handshake.
    net::ssl::context tls(net::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_session_cache_mode(tls.native_handle(), SSL_SESS_CACHE_OFF);
    if (!m_settings.resumeSessions)
        SSL_CTX_set_options(tls.native_handle(), SSL_OP_NO_TICKET);
    tls.set_verify_mode(net::ssl::verify_none);

    // Every agent's GUID and choices follow from the seed.
    std::mt19937_64 seeds(m_settings.seed);
    m_agents.reserve(std::size_t(m_settings.count));
    for (int i = 0; i < m_settings.count; ++i)
        m_agents.push_back(std::make_unique<SimulatedAgent>(i, m_settings, seeds(), io, tls, m_statistics));

    net::signal_set stopSignals(io, SIGINT, SIGTERM);
    stopSignals.async_wait([this](const boost::system::error_code &error, int) {
        if (!error)
            requestStop();
    });
    net::steady_timer duration(io);
    if (m_settings.durationS > 0) {
        duration.expires_after(
            std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(m_settings.durationS)));
        duration.async_wait([this](const boost::system::error_code &error) {
            if (!error)
                requestStop();
        });
    }

    // Spread over the first interval, evenly: not all at once.
    const Clock::time_point started = Clock::now();
    m_statistics.setLatencyFrom(
        started
        + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(m_settings.warmUpS)));
    const auto interval =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(m_settings.intervalS));
    for (std::size_t i = 0; i < m_agents.size(); ++i)
        m_agents[i]->start(started + interval * std::int64_t(i) / std::int64_t(m_agents.size()));
    qCInfo(lcAgents) << "simulating" << m_settings.count << "agents on" << m_settings.threads << "threads";

    std::vector<std::thread> threads;
    for (int i = 0; i < m_settings.threads; ++i)
        threads.emplace_back([&io] { io.run(); });

    const auto elapsedMs = [started] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    };
    const auto every =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(m_settings.summaryEveryS));
    Clock::time_point nextSummary = started + every;
    {
        std::unique_lock guard(m_stopLock);
        for (;;) {
            if (m_settings.summaryEveryS > 0) {
                m_stopSignal.wait_until(guard, nextSummary, [this] { return m_stopRequested.load(); });
            } else {
                m_stopSignal.wait(guard, [this] { return m_stopRequested.load(); });
            }
            if (m_stopRequested)
                break;
            guard.unlock();
            printSummary(false, elapsedMs());
            guard.lock();
            nextSummary += every;
        }
    }
    const std::int64_t ranMs = elapsedMs();

    // Stop: nothing new starts, what is under way ends now; the threads return once no
    // work is left.
    for (const auto &agent : m_agents)
        agent->stop();
    net::post(io, [&stopSignals, &duration] {
        boost::system::error_code ignored;
        stopSignals.cancel(ignored);
        duration.cancel();
    });
    for (std::thread &thread : threads)
        thread.join();

    printSummary(true, ranMs);
    // The agents' strands and timers belong to io: they go first.
    m_agents.clear();
    return 0;
}

void AgentSimulator::printSummary(bool final, std::int64_t elapsedMs)
{
    const int agents = int(m_agents.size());
    m_err << (final ? tr("Final: %1").arg(m_statistics.toLine(elapsedMs, agents))
                    : m_statistics.toLine(elapsedMs, agents))
          << Qt::endl;
    if (!m_settings.json)
        return;
    QJsonObject summary = m_statistics.toJson(elapsedMs, agents);
    summary.insert(u"final"_s, final);
    if (final || m_settings.jsonAgents) {
        QJsonArray detail;
        for (const auto &agent : m_agents)
            detail.append(agent->report());
        summary.insert(u"agents_detail"_s, detail);
    }
    m_out << QString::fromUtf8(QJsonDocument(summary).toJson(QJsonDocument::Compact)) << Qt::endl;
}

} // namespace Cohort
