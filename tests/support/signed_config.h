// A configuration's zones signed by fastzone with fresh keys, for the benchmarks and
// fuzzers that run the signed answer paths over a whole configuration.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "engine/snapshot.h"

namespace fz::test {

// The snapshot of the configuration at `path` with every zone given a KSK and a ZSK
// (ECDSAP256SHA256, made in a temporary folder removed once loaded) and `dnssec` on.
Result<std::unique_ptr<engine::Snapshot>> signed_snapshot_of_config(const std::string& path);

}  // namespace fz::test
