// Snapshot: everything answer() reads, immutable once published (zones, options, and
// later the policy tables). Published by one pointer swap; see publisher.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "dns/name_hash.h"
#include "policy/tables.h"
#include "zone/image.h"

namespace fz::engine {

struct Options {
    uint16_t udp_max_payload = 1232;  // our largest UDP response with EDNS (RFC 6891, flag day 2020)
    std::string identity;             // CH TXT id.server / hostname.bind; empty: REFUSED
    std::string version;              // CH TXT version.bind / version.server; empty: REFUSED
    std::string nsid;                 // NSID option payload (RFC 5001); empty: not sent
};

// The zones of a snapshot, found by the longest suffix of a query name.
class ZoneIndex {
public:
    // `slots[i]` is the counter slot of zones[i] (empty: all 0).
    void build(const std::vector<std::shared_ptr<const zone::ZoneImage>>& zones, const std::vector<uint32_t>& slots);

    // `suffix_hash[i]` is the hash of the suffix starting at label i; labels[i] its offset
    // in `name`. Returns the zone whose apex is the longest suffix (starting at label
    // `from`, to find a parent zone), or nullptr.
    const zone::ZoneImage* find(const uint8_t* name, size_t name_len, const uint8_t* labels, size_t label_count,
                                const uint64_t* suffix_hash, size_t* matched_label, size_t from = 0,
                                uint32_t* slot_out = nullptr) const {
        // Suffixes with more labels than any apex cannot match; start where they can.
        size_t first = label_count > max_labels_ ? label_count - max_labels_ : 0;
        first = first > from ? first : from;
        for (size_t i = first; !slots_.empty() && i + min_labels_ <= label_count; ++i) {
            uint64_t h = suffix_hash[i];
            size_t len = name_len - labels[i];
            for (size_t s = h & mask_;; s = (s + 1) & mask_) {
                const Slot& slot = slots_[s];
                if (slot.zone == nullptr) break;
                if (slot.hash == h && slot.zone->header().apex_len == len &&
                    same_bytes(slot.zone->header().apex_name, name + labels[i], len)) {
                    *matched_label = i;
                    if (slot_out != nullptr) *slot_out = slot.counter_slot;
                    return slot.zone;
                }
            }
        }
        // The root zone: its only suffix is the root label itself.
        if (root_ != nullptr) {
            *matched_label = label_count;
            if (slot_out != nullptr) *slot_out = root_slot_;
            return root_;
        }
        return nullptr;
    }

private:
    struct Slot {
        uint64_t hash = 0;
        const zone::ZoneImage* zone = nullptr;
        uint32_t counter_slot = 0;
    };
    std::vector<Slot> slots_;
    size_t mask_ = 0;
    size_t min_labels_ = 0;
    size_t max_labels_ = 0;
    const zone::ZoneImage* root_ = nullptr;
    uint32_t root_slot_ = 0;
};

// Where a policy's members are encoded: the policy RRset in a zone image.
// The client table a policy's decisions look up: its GeoIP database (geolocation,
// geoproximity), latency table or CIDR collection. At most one is set.
struct ClientTable {
    const policy::GeoDatabase* geo = nullptr;
    const policy::LatencyTable* latency = nullptr;
    const policy::CidrCollection* cidr = nullptr;
};

struct PolicyBinding {
    const zone::ZoneImage* image = nullptr;
    const zone::RRset* rrset = nullptr;
    std::vector<uint32_t> member_slots;  // counter slot of each member (Counters::members)
    // For each member that is an alias to an RRset outside any policy: that RRset and
    // its zone, bound once here rather than looked up by name per query (null: none,
    // or the target is under a policy, which policy::resolve() follows).
    struct AliasTarget {
        const zone::ZoneImage* image = nullptr;
        const zone::RRset* rrset = nullptr;
    };
    std::vector<AliasTarget> alias_targets;
    // Whether the decision can depend on the client (a location-based policy here or at
    // the end of an alias chain): if not, the query path skips working out who asks.
    bool needs_client = true;
    // Where the data plane starts resolving: past simple aliases (PolicySet::first_choice).
    uint32_t first_choice = 0;
    // The client table that first decision reads, if any: the engine looks the client up
    // in it while it loads the compiled policy, not after.
    ClientTable early;
    // Every member's ready-made answer block, back to back (member i at i * block_stride),
    // when all members are one-record RRsets whose blocks are of one length, hold no
    // compressed names and need no additional-section work (A: 16 bytes, AAAA: 28). Such
    // a block fits any owner at offset 12, so an alias to this policy answers from them
    // too. A multivalue answer is then eight fixed-size copies from one small array,
    // instead of eight RRsets written one by one from wherever they lie in the image.
    // 0: no blocks.
    uint32_t block_stride = 0;
    std::vector<uint8_t> blocks;
};

// Zone images this large in total no longer stay in a core's share of the caches: a
// lookup costs misses (benchmarked with a 1M-name, 150 MB zone in dpdk_lcore_bench).
inline constexpr size_t kPrefetchImageBytes = size_t{16} << 20;

struct Snapshot {
    uint64_t generation = 0;
    Options options;
    std::vector<std::shared_ptr<const zone::ZoneImage>> zones;
    ZoneIndex index;
    // Routing policies (null without record sets). Health changes swap single policies
    // inside it; a reload replaces the whole snapshot.
    std::shared_ptr<policy::PolicyTables> policies;
    std::vector<PolicyBinding> bindings;  // by policy id
    // The GeoIP and latency tables when some policy looks clients up in them (null
    // otherwise): answer() starts loading an ECS client's entries before the name lookup.
    const policy::GeoDatabase* client_geo = nullptr;
    const policy::LatencyTable* client_latency = nullptr;
    // Likewise the CIDR collection of the first IP-based policy (most configurations have
    // one; another one's root is a wasted prefetch, no more).
    const policy::CidrCollection* client_cidr = nullptr;
    // Any of the three is set: answer() tests this one flag, which is cheaper on every
    // static answer than testing the three pointers.
    bool prefetch_clients = false;
    std::vector<uint32_t> zone_slots;  // counter slot of each zone (parallel to zones)
    // The zone images together are far larger than the caches: the data plane then looks
    // up each burst's names ahead of answering (prefetch_lookup in answer.h). Set by finish().
    bool prefetch_lookups = false;

    // Finishes a snapshot after `zones` (and `policies`, and optionally `zone_slots`
    // and the bindings' member_slots) are filled: the zone index and the policy
    // bindings, alias targets included. Fails when a policy has no RRset in any image.
    Status finish();

    // The RRset of `type` at the exact `name` (canonical wire) in the zones served, and
    // its zone; null when absent or under a routing policy. Control plane.
    PolicyBinding::AliasTarget find_static_rrset(const uint8_t* name, uint16_t type) const;
};

}  // namespace fz::engine
