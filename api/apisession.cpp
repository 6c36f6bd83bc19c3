#include "apisession.h"

#include "apiserver_p.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>

#include <chrono>

namespace Cohort {

namespace net = boost::asio;
namespace beast = boost::beast;
using ErrorCode = boost::system::error_code;

namespace {

// Room for a whole head and a little more; bodies stream through it into the parser.
constexpr std::size_t BufferBytes = 32 * 1024;
// How long a closing connection waits for the client to close its side.
constexpr auto LingerTimeout = std::chrono::seconds(2);

// The client went away (or the server is stopping): nothing to answer.
bool isGone(const ErrorCode &error)
{
    return error == http::error::end_of_stream || error == net::error::eof
           || error == net::ssl::error::stream_truncated || error == net::error::operation_aborted
           || error == net::error::connection_reset || error == net::error::broken_pipe
           || error == beast::error::timeout;
}

} // namespace

ApiServer::Session::Session(net::ip::tcp::socket socket, Shared &shared, std::string clientAddress,
                            bool fromProxy)
    : m_stream(std::move(socket), shared.tls)
    , m_deadline(m_stream.get_executor())
    , m_buffer(std::max(BufferBytes, shared.limits.maxHeadBytes + 1024))
    , m_shared(shared)
    , m_clientAddress(std::move(clientAddress))
    , m_fromProxy(fromProxy)
    , m_counted(!fromProxy)
{
    ++m_shared.sessions;
}

ApiServer::Session::~Session()
{
    if (m_counted)
        m_shared.limiter.closeConnection(m_clientAddress);
    --m_shared.sessions;
}

void ApiServer::Session::start()
{
    net::dispatch(m_stream.get_executor(), [self = shared_from_this()] {
        if (self->m_fromProxy)
            self->readProxyHeader();
        else
            self->handshake();
    });
}

void ApiServer::Session::readProxyHeader()
{
    // The header and the handshake after it share the handshake's time.
    armDeadline(m_shared.limits.handshakeTimeoutMs);
    beast::get_lowest_layer(m_stream).socket().async_wait(
        net::ip::tcp::socket::wait_read,
        [self = shared_from_this()](const ErrorCode &error) { self->onProxyReadable(error); });
}

void ApiServer::Session::onProxyReadable(const ErrorCode &error)
{
    if (error || m_timedOut || m_shared.stopping)
        return close();
    // A look at the first byte, left in place: a TLS connection starts with its handshake.
    unsigned char first = 0;
    ErrorCode peekError;
    const std::size_t peeked = beast::get_lowest_layer(m_stream).socket().receive(
        net::buffer(&first, 1), net::ip::tcp::socket::message_peek, peekError);
    if (peekError || peeked == 0)
        return close();
    if (!ProxyHeader::mayStartWith(first)) {
        m_deadline.cancel();
        return handshake(); // the balancer's own connection: its limits are its own
    }
    net::async_read(beast::get_lowest_layer(m_stream).socket(),
                    net::buffer(m_proxyHeader.data(), ProxyHeader::FixedBytes),
                    [self = shared_from_this()](const ErrorCode &readError, std::size_t) {
                        self->onProxyStart(readError);
                    });
}

void ApiServer::Session::onProxyStart(const ErrorCode &error)
{
    if (error || m_timedOut || m_shared.stopping)
        return close();
    std::string problem;
    const std::optional<std::size_t> rest = ProxyHeader::restLength(m_proxyHeader.data(), &problem);
    if (!rest) {
        ++m_shared.refusedConnections; // no TLS yet, so no answer: closed
        return close();
    }
    net::async_read(beast::get_lowest_layer(m_stream).socket(),
                    net::buffer(m_proxyHeader.data() + ProxyHeader::FixedBytes, *rest),
                    [self = shared_from_this()](const ErrorCode &readError, std::size_t) {
                        self->onProxyRest(readError);
                    });
}

void ApiServer::Session::onProxyRest(const ErrorCode &error)
{
    m_deadline.cancel();
    if (error || m_timedOut || m_shared.stopping)
        return close();
    std::string problem;
    const std::optional<std::string> client = ProxyHeader::clientAddress(
        m_proxyHeader.data(), m_proxyHeader.data() + ProxyHeader::FixedBytes, &problem);
    if (!client) {
        ++m_shared.refusedConnections;
        return close();
    }
    if (!client->empty()) {
        if (!m_shared.limiter.openConnection(*client)) {
            ++m_shared.refusedConnections; // over the client's cap, as at accept
            return close();
        }
        m_clientAddress = *client;
        m_counted = true;
    }
    handshake();
}

void ApiServer::Session::handshake()
{
    beast::get_lowest_layer(m_stream).expires_after(
        std::chrono::milliseconds(m_shared.limits.handshakeTimeoutMs));
    m_stream.async_handshake(
        net::ssl::stream_base::server,
        [self = shared_from_this()](const ErrorCode &error) { self->onHandshake(error); });
}

void ApiServer::Session::onHandshake(const ErrorCode &error)
{
    if (error) {
        close();
        return;
    }
    readHead();
}

void ApiServer::Session::armDeadline(int ms)
{
    // A deadline of its own rather than the stream's: when it passes, the read is cancelled
    // and the client still gets its 408.
    m_timedOut = false;
    m_deadline.expires_after(std::chrono::milliseconds(ms));
    m_deadline.async_wait([self = shared_from_this()](const ErrorCode &error) {
        if (error)
            return; // cancelled: the read finished first
        self->m_timedOut = true;
        ErrorCode ignored;
        beast::get_lowest_layer(self->m_stream).socket().cancel(ignored);
    });
}

void ApiServer::Session::readHead()
{
    m_parser.emplace();
    ApiChecks::prepare(*m_parser, m_shared.limits);
    beast::get_lowest_layer(m_stream).expires_never();
    armDeadline(m_firstRequest ? m_shared.limits.headTimeoutMs : m_shared.limits.idleTimeoutMs);
    http::async_read_header(
        m_stream, m_buffer, *m_parser,
        [self = shared_from_this()](const ErrorCode &error, std::size_t) { self->onHead(error); });
}

void ApiServer::Session::onHead(const ErrorCode &error)
{
    m_deadline.cancel();
    if (m_closing || m_shared.stopping)
        return close();
    if (m_timedOut) {
        if (m_buffer.size() == 0 && !m_parser->got_some())
            return close(); // an idle kept-alive connection: nothing was asked
        return answer(ApiResponse::error(408, "the request head did not arrive in time"), false);
    }
    if (isGone(error))
        return close();
    if (error)
        return answer(ApiChecks::parseProblem(error), false);
    if (const int wait = m_shared.limiter.admitRequest(m_clientAddress); wait > 0) {
        ApiResponse refused = ApiResponse::error(429, "too many requests from " + m_clientAddress
                                                          + "; try again in " + std::to_string(wait) + " s");
        refused.headers.emplace_back("Retry-After", std::to_string(wait));
        return answer(std::move(refused), false);
    }
    if (auto problem = ApiChecks::headProblem(*m_parser, m_shared.limits))
        return answer(std::move(*problem), false);
    if (m_parser->is_done())
        return onBody({});
    ApiChecks::prepareBody(*m_parser, m_shared.limits);
    armDeadline(m_shared.limits.bodyTimeoutMs);
    http::async_read(
        m_stream, m_buffer, *m_parser,
        [self = shared_from_this()](const ErrorCode &readError, std::size_t) { self->onBody(readError); });
}

void ApiServer::Session::onBody(const ErrorCode &error)
{
    m_deadline.cancel();
    if (m_closing || m_shared.stopping)
        return close();
    if (m_timedOut)
        return answer(ApiResponse::error(408, "the request body did not arrive in time"), false);
    if (isGone(error))
        return close();
    if (error)
        return answer(ApiChecks::parseProblem(error), false);
    const bool keepAlive = m_parser->get().keep_alive();
    ApiResponse response =
        ApiChecks::call(m_shared.handler, ApiChecks::toRequest(m_parser->get(), m_clientAddress));
    answer(std::move(response), keepAlive);
}

void ApiServer::Session::answer(ApiResponse response, bool keepAlive)
{
    unsigned version = m_parser ? m_parser->get().version() : 11;
    if (version != 10 && version != 11)
        version = 11;
    m_response = ApiChecks::toMessage(response, version, keepAlive);
    const bool keep = m_response.keep_alive();
    beast::get_lowest_layer(m_stream).expires_after(
        std::chrono::milliseconds(m_shared.limits.writeTimeoutMs));
    http::async_write(m_stream, m_response,
                      [self = shared_from_this(), keep](const ErrorCode &error, std::size_t) {
                          self->onWritten(keep, error);
                      });
}

void ApiServer::Session::onWritten(bool keepAlive, const ErrorCode &error)
{
    if (error || !keepAlive || m_shared.stopping)
        return close();
    m_firstRequest = false;
    readHead();
}

void ApiServer::Session::close()
{
    if (m_closing)
        return;
    m_closing = true;
    m_deadline.cancel();
    // No TLS close_notify exchange: every answer carries its length, so a truncation
    // cannot pass for an answer, and waiting for the client's reply would hold each
    // connection open. Half-close rather than close: closing with unread input (a body
    // refused unread, the rest of an oversized head) would send a reset that can destroy
    // the answer before the client reads it. What the client still sends is read and
    // dropped until it closes or the linger ends.
    SSL_set_shutdown(m_stream.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    auto &tcp = beast::get_lowest_layer(m_stream);
    ErrorCode ignored;
    tcp.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    tcp.expires_after(LingerTimeout);
    drain();
}

void ApiServer::Session::drain()
{
    beast::get_lowest_layer(m_stream).async_read_some(
        net::buffer(m_drain), [self = shared_from_this()](const ErrorCode &error, std::size_t) {
            if (!error)
                return self->drain();
            ErrorCode ignored;
            beast::get_lowest_layer(self->m_stream).socket().close(ignored);
        });
}

} // namespace Cohort
