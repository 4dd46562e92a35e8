// The compiled, read-only form of one policy and decide(): which record sets answer a
// client. The data plane's only entry into the policy layer besides resolve() (tables.h).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/assert.h"
#include "policy/cidr.h"
#include "policy/client.h"
#include "policy/geoip.h"
#include "policy/latency.h"
#include "policy/record_set.h"
#include "policy/rng.h"

namespace fz::policy {

inline constexpr uint16_t kNoMember = 0xffff;
inline constexpr unsigned kMaxAnswers = 8;  // Route 53 returns up to 8 multivalue records
// A multivalue window: one pre-drawn answer of kMaxAnswers members, stored twice in a row
// so that any rotation of it is kMaxAnswers consecutive entries.
inline constexpr unsigned kWindowEntries = 2 * kMaxAnswers;

// Window hit counters (CompiledPolicy::hit_base): an index at or above this is none.
inline constexpr uint32_t kNoHits = 0x80000000u;

// What decide() chose. count == 0 means NODATA: the name exists but no record set
// applies to this client (geolocation without a match or a default, IP-based likewise).
struct Decision {
    uint8_t count;
    uint8_t scope;                  // ECS SCOPE PREFIX-LENGTH: 0 when the answer does not depend on the client
    uint16_t members[kMaxAnswers];  // indexes into Policy::members
    // A multivalue answer from window w: the counter its answer is counted by
    // (hit_base + w), which stands for one answer of each of the window's members.
    // kNoHits or above: count the members one by one.
    uint32_t hit;

    Decision() : count(0), scope(0), members{}, hit(kNoHits) {}
    // Left unset, for the data plane: decide_into() sets count, scope, hit and the first
    // `count` members whatever it decides (zeroing it first cost 6 instructions an answer).
    struct ForOverwrite {};
    explicit Decision(ForOverwrite) {}
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

    // Multivalue pools of more than kMaxAnswers: answers drawn ahead on the control plane
    // (compile_policy), window w at w * kWindowEntries, window_mask + 1 of them (a power of
    // two). Each window is a uniform ordered sample of 8 pool members, and every member
    // is in as many windows as any other, give or take one. The data plane picks a window
    // and a rotation with one random draw (see multivalue() below; src/policy/README.md).
    std::vector<uint16_t> windows;
    uint32_t window_mask = 0;
    // Where this version's windows are counted: window w by counter hit_base + w of the
    // workers' window counters (engine::Counters::windows), kNoHits when not. The counts
    // are turned into answers per member on the control plane, which knows the windows
    // (engine::CounterSlots): one increment per answer instead of eight.
    uint32_t hit_base = kNoHits;

    // Geolocation and geoproximity (by GeoIP location id), IP-based (by CIDR location),
    // latency (by latency-table entry): the answer per lookup value, the last element for
    // clients no entry covers. kNoMember is NODATA.
    std::vector<uint16_t> by_key;
    uint32_t no_key = 0;  // by_key.size() - 1, kept apart so the data plane need not work it out
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

    // A multivalue policy of a signed zone: the RRSIGs over each answer it can give, made
    // on the control plane with its windows (PolicyTables::AnswerSigner). Answer a (window
    // a, or 0 for a pool of kMaxAnswers or fewer, whose rotations are one RRset) is
    // answer_signatures[signature_at[a], signature_at[a + 1]): `signature_records` RRSIG
    // records as an RRset's rdata list ([u16 length][rdata] each). Empty: unsigned.
    std::string answer_signatures;
    std::vector<uint32_t> signature_at;
    uint8_t signature_records = 0;

