// Compiles a validated zone (ZoneSource) into an immutable ZoneImage. Control plane.
#pragma once

#include <memory>

#include "common/result.h"
#include "zone/image.h"
#include "zone/record.h"

namespace fz::zone {

// Builds the image of `zone`, which must have passed check_zone(). Fails only on limits
// the image format has (a zone over 4 GiB, an RRset over 65535 records).
Result<std::shared_ptr<const ZoneImage>> compile_zone(const ZoneSource& zone);

}  // namespace fz::zone
