// ClientLimiter: what the node API allows each client address, so that one noisy client
// cannot starve the others (peers' probes, other agents, the console). Each address may
// hold a few connections and make requests at a steady rate with a burst on top (a token
// bucket); the server as a whole holds a bounded number of connections. Thread-safe: the
// server's threads share one.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace Cohort {

class ClientLimiter
{
public:
    struct Limits
    {
        int maxConnections = 1024;        // all clients together
        int maxConnectionsPerClient = 32; // one address
        double requestsPerSecond = 50;    // one address, sustained
        double burst = 100;               // one address, at once
    };

    explicit ClientLimiter(Limits limits);

    // Counts a new connection from address; false (and nothing counted) when it would pass
    // either cap.
    bool openConnection(const std::string &address);
    void closeConnection(const std::string &address);
    // Takes one request from address's allowance: 0 when it is admitted, otherwise how many
    // whole seconds until the next one would be (for Retry-After).
    int admitRequest(const std::string &address);

    int connections() const;
    // How many addresses it keeps state for (for tests: the state is bounded).
    std::size_t trackedClients() const;

private:
    using Clock = std::chrono::steady_clock;
    struct Client
    {
        int connections = 0;
        double tokens = 0;
        Clock::time_point refilled;
    };

    Client &client(const std::string &address, Clock::time_point now);
    void refill(Client &client, Clock::time_point now) const;
    void prune(Clock::time_point now);

    const Limits m_limits;
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, Client> m_clients;
    int m_connections = 0;
    unsigned m_sincePrune = 0;
};

} // namespace Cohort
