// Catalog zones (RFC 9432, version 2): the members a consumed catalog lists, and the
// catalog fastzone produces of the zones it serves, as zone content and change batches.
#pragma once

#include <string>
#include <vector>

#include "change/batch.h"
#include "change/content.h"
#include "common/result.h"
#include "dns/name.h"

namespace fz::daemon {

// What `fastzonectl status` and the metrics say of a catalog.
struct CatalogStatus {
    std::string catalog;  // origin text
    std::string role;     // "consumed" or "produced"
    size_t members = 0;
};

struct CatalogMembers {
    std::vector<dns::Name> members;    // in the catalog's order, each once
    std::vector<std::string> ignored;  // why entries were left out, one line each
};

// What a catalog lists: the PTR target at each <unique-id>.zones.<catalog> (RFC 9432
// 4.1; the properties below a member's label are not read). An entry with other than one
// PTR, or a member listed twice, is left out and said in `ignored`. An error when the
// catalog has no version "2" TXT (4.2.1: a consumer must not process it).
Result<CatalogMembers> read_catalog(const change::ZoneContent& catalog);

// The unique-id label of `member` in the catalog fastzone produces: the same for the same
// name (case aside) in every run, so that its consumers keep their copies.
std::string member_label(const dns::Name& member);

// The catalog `origin` listing `members`: SOA and NS "invalid." (4.1), the version TXT "2"
// and one PTR per member, all at TTL 0.
change::ZoneContent produced_catalog(const dns::Name& origin, const std::vector<dns::Name>& members, uint32_t serial);

// The changes that make `current` list exactly `members` (none when it already does).
change::Batch catalog_batch(const change::ZoneContent& current, const std::vector<dns::Name>& members);

}  // namespace fz::daemon
