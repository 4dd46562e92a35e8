// Zone-level validation a user expects from named-checkzone / kzonecheck.
#pragma once

#include "common/result.h"
#include "zone/record.h"

namespace fz::zone {

// Checks one parsed zone: exactly one SOA, at the apex; NS at the apex; no CNAME beside
// other data at a name; nothing below a delegation but glue (A/AAAA); every owner inside
// the origin; class IN only. The first problem found is returned with file and line.
Status check_zone(const ZoneSource& zone);

}  // namespace fz::zone
