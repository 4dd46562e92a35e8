// answer(): the one function that turns a query into a response, for every I/O path,
// test, fuzzer and benchmark. Pure: no I/O, no locks, no allocation, no exceptions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>

#include "engine/snapshot.h"
#include "policy/rng.h"

namespace fz::engine {

enum class Transport : uint8_t { kUdp, kTcp };

// Where a query came from (the packet source; ECS, when present, overrides it for
// routing decisions).
struct Peer {
    uint8_t family = 0;  // 4, 6, or 0 when unknown
    uint8_t address[16] = {};
    uint16_t port = 0;
};

// Why a query got no response.
enum class Drop : uint8_t {
    kShort,      // shorter than a DNS header
    kResponse,   // QR=1
    kMalformed,  // no parseable question
    kCount,
};

// Per-zone counts. Zones are counted by a slot the control plane assigns per apex name
// and keeps across reloads (Snapshot::zone_slot); slot 0 holds names in no zone.
inline constexpr size_t kZoneSlots = 1024;
inline constexpr size_t kZoneRcodes = 6;  // NOERROR..REFUSED; others only in Counters::rcode
struct ZoneCount {
    uint64_t queries = 0;
    uint64_t rcode[kZoneRcodes] = {};
};

// Answers per routing-policy member ("record set chosen"), by a slot per
// (name, type, SetIdentifier) kept across reloads (PolicyBinding::member_slots).
inline constexpr size_t kMemberSlots = 4096;

// Multivalue answers by window (policy::Decision::hit), turned into answers per member on
// the control plane (engine::CounterSlots). Half of them serve the published snapshot's
// policies, half the next one's.
inline constexpr size_t kWindowHitSlots = size_t{1} << 16;

// Per-worker counters: each worker (thread or lcore) owns one and only it writes;
// the control plane sums them. Plain 64-bit fields: an aligned load of one is never torn
// on x86-64, and a count read a little stale is fine for statistics.
struct alignas(64) Counters {
    uint64_t queries = 0;
    uint64_t responses = 0;
    uint64_t udp = 0;
    uint64_t tcp = 0;
    uint64_t truncated = 0;
    uint64_t edns = 0;
    uint64_t ecs = 0;
    uint64_t rcode[24] = {};
    uint64_t dropped[static_cast<size_t>(Drop::kCount)] = {};
    ZoneCount zones[kZoneSlots];
    uint64_t members[kMemberSlots] = {};
    uint64_t windows[kWindowHitSlots] = {};
};

// Adds `from` into `to` (the control plane sums workers' counters).
inline void add_counters(Counters& to, const Counters& from) {
    to.queries += from.queries;
    to.responses += from.responses;
    to.udp += from.udp;
    to.tcp += from.tcp;
    to.truncated += from.truncated;
    to.edns += from.edns;
    to.ecs += from.ecs;
    for (size_t i = 0; i < std::size(to.rcode); ++i) to.rcode[i] += from.rcode[i];
    for (size_t i = 0; i < std::size(to.dropped); ++i) to.dropped[i] += from.dropped[i];
    for (size_t z = 0; z < kZoneSlots; ++z) {
        to.zones[z].queries += from.zones[z].queries;
        for (size_t r = 0; r < kZoneRcodes; ++r) to.zones[z].rcode[r] += from.zones[z].rcode[r];
    }
    for (size_t m = 0; m < kMemberSlots; ++m) to.members[m] += from.members[m];
    for (size_t w = 0; w < kWindowHitSlots; ++w) to.windows[w] += from.windows[w];
}

// State one worker hands to answer(): its counters and its random generator (weighted
// and multivalue choices), both owned by that worker alone.
struct Worker {
    Counters counters;
    // Starts from a fixed seed, so tests and fuzzers repeat; servers call
    // seed_from_entropy(), or every worker of every server drew the same sequence.
    policy::Rng rng;

    void seed_from_entropy() { rng.reseed(policy::entropy_seed()); }
};

// What prefetch_lookup() found out about a query: the zone its name falls in and the
// name's hash there (zone null: nothing to fetch).
struct LookupHint {
    const zone::ZoneImage* zone = nullptr;
    uint64_t hash = 0;
};

// Looking ahead over a burst (the data plane, when Snapshot::prefetch_lookups): reads the
// question name of `query`, finds its zone and starts loading the table slot the name
// lands in, without answering or counting anything. Then, later in the burst,
// prefetch_node() starts loading the node, and answer() finds both in cache. Cheap to get
// wrong: a malformed query just fetches nothing.
void prefetch_lookup(const Snapshot& snap, const uint8_t* query, size_t len, LookupHint& hint) noexcept;
inline void prefetch_node(const LookupHint& hint) noexcept {
    if (hint.zone != nullptr) hint.zone->prefetch_node(hint.hash);
}

// Answers `query` (`len` bytes) from `snap` into `out` (`out_cap` bytes, at least 512;
// for TCP up to 65535 are used). Returns the response length, or 0 when the query is
// dropped (counted in worker.counters.dropped).
size_t answer(const Snapshot& snap, const uint8_t* query, size_t len, const Peer& peer, Transport transport,
              uint8_t* out, size_t out_cap, Worker& worker);

// The longest UDP query read whole: what the UDP workers and the data plane buffer.
inline constexpr size_t kMaxUdpQuery = 4096 + 64;

// answer() for a datagram longer than the `len` bytes that could be read of it (recvmmsg
// flagged MSG_TRUNC, or a frame over kMaxUdpQuery): FORMERR with the header and question
// echoed and no OPT, as Knot DNS answers the bytes past the message it reads; dropped
// when answer() would drop it (no question, QR=1). Counted as answer() counts.
[[gnu::cold]] size_t answer_oversized(const Snapshot& snap, const uint8_t* query, size_t len, const Peer& peer,
                                      Transport transport, uint8_t* out, size_t out_cap, Worker& worker);

}  // namespace fz::engine
