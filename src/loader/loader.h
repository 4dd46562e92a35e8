// Builds a Snapshot from a configuration: parse every zone, check it, compile it.
// All or nothing: any error leaves the caller's running snapshot untouched.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "change/content.h"
#include "common/result.h"
#include "engine/snapshot.h"
#include "loader/answer_signing.h"
#include "loader/config.h"
#include "zone/record.h"

namespace fz::loader {

// A zone file as it was when it was compiled: a file whose identity is the same again
// (device, inode, size, modification time) is taken to hold the same zone.
struct FileIdentity {
    uint64_t device = 0;
    uint64_t inode = 0;
    int64_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileIdentity&) const = default;
};
std::optional<FileIdentity> file_identity(const std::string& path);

// The image of a configured zone compiled from its zone file alone (no record-set file,
// nothing of another zone's record sets merged in): the next build takes it again instead
// of parsing and compiling the file, when the file is unchanged and no zone above or
// below it is served.
struct CompiledFileZone {
    dns::Name origin;
    std::string file;
    FileIdentity identity;
    std::shared_ptr<const zone::ZoneImage> image;
    // A zone fastzone signs (never taken again whole): when its earliest RRSIG expires
    // (seconds since the epoch). The next signing keeps what it can of this image's.
    uint32_t oldest_signature = 0;
    int64_t next_key_event = 0;  // its keys' next Publish, Activate, Inactive or Delete (0: none)
};

struct LoadReport {
    size_t zones = 0;
    size_t records = 0;
    size_t image_bytes = 0;
    double parse_ms = 0;
    double compile_ms = 0;
    double sign_ms = 0;          // signing the zones of zones[].dnssec
    size_t signatures = 0;       // RRSIGs those made
    size_t signatures_kept = 0;  // and those kept from the previous images (unchanged, not due)
    std::vector<Error> warnings;
    size_t reused = 0;                         // zones whose previous image was taken again
    std::vector<CompiledFileZone> file_zones;  // what the next build may take again
};

// Parses and checks one zone of the configuration (fastzonectl check uses it alone).
Result<zone::ZoneSource> load_zone(const ZoneConfig& zone, std::vector<Error>* warnings);

// Signs a zone of zones[].dnssec with its keys, as a load does (fastzonectl sign-zone
// prints the result), valid from an hour ago for signature_validity; counted in `rep`.
// With `answers`, it takes the zone's keys to sign its multivalue answers as they are drawn.
// `previous`: the zone's last signed image, whose RRSIGs over unchanged RRsets are kept
// while they have more than signature_refresh (and its jitter) left. Returns when the zone
// must be signed again: its earliest RRSIG's expiration, its keys' next timing event.
struct SigningTimes {
    uint32_t oldest_signature = 0;
    int64_t next_key_event = 0;
};
// With `roll_keys` (a server's load, not fastzonectl's), a ZSK past zsk_lifetime gets its
// successor first (dnssec::roll_zsk_if_due).
Result<SigningTimes> sign_zone(const DnssecConfig& dnssec, zone::ZoneSource& zone, LoadReport& rep,
                               AnswerSigning* answers = nullptr, const zone::ZoneImage* previous = nullptr,
                               bool roll_keys = false);
// The same with `keys` given (a zone the API signs: the store's keys); `roll_due` is
// passed through as SigningTimes::next_key_event's first candidate (0: none).
Result<SigningTimes> sign_with_keys(const DnssecConfig& dnssec, std::vector<dnssec::SigningKey> keys,
                                    zone::ZoneSource& zone, LoadReport& rep, AnswerSigning* answers = nullptr,
                                    const zone::ZoneImage* previous = nullptr, int64_t roll_due = 0);

// What the store adds to the configuration: its zones (served instead of a configured
// zone file of the same origin) and the health checks created through the API.
struct StoredInputs {
    std::vector<std::shared_ptr<const change::ZoneContent>> zones;
    std::vector<policy::HealthCheck> health_checks;
    std::set<std::string> expired;  // stored secondary zones answered SERVFAIL (origin text)
};

// Parses, checks and compiles every zone; the snapshot is ready to publish. `reusable`
// are the previous build's file zones (LoadReport::file_zones).
Result<std::unique_ptr<engine::Snapshot>> build_snapshot(const Config& config, LoadReport* report);
Result<std::unique_ptr<engine::Snapshot>> build_snapshot(const Config& config, const StoredInputs& stored,
                                                         LoadReport* report,
                                                         const std::vector<CompiledFileZone>& reusable = {});

// A configured zone (its zone file and record-set file) as record sets, as the API lists
// it and `fastzonectl import` stores it.
Result<change::ZoneContent> zone_content(const ZoneConfig& zone);

// The file name errors about a stored zone carry ("store:example.com.").
std::string store_file(const change::ZoneContent& zone);

// Engine options from the server section.
engine::Options engine_options(const ServerConfig& server);

}  // namespace fz::loader
