// Health from many vantage points, as Route 53 decides it: every server of a fleet probes
// the checks and publishes what it sees; a check's endpoint counts as healthy when more
// than a share (18% by default) of the checkers reporting say so. Pure functions: the
// daemon feeds them its own checker's statuses and the other servers' observations.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "health/status.h"
#include "policy/health_check.h"

namespace fz::health {

// What one checker reports for one check: the endpoint's state after FailureThreshold,
// before Inverted (CheckStatus::observed_healthy()), with the reason of the result that
// set it and when that was.
struct Observation {
    std::string checker;  // the server's node name
    bool healthy = true;
    std::string reason;
    int64_t checked_ms = 0;
};

// The other servers' observations, by check Id.
using ObservationMap = std::unordered_map<std::string, std::vector<Observation>>;

// The checkers that report on one check, and how many of them say healthy.
struct Tally {
    uint32_t healthy = 0;
    uint32_t total = 0;
};

// This server's own vote counts once it has a result and probes the check here.
Tally tally(const CheckStatus& local, const std::vector<Observation>* others);

// Route 53's rule: healthy when more than `threshold` of the checkers reporting say so;
// with no checker reporting yet, healthy (as a new check starts).
bool endpoint_healthy(const Tally& t, double threshold);

// The health vector the policies read, from this server's statuses (index-aligned with
// `set`) and the others' observations: each enabled endpoint check by the rule above, then
// Inverted (with no checker reporting, as this server's status has it: healthy, as a new
// check starts); a disabled one as Route 53 counts it (healthy, unhealthy if also inverted);
// CALCULATED ones derived from their children. `local` of another size than the set (a
// checker started for other checks) counts as no local result.
policy::HealthVector aggregate_health(const policy::HealthCheckSet& set, std::span<const CheckStatus> local,
                                      const ObservationMap& others, double threshold);

}  // namespace fz::health
