// Zone-level validation a user expects from named-checkzone / kzonecheck.
#pragma once

#include <vector>

#include "common/result.h"
#include "zone/record.h"

namespace fz::zone {

// Checks one parsed zone: exactly one SOA, at the apex; NS at the apex; no CNAME beside
// other data at a name; nothing below a delegation but glue (A/AAAA); every owner inside
// the origin; class IN only. The first problem found is returned with file and line.
//
// A signed zone's DNSSEC data, as kzonecheck and named-checkzone look at it:
// - NSEC3 records without an NSEC3PARAM at the apex are an error: the hash parameters of
//   the chain are unknown, so no denial of existence could be proven and every negative
//   answer would be bogus to a validating resolver. Better refused at load (the running
//   data stays) than served broken.
// - An RRSIG whose covered type has no RRset at its owner goes to `warnings` (when
//   given): no answer carries it, so no resolver sees it, but the signer and the zone
//   disagree and the operator should know.
Status check_zone(const ZoneSource& zone, std::vector<Error>* warnings = nullptr);

}  // namespace fz::zone
