// Counter slots: stable 32-bit numbers for zones and policy members, reused once free.
#include "engine/counter_slots.h"

#include "policy/record_set.h"

namespace fz::engine {
namespace {

std::string member_key(const CounterSlots::Member& m) { return m.name + '\t' + m.type + '\t' + m.set_identifier; }

// `count` minus `base`, never below 0 (a count only grows, but a worker that went away
// would take its share of the sum with it).
uint64_t since(uint64_t count, uint64_t base) { return count > base ? count - base : 0; }

}  // namespace

namespace {

// A slot for a new key: a freed one, else the next (`grow` makes room in the per-slot
// vectors), else 0 when all `max` are in use.
template <typename Grow>
uint32_t new_slot(std::vector<uint32_t>& free, size_t used, uint32_t max, Grow grow) {
    if (!free.empty()) {
        const uint32_t slot = free.back();
        free.pop_back();
        return slot;
    }
    if (used >= max) return 0;
    grow();
    return static_cast<uint32_t>(used);
}

}  // namespace

uint32_t CounterSlots::zone_slot(const std::string& apex) {
    auto it = zones_.find(apex);
    if (it != zones_.end()) return it->second;
    const uint32_t slot = new_slot(free_zones_, zone_names_.size(), kMaxZoneSlots, [this] {
        zone_names_.emplace_back();
        zone_base_.emplace_back();
    });
    if (slot == 0) return 0;
    zone_names_[slot] = apex;
    zones_.emplace(apex, slot);
    return slot;
}

uint32_t CounterSlots::member_slot(std::string key, Member label) {
    auto it = member_index_.find(key);
    if (it != member_index_.end()) return it->second;
    const uint32_t slot = new_slot(free_members_, members_.size(), kMaxMemberSlots, [this] {
        members_.emplace_back();
        member_base_.push_back(0);
        folded_.push_back(0);
    });
    if (slot == 0) return 0;
    members_[slot] = std::move(label);
    member_index_.emplace(std::move(key), slot);
    return slot;
}

CounterSlots::Unslotted CounterSlots::assign(engine::Snapshot& snap) {
    std::lock_guard<std::mutex> lock(mutex_);
    Unslotted unslotted;
    snap.zone_slots.assign(snap.zones.size(), 0);
    for (size_t i = 0; i < snap.zones.size(); ++i) {
        snap.zone_slots[i] = zone_slot(dns::wire_name_to_text(snap.zones[i]->header().apex_name));
        if (snap.zone_slots[i] == 0) ++unslotted.zones;
    }
    // The index captured the zone slots before they were known: rebuild it.
    snap.index.build(snap.zones, snap.zone_slots);
    if (!snap.policies) return unslotted;
    constexpr uint32_t kHalf = engine::kWindowHitSlots / 2;
    snap.policies->set_hit_space((1 - live_half_) * kHalf, kHalf);
    const auto& policies = snap.policies->set().policies;
    for (size_t id = 0; id < snap.bindings.size() && id < policies.size(); ++id) {
        const policy::Policy& p = policies[id];
        auto& slots = snap.bindings[id].member_slots;
        slots.assign(p.members.size(), 0);
        for (size_t m = 0; m < p.members.size(); ++m) {
            Member label{p.name.to_text(), policy::type_name(p.type), p.members[m].record.set_identifier};
            std::string key = member_key(label);
            slots[m] = member_slot(std::move(key), std::move(label));
            if (slots[m] == 0) ++unslotted.members;
        }
    }
    return unslotted;
}

void CounterSlots::published(const engine::Snapshot& current, const engine::CounterTotals& sum) {
    std::lock_guard<std::mutex> lock(mutex_);
    live_half_ = 1 - live_half_;
    std::vector<bool> live(zone_names_.size(), false);
    live[0] = true;
    for (uint32_t slot : current.zone_slots) live[slot] = true;
    for (uint32_t s = 1; s < zone_names_.size(); ++s) {
        if (live[s] || zone_names_[s].empty()) continue;
        zones_.erase(zone_names_[s]);
        zone_names_[s].clear();
        zone_base_[s] = s < sum.zones.size() ? sum.zones[s] : ZoneCount{};
        free_zones_.push_back(s);
    }
    live.assign(members_.size(), false);
    live[0] = true;
    for (const PolicyBinding& b : current.bindings) {
        for (uint32_t slot : b.member_slots) live[slot] = true;
    }
    for (uint32_t s = 1; s < members_.size(); ++s) {
        if (live[s] || members_[s].name.empty()) continue;
        member_index_.erase(member_key(members_[s]));
        members_[s] = Member{};
        // Window answers of its retired versions were folded before this (fold_all in
        // the publish callback): the slot starts again from all it has counted.
        member_base_[s] = s < sum.members.size() ? sum.members[s] : 0;
        folded_[s] = 0;
        free_members_.push_back(s);
    }
}

size_t CounterSlots::zone_slot_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return zone_names_.size();
}

size_t CounterSlots::member_slot_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return members_.size();
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
                                 const engine::CounterTotals& sum, Add add) const {
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

void CounterSlots::fold(const engine::Snapshot& snap, const policy::CompiledPolicy& retired,
                        const engine::CounterTotals& sum) {
    std::lock_guard<std::mutex> lock(mutex_);
    window_deltas(snap, retired, sum, [this](uint32_t slot, uint64_t n) { folded_[slot] += n; });
    const size_t windows = counted_windows(retired);
    for (size_t w = 0; w < windows; ++w) baseline_[retired.hit_base + w] = sum.windows[retired.hit_base + w];
}

void CounterSlots::fold_all(const engine::Snapshot& snap, const engine::CounterTotals& sum) {
    if (!snap.policies) return;
    for (uint32_t id = 0; id < snap.policies->size(); ++id) fold(snap, *snap.policies->get(id), sum);
}

void CounterSlots::settle(const engine::Snapshot& snap, engine::CounterTotals& sum) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const size_t zones = std::min(sum.zones.size(), zone_base_.size());
    for (size_t z = 0; z < zones; ++z) {
        for (size_t r = 0; r <= kZoneRcodes; ++r) {
            sum.zones[z].rcode[r] = since(sum.zones[z].rcode[r], zone_base_[z].rcode[r]);
        }
    }
    const size_t members = std::min(sum.members.size(), member_base_.size());
    for (size_t m = 0; m < members; ++m) sum.members[m] = since(sum.members[m], member_base_[m]) + folded_[m];
    if (!snap.policies) return;
    for (uint32_t id = 0; id < snap.policies->size(); ++id) {
        window_deltas(snap, *snap.policies->get(id), sum, [&sum](uint32_t slot, uint64_t n) {
            if (slot < sum.members.size()) sum.members[slot] += n;
        });
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
