#include "zone/denial.h"

#include <cstring>

#include "common/bytes.h"
#include "dns/nsec3.h"
#include "dns/wire.h"

namespace fz::zone {
namespace {

// Adds `node`'s RRset of `type` (NSEC, NSEC3 or DS) to the proofs.
void add(const ZoneImage& zone, const Node* node, uint16_t type, Proofs& out) {
    if (node == nullptr) return;
    const RRsetRef* ref = zone.find_type(node, type);
    if (ref != nullptr) out.add(node, zone.rrset_at(ref->rrset));
}

void add_nsec3(const ZoneImage& zone, uint32_t node, Proofs& out) {
    if (node != 0) add(zone, zone.node_at(node), dns::type::NSEC3, out);
}

bool nsec3(const ZoneImage& zone) { return zone.header().dnssec & kImageNsec3; }
bool nsec(const ZoneImage& zone) { return zone.header().dnssec & kImageNsec; }

// The label of `name` at which `node`, the name itself or an ancestor, starts.
size_t index_of(const NameView& name, const Node* node) { return name.label_count - node->label_count; }

// The NSEC3 that covers the suffix of `name` from label `i`: hashed here, the one hash a
// query pays (the compiler worked out the others: Nsec3Links).
void add_nsec3_cover(const ZoneImage& zone, const NameView& name, size_t i, Proofs& out) {
    const ImageHeader& h = zone.header();
    uint8_t hash[dns::kNsec3HashLen];
    dns::nsec3_hash(name.wire + name.labels[i], name.len - name.labels[i], h.nsec3_salt, h.nsec3_salt_len,
                    h.nsec3_iterations, hash);
    const Nsec3Entry* e = zone.nsec3_at_or_before(hash);
    if (e != nullptr) add_nsec3(zone, e->node, out);
}

// RFC 5155 7.2.1: the NSEC3 of `name`'s closest provable encloser, at label `from` or
// above, and the one that covers the next closer name. Returns the encloser.
const Node* add_closest_encloser(const ZoneImage& zone, const NameView& name, size_t from, size_t apex_label,
                                 Proofs& out) {
    for (size_t i = from; i <= apex_label; ++i) {
        const Node* e = zone.find(name.wire + name.labels[i], name.len - name.labels[i], name.hash[i]);
        if (e == nullptr || zone.nsec3_links(e).match == 0) continue;
        add_nsec3(zone, zone.nsec3_links(e).match, out);
        if (i > 0) add_nsec3_cover(zone, name, i - 1, out);
        return e;
    }
    return nullptr;
}

}  // namespace

void prove_nxdomain(const ZoneImage& zone, const NameView& name, size_t apex_label, const Node* ce, Proofs& out) {
    if (nsec3(zone)) {
        const Node* e = add_closest_encloser(zone, name, index_of(name, ce), apex_label, out);
        if (e != nullptr) add_nsec3(zone, zone.nsec3_links(e).wildcard_cover, out);
    } else if (nsec(zone)) {
        add(zone, zone.nsec_at_or_before(name.wire), dns::type::NSEC, out);
        if (ce->name_len + 2u > dns::kMaxNameWire) return;
        uint8_t wildcard[dns::kMaxNameWire];
        wildcard[0] = 1;
        wildcard[1] = '*';
        copy_bytes(wildcard + 2, ce->name(), ce->name_len);  // (memcpy: a rep movs, slow to start)
        add(zone, zone.nsec_at_or_before(wildcard), dns::type::NSEC, out);
    }
}

void prove_nodata(const ZoneImage& zone, const NameView& name, size_t apex_label, const Node* node, Proofs& out,
                  const RRset* routed) {
    if (const RRset* own = routed != nullptr ? zone.policy_nodata(routed) : nullptr) {
        return out.add(nsec3(zone) ? zone.node_at(zone.nsec3_links(node).match) : node, own);
    }
    if (nsec3(zone)) {
        // With opt-out, an unsigned delegation may have no NSEC3 of its own (RFC 5155 7.2.4).
        const uint32_t match = zone.nsec3_links(node).match;
        if (match != 0) {
            add_nsec3(zone, match, out);
        } else {
            add_closest_encloser(zone, name, index_of(name, node) + 1, apex_label, out);
        }
    } else if (nsec(zone)) {
        // An empty non-terminal has no NSEC: the one that covers it says so.
        const Node* owner = zone.find_type(node, dns::type::NSEC) != nullptr ? node
                                                                             : zone.nsec_at_or_before(node->name());
        add(zone, owner, dns::type::NSEC, out);
    }
}

void prove_wildcard(const ZoneImage& zone, const NameView& name, size_t apex_label, const Node* star, bool nodata,
                    Proofs& out) {
    const size_t next_closer = index_of(name, star);  // star is "*.<closest encloser>"
    if (nsec3(zone)) {
        if (!nodata) return add_nsec3_cover(zone, name, next_closer, out);   // RFC 5155 7.2.6
        add_closest_encloser(zone, name, next_closer + 1, apex_label, out);  // 7.2.5
        add_nsec3(zone, zone.nsec3_links(star).match, out);
    } else if (nsec(zone)) {
        add(zone, zone.nsec_at_or_before(name.wire), dns::type::NSEC, out);  // RFC 4035 3.1.3.3
        if (nodata) add(zone, star, dns::type::NSEC, out);                   // 3.1.3.4
    }
}

void prove_delegation(const ZoneImage& zone, const NameView& name, size_t apex_label, const Node* cut, Proofs& out) {
    if (zone.find_type(cut, dns::type::NS) == nullptr) return;
    if (zone.find_type(cut, dns::type::DS) != nullptr) return add(zone, cut, dns::type::DS, out);
    prove_nodata(zone, name, apex_label, cut, out);  // RFC 4035 3.1.4.1, RFC 5155 7.2.7
}

}  // namespace fz::zone
