// Snapshot: the zone index (built once per snapshot on the control plane).
#include "engine/snapshot.h"

#include <algorithm>

namespace fz::engine {

void ZoneIndex::build(const std::vector<std::shared_ptr<const zone::ZoneImage>>& zones,
                      const std::vector<uint16_t>& slots) {
    slots_.clear();
    root_ = nullptr;
    size_t n = 0;
    min_labels_ = SIZE_MAX;
    max_labels_ = 0;
    for (size_t i = 0; i < zones.size(); ++i) {
        const auto& z = zones[i];
        if (z->header().apex_labels == 0) {
            root_ = z.get();
            root_slot_ = i < slots.size() ? slots[i] : 0;
            continue;
        }
        ++n;
        min_labels_ = std::min<size_t>(min_labels_, z->header().apex_labels);
        max_labels_ = std::max<size_t>(max_labels_, z->header().apex_labels);
    }
    if (n == 0) {
        min_labels_ = max_labels_ = 0;
        return;
    }
    size_t count = 8;
    while (count < n * 2) count <<= 1;
    slots_.assign(count, Slot{});
    mask_ = count - 1;
    for (size_t i = 0; i < zones.size(); ++i) {
        const auto& z = zones[i];
        if (z->header().apex_labels == 0) continue;
        uint64_t h = dns::hash_name(z->header().apex_name);
        for (size_t s = h & mask_;; s = (s + 1) & mask_) {
            if (slots_[s].zone == nullptr) {
                slots_[s] = Slot{h, z.get(), i < slots.size() ? slots[i] : uint16_t{0}};
                break;
            }
        }
    }
}

}  // namespace fz::engine

namespace fz::engine {

Status Snapshot::finish() {
    index.build(zones, zone_slots);
    bindings.resize(policies ? policies->size() : 0);
    for (const auto& z : zones) {
        const auto* list = reinterpret_cast<const uint32_t*>(z->base() + z->header().policies);
        for (uint32_t i = 0; i < z->header().policy_count; ++i) {
            uint32_t id = list[2 * i];
            if (id >= bindings.size()) return Error{"", 0, "zone image names policy " + std::to_string(id) + " unknown to the policy tables"};
            bindings[id].image = z.get();
            bindings[id].rrset = z->rrset_at(list[2 * i + 1]);
            // Members without an assigned counter slot count in slot 0.
            bindings[id].member_slots.resize(bindings[id].rrset->count, 0);
        }
    }
    for (size_t id = 0; id < bindings.size(); ++id) {
        if (bindings[id].image == nullptr) {
            return Error{"", 0, "policy " + policies->set().policies[id].describe() + " belongs to no zone served"};
        }
    }
    return Ok{};
}

}  // namespace fz::engine
