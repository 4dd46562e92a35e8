// A small zone with one name of each kind, compiled once, and queries for it: shared by
// the answer() benchmark and its instruction-count driver.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/snapshot.h"

namespace fz::bench {

// Which zone a query asks: the plain one, or its signed copies (tests/data/dnssec).
enum class Zone { kPlain, kNsec, kNsec3 };

const engine::Snapshot& answer_snapshot(Zone zone = Zone::kPlain);
std::vector<uint8_t> make_query(const char* name, uint16_t type, bool edns, bool do_bit = false);

// The kinds of query measured: label, name, type, EDNS, DO, the zone.
struct QueryKind {
    const char* label;
    const char* name;
    uint16_t type;
    bool edns;
    bool do_bit = false;
    Zone zone = Zone::kPlain;
};
const std::vector<QueryKind>& query_kinds();
// The snapshot and query of one kind.
const engine::Snapshot& snapshot_of(const QueryKind& kind);
std::vector<uint8_t> query_of(const QueryKind& kind);

}  // namespace fz::bench
