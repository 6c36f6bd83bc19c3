// CheckinAttempt: one try of one check-in: a new TCP connection (from the agent's own
// source address when it has one), TLS 1.2+, the server's leaf certificate checked against
// the pins (no authority is asked), the POST, and the answer, all within one deadline.
// Runs on the agent's strand; reports once, then waits briefly for the server to close
// first so the TIME_WAIT stays on the server's side and the simulator's ports stay free.
#pragma once

#include "agentstatistics.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace Cohort {

// A TLS session kept to be resumed: the server's ticket and what the first handshake
// established, including the certificate the pins were checked against.
using TlsSession = std::shared_ptr<SSL_SESSION>;

struct AttemptOutcome
{
    std::optional<AttemptFailure> failure; // none: a 2xx answer
    int status = 0;
    std::string body;
    std::int64_t latencyUs = 0; // connect to answer
    std::string detail;         // why it failed, for the debug log
    bool resumed = false;       // the handshake resumed the session offered
    TlsSession session;         // after a 2xx answer: the session to offer next time, if resumable
};

class CheckinAttempt : public std::enable_shared_from_this<CheckinAttempt>
{
public:
    using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
    using Done = std::function<void(AttemptOutcome)>;
    // The request's body, given the local address the connection came from.
    using Body = std::function<std::string(const std::string &localAddress)>;

    struct Request
    {
        boost::asio::ip::tcp::endpoint target;
        std::string host; // the Host header
        std::string path;
        std::optional<boost::asio::ip::address_v4> source;
        std::vector<std::string> pins; // lower-case hex SHA-256
        std::chrono::milliseconds timeout{3000};
        TlsSession session; // offered for resumption; may be null
    };

    CheckinAttempt(Strand strand, boost::asio::ssl::context &tls);

    // Call on the strand. done is called on the strand, exactly once, unless abort() came first.
    void start(Request request, Body body, Done done);
    // Call on the strand: ends the attempt at once, reporting nothing.
    void abort();

private:
    void armDeadline(std::chrono::milliseconds after);
    void onConnected(const boost::system::error_code &error);
    void onHandshake(const boost::system::error_code &error);
    void onWritten(const boost::system::error_code &error);
    void onAnswer(const boost::system::error_code &error);
    void finish(std::optional<AttemptFailure> failure, std::string detail);
    void drain();
    void close();
    // The failure an operation's error stands for: a timeout when the deadline ended it.
    AttemptFailure failureOf(AttemptFailure otherwise) const;

    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> m_stream;
    boost::asio::steady_timer m_deadline;
    Request m_request;
    Body m_body;
    Done m_done;
    boost::beast::http::request<boost::beast::http::string_body> m_httpRequest;
    boost::beast::flat_buffer m_buffer;
    boost::beast::http::response<boost::beast::http::string_body> m_answer;
    std::array<char, 256> m_drainBuffer{};
    std::chrono::steady_clock::time_point m_started;
    unsigned m_deadlineGeneration = 0;
    bool m_resumed = false;
    bool m_timedOut = false;
    bool m_reported = false;
    bool m_closed = false;
};

} // namespace Cohort
