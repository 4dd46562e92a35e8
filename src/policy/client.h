// The client a policy decides for: address family, address and how many leading bits are known.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace fz::policy {

enum class Family : uint8_t { kNone = 0, kIpv4 = 4, kIpv6 = 6 };

// Who asked: the EDNS Client Subnet address (RFC 7871) when the query carried one, else
// the packet's source. `address` is in network byte order (IPv4 uses bytes 0-3) and its
// bits past `source_prefix` are zero. A source prefix of 0 (ECS "do not use my address")
// or family kNone means the location is unknown: policies answer as for an unmapped
// client and report ECS scope 0.
struct ClientInfo {
    Family family = Family::kNone;
    uint8_t source_prefix = 0;
    uint8_t address[16] = {};

    bool known() const { return family != Family::kNone && source_prefix != 0; }
};

// Builds a ClientInfo from raw address bytes (4 or 16), masking bits past `prefix`.
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) become IPv4 so that they hit the IPv4
// tables, as resolvers and dual-stack sockets expect.
inline ClientInfo make_client(Family family, const uint8_t* bytes, uint8_t prefix) {
    ClientInfo c;
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (family == Family::kIpv6 && std::memcmp(bytes, kMapped, 12) == 0 && prefix >= 96) {
        family = Family::kIpv4;
        bytes += 12;
        prefix = static_cast<uint8_t>(prefix - 96);
    }
    const unsigned bits = family == Family::kIpv4 ? 32 : family == Family::kIpv6 ? 128 : 0;
    if (prefix > bits) prefix = static_cast<uint8_t>(bits);
    c.family = family;
    c.source_prefix = prefix;
    std::memcpy(c.address, bytes, bits / 8);
    for (unsigned i = 0; i < bits / 8; ++i) {
        const unsigned first_bit = i * 8;
        if (first_bit >= prefix) {
            c.address[i] = 0;
        } else if (first_bit + 8 > prefix) {
            c.address[i] &= static_cast<uint8_t>(0xff00u >> (prefix - first_bit));
        }
    }
    return c;
}

// Parses "192.0.2.1" or "2001:db8::1" (for tools and tests; control plane). `prefix`
// defaults to the full address length.
std::optional<ClientInfo> parse_client(std::string_view address, std::optional<unsigned> prefix = std::nullopt);

}  // namespace fz::policy
