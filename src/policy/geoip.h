// GeoIP: client address -> location (continent, country, subdivision, coordinates), from a
// MaxMind DB or Tor's geoip files, compiled into longest-prefix-match tables.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "policy/client.h"
#include "policy/lpm.h"

namespace fz::policy {

// One distinct place a database maps addresses to. Codes are empty where the database
// does not say (an anonymous network, a Country database has no coordinates).
struct GeoLocation {
    std::string continent;    // "EU"
    std::string country;      // ISO 3166-1 alpha-2, "GB"
    std::string subdivision;  // the largest subdivision's code, "ENG"
    bool has_coordinates = false;
    double latitude = 0;
    double longitude = 0;

    // "EU/GB/ENG (51.5142, -0.0931)" for explain and logs.
    std::string describe() const;
};

// Immutable once built; shared by every policy compiled against it. Location ids are
// indexes into locations(); kLpmNoValue means the address is in no network.
class GeoDatabase {
public:
    GeoDatabase(std::string source, std::vector<GeoLocation> locations, Lpm4 v4, Lpm6 v6)
        : source_(std::move(source)), locations_(std::move(locations)), tables_{std::move(v4), std::move(v6)} {}

    // Hot path: the location id and the width of the block it holds for.
    LpmMatch lookup(const ClientInfo& client) const noexcept { return tables_.lookup(client); }
    void prefetch(bool ipv4, const uint8_t* address) const noexcept { tables_.prefetch(ipv4, address); }

    const std::vector<GeoLocation>& locations() const { return locations_; }
    const std::string& source() const { return source_; }
    size_t memory_bytes() const { return tables_.memory_bytes(); }

private:
    std::string source_;
    std::vector<GeoLocation> locations_;
    ClientTables<Lpm4> tables_;
};

enum class GeoFormat { kAuto, kMmdb, kTor };

// Loads a GeoIP2/GeoLite2 Country or City database (walking its whole search tree once:
// no MMDB lookup happens per query), or Tor's geoip format ("first,last,CC" lines; the
// IPv6 file is `path` + "6" when it exists, as Debian's tor-geoipdb installs them).
// kAuto tells them apart by content. Every error names the file and what is wrong.
Result<std::shared_ptr<const GeoDatabase>> load_geoip(const std::string& path, GeoFormat format = GeoFormat::kAuto);

// Tor's format with explicit files; either path may be empty.
Result<std::shared_ptr<const GeoDatabase>> load_geoip_tor(const std::string& ipv4_path, const std::string& ipv6_path);

// A database from prefixes given directly (tests, tools): values index `locations`.
Result<std::shared_ptr<const GeoDatabase>> make_geo_database(std::string source, std::vector<GeoLocation> locations,
                                                             const std::vector<PrefixValue>& v4,
                                                             const std::vector<PrefixValue>& v6);

}  // namespace fz::policy