    // The RRSIG list of the answer `d` (decided by this version) drew.
    const uint8_t* signatures_of(const Decision& d) const {
        const size_t a = windows.empty() ? 0 : d.hit - hit_base;  // hit_base + w, kNoHits too
        FZ_ASSERT(a + 1 < signature_at.size());
        return reinterpret_cast<const uint8_t*>(answer_signatures.data()) + signature_at[a];
    }
};

namespace detail {

inline void one(Decision& d, uint16_t member, uint8_t scope) {
    d.hit = kNoHits;
    d.scope = scope;
    d.count = member != kNoMember ? 1 : 0;
    d.members[0] = member;
}

// The answer for the client's table entry, and the entry's width as the scope. The entry
// may have been looked up already (ClientInfo::early_table).
template <typename Table>
inline void by_table(Decision& d, const CompiledPolicy& p, const Table* table, const ClientInfo& client) {
    FZ_ASSERT(!p.by_key.empty() && p.no_key == p.by_key.size() - 1);  // set by compile_policy()
    if (table == nullptr || !client.known()) return one(d, p.by_key.back(), 0);
    const LpmMatch m = client.early_table == table ? client.early : table->lookup(client);
    const uint32_t key = m.value < p.no_key ? m.value : p.no_key;  // kLpmNoValue: the last
    FZ_ASSERT(key < p.by_key.size());
    one(d, p.by_key[key], m.depth);
}

inline void multivalue(Decision& d, const CompiledPolicy& p, Rng& rng) {
    d.scope = 0;
    const auto n = static_cast<uint32_t>(p.candidates.size());
    if (n <= kMaxAnswers) {
        // All of them, rotated so that resolvers that keep the order still spread load.
        const uint32_t start = n > 1 ? rng.below(n) : 0;
        FZ_ASSERT(start < n || n == 0);
        for (uint32_t i = 0; i < n; ++i) {
            const uint32_t k = start + i < n ? start + i : start + i - n;
            d.members[i] = p.candidates[k];
        }
        d.count = static_cast<uint8_t>(n);
        d.hit = kNoHits;
        return;
    }
    // One draw: a window by its low bits, a rotation of it (which member leads) by its top
    // three. Drawing 8 of n here instead (a partial Fisher-Yates shuffle) cost 160
    // instructions and 11-13 ns, over a third of what multivalue then added to a
    // data-plane answer (src/policy/README.md).
    const uint64_t r = rng.next();
    const uint32_t w = static_cast<uint32_t>(r) & p.window_mask;
    const auto rotation = static_cast<uint32_t>(r >> 61);
    FZ_ASSERT(size_t{w} * kWindowEntries + rotation + kMaxAnswers <= p.windows.size());
    static_assert(sizeof d.members == kMaxAnswers * sizeof(uint16_t));
    std::memcpy(d.members, p.windows.data() + size_t{w} * kWindowEntries + rotation, sizeof d.members);
    d.count = kMaxAnswers;
    d.hit = p.hit_base + w;  // kNoHits + w is still at or above kNoHits
}

}  // namespace detail

// Hot path: no locks, allocation, syscalls or exceptions. O(1) but for the LPM walk.
// Writes `d` in place: only count, scope, hit and the first `count` members are set.
// (Returning a Decision built field by field and copied as a whole made the core wait
// on a store-forwarding failure, a third of resolve()'s time.)
// Always inlined: out of line, the call and its spills cost about 15 instructions a policy
// answer (callgrind).
[[gnu::always_inline]] inline void decide_into(const CompiledPolicy& p, const ClientInfo& client, Rng& rng,
                                               Decision& d) noexcept {
    switch (p.kind) {
        case RoutingKind::kWeighted: {
            const auto n = static_cast<uint32_t>(p.threshold.size());
            if (n == 0) return detail::one(d, kNoMember, 0);
            const uint64_t r = rng.next();
            const auto column = static_cast<uint32_t>(((r >> 32) * n) >> 32);
            FZ_ASSERT(column < n && p.primary.size() == n && p.alias.size() == n);
            const uint64_t coin = r & 0xffffffffu;
            // A select without a branch: the coin's outcome is random by design, and a branch
            // on it mispredicted often enough to cost more than the rest of the policy.
            const uint16_t primary = p.primary[column];
            const uint16_t other = p.alias[column];
            const auto keep = static_cast<uint16_t>(0u - static_cast<unsigned>(coin < p.threshold[column]));
            return detail::one(d, static_cast<uint16_t>(other ^ ((primary ^ other) & keep)), 0);
        }
        case RoutingKind::kMultiValue: return detail::multivalue(d, p, rng);
        case RoutingKind::kGeolocation:
        case RoutingKind::kGeoproximity: return detail::by_table(d, p, p.geo, client);
        case RoutingKind::kIpBased: return detail::by_table(d, p, p.cidr, client);
        case RoutingKind::kLatency: return detail::by_table(d, p, p.latency, client);
        case RoutingKind::kSimple:
        case RoutingKind::kFailover: break;
        default: __builtin_unreachable();  // compile_policy() sets only the kinds above: no range check
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
