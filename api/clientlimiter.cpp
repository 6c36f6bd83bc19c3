#include "clientlimiter.h"

#include <algorithm>
#include <cmath>

namespace Cohort {

ClientLimiter::ClientLimiter(Limits limits)
    : m_limits(limits)
{}

ClientLimiter::Client &ClientLimiter::client(const std::string &address, Clock::time_point now)
{
    auto [it, added] = m_clients.try_emplace(address);
    if (added) {
        it->second.tokens = m_limits.burst;
        it->second.refilled = now;
    }
    return it->second;
}

void ClientLimiter::refill(Client &client, Clock::time_point now) const
{
    const double seconds = std::chrono::duration<double>(now - client.refilled).count();
    client.tokens = std::min(m_limits.burst, client.tokens + seconds * m_limits.requestsPerSecond);
    client.refilled = now;
}

void ClientLimiter::prune(Clock::time_point now)
{
    // An address with no connection whose allowance is full again is the same as one never
    // seen: forget it, so that the table stays as small as the set of recent clients.
    for (auto it = m_clients.begin(); it != m_clients.end();) {
        Client &state = it->second;
        if (state.connections == 0) {
            refill(state, now);
            if (state.tokens >= m_limits.burst) {
                it = m_clients.erase(it);
                continue;
            }
        }
        ++it;
    }
}

bool ClientLimiter::openConnection(const std::string &address)
{
    const auto now = Clock::now();
    std::lock_guard locker(m_mutex);
    if (++m_sincePrune >= 256) {
        m_sincePrune = 0;
        prune(now);
    }
    if (m_connections >= m_limits.maxConnections)
        return false;
    Client &state = client(address, now);
    if (state.connections >= m_limits.maxConnectionsPerClient)
        return false;
    ++state.connections;
    ++m_connections;
    return true;
}

void ClientLimiter::closeConnection(const std::string &address)
{
    std::lock_guard locker(m_mutex);
    const auto it = m_clients.find(address);
    if (it == m_clients.end() || it->second.connections == 0)
        return;
    --it->second.connections;
    --m_connections;
}

int ClientLimiter::admitRequest(const std::string &address)
{
    const auto now = Clock::now();
    std::lock_guard locker(m_mutex);
    Client &state = client(address, now);
    refill(state, now);
    if (state.tokens >= 1.0) {
        state.tokens -= 1.0;
        return 0;
    }
    return std::max(1, int(std::ceil((1.0 - state.tokens) / m_limits.requestsPerSecond)));
}

int ClientLimiter::connections() const
{
    std::lock_guard locker(m_mutex);
    return m_connections;
}

std::size_t ClientLimiter::trackedClients() const
{
    std::lock_guard locker(m_mutex);
    return m_clients.size();
}

} // namespace Cohort
