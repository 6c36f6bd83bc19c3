#include "managerendpoint.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <map>
#include <mutex>

namespace Cohort {

namespace net = boost::asio;
using Tcp = net::ip::tcp;

namespace {

// Names resolved so far (an empty optional: the name did not resolve).
std::optional<net::ip::address> resolveOnce(const std::string &host)
{
    static std::mutex lock;
    static std::map<std::string, std::optional<net::ip::address>> known;
    const std::lock_guard guard(lock);
    if (const auto found = known.find(host); found != known.end())
        return found->second;
    net::io_context io;
    Tcp::resolver resolver(io);
    boost::system::error_code error;
    const auto results = resolver.resolve(host, std::string(), error);
    std::optional<net::ip::address> address;
    if (!error) {
        // IPv4 first: --source-net binds IPv4 sources.
        for (const auto &entry : results) {
            if (entry.endpoint().address().is_v4()) {
                address = entry.endpoint().address();
                break;
            }
        }
        if (!address && !results.empty())
            address = results.begin()->endpoint().address();
    }
    known.emplace(host, address);
    return address;
}

} // namespace

std::optional<ManagerEndpoint> ManagerEndpoint::parse(std::string_view text, QString *error)
{
    const QString shown = QString::fromUtf8(text.data(), qsizetype(text.size()));
    std::string_view host;
    std::string_view port;
    if (text.starts_with('[')) {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            *error = tr("\"%1\" is not HOST:PORT").arg(shown);
            return std::nullopt;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon) {
            *error = tr("\"%1\" is not HOST:PORT").arg(shown);
            return std::nullopt;
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    unsigned portNumber = 0;
    const auto [end, failure] = std::from_chars(port.data(), port.data() + port.size(), portNumber);
    if (host.empty() || port.empty() || failure != std::errc() || end != port.data() + port.size()
        || portNumber == 0 || portNumber > 65535) {
        *error = tr("\"%1\" is not HOST:PORT with a port from 1 to 65535").arg(shown);
        return std::nullopt;
    }
    boost::system::error_code notAnAddress;
    net::ip::address address = net::ip::make_address(host, notAnAddress);
    if (notAnAddress) {
        const auto resolved = resolveOnce(std::string(host));
        if (!resolved) {
            *error = tr("the host name in \"%1\" does not resolve").arg(shown);
            return std::nullopt;
        }
        address = *resolved;
    }
    ManagerEndpoint endpoint;
    endpoint.m_text = std::string(text);
    endpoint.m_endpoint = Tcp::endpoint(address, static_cast<unsigned short>(portNumber));
    return endpoint;
}

} // namespace Cohort
