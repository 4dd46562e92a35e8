// What answer() counts, per worker: queries and responses by rcode, transport and drop
// reason, then per zone and per routing-policy member by a 32-bit slot (CounterSlots
// hands them out), in arrays reserved once for any number of zones and members. The
// control plane sums the workers' counters into CounterTotals.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <vector>

#include "common/count.h"

namespace fz::engine {

// Why a query got no response.
enum class Drop : uint8_t {
    kShort,      // shorter than a DNS header
    kResponse,   // QR=1
    kMalformed,  // no parseable question
    kCount,
};

// Slot 0 counts names in no zone, and member answers without a slot of their own.
inline constexpr uint32_t kMaxZoneSlots = uint32_t{1} << 22;    // 256 MiB of address space a worker
inline constexpr uint32_t kMaxMemberSlots = uint32_t{1} << 24;  // 128 MiB of address space a worker

// Per-zone counts of responses by rcode: one cache line per zone, indexed with a shift.
inline constexpr size_t kZoneRcodes = 7;  // NOERROR..YXDOMAIN by name; rcode[kZoneRcodes]: every other
struct ZoneCount {
    Count rcode[kZoneRcodes + 1];

    // Queries answered in the zone: each response is counted once, under its rcode.
    uint64_t queries() const {
        uint64_t n = 0;
        for (uint64_t r : rcode) n += r;
        return n;
    }
};
static_assert(sizeof(ZoneCount) == 64);

// Multivalue answers by window (policy::Decision::hit), turned into answers per member on
// the control plane (engine::CounterSlots). Half of them serve the published snapshot's
// policies, half the next one's.
inline constexpr size_t kWindowHitSlots = size_t{1} << 16;

// `count` zeroed T reserved as address space only (mmap MAP_NORESERVE): a page costs
// memory once something is counted in it. The array never moves, so a worker indexes it
// by slot with no bound check and no coordination with the control plane, which hands
// out slots below `count` and sums only those. Throws std::bad_alloc when the address
// space cannot be had (at worker creation, never per packet).
template <typename T>
class SlotArray {
public:
    explicit SlotArray(size_t count) : data_(static_cast<T*>(reserve(count * sizeof(T)))), count_(count) {}
    ~SlotArray() { release(data_, count_ * sizeof(T)); }
    SlotArray(const SlotArray&) = delete;
    SlotArray& operator=(const SlotArray&) = delete;

    T& operator[](size_t slot) { return data_[slot]; }
    const T& operator[](size_t slot) const { return data_[slot]; }
    size_t size() const { return count_; }

private:
    [[gnu::cold]] static void* reserve(size_t bytes);
    [[gnu::cold]] static void release(void* p, size_t bytes);

    T* data_;
    size_t count_;
};

// The counts that are summed field by field, whatever the zone.
struct QueryCounts {
    Count queries;  // responses() plus every drop
    Count udp;
    Count tcp;
    Count truncated;
    Count edns;
    Count ecs;
    Count rcode[24];  // responses by rcode ([23]: 23 and above)
    Count dropped[static_cast<size_t>(Drop::kCount)];

    // Each response is counted once, under its rcode.
    uint64_t responses() const {
        uint64_t n = 0;
        for (uint64_t r : rcode) n += r;
        return n;
    }

    void add(const QueryCounts& o) {
        queries += o.queries;
        udp += o.udp;
        tcp += o.tcp;
        truncated += o.truncated;
        edns += o.edns;
        ecs += o.ecs;
        for (size_t i = 0; i < std::size(rcode); ++i) rcode[i] += o.rcode[i];
        for (size_t i = 0; i < std::size(dropped); ++i) dropped[i] += o.dropped[i];
    }
};

// Per-worker counters: each worker (thread or lcore) owns one and only it writes; the
// control plane sums them while it runs (fz::Count: relaxed atomics, plain movs).
struct alignas(64) Counters : QueryCounts {
    SlotArray<ZoneCount> zones{kMaxZoneSlots};  // by Snapshot::zone_slots
    SlotArray<Count> members{kMaxMemberSlots};  // by PolicyBinding::member_slots
    Count windows[kWindowHitSlots];
};

// Every worker's counters summed (control plane): zones and members for the slots
// handed out so far (CounterSlots::zone_slot_count(), member_slot_count()).
struct CounterTotals : QueryCounts {
    std::vector<ZoneCount> zones;
    std::vector<uint64_t> members;
    std::vector<uint64_t> windows = std::vector<uint64_t>(kWindowHitSlots, 0);

    CounterTotals() = default;
    CounterTotals(size_t zone_slots, size_t member_slots) : zones(zone_slots), members(member_slots) {}
};

// Adds `from` into `to`, its zones and members up to the sizes of `to`'s.
void add_counters(CounterTotals& to, const Counters& from);

}  // namespace fz::engine
