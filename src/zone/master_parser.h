// RFC 1035 master-file parser: text -> ZoneSource (records in wire form), with errors
// that name file, line and problem. Control plane only.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "zone/record.h"

namespace fz::zone {

struct ParseOptions {
    uint32_t default_ttl = 0;  // used when neither $TTL nor an explicit TTL applies (0: error)
    unsigned max_include_depth = 8;
};

// Parses `path` (and the files it $INCLUDEs, relative to its folder) for zone `origin`.
Result<ZoneSource> parse_zone_file(const std::string& path, const dns::Name& origin, const ParseOptions& options = {});

// Parses zone text held in memory; `file_name` is used in error messages and as the
// base folder for $INCLUDE.
Result<ZoneSource> parse_zone_text(std::string_view text, const std::string& file_name, const dns::Name& origin,
                                   const ParseOptions& options = {});

}  // namespace fz::zone
