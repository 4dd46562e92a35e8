// Route 53 CIDR collections (IP-based routing): locations of CIDR blocks, compiled per
// collection into longest-prefix-match tables from client address to location.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "policy/client.h"
#include "policy/lpm.h"

namespace fz::policy {

struct CidrLocation {
    std::string name;
    std::vector<std::string> blocks;  // as written, for explain
};

// One collection; immutable once built. Lookup values index `locations`.
struct CidrCollection {
    std::string id;
    std::string name;
    uint32_t line = 0;
    std::vector<CidrLocation> locations;
    ClientTables<Lpm4Small> tables;

    // Hot path: the location index (kLpmNoValue: no block matches) and block width.
    LpmMatch lookup(const ClientInfo& client) const noexcept { return tables.lookup(client); }
    // Index of the location called `location_name`, or -1.
    int64_t find_location(const std::string& location_name) const;
};

struct CidrCollectionSet {
    std::string file;
    std::vector<std::shared_ptr<const CidrCollection>> collections;

    // The collection whose Id (or, for hand-written files, Name) is `id`; null if none.
    const std::shared_ptr<const CidrCollection>* find(const std::string& id) const;
};

// Parses `{"CidrCollections": [{"Id", "Name", "Locations": [{"LocationName", "CidrList"}]}]}`
// (JSON or YAML). Checks Route 53's rules: LocationName of 1-16 characters [0-9A-Za-z_-],
// CIDR blocks with no host bits set, IPv4 blocks /0-/24 and IPv6 /0-/48 (what Route 53
// accepts: resolvers rarely send longer ECS prefixes), no block in two locations of one
// collection, no duplicate Ids or location names.
Result<CidrCollectionSet> parse_cidr_collections_file(const std::string& path);
Result<CidrCollectionSet> parse_cidr_collections_text(std::string_view text, const std::string& file);

}  // namespace fz::policy
