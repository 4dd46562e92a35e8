// Synthetic zones for benchmarks: N names under example.com with A (and some AAAA,
// MX, TXT) records, as zone text or as a ready ZoneSource.
#pragma once

#include <cstdint>
#include <string>

#include "dns/name.h"
#include "zone/record.h"

namespace fz::bench {

// Zone text with `names` owner names (host-0 ... host-N-1) and about 1.3 records each.
std::string make_zone_text(size_t names);

// The same zone built directly (no parser), for compile-only measurements.
zone::ZoneSource make_zone_source(size_t names);

// The i-th owner name in presentation form.
std::string host_name(size_t i);

}  // namespace fz::bench
