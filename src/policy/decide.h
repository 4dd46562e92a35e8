// The compiled, read-only form of one policy and decide(): which record sets answer a
// client. The data plane's only entry into the policy layer besides resolve() (tables.h).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "policy/cidr.h"
#include "policy/client.h"
#include "policy/geoip.h"
#include "policy/latency.h"
#include "policy/record_set.h"
#include "policy/rng.h"

namespace fz::policy {

inline constexpr uint16_t kNoMember = 0xffff;
inline constexpr unsigned kMaxAnswers = 8;  // Route 53 returns up to 8 multivalue records

// What decide() chose. count == 0 means NODATA: the name exists but no record set
// applies to this client (geolocation without a match or a default, IP-based likewise).
struct Decision {
    uint8_t count = 0;
    uint8_t scope = 0;  // ECS SCOPE PREFIX-LENGTH: 0 when the answer does not depend on the client
    uint16_t members[kMaxAnswers] = {};  // indexes into Policy::members
};

// One policy with health baked in. Immutable: a health change builds a new one and swaps
// the pointer (PolicyTables). Vectors are read, never resized, on the data plane.
struct CompiledPolicy {
    RoutingKind kind = RoutingKind::kSimple;
    uint32_t id = 0;
    bool any_healthy = true;  // some member is healthy: what an EvaluateTargetHealth alias sees

    // Weighted: Vose alias table. Column i keeps `primary[i]` when a 32-bit coin is below
    // threshold[i] (out of 2^32), else gives `alias[i]`.
    std::vector<uint64_t> threshold;
    std::vector<uint16_t> primary;
    std::vector<uint16_t> alias;

    // Simple, failover: the one answer; multivalue: the pool drawn from.
    std::vector<uint16_t> candidates;

    // Geolocation and geoproximity (by GeoIP location id), IP-based (by CIDR location),
    // latency (by latency-table entry): the answer per lookup value, the last element for
    // clients no entry covers. kNoMember is NODATA.
    std::vector<uint16_t> by_key;
    const GeoDatabase* geo = nullptr;
    const CidrCollection* cidr = nullptr;
    const LatencyTable* latency = nullptr;

    // Per member: the policy its alias target is under (kNoPolicy otherwise); health as
    // baked (for explain).
    std::vector<uint32_t> target_policy;
    std::vector<uint8_t> member_healthy;

    // Keeps the shared lookup tables alive as long as any version of this policy is.
    std::shared_ptr<const void> keep_tables;
};

namespace detail {

inline Decision one(uint16_t member, uint8_t scope) {
    Decision d;
    d.scope = scope;
    if (member != kNoMember) {
        d.count = 1;
        d.members[0] = member;
    }
    return d;
}

// The answer for the client's table entry, and the entry's width as the scope.
template <typename Table>
inline Decision by_table(const CompiledPolicy& p, const Table* table, const ClientInfo& client) {
    if (table == nullptr || !client.known()) return one(p.by_key.back(), 0);
    const LpmMatch m = table->lookup(client);
    const size_t key = m.value < p.by_key.size() - 1 ? m.value : p.by_key.size() - 1;
    return one(p.by_key[key], m.depth);
}

inline Decision multivalue(const CompiledPolicy& p, Rng& rng) {
    Decision d;
    const auto n = static_cast<uint32_t>(p.candidates.size());
    if (n <= kMaxAnswers) {
        // All of them, rotated so that resolvers that keep the order still spread load.
        const uint32_t start = n > 1 ? rng.below(n) : 0;
        for (uint32_t i = 0; i < n; ++i) {
            const uint32_t k = start + i < n ? start + i : start + i - n;
            d.members[i] = p.candidates[k];
        }
        d.count = static_cast<uint8_t>(n);
        return d;
    }
    // Floyd's algorithm: a uniform 8-subset in 8 draws with no scratch array. Each 64-bit
    // output gives two 32-bit draws: the generator is most of the cost here.
    uint64_t bits = 0;
    bool have_half = false;
    auto draw = [&](uint32_t bound) {
        if (!have_half) bits = rng.next();
        have_half = !have_half;
        const auto half = static_cast<uint32_t>(bits);
        bits >>= 32;
        return static_cast<uint32_t>((static_cast<uint64_t>(half) * bound) >> 32);
    };
    uint32_t picked[kMaxAnswers];
    unsigned count = 0;
    for (uint32_t j = n - kMaxAnswers; j < n; ++j) {
        uint32_t t = draw(j + 1);
        for (unsigned k = 0; k < count; ++k) {
            if (picked[k] == t) {
                t = j;
                break;
            }
        }
        picked[count++] = t;
    }
    // Floyd's order favours small indexes first: rotate so that every member is as likely
    // to lead the answer (some clients use only the first address).
    const uint32_t start = draw(kMaxAnswers);
    for (unsigned i = 0; i < kMaxAnswers; ++i) d.members[i] = p.candidates[picked[(start + i) % kMaxAnswers]];
    d.count = kMaxAnswers;
    return d;
}

}  // namespace detail

// Hot path: no locks, allocation, syscalls or exceptions. O(1) but for the LPM walk.
inline Decision decide(const CompiledPolicy& p, const ClientInfo& client, Rng& rng) noexcept {
    switch (p.kind) {
    case RoutingKind::kWeighted: {
        const auto n = static_cast<uint32_t>(p.threshold.size());
        if (n == 0) return Decision{};
        const uint64_t r = rng.next();
        const auto column = static_cast<uint32_t>(((r >> 32) * n) >> 32);
        const uint64_t coin = r & 0xffffffffu;
        return detail::one(coin < p.threshold[column] ? p.primary[column] : p.alias[column], 0);
    }
    case RoutingKind::kMultiValue:
        return detail::multivalue(p, rng);
    case RoutingKind::kGeolocation:
    case RoutingKind::kGeoproximity:
        return detail::by_table(p, p.geo, client);
    case RoutingKind::kIpBased:
        return detail::by_table(p, p.cidr, client);
    case RoutingKind::kLatency:
        return detail::by_table(p, p.latency, client);
    case RoutingKind::kSimple:
    case RoutingKind::kFailover:
        break;
    }
    return detail::one(p.candidates.empty() ? kNoMember : p.candidates[0], 0);
}

}  // namespace fz::policy
