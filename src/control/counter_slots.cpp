// Counter slots: stable small integers for zones and policy members.
#include "control/counter_slots.h"

#include "engine/answer.h"
#include "policy/record_set.h"

namespace fz::control {

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

std::vector<std::string> CounterSlots::zone_names() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return zone_names_;
}

std::vector<CounterSlots::Member> CounterSlots::members() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return members_;
}

}  // namespace fz::control
