// Compiling policies into decision tables with health baked in (cold).
#include "policy/compile.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <string>
#include <unordered_map>

#include "policy/geo_codes.h"

namespace fz::policy {
namespace {

// Vose's alias method in integers, so the table is exact: column i holds w_i * n out of a
// column height of `sum`; a short column is topped up from a tall one.
void build_vose(CompiledPolicy* out, const std::vector<uint16_t>& members, const std::vector<uint64_t>& weights) {
    const size_t n = members.size();
    uint64_t sum = 0;
    for (uint64_t w : weights) sum += w;
    out->threshold.assign(n, uint64_t{1} << 32);
    out->primary = members;
    out->alias = members;
    if (n == 0 || sum == 0) return;
    std::vector<uint64_t> work(n);
    std::vector<size_t> small, large;
    for (size_t i = 0; i < n; ++i) {
        work[i] = weights[i] * n;
        (work[i] < sum ? small : large).push_back(i);
    }
    while (!small.empty() && !large.empty()) {
        const size_t s = small.back();
        small.pop_back();
        const size_t l = large.back();
        out->threshold[s] = (work[s] << 32) / sum;
        out->alias[s] = members[l];
        work[l] -= sum - work[s];
        if (work[l] < sum) {
            large.pop_back();
            small.push_back(l);
        }
    }
    // What remains is full height (exactly, since the arithmetic is integer).
    for (size_t i : small) out->threshold[i] = uint64_t{1} << 32;
    for (size_t i : large) out->threshold[i] = uint64_t{1} << 32;
}

uint16_t first_healthy_or_first(const std::vector<uint16_t>& chain, const std::vector<uint8_t>& healthy) {
    for (uint16_t m : chain) {
        if (healthy[m]) return m;
    }
    // Every applicable record is unhealthy: Route 53 then treats them all as healthy.
    return chain.empty() ? kNoMember : chain.front();
}

double biased_distance(const PolicyMember& m, Coordinates client) {
    const GeoproximitySpec& g = m.record.geoproximity();
    const double d = great_circle_km(client, Coordinates{g.latitude, g.longitude});
    if (g.bias >= 0) return d * (1.0 - g.bias / 100.0);
    return d / (1.0 + g.bias / 100.0);
}

void compile_geolocation(const Policy& p, const std::vector<uint8_t>& healthy, CompiledPolicy* out) {
    std::unordered_map<std::string, uint16_t> by_place;  // "c:EU", "n:GB", "s:US/WA", "*"
    for (size_t i = 0; i < p.members.size(); ++i) {
        const GeoLocationSpec& g = p.members[i].record.geo();
        std::string key = g.is_default()           ? "*"
                          : !g.continent.empty()   ? "c:" + g.continent
                          : !g.subdivision.empty() ? "s:" + g.country + "/" + g.subdivision
                                                   : "n:" + g.country;
        by_place.emplace(std::move(key), static_cast<uint16_t>(i));
    }
    auto chain_for = [&](const std::string& continent, const std::string& country, const std::string& subdivision) {
        std::vector<uint16_t> chain;
        auto add = [&](const std::string& key) {
            if (auto it = by_place.find(key); it != by_place.end()) chain.push_back(it->second);
        };
        if (!country.empty() && !subdivision.empty()) add("s:" + country + "/" + subdivision);
        if (!country.empty()) add("n:" + country);
        std::string cont = continent;
        if (cont.empty() && !country.empty()) cont = std::string(continent_of_country(country));
        if (!cont.empty()) add("c:" + cont);
        add("*");
        return chain;
    };
    const size_t locations = out->geo ? out->geo->locations().size() : 0;
    out->by_key.assign(locations + 1, kNoMember);
    std::unordered_map<std::string, uint16_t> cache;  // many locations share one place
    for (size_t l = 0; l < locations; ++l) {
        const GeoLocation& loc = out->geo->locations()[l];
        const std::string key = loc.continent + "/" + loc.country + "/" + loc.subdivision;
        auto it = cache.find(key);
        if (it == cache.end()) {
            it = cache
                     .emplace(key,
                              first_healthy_or_first(chain_for(loc.continent, loc.country, loc.subdivision), healthy))
                     .first;
        }
        out->by_key[l] = it->second;
    }
    out->by_key.back() = first_healthy_or_first(chain_for("", "", ""), healthy);
}

void compile_geoproximity(const Policy& p, const std::vector<uint16_t>& pool, CompiledPolicy* out) {
    const size_t locations = out->geo ? out->geo->locations().size() : 0;
    out->by_key.assign(locations + 1, pool.empty() ? kNoMember : pool.front());
    for (size_t l = 0; l < locations; ++l) {
        const GeoLocation& loc = out->geo->locations()[l];
        if (!loc.has_coordinates) continue;  // no coordinates: as an unknown client
        double best = std::numeric_limits<double>::infinity();
        for (uint16_t m : pool) {
            const double d = biased_distance(p.members[m], Coordinates{loc.latitude, loc.longitude});
            if (d < best) {
                best = d;
                out->by_key[l] = m;
            }
        }
    }
}

void compile_latency(const Policy& p, const std::vector<uint8_t>& healthy, CompiledPolicy* out) {
    const LatencyTable* table = out->latency;
    // Region ids of the table; members whose region the table lacks go last, in file order.
    std::vector<int64_t> region_of(p.members.size(), -1);
    for (size_t i = 0; i < p.members.size(); ++i) {
        region_of[i] = table ? table->find_region(p.members[i].record.region()) : -1;
    }
    auto choose = [&](const std::vector<uint16_t>& order) {
        std::vector<uint16_t> chain;
        for (uint16_t r : order) {
            for (size_t i = 0; i < p.members.size(); ++i) {
                if (region_of[i] == r) chain.push_back(static_cast<uint16_t>(i));
            }
        }
        for (size_t i = 0; i < p.members.size(); ++i) {
            if (std::find(chain.begin(), chain.end(), i) == chain.end()) chain.push_back(static_cast<uint16_t>(i));
        }
        return first_healthy_or_first(chain, healthy);
    };
    const size_t entries = table ? table->entries().size() : 0;
    out->by_key.resize(entries + 1);
    for (size_t e = 0; e < entries; ++e) out->by_key[e] = choose(table->entries()[e].order);
    out->by_key.back() = choose(table ? table->default_order() : std::vector<uint16_t>{});
}

void compile_ip_based(const Policy& p, const std::vector<uint8_t>& healthy, CompiledPolicy* out) {
    const size_t locations = p.cidr->locations.size();
    std::vector<uint16_t> by_location(locations, kNoMember);
    uint16_t fallback = kNoMember;
    for (size_t i = 0; i < p.members.size(); ++i) {
        const int32_t l = p.members[i].cidr_location;
        (l < 0 ? fallback : by_location[static_cast<size_t>(l)]) = static_cast<uint16_t>(i);
    }
    out->by_key.resize(locations + 1);
    for (size_t l = 0; l < locations; ++l) {
        std::vector<uint16_t> chain;
        if (by_location[l] != kNoMember) chain.push_back(by_location[l]);
        if (fallback != kNoMember) chain.push_back(fallback);
        out->by_key[l] = first_healthy_or_first(chain, healthy);
    }
    out->by_key.back() = fallback;
}

// Multivalue answers drawn ahead for a pool of more than kMaxAnswers members: windows
// of 8 cut from a stream of uniform random permutations of the pool. When a window
// straddles two permutations and the next one repeats a member the window already has,
// that entry is swapped with a random later one of the same permutation that it does not
// have (one exists: n - s >= 2 of them). So:
// - every member fills the same number of slots, give or take one (the stream is whole
//   permutations but for its last one);
// - each window, on its own, is a uniform ordered 8-sample: the construction treats
//   member labels alike, and the only relabelling-invariant distribution over ordered
//   samples of distinct members is the uniform one.
// Window w is stored twice in a row (kWindowEntries), for rotations by one load.
void draw_windows(const std::vector<uint16_t>& pool, Rng& rng, CompiledPolicy* out) {
    const size_t n = pool.size();
    const size_t count = multivalue_windows(n);
    out->window_mask = static_cast<uint32_t>(count - 1);
    out->windows.resize(count * kWindowEntries);
    std::vector<uint16_t> perm = pool;
    size_t pos = n;  // the first window starts a permutation
    for (size_t w = 0; w < count; ++w) {
        uint16_t* window = out->windows.data() + w * kWindowEntries;
        for (size_t s = 0; s < kMaxAnswers; ++s) {
            if (pos == n) {
                for (size_t i = n - 1; i > 0; --i) std::swap(perm[i], perm[rng.below(static_cast<uint32_t>(i + 1))]);
                pos = 0;
            }
            auto taken = [&](uint16_t m) { return std::find(window, window + s, m) != window + s; };
            while (taken(perm[pos])) {
                const size_t q = pos + 1 + rng.below(static_cast<uint32_t>(n - pos - 1));
                if (!taken(perm[q])) std::swap(perm[pos], perm[q]);
            }
            window[s] = perm[pos++];
        }
        std::copy(window, window + kMaxAnswers, window + kMaxAnswers);
    }
}

void compile_weighted(const Policy& p, const std::vector<uint8_t>& healthy, CompiledPolicy* out) {
    // Route 53: healthy records with weight > 0; else healthy ones with weight 0 (equal
    // shares); if none is healthy, all count as healthy and the same two steps apply.
    for (int pass = 0; pass < 2; ++pass) {
        std::vector<uint16_t> members;
        std::vector<uint64_t> weights;
        for (size_t i = 0; i < p.members.size(); ++i) {
            if ((pass == 0 && !healthy[i]) || p.members[i].record.weight == 0) continue;
            members.push_back(static_cast<uint16_t>(i));
            weights.push_back(p.members[i].record.weight);
        }
        if (members.empty()) {
            for (size_t i = 0; i < p.members.size(); ++i) {
                if (pass == 0 && !healthy[i]) continue;
                members.push_back(static_cast<uint16_t>(i));
                weights.push_back(1);
            }
        }
        if (!members.empty()) {
            build_vose(out, members, weights);
            return;
        }
    }
}

}  // namespace

size_t multivalue_windows(size_t pool) {
    // At least 256 windows (2048 ordered answers), and at least 32 slots per member.
    return pool > kMaxAnswers ? std::bit_ceil(std::max<size_t>(256, 4 * pool)) : 0;
}

std::unique_ptr<CompiledPolicy> compile_policy(const PolicySet& set, uint32_t id, std::span<const uint8_t> health,
                                               const std::function<bool(uint32_t)>& target_healthy, Rng& rng) {
    const Policy& p = set.policies[id];
    auto out = std::make_unique<CompiledPolicy>();
    out->kind = p.kind;
    out->id = id;
    out->geo = set.geo.get();
    out->latency = set.latency.get();
    out->cidr = p.cidr.get();
    // Own the tables through one handle: the set's inputs outlive every compiled version.
    struct Tables {
        std::shared_ptr<const GeoDatabase> geo;
        std::shared_ptr<const LatencyTable> latency;
        std::shared_ptr<const CidrCollection> cidr;
    };
    out->keep_tables = std::make_shared<Tables>(Tables{set.geo, set.latency, p.cidr});

    const size_t n = p.members.size();
    std::vector<uint8_t> healthy(n, 1);
    out->target_policy.resize(n, kNoPolicy);
    bool any = false;
    for (size_t i = 0; i < n; ++i) {
        const PolicyMember& m = p.members[i];
        out->target_policy[i] = m.target_policy;
        if (m.target_policy != kNoPolicy) out->has_targets = true;
        if (m.health_check != kNoHealthCheck && m.health_check < health.size() && health[m.health_check] == 0) {
            healthy[i] = 0;
        }
        if (healthy[i] && m.is_alias() && m.record.alias()->evaluate_target_health && m.target_policy != kNoPolicy &&
            !target_healthy(m.target_policy)) {
            healthy[i] = 0;
        }
        any = any || healthy[i];
    }
    out->member_healthy = healthy;
    out->any_healthy = any;

    std::vector<uint16_t> pool;  // the healthy members, or all when none is
    for (size_t i = 0; i < n; ++i) {
        if (healthy[i] || !any) pool.push_back(static_cast<uint16_t>(i));
    }

    switch (p.kind) {
        case RoutingKind::kSimple: out->candidates = {0}; break;
        case RoutingKind::kWeighted: compile_weighted(p, healthy, out.get()); break;
        case RoutingKind::kMultiValue:
            out->candidates = pool;
            if (pool.size() > kMaxAnswers) draw_windows(pool, rng, out.get());
            break;
        case RoutingKind::kFailover: {
            uint16_t primary = kNoMember, secondary = kNoMember;
            for (size_t i = 0; i < n; ++i)
                (p.members[i].record.failover_primary ? primary : secondary) = static_cast<uint16_t>(i);
            uint16_t pick;
            if (primary != kNoMember && healthy[primary]) {
                pick = primary;
            } else if (secondary != kNoMember && healthy[secondary]) {
                pick = secondary;
            } else {
                pick = primary != kNoMember ? primary : secondary;  // both unhealthy: the primary
            }
            out->candidates = {pick};
            break;
        }
        case RoutingKind::kGeolocation: compile_geolocation(p, healthy, out.get()); break;
        case RoutingKind::kGeoproximity: compile_geoproximity(p, pool, out.get()); break;
        case RoutingKind::kLatency: compile_latency(p, healthy, out.get()); break;
        case RoutingKind::kIpBased: compile_ip_based(p, healthy, out.get()); break;
    }
    // Every lookup kind ends by_key with the answer for clients no entry covers.
    if (!out->by_key.empty()) out->no_key = static_cast<uint32_t>(out->by_key.size() - 1);
    return out;
}

std::vector<double> weighted_shares(const CompiledPolicy& compiled, size_t member_count) {
    std::vector<double> share(member_count, 0.0);
    const size_t n = compiled.threshold.size();
    const auto columns = static_cast<double>(n);
    for (size_t i = 0; i < n; ++i) {
        const double keep = static_cast<double>(compiled.threshold[i]) / 4294967296.0;
        share[compiled.primary[i]] += keep / columns;
        share[compiled.alias[i]] += (1.0 - keep) / columns;
    }
    return share;
}

}  // namespace fz::policy
