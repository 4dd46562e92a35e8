// Longest-prefix-match tables from a client address to a value and the matched depth:
// DIR-24-8 for IPv4 (as DPDK's rte_lpm) and a multibit trie (16, then 8-bit strides) for IPv6.
//
// Why not rte_lpm / rte_lpm6 themselves: they allocate through rte_zmalloc, so they need
// an initialised DPDK EAL, which socket mode, the unit tests and the fuzzers do not
// have; and their lookup returns only the next hop, not the depth of the entry that
// matched, which the ECS scope (RFC 7871) needs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/assert.h"
#include "common/huge_alloc.h"
#include "common/prefetch.h"
#include "common/result.h"
#include "policy/client.h"

namespace fz::policy {

// Value stored for addresses no prefix covers.
inline constexpr uint32_t kLpmNoValue = 0x7fffff;

// An address prefix in network byte order; IPv4 uses bytes 0-3.
struct Prefix {
    std::array<uint8_t, 16> address{};
    uint8_t length = 0;
};

struct PrefixValue {
    Prefix prefix;
    uint32_t value;  // < kLpmNoValue
};

// Parses "192.0.2.0/24" or "2001:db8::/32" (a bare address is a full-length prefix).
// `family_bits` receives 32 or 128. Bits set past the length are an error, as Route 53
// reports them.
Result<Prefix> parse_prefix(std::string_view text, unsigned* family_bits);
std::string prefix_to_text(const Prefix& prefix, unsigned family_bits);

// The fewest prefixes that tile the inclusive range [first, last] of `family_bits`-bit
// addresses (network byte order), as for ranges in Tor's geoip files.
std::vector<Prefix> range_to_prefixes(const uint8_t* first, const uint8_t* last, unsigned family_bits);

// A multibit trie with a first stride of kRootBits and 8-bit strides after it. Each
// 32-bit entry is either a leaf (value and depth) or a link to a 256-entry group, as in
// rte_lpm. The builder first flattens the prefixes into disjoint blocks of constant value
// (gaps included), so every entry knows the exact depth to report and the lookup never
// needs to backtrack: one load per stride, no branches but the link test.
template <unsigned kAddressBytes, unsigned kRootBits>
class PrefixTable {
    static_assert(kRootBits % 8 == 0 && kRootBits / 8 < kAddressBytes, "root stride must be whole bytes");

public:
    static constexpr unsigned kBits = kAddressBytes * 8;

    PrefixTable() = default;

    // Builds the table. Nested prefixes are fine (the most specific wins); for two equal
    // prefixes the later one wins. Values must be below kLpmNoValue.
    static Result<PrefixTable> build(const std::vector<PrefixValue>& prefixes);

    // Hot path: at most 1 + (kBits - kRootBits) / 8 dependent loads, no allocation.
    LpmMatch lookup(const uint8_t* address) const noexcept {
        uint32_t entry = root_[root_index(address)];
        unsigned byte = kRootBits / 8;
        while (entry & kLink) {
            FZ_ASSERT(byte < kAddressBytes && ((size_t{entry & kGroupMask} + 1) << 8) <= groups_.size());
            entry = groups_[(static_cast<size_t>(entry & kGroupMask) << 8) | address[byte]];
            ++byte;
        }
        return LpmMatch{entry & kValueMask, static_cast<uint8_t>(entry >> kDepthShift)};
    }

    // Starts loading the root entry lookup() reads first, for a caller that will look
    // `address` up soon (a DIR-24-8 root is 64 MiB: a new client's entry is a miss).
    void prefetch(const uint8_t* address) const noexcept {
        if (root_ == nullptr) return;
        fz::prefetch(&root_[root_index(address)]);
    }

    bool empty() const { return root_ == nullptr; }
    size_t memory_bytes() const { return (root_ ? (size_t{1} << kRootBits) * 4 : 0) + groups_.size() * 4; }
    size_t group_count() const { return groups_.size() / 256; }

private:
    static constexpr uint32_t kLink = 0x80000000u;
    static constexpr uint32_t kGroupMask = 0x7fffffffu;
    static constexpr uint32_t kValueMask = 0x7fffffu;
    static constexpr unsigned kDepthShift = 23;

    void insert_block(const uint8_t* address, unsigned depth, uint32_t value);

    // The first kRootBits of the address: one big-endian load (every address has 4 bytes).
    static uint32_t root_index(const uint8_t* address) noexcept {
        uint32_t word;
        std::memcpy(&word, address, sizeof word);
        return __builtin_bswap32(word) >> (32 - kRootBits);
    }

    HugeArray<uint32_t> root_;  // 64 MiB for DIR-24-8: huge pages keep lookups off the TLB
    std::vector<uint32_t> groups_;
};

using Lpm4 = PrefixTable<4, 24>;       // DIR-24-8: 64 MiB root, for GeoIP and latency tables
using Lpm4Small = PrefixTable<4, 16>;  // 16-8-8: 256 KiB root, for CIDR collections (one per policy)
using Lpm6 = PrefixTable<16, 16>;      // 16 then 8-bit strides

// The IPv4 and IPv6 tables of one input keyed by client address (GeoIP, latency, a CIDR
// collection), looked up by the client's family.
template <typename Table4>
struct ClientTables {
    Table4 v4;
    Lpm6 v6;

    // Hot path: the value for the client and the width of the block it holds for.
    // Always inlined, as resolve_into() (callgrind: 7 instructions a static answer less).
    [[gnu::always_inline]] LpmMatch lookup(const ClientInfo& client) const noexcept {
        if (client.family == Family::kIpv4) return v4.lookup(client.address);
        return v6.lookup(client.address);
    }
    // Starts loading what lookup() will read first for the IPv4 (`ipv4`) or IPv6
    // address `address` (network order).
    void prefetch(bool ipv4, const uint8_t* address) const noexcept {
        if (ipv4) {
            v4.prefetch(address);
        } else {
            v6.prefetch(address);
        }
    }
    size_t memory_bytes() const { return v4.memory_bytes() + v6.memory_bytes(); }
};

extern template class PrefixTable<4, 24>;
extern template class PrefixTable<4, 16>;
extern template class PrefixTable<16, 16>;

}  // namespace fz::policy
