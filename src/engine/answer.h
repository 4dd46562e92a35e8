// answer(): the one function that turns a query into a response, for every I/O path,
// test, fuzzer and benchmark. Pure: no I/O, no locks, no allocation, no exceptions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/counters.h"
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

// State one worker hands to answer(): its counters and its random generator (weighted
// and multivalue choices), both owned by that worker alone.
struct Worker {
    Counters counters;
    // Starts from a fixed seed, so tests and fuzzers repeat; servers call
    // seed_from_entropy(), or every worker of every server drew the same sequence.
    policy::Rng rng;
    // Set by answer() for a query the control plane answers better: TSIG-signed (here
    // answered BADKEY, as a server without keys does) or an IXFR over UDP (here REFUSED).
    // A path that can hand it over (the sockets) clears the flag and sends the query
    // there instead of this response.
    bool control_plane = false;

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
