// ApiServer: the node API's HTTPS server, on Boost.Beast over Boost.Asio and OpenSSL (see
// docs/ARCHITECTURE.md for why not Qt HttpServer). It runs its own threads, never the Qt
// event loop's, and bounds everything a client sends before it is buffered: the request
// head (431), the body by its Content-Length before reading it (413) and while reading a
// chunked one, the time to send the head and the body (408), idle keep-alive connections,
// connections and requests per second per client address (ClientLimiter; 429), and
// connections in all. Each request that passes goes to the handler, which must be quick
// and thread-safe: it is called on the server's threads.
#pragma once

#include "apimessage.h"
#include "clientlimiter.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace Cohort {

class ApiServer
{
public:
    using Handler = std::function<ApiResponse(const ApiRequest &)>;

    struct Limits
    {
        std::size_t maxHeadBytes = 8 * 1024;  // request line and headers: beyond, 431
        std::size_t maxBodyBytes = 64 * 1024; // beyond, 413
        int handshakeTimeoutMs = 5000;        // TLS handshake
        int headTimeoutMs = 5000;             // the first request's head, from the handshake
        int bodyTimeoutMs = 10000;            // the body, from the end of the head
        int idleTimeoutMs = 15000;            // between requests on a kept-alive connection
        int writeTimeoutMs = 10000;           // for the client to take the answer
        // One by default: OpenSSL 3.0's handshakes contend for its internal locks across
        // threads, so on a small machine one thread answers more than two (BENCHMARKS.md).
        int threads = 1;
        ClientLimiter::Limits clients;
    };

    ApiServer(Limits limits, Handler handler);
    ~ApiServer();
    ApiServer(const ApiServer &) = delete;
    ApiServer &operator=(const ApiServer &) = delete;

    // The load balancers that may name the client they forward a connection for, with a
    // PROXY protocol v2 header (ProxyHeader) before its TLS: their connections then count,
    // for every per-client limit and for the handler, as the named client's. Addresses are
    // IP addresses; a connection from one may also come without a header (it is then the
    // balancer's own). A header from any other address is refused. Before listen();
    // returns false with the reason in *error for an address that is not one.
    bool trustProxies(const std::vector<std::string> &addresses, std::string *error);

    // Listens on address (an IP address; "0.0.0.0" or "::" for all) and port (0: any free
    // one) with the given PEM key and certificate, and starts the threads. Returns false
    // with the reason in *error.
    bool listen(const std::string &address, std::uint16_t port, const std::string &keyPem,
                const std::string &certificatePem, std::string *error);
    std::uint16_t port() const;
    // Stops accepting, closes every connection and joins the threads. Idempotent.
    void stop();

    // Open connections, and those closed at accept for being over a cap.
    int connections() const;
    long long refusedConnections() const;

    // The same parsing, limits and checks as a connection, on bytes already received, with
    // no socket, time or rate limits: what the fuzzing test drives. Returns the answer the
    // client would get, or none when the bytes are an incomplete request (the server would
    // wait for more).
    static std::optional<ApiResponse> handleBytes(std::string_view bytes, const Limits &limits,
                                                  const Handler &handler, std::string_view clientAddress);

    class Session;
    struct Shared;

private:
    std::shared_ptr<Shared> m_shared;
};

} // namespace Cohort
