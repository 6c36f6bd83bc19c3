#include "checkinattempt.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <netinet/in.h>

#include <algorithm>

namespace Cohort {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using ErrorCode = boost::system::error_code;
using Tcp = net::ip::tcp;

namespace {

// How long a reported attempt waits for the server to close before closing itself.
constexpr auto DrainTimeout = std::chrono::milliseconds(1000);
// The largest answer read: a long manager list with many pins is still far below this.
constexpr std::uint64_t MaxAnswerBytes = 4 * 1024 * 1024;

// Lower-case hex SHA-256 of the DER of the server's leaf certificate; empty without one.
std::string leafFingerprint(SSL *ssl)
{
    X509 *certificate = SSL_get1_peer_certificate(ssl);
    if (!certificate)
        return {};
    unsigned char *der = nullptr;
    const int length = i2d_X509(certificate, &der);
    X509_free(certificate);
    if (length <= 0)
        return {};
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digestLength = 0;
    // Fetched once: OpenSSL 3 would look the implementation up (under a lock) on every call.
    static EVP_MD *const Sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    const bool hashed =
        Sha256 && EVP_Digest(der, std::size_t(length), digest, &digestLength, Sha256, nullptr) == 1;
    OPENSSL_free(der);
    if (!hashed)
        return {};
    static constexpr char Hex[] = "0123456789abcdef";
    std::string text;
    text.reserve(digestLength * 2);
    for (unsigned int i = 0; i < digestLength; ++i) {
        text.push_back(Hex[digest[i] >> 4]);
        text.push_back(Hex[digest[i] & 0x0f]);
    }
    return text;
}

} // namespace

CheckinAttempt::CheckinAttempt(Strand strand, net::ssl::context &tls)
    : m_stream(strand, tls)
    , m_deadline(strand)
{}

void CheckinAttempt::start(Request request, Body body, Done done)
{
    m_request = std::move(request);
    m_body = std::move(body);
    m_done = std::move(done);
    m_started = std::chrono::steady_clock::now();
    armDeadline(m_request.timeout);

    Tcp::socket &socket = m_stream.next_layer();
    ErrorCode error;
    socket.open(m_request.target.protocol(), error);
    if (!error && m_request.source) {
        // The port is chosen at connect time, per destination, not at bind time for all:
        // otherwise one source address would run out of ports at ~28,000 connections.
        const int on = 1;
        ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
        socket.bind(Tcp::endpoint(*m_request.source, 0), error);
    }
    if (error) {
        finish(AttemptFailure::Connect, "socket: " + error.message());
        return;
    }
    socket.async_connect(m_request.target,
                         [self = shared_from_this()](const ErrorCode &code) { self->onConnected(code); });
}

void CheckinAttempt::armDeadline(std::chrono::milliseconds after)
{
    const unsigned generation = ++m_deadlineGeneration;
    m_deadline.expires_after(after);
    m_deadline.async_wait([self = shared_from_this(), generation](const ErrorCode &error) {
        if (error || generation != self->m_deadlineGeneration || self->m_closed)
            return;
        if (!self->m_reported)
            self->m_timedOut = true;
        self->close(); // pending operations end with operation_aborted
    });
}

AttemptFailure CheckinAttempt::failureOf(AttemptFailure otherwise) const
{
    return m_timedOut ? AttemptFailure::Timeout : otherwise;
}

void CheckinAttempt::onConnected(const ErrorCode &error)
{
    if (m_closed && !m_timedOut)
        return; // aborted
    if (error) {
        finish(failureOf(AttemptFailure::Connect), "connect: " + error.message());
        return;
    }
    ErrorCode ignored;
    m_stream.next_layer().set_option(Tcp::no_delay(true), ignored);
    // A session the server does not know any more (it restarted, or another node behind a
    // load balancer answered) just gives a full handshake.
    if (m_request.session)
        SSL_set_session(m_stream.native_handle(), m_request.session.get());
    m_stream.async_handshake(net::ssl::stream_base::client,
                             [self = shared_from_this()](const ErrorCode &code) { self->onHandshake(code); });
}

void CheckinAttempt::onHandshake(const ErrorCode &error)
{
    if (m_closed && !m_timedOut)
        return;
    if (error) {
        finish(failureOf(AttemptFailure::Tls), "TLS: " + error.message());
        return;
    }
    // On a resumed session the certificate is the one the first handshake presented and
    // checked: only the server holding the ticket key can resume it.
    m_resumed = SSL_session_reused(m_stream.native_handle()) == 1;
    const std::string presented = leafFingerprint(m_stream.native_handle());
    if (presented.empty()
        || std::find(m_request.pins.begin(), m_request.pins.end(), presented) == m_request.pins.end()) {
        finish(AttemptFailure::Pin,
               "the server presented certificate " + presented + ", which is not pinned");
        return;
    }
    ErrorCode ignored;
    const std::string local = m_stream.next_layer().local_endpoint(ignored).address().to_string();
    m_httpRequest = {http::verb::post, m_request.path, 11};
    m_httpRequest.set(http::field::host, m_request.host);
    m_httpRequest.set(http::field::content_type, "application/json");
    m_httpRequest.set(http::field::connection, "close");
    m_httpRequest.body() = m_body(local);
    m_httpRequest.prepare_payload();
    http::async_write(
        m_stream, m_httpRequest,
        [self = shared_from_this()](const ErrorCode &code, std::size_t) { self->onWritten(code); });
}

void CheckinAttempt::onWritten(const ErrorCode &error)
{
    if (m_closed && !m_timedOut)
        return;
    if (error) {
        finish(failureOf(AttemptFailure::Other), "sending: " + error.message());
        return;
    }
    auto parser = std::make_shared<http::response_parser<http::string_body>>();
    parser->body_limit(MaxAnswerBytes);
    http::async_read(m_stream, m_buffer, *parser,
                     [self = shared_from_this(), parser](const ErrorCode &code, std::size_t) {
                         if (!code)
                             self->m_answer = parser->release();
                         self->onAnswer(code);
                     });
}

void CheckinAttempt::onAnswer(const ErrorCode &error)
{
    if (m_closed && !m_timedOut)
        return;
    if (error) {
        finish(failureOf(AttemptFailure::Other), "reading the answer: " + error.message());
        return;
    }
    const int status = int(m_answer.result_int());
    std::optional<AttemptFailure> failure;
    if (status >= 400 && status < 500)
        failure = AttemptFailure::Http4xx;
    else if (status >= 500 && status < 600)
        failure = AttemptFailure::Http5xx;
    else if (status < 200 || status >= 300)
        failure = AttemptFailure::Other;
    finish(failure, failure ? "HTTP " + std::to_string(status) : std::string());
}

void CheckinAttempt::finish(std::optional<AttemptFailure> failure, std::string detail)
{
    if (m_reported)
        return;
    m_reported = true;
    AttemptOutcome outcome;
    outcome.failure = failure;
    outcome.status = int(m_answer.result_int());
    outcome.body = std::move(m_answer.body());
    outcome.latencyUs =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - m_started)
            .count();
    outcome.detail = std::move(detail);
    outcome.resumed = m_resumed;
    if (!failure) {
        // The server's tickets came before its answer, so the session now holds the newest.
        // A TLS 1.3 ticket is for one use: the next connection gets this one, not the old.
        SSL *ssl = m_stream.native_handle();
        SSL_SESSION *session = SSL_get1_session(ssl);
        if (session && SSL_SESSION_is_resumable(session) == 1)
            outcome.session = TlsSession(session, SSL_SESSION_free);
        else if (session)
            SSL_SESSION_free(session);
        // The exchange ended well and the server closes first ("Connection: close"). Said
        // so, OpenSSL does not take the close without a close_notify of ours for a broken
        // connection, which would mark the kept session unusable.
        SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_SENT_SHUTDOWN);
    }
    Done done = std::move(m_done);
    m_done = nullptr;
    if (m_closed || failure) {
        close();
    } else {
        drain();
    }
    done(std::move(outcome));
}

void CheckinAttempt::drain()
{
    // The answer said "Connection: close": the server's end follows. Read until it comes
    // (or the short drain deadline passes), then close our side.
    armDeadline(DrainTimeout);
    m_stream.async_read_some(net::buffer(m_drainBuffer),
                             [self = shared_from_this()](const ErrorCode &error, std::size_t) {
                                 if (self->m_closed)
                                     return;
                                 if (!error) {
                                     self->drain();
                                     return;
                                 }
                                 self->close();
                             });
}

void CheckinAttempt::abort()
{
    m_reported = true;
    m_done = nullptr;
    close();
}

void CheckinAttempt::close()
{
    if (m_closed)
        return;
    m_closed = true;
    ++m_deadlineGeneration;
    m_deadline.cancel();
    ErrorCode ignored;
    m_stream.next_layer().close(ignored);
}

} // namespace Cohort
