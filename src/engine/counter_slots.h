// Counter slots: stable 32-bit numbers for zones and policy members, kept across
// reloads so that per-zone and per-record-set counters keep counting the same thing,
// and handed out again once their zone or member is gone from the published snapshot.
// Control plane only; the workers index their counters by them (engine/counters.h).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/counters.h"
#include "engine/snapshot.h"
#include "policy/decide.h"

namespace fz::engine {

class CounterSlots {
public:
    // Fills snap.zone_slots and each binding's member_slots (call before publishing;
    // Snapshot::finish() must have run): a zone (by apex) or member (by name, type and
    // set identifier) seen before keeps its slot, a new one takes a freed slot or the
    // next. Gives the snapshot's policies the half of the window counters that the
    // published snapshot does not count into (policy::PolicyTables::set_hit_space).
    struct Unslotted {
        size_t zones = 0;    // beyond kMaxZoneSlots live zones: counted in slot 0
        size_t members = 0;  // beyond kMaxMemberSlots live members: counted in slot 0
    };
    Unslotted assign(engine::Snapshot& snap);
    // `current`, the snapshot last assigned, is now the published one, and every worker
    // has passed a quiescent state since (Publisher::publish returned): no worker counts
    // into a slot it does not reference. Those slots are freed; their counts so far, in
    // `sum` (every worker's, summed after the grace period), become the baseline the next
    // zone or member given the slot is counted from. The next assign() takes the other
    // half of the window counters.
    void published(const engine::Snapshot& current, const engine::CounterTotals& sum);

    // How many zone and member slots have been handed out: the sizes to sum counters to.
    size_t zone_slot_count() const;
    size_t member_slot_count() const;

    // Multivalue answers are counted by window (engine::Counters::windows); these turn the
    // counts into answers per member. `sum` is every worker's counters summed; callers
    // serialize these with each other and with the rebuilds that retire versions.
    //
    // Folds the counts of `retired`, a version of a policy of `snap` that no worker reads
    // any more (after the grace period), into the members' totals. Counters are never
    // reset: what was counted before is remembered per counter.
    void fold(const engine::Snapshot& snap, const policy::CompiledPolicy& retired, const engine::CounterTotals& sum);
    // Folds every current version of `snap`'s policies (when the snapshot is retired).
    void fold_all(const engine::Snapshot& snap, const engine::CounterTotals& sum);
    // Turns `sum` into what the current owners of the slots counted: adds to sum.members
    // the answers per member that window counts stand for (folded ones and those of the
    // current versions in `snap`, the published snapshot), and takes away the baselines of
    // slots handed out again.
    void settle(const engine::Snapshot& snap, engine::CounterTotals& sum) const;

    // Labels of every slot handed out so far: zone apex names, and for members
    // {name, type, set identifier}. Index = slot; a free slot's label is empty.
    struct Member {
        std::string name;
        std::string type;
        std::string set_identifier;
    };
    std::vector<std::string> zone_names() const;
    std::vector<Member> members() const;

private:
    // Answers per member from window counts of retired versions, and per window counter
    // the (summed) count already folded.
    template <typename Add>
    void window_deltas(const engine::Snapshot& snap, const policy::CompiledPolicy& version,
                       const engine::CounterTotals& sum, Add add) const;
    uint32_t zone_slot(const std::string& apex);
    uint32_t member_slot(std::string key, Member label);

    mutable std::mutex mutex_;
    // Live keys and their slots (slot 0, "(no zone)" / "(other)", is never freed).
    std::map<std::string, uint32_t> zones_;
    std::map<std::string, uint32_t> member_index_;
    std::vector<std::string> zone_names_ = {"(no zone)"};
    std::vector<Member> members_ = {Member{"(other)", "", ""}};
    std::vector<uint32_t> free_zones_;
    std::vector<uint32_t> free_members_;
    // What each slot had counted when it was last freed.
    std::vector<ZoneCount> zone_base_ = std::vector<ZoneCount>(1);
    std::vector<uint64_t> member_base_ = std::vector<uint64_t>(1, 0);
    std::vector<uint64_t> folded_ = std::vector<uint64_t>(1, 0);
    std::vector<uint64_t> baseline_ = std::vector<uint64_t>(engine::kWindowHitSlots, 0);
    unsigned live_half_ = 0;
};

}  // namespace fz::engine
