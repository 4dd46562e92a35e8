// The sections of an RFC 2136 UPDATE message read into owned records: zone, prerequisites,
// updates. Any bytes in; never a read past them. Control plane (allocates).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dns/name.h"

namespace fz::api {

struct UpdateRecord {
    dns::Name name;  // as written
    uint16_t type = 0;
    uint16_t rclass = 0;
    uint32_t ttl = 0;
    std::string rdata;  // uncompressed: the names of the RFC 1035 types are expanded
};

struct UpdateMessage {
    uint16_t id = 0;
    uint16_t flags = 0;
    uint16_t zone_count = 0;
    bool has_zone = false;  // the first zone entry was read (it may be echoed)
    dns::Name zone;
    uint16_t zone_type = 0;
    uint16_t zone_class = 0;
    std::vector<UpdateRecord> prerequisites;  // the answer section
    std::vector<UpdateRecord> updates;        // the authority section
    bool has_opt = false;                     // an OPT record among the additional ones (EDNS)
};

// Reads `msg` up to `end` (its TSIG record's offset, or its length; `tsig` tells whether
// ARCOUNT counts one there). False when it is malformed: a count it does not hold, a name
// that does not decompress, rdata past its end or names not filling it, bytes left before
// `end`. `out.has_zone` says whether the zone entry was read before that.
bool read_update(const uint8_t* msg, size_t end, bool tsig, UpdateMessage& out);

}  // namespace fz::api
