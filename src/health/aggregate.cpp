#include "health/aggregate.h"

namespace fz::health {

Tally tally(const CheckStatus& local, const std::vector<Observation>* others) {
    Tally t;
    if (local.has_result && local.probed_here) {
        ++t.total;
        t.healthy += local.observed_healthy() ? 1 : 0;
    }
    if (others != nullptr) {
        for (const Observation& o : *others) {
            ++t.total;
            t.healthy += o.healthy ? 1 : 0;
        }
    }
    return t;
}

bool endpoint_healthy(const Tally& t, double threshold) {
    if (t.total == 0) return true;
    return static_cast<double>(t.healthy) > threshold * static_cast<double>(t.total);
}

policy::HealthVector aggregate_health(const policy::HealthCheckSet& set, std::span<const CheckStatus> local,
                                      const ObservationMap& others, double threshold) {
    policy::HealthVector health(set.checks.size(), 1);
    const bool aligned = local.size() == set.checks.size();
    for (size_t i = 0; i < set.checks.size(); ++i) {
        const policy::HealthCheck& check = set.checks[i];
        if (!is_endpoint_check(check)) continue;  // derived below
        if (check.disabled) {
            health[i] = check.inverted ? 0 : 1;
            continue;
        }
        const CheckStatus none = fresh_status(check);
        const CheckStatus& mine = aligned ? local[i] : none;
        auto it = others.find(check.id);
        const Tally t = tally(mine, it == others.end() ? nullptr : &it->second);
        // With no checker reporting yet, as a new check starts: healthy, inverted or not.
        if (t.total == 0) {
            health[i] = mine.healthy ? 1 : 0;
            continue;
        }
        health[i] = endpoint_healthy(t, threshold) != check.inverted ? 1 : 0;
    }
    policy::derive_calculated_health(set, health);
    return health;
}

}  // namespace fz::health
