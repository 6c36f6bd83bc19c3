// The running ApiServer's state, shared by the server and its sessions.
#pragma once

#include "apichecks.h"
#include "apiserver.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace Cohort {

struct ApiServer::Shared
{
    Shared(Limits limits_, Handler handler_)
        : limits(limits_)
        , handler(std::move(handler_))
        , limiter(limits_.clients)
        , tls(boost::asio::ssl::context::tls_server)
        , acceptor(io)
    {}

    // Declared so that what sessions use outlives the io_context, whose destruction
    // destroys the sessions still waiting in it.
    const Limits limits;
    const Handler handler;
    ClientLimiter limiter;
    boost::asio::ssl::context tls;
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor;
    std::vector<std::thread> threads;
    std::unordered_set<std::string> trustedProxies; // fixed before listen()
    std::atomic<int> sessions = 0;
    std::atomic<long long> refusedConnections = 0; // over a connection cap
    std::atomic<bool> stopping = false;
};

} // namespace Cohort
