#include "proxyheader.h"

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>

#include <algorithm>
#include <array>
#include <cstring>

namespace Cohort::ProxyHeader {

namespace {

constexpr std::array<unsigned char, 12> Signature = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                                     0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
constexpr unsigned char CommandLocal = 0x0;
constexpr unsigned char CommandProxy = 0x1;
constexpr unsigned char FamilyInet = 0x1;
constexpr unsigned char FamilyInet6 = 0x2;
constexpr std::size_t Inet4Bytes = 12; // source, destination, two ports
constexpr std::size_t Inet6Bytes = 36;

} // namespace

std::optional<std::size_t> restLength(const unsigned char *fixed, std::string *error)
{
    if (!std::equal(Signature.begin(), Signature.end(), fixed)) {
        *error = "not a PROXY protocol version 2 header";
        return std::nullopt;
    }
    const unsigned char version = fixed[12] >> 4;
    const unsigned char command = fixed[12] & 0x0f;
    if (version != 2) {
        *error = "PROXY protocol version " + std::to_string(version) + ", not 2";
        return std::nullopt;
    }
    if (command != CommandLocal && command != CommandProxy) {
        *error = "unknown PROXY command " + std::to_string(command);
        return std::nullopt;
    }
    const std::size_t length = (std::size_t(fixed[14]) << 8) | fixed[15];
    if (length > MaxRestBytes) {
        *error = "a PROXY header of " + std::to_string(FixedBytes + length) + " bytes, more than "
                 + std::to_string(FixedBytes + MaxRestBytes);
        return std::nullopt;
    }
    return length;
}

std::optional<std::string> clientAddress(const unsigned char *fixed, const unsigned char *rest,
                                         std::string *error)
{
    const std::size_t length = (std::size_t(fixed[14]) << 8) | fixed[15];
    if ((fixed[12] & 0x0f) == CommandLocal)
        return std::string();
    const unsigned char family = fixed[13] >> 4;
    if (family == FamilyInet) {
        if (length < Inet4Bytes) {
            *error = "a PROXY header too short for its IPv4 addresses";
            return std::nullopt;
        }
        boost::asio::ip::address_v4::bytes_type bytes;
        std::memcpy(bytes.data(), rest, bytes.size());
        return boost::asio::ip::make_address_v4(bytes).to_string();
    }
    if (family == FamilyInet6) {
        if (length < Inet6Bytes) {
            *error = "a PROXY header too short for its IPv6 addresses";
            return std::nullopt;
        }
        boost::asio::ip::address_v6::bytes_type bytes;
        std::memcpy(bytes.data(), rest, bytes.size());
        const boost::asio::ip::address_v6 address = boost::asio::ip::make_address_v6(bytes);
        // An IPv4 client of a dual-stack balancer counts as its IPv4 address, as a direct one does.
        if (address.is_v4_mapped())
            return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address).to_string();
        return address.to_string();
    }
    // Unspecified or a UNIX socket: no client address to take; the connection is the proxy's.
    return std::string();
}

} // namespace Cohort::ProxyHeader
