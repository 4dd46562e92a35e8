// Counter slots: stable small integers for zones and policy members.
#include "engine/counter_slots.h"

#include "engine/answer.h"
#include "policy/record_set.h"

namespace fz::engine {

void CounterSlots::assign(engine::Snapshot& snap) {
    std::lock_guard<std::mutex> lock(mutex_);
    snap.zone_slots.assign(snap.zones.size(), 0);
    for (size_t i = 0; i < snap.zones.size(); ++i) {
        std::string apex = dns::wire_name_to_text(snap.zones[i]->header().apex_name);
        auto it = zones_.find(apex);
        if (it == zones_.end()) {
            if (zone_names_.size() >= engine::kZoneSlots) continue;  // overflow shares slot 0
            it = zones_.emplace(apex, static_cast<uint16_t>(zone_names_.size())).first;
            zone_names_.push_back(apex);
        }
        snap.zone_slots[i] = it->second;
    }
    // The index captured the zone slots before they were known: rebuild it.
    snap.index.build(snap.zones, snap.zone_slots);
    if (!snap.policies) return;
    constexpr uint32_t kHalf = engine::kWindowHitSlots / 2;
    snap.policies->set_hit_space((1 - live_half_) * kHalf, kHalf);
    const auto& policies = snap.policies->set().policies;
    for (size_t id = 0; id < snap.bindings.size() && id < policies.size(); ++id) {
        const policy::Policy& p = policies[id];
        auto& slots = snap.bindings[id].member_slots;
        slots.assign(p.members.size(), 0);
        for (size_t m = 0; m < p.members.size(); ++m) {
            Member label{p.name.to_text(), policy::type_name(p.type), p.members[m].record.set_identifier};
            std::string key = label.name + '\t' + label.type + '\t' + label.set_identifier;
            auto it = member_index_.find(key);
            if (it == member_index_.end()) {
                if (members_.size() >= engine::kMemberSlots) continue;
                it = member_index_.emplace(key, static_cast<uint16_t>(members_.size())).first;
                members_.push_back(std::move(label));
            }
            slots[m] = it->second;
        }
    }
}

void CounterSlots::published() {
    std::lock_guard<std::mutex> lock(mutex_);
    live_half_ = 1 - live_half_;
}

namespace {

// How many windows `version` counts in the workers' window counters, from hit_base on
// (0: it counts its members one by one).
size_t counted_windows(const policy::CompiledPolicy& version) {
    return version.hit_base < engine::kWindowHitSlots ? version.windows.size() / policy::kWindowEntries : 0;
}

}  // namespace

// Calls add(member slot, answers) for what each window of `version` counted since its
// last fold.
template <typename Add>
void CounterSlots::window_deltas(const engine::Snapshot& snap, const policy::CompiledPolicy& version,
                                 const engine::Counters& sum, Add add) const {
    if (version.id >= snap.bindings.size()) return;
    const auto& slots = snap.bindings[version.id].member_slots;
    const size_t windows = counted_windows(version);
    for (size_t w = 0; w < windows; ++w) {
        const size_t counter = version.hit_base + w;
        // Counters only grow, and every sum is taken after the last fold (callers
        // serialize): never below the baseline.
        if (sum.windows[counter] <= baseline_[counter]) continue;
        const uint64_t delta = sum.windows[counter] - baseline_[counter];
        const uint16_t* window = version.windows.data() + w * policy::kWindowEntries;
        for (unsigned k = 0; k < policy::kMaxAnswers; ++k) add(window[k] < slots.size() ? slots[window[k]] : 0, delta);
    }
}

void CounterSlots::fold(const engine::Snapshot& snap, const policy::CompiledPolicy& retired, const engine::Counters& sum) {
    std::lock_guard<std::mutex> lock(mutex_);
    window_deltas(snap, retired, sum, [this](uint16_t slot, uint64_t n) { folded_[slot] += n; });
    const size_t windows = counted_windows(retired);
    for (size_t w = 0; w < windows; ++w) baseline_[retired.hit_base + w] = sum.windows[retired.hit_base + w];
}

void CounterSlots::fold_all(const engine::Snapshot& snap, const engine::Counters& sum) {
    if (!snap.policies) return;
    for (uint32_t id = 0; id < snap.policies->size(); ++id) fold(snap, *snap.policies->get(id), sum);
}

void CounterSlots::add_window_answers(const engine::Snapshot& snap, engine::Counters& sum) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t m = 0; m < engine::kMemberSlots; ++m) sum.members[m] += folded_[m];
    if (!snap.policies) return;
    for (uint32_t id = 0; id < snap.policies->size(); ++id) {
        window_deltas(snap, *snap.policies->get(id), sum, [&sum](uint16_t slot, uint64_t n) { sum.members[slot] += n; });
    }
}

std::vector<std::string> CounterSlots::zone_names() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return zone_names_;
}

std::vector<CounterSlots::Member> CounterSlots::members() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return members_;
}

}  // namespace fz::engine
