// answer(): the one function that turns a query into a response, for every I/O path,
// test, fuzzer and benchmark. Pure: no I/O, no locks, no allocation, no exceptions.
#pragma once

#include <cstddef>
#include <cstdint>

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

// Per-worker counters: each worker (thread or lcore) owns one and only it writes;
// the control plane sums them (reads may be torn across fields, never within one).
struct alignas(64) Counters {
    uint64_t queries = 0;
    uint64_t responses = 0;
    uint64_t udp = 0;
    uint64_t tcp = 0;
    uint64_t truncated = 0;
    uint64_t edns = 0;
    uint64_t rcode[24] = {};
    uint64_t dropped[static_cast<size_t>(Drop::kCount)] = {};
};

// State one worker hands to answer(): its counters and its random generator (weighted
// and multivalue choices), both owned by that worker alone.
struct Worker {
    Counters counters;
    policy::Rng rng;
};

// Answers `query` (`len` bytes) from `snap` into `out` (`out_cap` bytes, at least 512;
// for TCP up to 65535 are used). Returns the response length, or 0 when the query is
// dropped (counted in worker.counters.dropped).
size_t answer(const Snapshot& snap, const uint8_t* query, size_t len, const Peer& peer, Transport transport,
              uint8_t* out, size_t out_cap, Worker& worker);

}  // namespace fz::engine
