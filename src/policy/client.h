// The client a policy decides for: address family, address and how many leading bits are known.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace fz::policy {

enum class Family : uint8_t { kNone = 0, kIpv4 = 4, kIpv6 = 6 };

// What a lookup in a prefix table (lpm.h) found: `value` (kLpmNoValue when nothing covers
// the address) and `depth`, the length of the widest block around the address in which
// every address gets the same value. That block is what the ECS scope may promise a
// resolver.
struct LpmMatch {
    uint32_t value;
    uint8_t depth;
};

// Who asked: the EDNS Client Subnet address (RFC 7871) when the query carried one, else
// the packet's source. `address` is in network byte order (IPv4 uses bytes 0-3) and its
// bits past `source_prefix` are zero. A source prefix of 0 (ECS "do not use my address")
// or family kNone means the location is unknown: policies answer as for an unmapped
// client and report ECS scope 0.
struct ClientInfo {
    Family family = Family::kNone;
    uint8_t source_prefix = 0;
    uint8_t address[16] = {};
    // For an IPv4 address found inside an IPv6 one (below): how many IPv6 bits come
    // before it, so that an IPv4 scope can be told back in the IPv6 family it came in.
    uint8_t embedded_offset = 0;
    // A lookup already made for this client: `early_table`'s match. The engine makes it as
    // soon as it knows which table the policy reads (Resolver::choose_policy), alongside
    // the loads that reach the compiled policy rather than after them. Null: none.
    const void* early_table = nullptr;
    LpmMatch early{0, 0};

    bool known() const { return family != Family::kNone && source_prefix != 0; }
};

// Fills `c` from raw address bytes (4 or 16), masking bits past `prefix`.
// IPv6 addresses that carry an IPv4 address become IPv4 so that they hit the IPv4
// tables, as MaxMind databases alias them: IPv4-mapped (::ffff:a.b.c.d, as resolvers and
// dual-stack sockets send), 6to4 (2002:aabb:ccdd::/48) and Teredo (2001:0:aabb:ccdd::).
//
// Hot path (once per policy query): `c` is filled where it lives, the address in two
// 8-byte stores. Building a ClientInfo byte by byte and copying it as a whole stalled the
// core on a store-forwarding failure (a 16-byte load over narrower stores).
//
// `zero_past_prefix`: the caller knows that the bits past `prefix` are zero already (an
// ECS option, which the parser rejects otherwise; a packet's own address at its full
// length), so they are copied without masking, which every policy answer saves.
inline void set_client(ClientInfo& c, Family family, const uint8_t* bytes, uint8_t prefix,
                       bool zero_past_prefix = false) {
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    c.embedded_offset = 0;
    c.early_table = nullptr;  // a new address: no lookup made for it yet
    if (family == Family::kIpv6) {
        unsigned offset = 0;
        if (std::memcmp(bytes, kMapped, 12) == 0 && prefix >= 96) {
            offset = 96;
        } else if (bytes[0] == 0x20 && bytes[1] == 0x02 && prefix >= 16) {
            offset = 16;
        } else if (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0 && bytes[3] == 0 && prefix >= 32) {
            offset = 32;
        }
        if (offset != 0) {
            family = Family::kIpv4;
            bytes += offset / 8;
            prefix = static_cast<uint8_t>(prefix - offset > 32 ? 32 : prefix - offset);
            c.embedded_offset = static_cast<uint8_t>(offset);
        }
    }
    const unsigned bits = family == Family::kIpv4 ? 32 : family == Family::kIpv6 ? 128 : 0;
    if (prefix > bits) prefix = static_cast<uint8_t>(bits);
    c.family = family;
    c.source_prefix = prefix;
    if (zero_past_prefix) {
        uint64_t word[2] = {0, 0};
        if (bits == 32) {
            std::memcpy(word, bytes, 4);
        } else if (bits == 128) {
            std::memcpy(word, bytes, 16);
        }
        std::memcpy(c.address, word, 16);
        return;
    }
    // The address as two big-endian 64-bit words, masked to the prefix.
    uint64_t word[2] = {0, 0};
    if (bits == 32) {
        uint32_t v4;
        std::memcpy(&v4, bytes, 4);
        word[0] = __builtin_bswap32(v4);
        word[0] <<= 32;
    } else if (bits == 128) {
        std::memcpy(word, bytes, 16);
        word[0] = __builtin_bswap64(word[0]);
        word[1] = __builtin_bswap64(word[1]);
    }
    word[0] &= prefix == 0 ? 0 : ~uint64_t{0} << (64 - (prefix < 64 ? prefix : 64));
    word[1] &= prefix <= 64 ? 0 : ~uint64_t{0} << (128 - prefix);
    word[0] = __builtin_bswap64(word[0]);
    word[1] = __builtin_bswap64(word[1]);
    std::memcpy(c.address, word, 16);
}

// set_client() for an IPv4 address of at most 32 bits whose bits past `prefix` are zero
// (an ECS option as the parser accepts it, a packet's source): nothing to check or mask.
// The data plane's usual case, cheaper than set_client().
inline void set_client_ipv4(ClientInfo& c, const uint8_t* bytes, uint8_t prefix) {
    c.family = Family::kIpv4;
    c.source_prefix = prefix;
    c.embedded_offset = 0;
    c.early_table = nullptr;
    uint64_t word[2] = {0, 0};
    std::memcpy(word, bytes, 4);
    std::memcpy(c.address, word, 16);
}

inline ClientInfo make_client(Family family, const uint8_t* bytes, uint8_t prefix) {
    ClientInfo c;
    set_client(c, family, bytes, prefix);
    return c;
}

// Parses "192.0.2.1" or "2001:db8::1" (for tools and tests; control plane). `prefix`
// defaults to the full address length.
std::optional<ClientInfo> parse_client(std::string_view address, std::optional<unsigned> prefix = std::nullopt);

}  // namespace fz::policy
