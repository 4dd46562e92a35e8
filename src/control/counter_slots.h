// Counter slots: stable small integers for zones and policy members, kept across
// reloads, so per-zone and per-record-set counters keep counting the same thing.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/snapshot.h"

namespace fz::control {

class CounterSlots {
public:
    // Fills snap.zone_slots and each binding's member_slots (call before publishing;
    // Snapshot::finish() must have run). Names beyond the slot tables share slot 0.
    void assign(engine::Snapshot& snap);

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
};

}  // namespace fz::control
