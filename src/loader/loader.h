// Builds a Snapshot from a configuration: parse every zone, check it, compile it.
// All or nothing: any error leaves the caller's running snapshot untouched.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "change/content.h"
#include "common/result.h"
#include "engine/snapshot.h"
#include "loader/config.h"
#include "zone/record.h"

namespace fz::loader {

struct LoadReport {
    size_t zones = 0;
    size_t records = 0;
    size_t image_bytes = 0;
    double parse_ms = 0;
    double compile_ms = 0;
    std::vector<Error> warnings;
};

// Parses and checks one zone of the configuration (fastzonectl check uses it alone).
Result<zone::ZoneSource> load_zone(const ZoneConfig& zone, std::vector<Error>* warnings);

// What the store adds to the configuration: its zones (served instead of a configured
// zone file of the same origin) and the health checks created through the API.
struct StoredInputs {
    std::vector<std::shared_ptr<const change::ZoneContent>> zones;
    std::vector<policy::HealthCheck> health_checks;
};

// Parses, checks and compiles every zone; the snapshot is ready to publish.
Result<std::unique_ptr<engine::Snapshot>> build_snapshot(const Config& config, LoadReport* report);
Result<std::unique_ptr<engine::Snapshot>> build_snapshot(const Config& config, const StoredInputs& stored,
                                                         LoadReport* report);

// A configured zone (its zone file and record-set file) as record sets, as the API lists
// it and `fastzonectl import` stores it.
Result<change::ZoneContent> zone_content(const ZoneConfig& zone);

// The file name errors about a stored zone carry ("store:example.com.").
std::string store_file(const change::ZoneContent& zone);

// Engine options from the server section.
engine::Options engine_options(const ServerConfig& server);

}  // namespace fz::loader
