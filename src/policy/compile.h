// Compiling one policy of a PolicySet, with a given health state, into its read-only
// decision tables (cold: runs on the control plane at load and on health changes).
#pragma once

#include <functional>
#include <memory>
#include <span>

#include "policy/decide.h"
#include "policy/policy_set.h"

namespace fz::policy {

// Builds policy `id`. `health` is indexed by health check (missing entries count as
// healthy). `target_healthy(policy)` tells whether an alias target policy has a healthy
// record (its compiled any_healthy); it is called only for EvaluateTargetHealth aliases,
// whose targets compile first (PolicySet::compile_order). `rng` draws a multivalue
// policy's answer windows (CompiledPolicy::windows).
std::unique_ptr<CompiledPolicy> compile_policy(const PolicySet& set, uint32_t id, std::span<const uint8_t> health,
                                               const std::function<bool(uint32_t)>& target_healthy, Rng& rng);

// How many answer windows a multivalue pool of `pool` members gets (0: none, 8 or fewer
// members are all returned). A power of two, never fewer for a larger pool.
size_t multivalue_windows(size_t pool);

// Share of each member in a weighted policy's current table (0 for members left out),
// as explain() prints it. Sums to 1.
std::vector<double> weighted_shares(const CompiledPolicy& compiled, size_t member_count);

}  // namespace fz::policy
