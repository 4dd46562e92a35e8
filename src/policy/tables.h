// PolicyTables: every compiled policy behind its own atomic pointer, rebuilt one by one
// when health changes; resolve() follows alias chains on the data plane.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "policy/decide.h"
#include "policy/policy_set.h"

namespace fz::policy {

class PolicyTables {
public:
    using Retired = std::vector<std::unique_ptr<const CompiledPolicy>>;
    // Receives the versions a swap replaced. Readers may still hold them: free them only
    // after an RCU grace period (retire_after_grace_period does exactly that).
    using RetireFn = std::function<void(Retired)>;
    // Signs one multivalue answer of policy `id` (its members, in any order, as one
    // RRset): its RRSIG rdatas as a list of [u16 length][rdata], and how many; nothing
    // for a policy of an unsigned zone. Called on the control plane
    // whenever answers are drawn (load, health change, redraw), never on the data plane.
    struct Signed {
        std::string records;
        uint8_t count = 0;
    };
    using AnswerSigner = std::function<Signed(uint32_t id, std::span<const uint16_t> members)>;

    // Compiles every policy of `set` with `health` (one entry per health check; empty:
    // initial_health(), every check healthy). `seed` seeds the draws of multivalue answer
    // windows (0: a random seed; tests pass their own to be repeatable).
    static std::unique_ptr<PolicyTables> create(std::shared_ptr<const PolicySet> set, HealthVector health = {},
                                                uint64_t seed = 0);

    PolicyTables(const PolicyTables&) = delete;
    PolicyTables& operator=(const PolicyTables&) = delete;
    ~PolicyTables();  // frees the current versions: call only once no reader can see them

    // Data plane: the current version of policy `id` (< size()).
    const CompiledPolicy* get(uint32_t id) const noexcept {
        // acquire pairs with the release in update_health(): a reader that sees the new
        // pointer also sees the tables written before it was published.
        return slots_[id].load(std::memory_order_acquire);
    }
    uint32_t size() const { return static_cast<uint32_t>(set_->policies.size()); }
    const PolicySet& set() const { return *set_; }
    const std::shared_ptr<const PolicySet>& set_ptr() const { return set_; }
    const HealthVector& health() const { return health_; }
    uint32_t find(const dns::Name& name, uint16_t type) const { return set_->find(name, type); }

    // Control plane, one caller at a time: takes a new health vector (CALCULATED checks
    // are derived here), rebuilds only the policies that use a changed check and,
    // transitively, those whose EvaluateTargetHealth aliases point at a policy whose
    // "has a healthy record" flipped; publishes each with one pointer swap and hands the
    // old versions to `retire`. Returns the ids rebuilt, in rebuild order.
    std::vector<uint32_t> update_health(HealthVector health, const RetireFn& retire);

    // Control plane, one caller at a time (with update_health): draws new answer windows
    // for every multivalue policy that has them, so that over time every pair of members
    // shares answers equally often (one set of windows fixes which pairs do), and publishes
    // them like update_health(). Returns the ids rebuilt. The daemon calls it every
    // kRedrawSeconds.
    std::vector<uint32_t> redraw(const RetireFn& retire);
    static constexpr int kRedrawSeconds = 10;

    // Control plane, before the tables are published: counters [begin, begin + size) of
    // the workers' window counters (engine::Counters::windows) are this table's to count
    // multivalue answers by window (CompiledPolicy::hit_base). Each multivalue policy that
    // can have windows gets two ranges of multivalue_windows(members) counters and its
    // versions alternate between them: a retired version's range is read by no worker
    // after the grace period, so its counts are final (engine::CounterSlots::fold), while
    // the version that replaced it counts into the other. Policies that do not fit count
    // their members one by one.
    void set_hit_space(uint32_t begin, uint32_t size);

    // Control plane, before the tables are published: signs the multivalue answers of
    // every policy now and of every version rebuilt later with `signer`.
    void set_answer_signer(AnswerSigner signer);
    const AnswerSigner& answer_signer() const { return signer_; }

private:
    PolicyTables(std::shared_ptr<const PolicySet> set, HealthVector health, uint64_t seed);
    // Compiles each policy marked in `dirty`, in compile order, and swaps it in; marks the
    // EvaluateTargetHealth dependents of a policy whose any_healthy flipped on the way.
    // Hands the old versions to `retire`.
    std::vector<uint32_t> rebuild(std::vector<uint8_t>& dirty, const RetireFn& retire);

    std::shared_ptr<const PolicySet> set_;
    std::unique_ptr<std::atomic<const CompiledPolicy*>[]> slots_;
    HealthVector health_;
    Rng draw_;                                               // control plane only: multivalue windows
    std::vector<std::pair<uint32_t, uint32_t>> hit_ranges_;  // per policy (set_hit_space); kNoHits: none
    AnswerSigner signer_;
};

// Waits for a liburcu-qsbr grace period (synchronize_rcu: every registered reader thread
// has passed rcu_quiescent_state() since), then frees `old`. Call from a thread that is
// not itself an online RCU reader.
void retire_after_grace_period(PolicyTables::Retired old);

// The outcome of a policy after following alias members to the policy that answers.
struct Resolution {
    uint32_t policy;                 // the policy whose members answer
    const CompiledPolicy* compiled;  // the version of it that decided
    Decision decision;               // its members; scope is the widest-needed over the chain

    Resolution() : policy(kNoPolicy), compiled(nullptr) {}
    // Left unset, for the data plane: resolve_into() sets all it reads (Decision::ForOverwrite).
    explicit Resolution(Decision::ForOverwrite f) : decision(f) {}
};

// resolve_into() past its first decision, whose member is an alias to another policy:
// decide() there too, and on while the chain goes. Out of line (and decide_into() inlined
// once in resolve_into()): a second inlined decide_into() made GCC call both.
void follow_alias_chain(const PolicyTables& tables, const CompiledPolicy& first, const ClientInfo& client, Rng& rng,
                        Resolution& out) noexcept;

// Data plane: decide(), and while the chosen member is an alias to another policy,
// decide() there too. The answering members may still be aliases to RRsets outside any
// policy (Policy::members[i].record.alias() names them): the engine answers with those.
// Fills `out` in place (see decide_into()). Always inlined: it is the data plane's one
// call into this layer, and GCC's size budget sometimes left it out of line (34 more
// instructions a geolocation answer, callgrind).
[[gnu::always_inline]] inline void resolve_into(const PolicyTables& tables, uint32_t id, const ClientInfo& client,
                                                Rng& rng, Resolution& out) noexcept {
    const CompiledPolicy& p = *tables.get(id);
    decide_into(p, client, rng, out.decision);
    out.policy = id;
    out.compiled = &p;
    // Most policies have no alias member that leads to another policy: one decision.
    if (p.has_targets && out.decision.count == 1) [[unlikely]]
        follow_alias_chain(tables, p, client, rng, out);
}

// resolve_into() for callers off the hot path (explain, tests).
inline Resolution resolve(const PolicyTables& tables, uint32_t id, const ClientInfo& client, Rng& rng) noexcept {
    Resolution r;
    resolve_into(tables, id, client, rng, r);
    return r;
}

}  // namespace fz::policy
