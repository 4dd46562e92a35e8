// Counter slots: stable across reloads, freed when their zone is gone from the published
// snapshot, handed out again with the counts of the previous owner taken away.
#include "engine/counter_slots.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/wire.h"
#include "tests/support/dns_test_util.h"

namespace fz::engine {
namespace {

std::string zone_text(const std::string& origin) {
    return "$ORIGIN " + origin + "\n$TTL 300\n@ SOA ns hostmaster 1 7200 3600 1209600 60\n@ NS ns\nns A 192.0.2.1\n";
}

std::unique_ptr<Snapshot> snapshot_of(const std::vector<std::string>& origins) {
    std::vector<test::ZoneText> zones;
    for (const auto& o : origins) zones.push_back({o, zone_text(o)});
    return test::make_snapshot(zones);
}

// The slot the snapshot counts `origin` in.
uint32_t slot_of(const Snapshot& snap, const std::string& origin) {
    for (size_t i = 0; i < snap.zones.size(); ++i) {
        if (dns::wire_name_to_text(snap.zones[i]->header().apex_name) == origin) return snap.zone_slots[i];
    }
    return UINT32_MAX;
}

// `n` queries for the SOA of `origin`, answered from `snap` by `worker`.
void ask(const Snapshot& snap, const std::string& origin, int n, Worker& worker) {
    test::QueryBuilder q;
    q.qname = origin;
    q.qtype = dns::type::SOA;
    for (int i = 0; i < n; ++i) test::ask(snap, q.build(), Transport::kUdp, &worker);
}

CounterTotals sum_of(const CounterSlots& slots, const Worker& worker) {
    CounterTotals sum(slots.zone_slot_count(), slots.member_slot_count());
    add_counters(sum, worker.counters);
    return sum;
}

TEST(CounterSlotsTest, AZoneKeepsItsSlotAcrossSnapshots) {
    CounterSlots slots;
    auto a = snapshot_of({"a.test.", "b.test."});
    EXPECT_EQ(slots.assign(*a).zones, 0u);
    auto b = snapshot_of({"c.test.", "b.test.", "a.test."});
    slots.assign(*b);
    EXPECT_EQ(slot_of(*a, "a.test."), slot_of(*b, "a.test."));
    EXPECT_EQ(slot_of(*a, "b.test."), slot_of(*b, "b.test."));
    EXPECT_NE(slot_of(*b, "c.test."), 0u);
    EXPECT_EQ(slots.zone_names()[slot_of(*b, "c.test.")], "c.test.");
}

TEST(CounterSlotsTest, ASlotFreedIsReusedAndItsNewZoneCountsFromZero) {
    CounterSlots slots;
    Worker worker;
    auto first = snapshot_of({"a.test.", "b.test."});
    slots.assign(*first);
    slots.published(*first, sum_of(slots, worker));
    ask(*first, "a.test.", 3, worker);
    const uint32_t a_slot = slot_of(*first, "a.test.");

    // a.test. goes: its slot is freed once the snapshot without it is published...
    auto second = snapshot_of({"b.test."});
    slots.assign(*second);
    slots.published(*second, sum_of(slots, worker));
    EXPECT_EQ(slots.zone_names()[a_slot], "");
    // ... and the next new zone takes it, starting from zero.
    auto third = snapshot_of({"b.test.", "c.test."});
    slots.assign(*third);
    EXPECT_EQ(slot_of(*third, "c.test."), a_slot);
    slots.published(*third, sum_of(slots, worker));
    ask(*third, "c.test.", 2, worker);
    CounterTotals sum = sum_of(slots, worker);
    EXPECT_EQ(sum.zones[a_slot].queries(), 5u);  // the worker's counter never goes back
    slots.settle(*third, sum);
    EXPECT_EQ(sum.zones[a_slot].queries(), 2u);
    EXPECT_EQ(sum.zones[a_slot].rcode[dns::rcode::NOERROR], 2u);
    EXPECT_EQ(slots.zone_slot_count(), 3u);  // (no zone), a.test./c.test., b.test.
}

TEST(CounterSlotsTest, ManyZonesEachHaveASlot) {
    std::vector<std::string> origins;
    for (int i = 0; i < 1500; ++i) origins.push_back("z" + std::to_string(i) + ".test.");
    auto snap = snapshot_of(origins);
    CounterSlots slots;
    EXPECT_EQ(slots.assign(*snap).zones, 0u);
    Worker worker;
    ask(*snap, "z1499.test.", 1, worker);
    const uint32_t slot = slot_of(*snap, "z1499.test.");
    EXPECT_GE(slot, 1024u);
    EXPECT_EQ(worker.counters.zones[slot].queries(), 1u);
    EXPECT_EQ(worker.counters.zones[0].queries(), 0u);
}

TEST(CounterSlotsTest, SlotArraysReadZeroAndCountAtTheirLastSlot) {
    Counters c;
    EXPECT_EQ(c.zones.size(), kMaxZoneSlots);
    EXPECT_EQ(c.zones[kMaxZoneSlots - 1].queries(), 0u);
    ++c.zones[kMaxZoneSlots - 1].rcode[0];
    ++c.members[kMaxMemberSlots - 1];
    EXPECT_EQ(c.zones[kMaxZoneSlots - 1].queries(), 1u);
    EXPECT_EQ(c.members[kMaxMemberSlots - 1], 1u);
}

}  // namespace
}  // namespace fz::engine
