// ManagerEndpoint: one entry of an agent's manager list, "HOST:PORT" as the node wrote it
// (or "[v6]:PORT"), with the TCP endpoint it names. Host names are resolved once per
// process and remembered: the simulator must not ask the resolver thousands of times a second.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <QCoreApplication>
#include <QString>

#include <optional>
#include <string>
#include <string_view>

namespace Cohort {

class ManagerEndpoint
{
    Q_DECLARE_TR_FUNCTIONS(Cohort::ManagerEndpoint)

public:
    // The endpoint text names, or nothing with the reason in *error.
    static std::optional<ManagerEndpoint> parse(std::string_view text, QString *error);

    // As given: what the Host header and the summary's "connected_to" say.
    const std::string &text() const { return m_text; }
    const boost::asio::ip::tcp::endpoint &endpoint() const { return m_endpoint; }

    bool operator==(const ManagerEndpoint &other) const { return m_text == other.m_text; }

private:
    std::string m_text;
    boost::asio::ip::tcp::endpoint m_endpoint;
};

} // namespace Cohort
