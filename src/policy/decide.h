// The compiled, read-only form of one policy and decide(): which record sets answer a
// client. The data plane's only entry into the policy layer besides resolve() (tables.h).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "common/bytes.h"
#include "policy/cidr.h"
#include "policy/client.h"
#include "policy/geoip.h"
#include "policy/latency.h"
#include "policy/record_set.h"
#include "policy/rng.h"

namespace fz::policy {

inline constexpr uint16_t kNoMember = 0xffff;
inline constexpr unsigned kMaxAnswers = 8;  // Route 53 returns up to 8 multivalue records
inline constexpr unsigned kShuffleMax = 64;  // multivalue pools up to this size are shuffled

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
    // baked (for explain). has_targets: some member's is not kNoPolicy (most policies
    // have none, and resolve() then skips a load that every answer would wait on).
    std::vector<uint32_t> target_policy;
    bool has_targets = false;
    std::vector<uint8_t> member_healthy;

    // Keeps the shared lookup tables alive as long as any version of this policy is.
    std::shared_ptr<const void> keep_tables;
};

namespace detail {

inline void one(Decision& d, uint16_t member, uint8_t scope) {
    d.scope = scope;
    d.count = member != kNoMember ? 1 : 0;
    d.members[0] = member;
}

// The answer for the client's table entry, and the entry's width as the scope.
template <typename Table>
inline void by_table(Decision& d, const CompiledPolicy& p, const Table* table, const ClientInfo& client) {
    if (table == nullptr || !client.known()) return one(d, p.by_key.back(), 0);
    const LpmMatch m = table->lookup(client);
    const size_t key = m.value < p.by_key.size() - 1 ? m.value : p.by_key.size() - 1;
    one(d, p.by_key[key], m.depth);
}

inline void multivalue(Decision& d, const CompiledPolicy& p, Rng& rng) {
    d.scope = 0;
    const auto n = static_cast<uint32_t>(p.candidates.size());
    if (n <= kMaxAnswers) {
        // All of them, rotated so that resolvers that keep the order still spread load.
        const uint32_t start = n > 1 ? rng.below(n) : 0;
        for (uint32_t i = 0; i < n; ++i) {
            const uint32_t k = start + i < n ? start + i : start + i - n;
            d.members[i] = p.candidates[k];
        }
        d.count = static_cast<uint8_t>(n);
        return;
    }
    // Each 64-bit output of the generator gives two 32-bit draws.
    uint64_t bits = 0;
    bool have_half = false;
    auto draw = [&](uint32_t bound) {
        if (!have_half) bits = rng.next();
        have_half = !have_half;
        const auto half = static_cast<uint32_t>(bits);
        bits >>= 32;
        return static_cast<uint32_t>((static_cast<uint64_t>(half) * bound) >> 32);
    };
    if (n <= kShuffleMax) {
        // Eight steps of a Fisher-Yates shuffle over a copy of the pool: a uniform ordered
        // 8-sample, every member equally likely in every position, with no data-dependent
        // branch (the duplicate checks of Floyd's algorithm mispredicted often).
        uint16_t pool[kShuffleMax];
        copy_bytes(reinterpret_cast<uint8_t*>(pool), reinterpret_cast<const uint8_t*>(p.candidates.data()),
                   n * sizeof(uint16_t));
        for (uint32_t i = 0; i < kMaxAnswers; ++i) {
            const uint32_t j = i + draw(n - i);
            const uint16_t chosen = pool[j];
            pool[j] = pool[i];
            d.members[i] = chosen;
        }
        d.count = kMaxAnswers;
        return;
    }
    // Larger pools: Floyd's algorithm, a uniform 8-subset in 8 draws without copying them.
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
}

}  // namespace detail

// Hot path: no locks, allocation, syscalls or exceptions. O(1) but for the LPM walk.
// Writes `d` in place: only count, scope and the first `count` members are set.
// (Returning a Decision built field by field and copied as a whole made the core wait
// on a store-forwarding failure, a third of resolve()'s time.)
inline void decide_into(const CompiledPolicy& p, const ClientInfo& client, Rng& rng, Decision& d) noexcept {
    switch (p.kind) {
    case RoutingKind::kWeighted: {
        const auto n = static_cast<uint32_t>(p.threshold.size());
        if (n == 0) return detail::one(d, kNoMember, 0);
        const uint64_t r = rng.next();
        const auto column = static_cast<uint32_t>(((r >> 32) * n) >> 32);
        const uint64_t coin = r & 0xffffffffu;
        // A select without a branch: the coin's outcome is random by design, and a branch
        // on it mispredicted often enough to cost more than the rest of the policy.
        const uint16_t primary = p.primary[column];
        const uint16_t other = p.alias[column];
        const auto keep = static_cast<uint16_t>(0u - static_cast<unsigned>(coin < p.threshold[column]));
        return detail::one(d, static_cast<uint16_t>(other ^ ((primary ^ other) & keep)), 0);
    }
    case RoutingKind::kMultiValue:
        return detail::multivalue(d, p, rng);
    case RoutingKind::kGeolocation:
    case RoutingKind::kGeoproximity:
        return detail::by_table(d, p, p.geo, client);
    case RoutingKind::kIpBased:
        return detail::by_table(d, p, p.cidr, client);
    case RoutingKind::kLatency:
        return detail::by_table(d, p, p.latency, client);
    case RoutingKind::kSimple:
    case RoutingKind::kFailover:
        break;
    }
    detail::one(d, p.candidates.empty() ? kNoMember : p.candidates[0], 0);
}

// decide_into() for callers off the hot path (explain, tests).
inline Decision decide(const CompiledPolicy& p, const ClientInfo& client, Rng& rng) noexcept {
    Decision d;
    decide_into(p, client, rng, d);
    return d;
}

}  // namespace fz::policy
