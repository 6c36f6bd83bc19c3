#include "apiserver.h"

#include "apiserver_p.h"
#include "apisession.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/error.hpp>

#include <openssl/ssl.h>

namespace Cohort {

namespace net = boost::asio;
using ErrorCode = boost::system::error_code;
using Tcp = net::ip::tcp;

namespace {

std::string addressText(const net::ip::address &address)
{
    // An IPv4 client of a dual-stack socket counts as its IPv4 address.
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6()).to_string();
    return address.to_string();
}

void accept(ApiServer::Shared &shared)
{
    shared.acceptor.async_accept(
        net::make_strand(shared.io), [&shared](const ErrorCode &error, Tcp::socket socket) {
            if (error == net::error::operation_aborted || shared.stopping)
                return;
            if (error) {
                // Out of descriptors, most likely: try again shortly rather than spin.
                auto retry = std::make_shared<net::steady_timer>(shared.io, std::chrono::milliseconds(50));
                retry->async_wait([&shared, retry](const ErrorCode &) {
                    if (!shared.stopping)
                        accept(shared);
                });
                return;
            }
            ErrorCode peerError;
            const Tcp::endpoint peer = socket.remote_endpoint(peerError);
            if (!peerError) {
                std::string address = addressText(peer.address());
                // A balancer's connection counts as its client's, known once the header is read
                // (within the total cap meanwhile); any other counts at once.
                const bool proxy = shared.trustedProxies.count(address) > 0;
                if (proxy ? shared.sessions.load() < shared.limits.clients.maxConnections
                          : shared.limiter.openConnection(address)) {
                    socket.set_option(Tcp::no_delay(true), peerError);
                    std::make_shared<ApiServer::Session>(std::move(socket), shared, std::move(address), proxy)
                        ->start();
                } else {
                    ++shared.refusedConnections;
                    socket.close(peerError); // over a cap: closed at once, before any TLS work
                }
            }
            accept(shared);
        });
}

} // namespace

ApiServer::ApiServer(Limits limits, Handler handler)
    : m_shared(std::make_shared<Shared>(limits, std::move(handler)))
{}

ApiServer::~ApiServer()
{
    stop();
}

bool ApiServer::trustProxies(const std::vector<std::string> &addresses, std::string *error)
{
    if (!m_shared || !m_shared->threads.empty()) {
        *error = "the server is already listening, or was stopped";
        return false;
    }
    std::unordered_set<std::string> trusted;
    for (const std::string &text : addresses) {
        ErrorCode code;
        const net::ip::address address = net::ip::make_address(text, code);
        if (code) {
            *error = "\"" + text + "\" is not an IP address";
            return false;
        }
        trusted.insert(addressText(address));
    }
    m_shared->trustedProxies = std::move(trusted);
    return true;
}

bool ApiServer::listen(const std::string &address, std::uint16_t port, const std::string &keyPem,
                       const std::string &certificatePem, std::string *error)
{
    if (!m_shared || !m_shared->threads.empty()) {
        *error = "the server is already listening, or was stopped";
        return false;
    }
    Shared &shared = *m_shared;
    ErrorCode code;
    shared.tls.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2
                               | net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1
                               | net::ssl::context::no_tlsv1_1,
                           code);
    SSL_CTX_set_min_proto_version(shared.tls.native_handle(), TLS1_2_VERSION);
    // Clients may resume their session (a stateless ticket, under a key this process makes
    // and never stores): an agent's next check-in then skips the certificate and its
    // signature. One ticket per handshake, not OpenSSL's two: a client keeps one.
    SSL_CTX_set_num_tickets(shared.tls.native_handle(), 1);
    // Tickets need no server-side cache; a cache would only grow with every handshake.
    SSL_CTX_set_session_cache_mode(shared.tls.native_handle(), SSL_SESS_CACHE_OFF);
    if (!code)
        shared.tls.use_certificate_chain(net::buffer(certificatePem), code);
    if (code) {
        *error = "the certificate cannot be used: " + code.message();
        return false;
    }
    shared.tls.use_private_key(net::buffer(keyPem), net::ssl::context::pem, code);
    if (code) {
        *error = "the private key cannot be used: " + code.message();
        return false;
    }
    const net::ip::address ip = net::ip::make_address(address, code);
    if (code) {
        *error = "\"" + address + "\" is not an IP address";
        return false;
    }
    const Tcp::endpoint endpoint(ip, port);
    shared.acceptor.open(endpoint.protocol(), code);
    if (!code)
        shared.acceptor.set_option(net::socket_base::reuse_address(true), code);
    if (!code)
        shared.acceptor.bind(endpoint, code);
    if (!code)
        shared.acceptor.listen(net::socket_base::max_listen_connections, code);
    if (code) {
        *error = code.message();
        ErrorCode ignored;
        shared.acceptor.close(ignored);
        return false;
    }
    accept(shared);
    const int threads = std::max(1, shared.limits.threads);
    for (int i = 0; i < threads; ++i) {
        shared.threads.emplace_back([&shared] {
            for (;;) {
                try {
                    shared.io.run();
                    return;
                } catch (...) {
                    // A handler that threw: the connection it served is gone; serve the rest.
                }
            }
        });
    }
    return true;
}

std::uint16_t ApiServer::port() const
{
    if (!m_shared)
        return 0;
    ErrorCode code;
    const Tcp::endpoint endpoint = m_shared->acceptor.local_endpoint(code);
    return code ? 0 : endpoint.port();
}

void ApiServer::stop()
{
    if (!m_shared)
        return;
    Shared &shared = *m_shared;
    shared.stopping = true;
    net::post(shared.io, [&shared] {
        ErrorCode ignored;
        shared.acceptor.close(ignored);
    });
    shared.io.stop();
    for (std::thread &thread : shared.threads) {
        if (thread.joinable())
            thread.join();
    }
    // Destroying the io_context destroys the sessions waiting in it, closing their sockets.
    m_shared.reset();
}

int ApiServer::connections() const
{
    return m_shared ? m_shared->sessions.load() : 0;
}

long long ApiServer::refusedConnections() const
{
    return m_shared ? m_shared->refusedConnections.load() : 0;
}

std::optional<ApiResponse> ApiServer::handleBytes(std::string_view bytes, const Limits &limits,
                                                  const Handler &handler, std::string_view clientAddress)
{
    RequestParser parser;
    ApiChecks::prepare(parser, limits);
    net::const_buffer buffer(bytes.data(), bytes.size());
    ErrorCode code;
    const auto feed = [&](auto finished) -> std::optional<ApiResponse> {
        while (!finished()) {
            if (buffer.size() == 0)
                return std::nullopt;
            const std::size_t used = parser.put(buffer, code);
            if (code == http::error::need_more)
                return std::nullopt;
            if (code)
                return ApiChecks::parseProblem(code);
            if (used == 0)
                return std::nullopt;
            buffer += used;
        }
        return ApiResponse{};
    };
    auto head = feed([&] { return parser.is_header_done(); });
    if (!head || head->status != 200)
        return head;
    if (auto problem = ApiChecks::headProblem(parser, limits))
        return problem;
    ApiChecks::prepareBody(parser, limits);
    auto body = feed([&] { return parser.is_done(); });
    if (!body || body->status != 200)
        return body;
    return ApiChecks::call(handler, ApiChecks::toRequest(parser.get(), std::string(clientAddress)));
}

} // namespace Cohort
