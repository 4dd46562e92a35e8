// What an outgoing transfer sends: a zone as the published snapshot serves it. The image
// is held by its shared pointer, so that a long transfer neither holds up an RCU grace
// period nor sees a later change half-way; routing-policy names are answered once, when
// the transfer starts, as a client whose location is unknown would be answered (see
// routed_answer()). Control plane.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dns/name.h"
#include "engine/publisher.h"
#include "zone/image.h"

namespace fz::xfr {

// One record to send, its owner a canonical wire name of the zone.
struct Record {
    std::string owner;
    uint16_t type = 0;
    uint32_t ttl = 0;
    std::string rdata;  // uncompressed
};

// A routing-policy RRset of the zone as a plain secondary receives it: the node and type
// in the image, and the records that stand for it.
struct RoutedRRset {
    uint32_t node = 0;
    uint16_t type = 0;
    std::vector<Record> records;  // the chosen answer and, in a signed zone, its RRSIGs
};

struct ZoneSource {
    std::shared_ptr<const zone::ZoneImage> image;
    std::vector<RoutedRRset> routed;  // sorted by (node, type)
    uint32_t serial = 0;
    std::string soa_rdata;  // the apex SOA's
    uint32_t soa_ttl = 0;
    bool signed_zone = false;

    const RoutedRRset* find_routed(uint32_t node, uint16_t type) const;
};

// The zone `origin` (canonical) as the current snapshot serves it; nullopt when no zone
// of the snapshot has that apex.
std::optional<ZoneSource> take_zone(const engine::Publisher& publisher, const dns::Name& origin);

// The serial in SOA rdata (its third field, after two names); 0 when it is too short.
uint32_t soa_rdata_serial(const uint8_t* rdata, size_t len);

}  // namespace fz::xfr
