// ProxyHeader: the PROXY protocol version 2 header a load balancer (HAProxy's
// "send-proxy-v2") puts before a connection's own bytes, to name the client it forwards.
// Only the fixed binary form: the 16-byte start (signature, version and command, address
// family, length of the rest), then that many bytes of addresses and TLVs. A node reads it
// only from the addresses it trusts (--trusted-proxy); see docs/ARCHITECTURE.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace Cohort::ProxyHeader {

// The fixed start, and the most the rest may hold (addresses and TLVs).
constexpr std::size_t FixedBytes = 16;
constexpr std::size_t MaxRestBytes = 512;

// Whether a connection's first byte can begin a header (a TLS connection begins with 0x16).
constexpr bool mayStartWith(unsigned char first)
{
    return first == 0x0d;
}

// The length of the rest, from the fixed start; nullopt with the reason in *error when it
// is not a version 2 header this server takes.
std::optional<std::size_t> restLength(const unsigned char *fixed, std::string *error);

// The client's address the whole header names (IPv4 or IPv6 as text); empty when it names
// none (a LOCAL command, the proxy's own health check, or an unspecified family): the
// connection is then the proxy's own. nullopt with the reason in *error when the rest is
// too short for its family. rest: restLength(fixed) bytes.
std::optional<std::string> clientAddress(const unsigned char *fixed, const unsigned char *rest,
                                         std::string *error);

} // namespace Cohort::ProxyHeader
