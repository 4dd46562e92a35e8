// Building PolicyTables and rebuilding policies on health changes (cold).
#include "policy/tables.h"

#include "common/rcu.h"

#include "policy/compile.h"

namespace fz::policy {

PolicyTables::PolicyTables(std::shared_ptr<const PolicySet> set, HealthVector health, uint64_t seed)
    : set_(std::move(set)),
      slots_(std::make_unique<std::atomic<const CompiledPolicy*>[]>(set_->policies.size())),
      health_(std::move(health)),
      draw_(seed != 0 ? seed : entropy_seed()) {}

std::unique_ptr<PolicyTables> PolicyTables::create(std::shared_ptr<const PolicySet> set, HealthVector health,
                                                   uint64_t seed) {
    if (health.empty()) health = initial_health(set->health_checks);
    health.resize(set->health_checks.checks.size(), 1);
    derive_calculated_health(set->health_checks, health);
    std::unique_ptr<PolicyTables> t(new PolicyTables(std::move(set), std::move(health), seed));
    auto target_healthy = [&t](uint32_t target) { return t->get(target)->any_healthy; };
    for (uint32_t id : t->set_->compile_order) {
        // relaxed: nothing reads these slots until the tables are published as a whole.
        t->slots_[id].store(compile_policy(*t->set_, id, t->health_, target_healthy, t->draw_).release(),
                            std::memory_order_relaxed);
    }
    return t;
}

PolicyTables::~PolicyTables() {
    for (uint32_t i = 0; i < size(); ++i) {
        // relaxed: the owner destroys the tables after the last reader is gone.
        delete slots_[i].load(std::memory_order_relaxed);
    }
}

std::vector<uint32_t> PolicyTables::update_health(HealthVector health, const RetireFn& retire) {
    health.resize(set_->health_checks.checks.size(), 1);
    derive_calculated_health(set_->health_checks, health);
    std::vector<uint8_t> dirty(size(), 0);
    for (size_t i = 0; i < health.size(); ++i) {
        if (health[i] == health_[i]) continue;
        for (uint32_t p : set_->users_of_check[i]) dirty[p] = 1;
    }
    health_ = std::move(health);
    return rebuild(dirty, retire);
}

std::vector<uint32_t> PolicyTables::redraw(const RetireFn& retire) {
    std::vector<uint8_t> dirty(size(), 0);
    for (uint32_t id = 0; id < size(); ++id) dirty[id] = get(id)->windows.empty() ? 0 : 1;
    return rebuild(dirty, retire);
}

void PolicyTables::set_hit_space(uint32_t begin, uint32_t size) {
    hit_ranges_.assign(this->size(), {kNoHits, kNoHits});
    uint64_t next = begin;
    const uint64_t end = uint64_t{begin} + size;
    for (uint32_t id = 0; id < this->size(); ++id) {
        const Policy& p = set_->policies[id];
        const size_t windows = p.kind == RoutingKind::kMultiValue ? multivalue_windows(p.members.size()) : 0;
        if (windows == 0 || next + 2 * windows > end) continue;
        hit_ranges_[id] = {static_cast<uint32_t>(next), static_cast<uint32_t>(next + windows)};
        next += 2 * windows;
        // Not published yet, and built non-const by compile_policy(): ours to finish.
        auto* current = const_cast<CompiledPolicy*>(get(id));
        current->hit_base = current->windows.empty() ? kNoHits : hit_ranges_[id].first;
    }
}

namespace {

// The RRSIGs of every answer `p` can give (CompiledPolicy::answer_signatures).
void sign_answers(const PolicyTables::AnswerSigner& signer, CompiledPolicy& p) {
    if (!signer || p.kind != RoutingKind::kMultiValue || p.candidates.empty()) return;
    const size_t answers = p.windows.empty() ? 1 : p.window_mask + size_t{1};
    p.answer_signatures.clear();
    p.signature_at.assign(1, 0);
    for (size_t a = 0; a < answers; ++a) {
        const std::span<const uint16_t> members = p.windows.empty()
                                                      ? std::span<const uint16_t>(p.candidates)
                                                      : std::span<const uint16_t>(p.windows.data() + a * kWindowEntries,
                                                                                  kMaxAnswers);
        PolicyTables::Signed s = signer(p.id, members);
        if (s.count == 0) {  // not a signed zone's
            p.signature_at.clear();
            return;
        }
        p.answer_signatures += s.records;
        p.signature_at.push_back(static_cast<uint32_t>(p.answer_signatures.size()));
        p.signature_records = s.count;
    }
}

}  // namespace

void PolicyTables::set_answer_signer(AnswerSigner signer) {
    signer_ = std::move(signer);
    // Not published yet, and built non-const by compile_policy(): ours to finish.
    for (uint32_t id = 0; id < size(); ++id) sign_answers(signer_, *const_cast<CompiledPolicy*>(get(id)));
}

std::vector<uint32_t> PolicyTables::rebuild(std::vector<uint8_t>& dirty, const RetireFn& retire) {
    std::vector<uint32_t> rebuilt;
    Retired old;
    // compile_order has alias targets first, so a flip of a target's health reaches its
    // EvaluateTargetHealth aliases before they are visited.
    auto target_healthy = [this](uint32_t target) { return get(target)->any_healthy; };
    for (uint32_t id : set_->compile_order) {
        if (!dirty[id]) continue;
        std::unique_ptr<CompiledPolicy> fresh = compile_policy(*set_, id, health_, target_healthy, draw_);
        sign_answers(signer_, *fresh);
        if (id < hit_ranges_.size() && !fresh->windows.empty()) {
            // The range the version being replaced does not count into.
            const auto [first, second] = hit_ranges_[id];
            fresh->hit_base = get(id)->hit_base == first ? second : first;
        }
        const bool flipped = fresh->any_healthy != get(id)->any_healthy;
        // release: the tables written by compile_policy() are visible to any reader
        // that acquires the new pointer (get()).
        const CompiledPolicy* previous = slots_[id].exchange(fresh.release(), std::memory_order_acq_rel);
        old.emplace_back(previous);
        rebuilt.push_back(id);
        if (flipped) {
            for (uint32_t d : set_->eth_dependents[id]) dirty[d] = 1;
        }
    }
    if (!old.empty()) {
        if (retire) {
            retire(std::move(old));
        } else {
            retire_after_grace_period(std::move(old));
        }
    }
    return rebuilt;
}

void retire_after_grace_period(PolicyTables::Retired old) {
    // Every reader that could have loaded an old pointer did so before the swap; once each
    // has reported a quiescent state (between bursts), none still holds one.
    rcu::synchronize();
    old.clear();
}

void follow_alias_chain(const PolicyTables& tables, const CompiledPolicy& first, const ClientInfo& client, Rng& rng,
                        Resolution& out) noexcept {
    // The answer depends on every step's table: keep the longest scope seen.
    uint8_t scope = out.decision.scope;
    const CompiledPolicy* p = &first;
    for (unsigned hop = 0; hop < kMaxAliasChain; ++hop) {  // chains are bounded at load
        const uint32_t next = p->target_policy[out.decision.members[0]];
        if (next == kNoPolicy) break;
        p = tables.get(next);
        decide_into(*p, client, rng, out.decision);
        out.policy = next;
        out.compiled = p;
        scope = out.decision.scope > scope ? out.decision.scope : scope;
        if (!p->has_targets || out.decision.count != 1) break;
    }
    out.decision.scope = scope;
}

}  // namespace fz::policy
