// A small zone with one name of each kind, compiled once, and queries for it: shared by
// the answer() benchmark and its instruction-count driver.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/snapshot.h"

namespace fz::bench {

const engine::Snapshot& answer_snapshot();
std::vector<uint8_t> make_query(const char* name, uint16_t type, bool edns);

// The kinds of query measured: label, name, type, EDNS.
struct QueryKind {
    const char* label;
    const char* name;
    uint16_t type;
    bool edns;
};
const std::vector<QueryKind>& query_kinds();

}  // namespace fz::bench
