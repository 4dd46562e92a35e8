// Counter slots: stable small integers for zones and policy members, kept across
// reloads, so per-zone and per-record-set counters keep counting the same thing.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/answer.h"
#include "engine/snapshot.h"
#include "policy/decide.h"

namespace fz::engine {

class CounterSlots {
public:
    // Fills snap.zone_slots and each binding's member_slots (call before publishing;
    // Snapshot::finish() must have run). Names beyond the slot tables share slot 0.
    // Gives the snapshot's policies the half of the window counters that the published
    // snapshot does not count into (policy::PolicyTables::set_hit_space).
    void assign(engine::Snapshot& snap);
    // The snapshot last assigned is now the published one (and the one before it retired
    // and folded): the next assign() takes the other half.
    void published();

    // Multivalue answers are counted by window (engine::Counters::windows); these turn the
    // counts into answers per member. `sum` is every worker's counters summed; callers
    // serialize these with each other and with the rebuilds that retire versions.
    //
    // Folds the counts of `retired`, a version of a policy of `snap` that no worker reads
    // any more (after the grace period), into the members' totals. Counters are never
    // reset: what was counted before is remembered per counter.
    void fold(const engine::Snapshot& snap, const policy::CompiledPolicy& retired, const engine::Counters& sum);
    // Folds every current version of `snap`'s policies (when the snapshot is retired).
    void fold_all(const engine::Snapshot& snap, const engine::Counters& sum);
    // Adds to sum.members the answers per member that window counts stand for: folded
    // ones and those of the current versions in `snap`, the published snapshot.
    void add_window_answers(const engine::Snapshot& snap, engine::Counters& sum) const;

    // Labels of every slot handed out so far: zone apex names, and for members
    // {name, type, set identifier}. Index = slot.
    struct Member {
        std::string name;
        std::string type;
        std::string set_identifier;
    };
    std::vector<std::string> zone_names() const;
    std::vector<Member> members() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, uint16_t> zones_;
    std::map<std::string, uint16_t> member_index_;
    std::vector<std::string> zone_names_ = {"(no zone)"};
    std::vector<Member> members_ = {Member{"(other)", "", ""}};

    // Answers per member from window counts of retired versions, and per window counter
    // the (summed) count already folded.
    template <typename Add>
    void window_deltas(const engine::Snapshot& snap, const policy::CompiledPolicy& version, const engine::Counters& sum,
                       Add add) const;
    std::vector<uint64_t> folded_ = std::vector<uint64_t>(engine::kMemberSlots, 0);
    std::vector<uint64_t> baseline_ = std::vector<uint64_t>(engine::kWindowHitSlots, 0);
    unsigned live_half_ = 0;
};

}  // namespace fz::engine
