// Snapshot: the zone index (built once per snapshot on the control plane).
#include "engine/snapshot.h"

#include <algorithm>
#include <cstring>

namespace fz::engine {

void ZoneIndex::build(const std::vector<std::shared_ptr<const zone::ZoneImage>>& zones,
                      const std::vector<uint32_t>& slots) {
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
                slots_[s] = Slot{h, z.get(), i < slots.size() ? slots[i] : 0};
                break;
            }
        }
    }
}

}  // namespace fz::engine

namespace fz::engine {
namespace {

// Location-based kinds read the client; the others (and simple aliases) do not, unless an
// alias leads on to a policy that does. Alias chains are bounded (kMaxAliasChain).
bool policy_needs_client(const policy::PolicySet& set, uint32_t id, unsigned depth) {
    const policy::Policy& p = set.policies[id];
    switch (p.kind) {
        case policy::RoutingKind::kGeolocation:
        case policy::RoutingKind::kLatency:
        case policy::RoutingKind::kIpBased:
        case policy::RoutingKind::kGeoproximity: return true;
        default: break;
    }
    if (depth >= policy::kMaxAliasChain) return true;
    for (const policy::PolicyMember& m : p.members) {
        if (m.target_policy != policy::kNoPolicy && policy_needs_client(set, m.target_policy, depth + 1)) return true;
    }
    return false;
}

// The table that policy `p` of `set` looks clients up in (ClientTable).
ClientTable client_table_of(const policy::PolicySet& set, const policy::Policy& p) {
    ClientTable t;
    switch (p.kind) {
        case policy::RoutingKind::kGeolocation:
        case policy::RoutingKind::kGeoproximity: t.geo = set.geo.get(); break;
        case policy::RoutingKind::kLatency: t.latency = set.latency.get(); break;
        case policy::RoutingKind::kIpBased: t.cidr = p.cidr.get(); break;
        default: break;
    }
    return t;
}

// Fills b.blocks when every member qualifies (PolicyBinding::block_stride).
void bind_member_blocks(PolicyBinding& b) {
    constexpr uint32_t kMaxStride = 64;
    b.block_stride = 0;
    b.blocks.clear();
    uint32_t stride = 0;
    for (uint16_t m = 0; m < b.rrset->count; ++m) {
        const zone::RRset* member = b.image->rrset_at(b.rrset->members()[m]);
        // Not compressible: the block's only pointer is its owner's (a CNAME, say, is
        // compressible, so never here), and it fits any owner at offset 12.
        const bool fits = !(member->flags & (zone::kRRsetAlias | zone::kRRsetPolicy | zone::kRRsetCompressible)) &&
                          member->count == 1 && member->block_len != 0 && member->block_len <= kMaxStride &&
                          member->mark_count == 0 && member->additional_count == 0;
        if (!fits || (stride != 0 && member->block_len != stride)) return;
        stride = member->block_len;
    }
    if (stride == 0) return;
    b.blocks.resize(size_t{stride} * b.rrset->count);
    for (uint16_t m = 0; m < b.rrset->count; ++m) {
        const zone::RRset* member = b.image->rrset_at(b.rrset->members()[m]);
        std::memcpy(b.blocks.data() + size_t{stride} * m, member->block(), stride);
    }
    b.block_stride = stride;
}

}  // namespace

Status Snapshot::finish() {
    index.build(zones, zone_slots);
    size_t image_bytes = 0;
    for (const auto& z : zones) image_bytes += z->size();
    prefetch_lookups = image_bytes >= kPrefetchImageBytes;
    bindings.resize(policies ? policies->size() : 0);
    for (const auto& z : zones) {
        const auto* list = reinterpret_cast<const uint32_t*>(z->base() + z->header().policies);
        for (uint32_t i = 0; i < z->header().policy_count; ++i) {
            uint32_t id = list[2 * i];
            if (id >= bindings.size())
                return Error{"", 0, "zone image names policy " + std::to_string(id) + " unknown to the policy tables"};
            bindings[id].image = z.get();
            bindings[id].rrset = z->rrset_at(list[2 * i + 1]);
            // Members without an assigned counter slot count in slot 0.
            bindings[id].member_slots.resize(bindings[id].rrset->count, 0);
        }
    }
    client_geo = nullptr;
    client_latency = nullptr;
    client_cidr = nullptr;
    if (policies) {
        const policy::PolicySet& set = policies->set();
        for (const policy::Policy& p : set.policies) {
            const ClientTable t = client_table_of(set, p);
            if (t.geo != nullptr) client_geo = t.geo;
            if (t.latency != nullptr) client_latency = t.latency;
            if (client_cidr == nullptr) client_cidr = t.cidr;
        }
    }
    prefetch_clients = client_geo != nullptr || client_latency != nullptr || client_cidr != nullptr;
    for (size_t id = 0; id < bindings.size(); ++id) {
        PolicyBinding& b = bindings[id];
        if (b.image == nullptr) {
            return Error{"", 0, "policy " + policies->set().policies[id].describe() + " belongs to no zone served"};
        }
        b.needs_client = policy_needs_client(policies->set(), static_cast<uint32_t>(id), 0);
        b.first_choice = policies->set().first_choice(static_cast<uint32_t>(id));
        b.early = client_table_of(policies->set(), policies->set().policies[b.first_choice]);
        b.alias_targets.assign(b.rrset->count, PolicyBinding::AliasTarget{});
        for (uint16_t m = 0; m < b.rrset->count; ++m) {
            const zone::RRset* member = b.image->rrset_at(b.rrset->members()[m]);
            if (member->flags & zone::kRRsetAlias)
                b.alias_targets[m] = find_static_rrset(member->rdata(), member->type);
        }
        bind_member_blocks(b);
    }
    return Ok{};
}

PolicyBinding::AliasTarget Snapshot::find_static_rrset(const uint8_t* name, uint16_t type) const {
    // Label offsets and suffix hashes, as the query path computes them (padded copy).
    uint8_t wire[dns::kMaxNameWire + 9] = {};
    uint8_t labels[dns::kMaxLabels + 1];
    size_t n = 0, len = 0;
    while (name[len] != 0 && n < dns::kMaxLabels) {
        labels[n++] = static_cast<uint8_t>(len);
        len += name[len] + 1u;
    }
    labels[n] = static_cast<uint8_t>(len);
    std::memcpy(wire, name, len + 1);
    uint64_t hash[dns::kMaxLabels + 1];
    hash[n] = dns::kNameHashSeed;
    for (size_t i = n; i > 0; --i) hash[i - 1] = dns::hash_label(hash[i], wire + labels[i - 1]);
    size_t apex_label = 0;
    const zone::ZoneImage* z = index.find(wire, len + 1, labels, n, hash, &apex_label);
    if (z == nullptr) return {};
    const zone::Node* node = z->find(wire, len + 1, hash[0]);
    if (node == nullptr) return {};
    const zone::RRsetRef* ref = z->find_type(node, type);
    if (ref == nullptr || (ref->flags & zone::kRRsetPolicy)) return {};
    return {z, z->rrset_at(ref->rrset)};
}

}  // namespace fz::engine
