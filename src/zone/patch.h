// Patching a compiled zone image with a few changed RRsets, instead of compiling the
// whole zone again: a change to one record of a 1M-record zone then costs a copy of the
// image (tens of milliseconds) rather than a compile (seconds). The copy gets the new
// RRsets and nodes appended and the table, node references and header pointed at them;
// what they replace stays behind as garbage until the next whole compile. Control plane.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dns/name.h"
#include "zone/image.h"

namespace fz::zone {

// One RRset as it is after a change.
struct RRsetEdit {
    dns::Name owner;
    uint16_t type = 0;
    uint32_t ttl = 0;
    std::vector<std::string> rdatas;  // uncompressed wire; empty: the RRset is gone
};

struct PatchResult {
    std::shared_ptr<const ZoneImage> image;  // null: not patched, compile the zone whole
    std::string why_not;                     // then, why (for the log)
};

// The image `base` with `edits` applied, when they change nothing the compiler works out
// across names: not NS, DS, DNAME or DNSSEC records, no wildcard owner, nothing at or
// below a zone cut or DNAME, no RRset under a routing policy, the apex SOA only replaced.
// New names get their empty non-terminals; a name left without RRsets goes, with its
// empty ancestors, unless `has_descendants` says names below it still hold data (it is
// asked about the state after the edits). Additional-section targets of NS, MX and SRV
// records are worked out again. The edits must already pass the zone checks (CNAME
// alone at its name, SOA only at the apex).
PatchResult patch_zone(const ZoneImage& base, const std::vector<RRsetEdit>& edits,
                       const std::function<bool(const dns::Name&)>& has_descendants);

}  // namespace fz::zone
