// Taking a zone out of the published snapshot for a transfer.
#include "xfr/source.h"

#include <algorithm>

#include "dns/message_builder.h"
#include "dns/message_reader.h"
#include "dns/wire.h"
#include "engine/answer.h"

namespace fz::xfr {
namespace {

using zone::ZoneImage;

std::shared_ptr<const ZoneImage> find_image(const engine::Snapshot& snap, const dns::Name& origin) {
    for (const auto& z : snap.zones) {
        const auto& h = z->header();
        if (h.apex_len == origin.size() && std::equal(origin.data(), origin.data() + origin.size(), h.apex_name)) {
            return z;
        }
    }
    return nullptr;
}

struct RoutedRef {
    uint32_t node;
    uint16_t type;
};

// The routing-policy and alias RRsets of the image (the rest it holds as bytes).
std::vector<RoutedRef> routed_refs(const ZoneImage& image) {
    std::vector<RoutedRef> out;
    image.for_each_node([&](const zone::Node* n) {
        const zone::RRsetRef* r = n->refs();
        for (uint16_t i = 0; i < n->rrset_count; ++i) {
            if ((r[i].flags & (zone::kRRsetPolicy | zone::kRRsetAlias)) != 0) {
                out.push_back({static_cast<uint32_t>(reinterpret_cast<const uint8_t*>(n) - image.base()), r[i].type});
            }
        }
    });
    std::sort(out.begin(), out.end(), [](const RoutedRef& a, const RoutedRef& b) {
        return a.node != b.node ? a.node < b.node : a.type < b.type;
    });
    return out;
}

// What fastzone answers for (owner, type) to a client it cannot place: no ECS and no
// source address, so that every location-based policy gives its answer for unmapped
// clients (a default, or none), and a weighted or multivalue draw from `worker`'s
// generator, whose seed is fixed so that the same snapshot transfers the same records.
// Every such answer is one Route 53 gives some client; a plain secondary serves it to all.
std::vector<Record> routed_answer(const engine::Snapshot& snap, const zone::Node& node, uint16_t type, bool dnssec,
                                  engine::Worker& worker) {
    std::vector<Record> out;
    dns::QueryBuilder q;
    q.qname_wire.assign(node.name(), node.name() + node.name_len);
    q.qtype = type;
    q.edns = dnssec;
    q.do_bit = dnssec;
    auto query = q.build();
    if (!query) return out;
    std::vector<uint8_t> response(dns::kMaxMessage);
    const engine::Peer nowhere;  // family 0: no location
    const size_t n = engine::answer(snap, query->data(), query->size(), nowhere, engine::Transport::kTcp,
                                    response.data(), response.size(), worker);
    auto m = dns::read_message(response.data(), n);
    if (!m) return out;
    const dns::Name owner = dns::Name::from_wire(node.name(), node.name_len);
    for (const auto& rr : m->answer) {
        if (!rr.owner.equals(owner)) continue;
        const bool covers = rr.type == dns::type::RRSIG && rr.rdata.size() >= 2 &&
                            dns::load_u16(rr.rdata.data()) == type;
        if (rr.type != type && !covers) continue;
        out.push_back({owner.bytes(), rr.type, rr.ttl, std::string(rr.rdata.begin(), rr.rdata.end())});
    }
    return out;
}

}  // namespace

const RoutedRRset* ZoneSource::find_routed(uint32_t node, uint16_t type) const {
    auto it = std::lower_bound(routed.begin(), routed.end(), std::make_pair(node, type),
                               [](const RoutedRRset& r, const std::pair<uint32_t, uint16_t>& k) {
                                   return r.node != k.first ? r.node < k.first : r.type < k.second;
                               });
    return it != routed.end() && it->node == node && it->type == type ? &*it : nullptr;
}

uint32_t soa_rdata_serial(const uint8_t* rdata, size_t len) {
    size_t pos = 0;
    for (int name = 0; name < 2; ++name) {
        while (pos < len && rdata[pos] != 0) pos += 1u + rdata[pos];
        ++pos;
    }
    return pos + 4 <= len ? dns::load_u32(rdata + pos) : 0;
}

namespace {

ZoneSource source_of(std::shared_ptr<const zone::ZoneImage> image) {
    ZoneSource src;
    src.signed_zone = (image->header().dnssec & zone::kImageSigned) != 0;
    const zone::RRset* soa = image->soa();
    const uint16_t soa_len = dns::load_u16(soa->rdata());
    src.soa_rdata.assign(reinterpret_cast<const char*>(soa->rdata() + 2), soa_len);
    src.soa_ttl = soa->ttl;
    src.serial = soa_rdata_serial(soa->rdata() + 2, soa_len);
    src.image = std::move(image);
    return src;
}

void answer_routed(const engine::Snapshot& snap, ZoneSource& src, const std::vector<RoutedRef>& refs) {
    engine::Worker worker;  // fixed seed: see routed_answer()
    for (const RoutedRef& r : refs) {
        src.routed.push_back({r.node, r.type,
                              routed_answer(snap, *src.image->node_at(r.node), r.type, src.signed_zone, worker)});
    }
}

}  // namespace

std::optional<ZoneSource> take_zone(const engine::Publisher& publisher, const dns::Name& origin) {
    const dns::Name apex = origin.lowered();
    // The walk for routed names runs outside the publish lock; a change published
    // meanwhile means walking the new image. After two such misses the walk runs under
    // the lock, so that a stream of changes cannot starve a transfer.
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto image = publisher.with_current([&](const engine::Snapshot& snap) { return find_image(snap, apex); });
        if (image == nullptr) return std::nullopt;
        const std::vector<RoutedRef> refs = routed_refs(*image);
        ZoneSource src = source_of(image);
        if (refs.empty()) return src;
        const bool same = publisher.with_current([&](const engine::Snapshot& snap) {
            if (find_image(snap, apex) != src.image) return false;
            answer_routed(snap, src, refs);
            return true;
        });
        if (same) return src;
    }
    return publisher.with_current([&](const engine::Snapshot& snap) -> std::optional<ZoneSource> {
        auto image = find_image(snap, apex);
        if (image == nullptr) return std::nullopt;
        ZoneSource src = source_of(image);
        answer_routed(snap, src, routed_refs(*src.image));
        return src;
    });
}

}  // namespace fz::xfr
