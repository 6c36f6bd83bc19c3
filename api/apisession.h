// ApiServer::Session: one client connection to the node API, from the TLS handshake to
// close (from a trusted balancer, first its PROXY header, which names the client). It reads a request's head
// within the head limit and deadline, refuses what must be refused before reading a body
// (ApiChecks::headProblem, the client's request rate), reads the body within its limit and deadline, hands
// the request to the handler and writes the answer; then it waits, for a bounded idle time, for the next
// request on the same connection. Every step runs on the connection's strand.
#pragma once

#include "apichecks.h"
#include "apiserver.h"
#include "proxyheader.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <array>
#include <memory>
#include <optional>
#include <string>

namespace Cohort {

class ApiServer::Session : public std::enable_shared_from_this<ApiServer::Session>
{
public:
    // clientAddress: the connection's peer. fromProxy: a trusted balancer, whose header (if
    // it sends one) names the client; otherwise the connection is already counted against
    // the peer's limits.
    Session(boost::asio::ip::tcp::socket socket, Shared &shared, std::string clientAddress, bool fromProxy);
    ~Session();
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;

    void start();

private:
    void readProxyHeader();
    void onProxyReadable(const boost::system::error_code &error);
    void onProxyStart(const boost::system::error_code &error);
    void onProxyRest(const boost::system::error_code &error);
    void handshake();
    void onHandshake(const boost::system::error_code &error);
    void readHead();
    void onHead(const boost::system::error_code &error);
    void onBody(const boost::system::error_code &error);
    void answer(ApiResponse response, bool keepAlive);
    void onWritten(bool keepAlive, const boost::system::error_code &error);
    void armDeadline(int ms);
    void close();
    void drain();

    boost::beast::ssl_stream<boost::beast::tcp_stream> m_stream;
    boost::asio::steady_timer m_deadline;
    boost::beast::flat_buffer m_buffer;
    std::optional<RequestParser> m_parser;
    http::response<http::string_body> m_response;
    Shared &m_shared;
    std::string m_clientAddress; // the balancer's until its header names the client
    bool m_fromProxy = false;
    bool m_counted = false; // against m_clientAddress's connection cap
    std::array<unsigned char, ProxyHeader::FixedBytes + ProxyHeader::MaxRestBytes> m_proxyHeader{};
    bool m_timedOut = false;
    bool m_firstRequest = true;
    bool m_closing = false;
    std::array<char, 4096> m_drain; // what a closing client still sends, dropped
};

} // namespace Cohort
