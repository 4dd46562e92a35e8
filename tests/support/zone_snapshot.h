// Snapshots straight from zone text (or generated zones), without configuration files:
// the one way unit tests, benchmarks and fuzzers build what answer() reads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/snapshot.h"
#include "zone/record.h"

namespace fz::test {

// One zone as master-file text ("$ORIGIN example.com.\n...").
struct ZoneText {
    std::string origin;  // presentation form, "example.com."
    std::string text;
};

// A finished snapshot serving `zones`, each parsed (as file "<origin>zone"), checked and
// compiled as the loader does; the first error otherwise.
Result<std::unique_ptr<engine::Snapshot>> snapshot_from_text(const std::vector<ZoneText>& zones,
                                                             engine::Options options = {});

// A finished snapshot serving one zone built in memory (bench/support/zone_gen), compiled
// as it is: no zone checks, which a generated zone does not need.
Result<std::unique_ptr<engine::Snapshot>> snapshot_from_source(const zone::ZoneSource& source,
                                                               engine::Options options = {});

}  // namespace fz::test
