// answer(): the query pipeline over a snapshot (RFC 1034 4.3.2 with RFC 2308, 4592,
// 6672, 6891, 8482 refinements; RFC 4035 3.1 with DO in a signed zone). Everything here
// runs per query: no allocation. The hot path, kept whole for inlining: the resolver,
// the responder (responder.h) and answer() in one unit, so that GCC sees them together.
#include "engine/answer.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <type_traits>

#include "common/assert.h"
#include "common/bytes.h"
#include "dns/name_hash.h"
#include "dns/query.h"
#include "dns/tsig.h"
#include "dns/writer.h"
#include "engine/responder.h"
#include "zone/denial.h"

namespace fz::engine {
namespace {

using dns::Writer;
using zone::Node;
using zone::RRset;
using zone::RRsetRef;
using zone::ZoneImage;

constexpr int kMaxChain = 16;  // CNAME/DNAME links followed inside one zone

// The name being resolved: canonical bytes, label offsets and the hash of every suffix.
struct LookupName {
    const uint8_t* wire = nullptr;
    size_t len = 0;
    const uint8_t* labels = nullptr;
    size_t label_count = 0;
    uint64_t hash[dns::kMaxLabels + 1];

    // Points at a canonical name (with the slack hashing needs) and hashes its suffixes.
    [[gnu::always_inline]] void set(const uint8_t* name, size_t name_len, const uint8_t* offsets, size_t count) {
        FZ_ASSERT(count <= dns::kMaxLabels && name_len <= dns::kMaxNameWire);
        wire = name;
        len = name_len;
        labels = offsets;
        label_count = count;
        hash[label_count] = dns::kNameHashSeed;
        for (size_t i = label_count; i > 0; --i) hash[i - 1] = dns::hash_label(hash[i], wire + labels[i - 1]);
    }

    zone::NameView view() const { return {wire, len, labels, label_count, hash}; }

    // The served zone whose apex is this name's longest suffix from label `from` on.
    const ZoneImage* zone_in(const Snapshot& snap, size_t* apex_label, size_t from = 0,
                             uint32_t* slot = nullptr) const {
        return snap.index.find(wire, len, labels, label_count, hash, apex_label, from, slot);
    }
};

// Storage for a name met along a CNAME/DNAME chain.
struct ChainName {
    alignas(8) uint8_t wire[dns::kMaxNameWire + 9];
    uint8_t labels[dns::kMaxLabels + 1];

    // Copies an uncompressed wire name, lower-casing it; fills `out`.
    void set(const uint8_t* name, LookupName& out) {
        size_t i = 0, n = 0;
        while (name[i] != 0) {
            labels[n++] = static_cast<uint8_t>(i);
            uint8_t l = name[i];
            wire[i] = l;
            for (size_t k = 1; k <= l; ++k) wire[i + k] = dns::lower(name[i + k]);
            i += l + 1u;
        }
        labels[n] = static_cast<uint8_t>(i);
        wire[i++] = 0;
        std::memset(wire + i, 0, 8);
        out.set(wire, i, labels, n);
    }
};

enum class Kind : uint8_t { kExact, kWildcard, kReferral, kDname, kNxdomain };

struct Found {
    Kind kind;
    const Node* node;  // exact: the node; wildcard: the "*" node; referral/dname: the cut
};

// Finds where `name` (inside `zone`, whose apex is the suffix at label `apex_label`) leads.
[[gnu::always_inline]] inline Found lookup(const ZoneImage& zone, const LookupName& name, size_t apex_label) {
    constexpr uint16_t kCutFlags = zone::kNodeBelowCut | zone::kNodeDelegation;
    const Node* n = zone.find(name.wire, name.len, name.hash[0]);
    if (n != nullptr) {
        if ((n->flags & kCutFlags) == 0) [[likely]]
            return {Kind::kExact, n};
        if (n->flags & zone::kNodeBelowCut) {
            const Node* cut = zone.node_at(n->cut);
            return {(cut->flags & zone::kNodeDelegation) ? Kind::kReferral : Kind::kDname, cut};
        }
        return {Kind::kReferral, n};
    }
    // Closest encloser: the longest existing ancestor (RFC 4592 section 3.3.1).
    for (size_t i = 1; i <= apex_label; ++i) {
        const Node* e = zone.find(name.wire + name.labels[i], name.len - name.labels[i], name.hash[i]);
        if (e == nullptr) continue;
        if (e->flags & zone::kNodeBelowCut) {
            const Node* cut = zone.node_at(e->cut);
            return {(cut->flags & zone::kNodeDelegation) ? Kind::kReferral : Kind::kDname, cut};
        }
        if (e->flags & zone::kNodeDelegation) return {Kind::kReferral, e};
        if (e->flags & zone::kNodeDname) return {Kind::kDname, e};
        if (e->flags & zone::kNodeWildcardChild) return {Kind::kWildcard, zone.node_at(e->wildcard)};
        return {Kind::kNxdomain, e};
    }
    return {Kind::kNxdomain, zone.apex()};  // unreachable: the apex always exists
}

struct NoProofs {};

// Resolves one query inside `zone` (RFC 1034 4.3.2). `kDnssec`: the query has DO and the
// zone is signed, so answers carry RRSIGs and denials their proofs (RFC 4035 3.1); the
// other instantiation, which every other query takes, has none of that code.
template <bool kDnssec>
class Resolver {
public:
    // `parent_of_served_apex`: the query is a DS question for the apex of a zone we also
    // serve, answered here in its parent: the name exists (as that zone), so no NXDOMAIN.
    Resolver(const Snapshot& snap, Worker& worker, Responder& r, const dns::Query& q, const ZoneImage& zone,
             bool parent_of_served_apex)
        : snap_(snap), worker_(worker), r_(r), q_(q), zone_(zone), parent_of_served_apex_(parent_of_served_apex) {}

    void run(LookupName& qname, size_t apex_label) {
        LookupName* name = &qname;
        size_t owner_pos = dns::kHeaderSize;
        bool first = true;
        r_.aa = true;
        seen_[seen_count_++] = qname.hash[0];
        for (int step = 0; step < kMaxChain; ++step) {
            Found f = lookup(zone_, *name, apex_label);
            // DS lives on the parent side of a cut (RFC 4035 3.1.4.1).
            if (f.kind == Kind::kReferral && q_.qtype == dns::type::DS && f.node->name_len == name->len &&
                same_bytes(f.node->name(), name->wire, name->len)) {
                f.kind = Kind::kExact;
            }
            switch (f.kind) {
                case Kind::kExact:
                case Kind::kWildcard: {
                    const uint8_t* next = answer_node(f.node, owner_pos, first && f.kind == Kind::kExact, &owner_pos);
                    if constexpr (kDnssec) prove_found(f, *name, apex_label);
                    if (next == nullptr) return finish();
                    if (!follow(next, name, apex_label)) return finish();
                    break;
                }
                case Kind::kReferral:
                    referral(f.node, first);
                    if constexpr (kDnssec)
                        zone::prove_delegation(zone_, name->view(), apex_label, f.node, dnssec_.proofs);
                    return finish();
                case Kind::kDname: {
                    const uint8_t* next = synthesize_dname(f.node, *name, owner_pos, &owner_pos);
                    if (next == nullptr) return finish();
                    if (!follow(next, name, apex_label)) return finish();
                    break;
                }
                case Kind::kNxdomain: {
                    // A DS question at the apex of a child we serve: that name exists.
                    const bool nxdomain = !(first && parent_of_served_apex_);
                    if (nxdomain) r_.rcode = dns::rcode::NXDOMAIN;
                    negative();
                    if constexpr (kDnssec) {
                        if (nxdomain) zone::prove_nxdomain(zone_, name->view(), apex_label, f.node, dnssec_.proofs);
                    }
                    return finish();
                }
            }
            first = false;
        }
        finish();
    }

private:
    // Moves to a CNAME/DNAME target if it lies in this zone; false ends the chain there
    // (an out-of-zone target is the resolver's business, RFC 1034 4.3.2 step 3a).
    bool follow(const uint8_t* target, LookupName*& name, size_t& apex_label) {
        if (r_.tc) return false;
        LookupName& next = chain_names_[chain_used_ ^= 1];
        storage_[chain_used_].set(target, next);
        const zone::ImageHeader& h = zone_.header();
        if (next.label_count < h.apex_labels) return false;
        size_t a = next.label_count - h.apex_labels;
        if (next.len - next.labels[a] != h.apex_len ||
            !same_bytes(next.wire + next.labels[a], h.apex_name, h.apex_len)) {
            return false;
        }
        // Loop detection: a name seen before in this chain ends it (the loop is visible
        // to the client in the answer section, as with Knot and BIND).
        for (int i = 0; i < seen_count_; ++i) {
            if (seen_[i] == next.hash[0]) return false;
        }
        if (seen_count_ < kMaxChain) seen_[seen_count_++] = next.hash[0];
        name = &next;
        apex_label = a;
        return true;
    }

    // The RRsets that answer for `ref`: the RRset itself, or what its routing policy picks
    // for this client (several one-record sets for multivalue; an alias member becomes
    // its target's RRset). `block_ok`: every set is of this owner, so its ready-made block fits.
    struct Chosen {
        const RRset* sets[policy::kMaxAnswers];
        const ZoneImage* images[policy::kMaxAnswers];
        uint8_t count = 0;
        bool block_ok = false;
        // What the routing policy decided. When its members all have fixed-size blocks
        // (PolicyBinding::block_stride), `fixed` is set and sets/images are left unfilled:
        // put_chosen() copies the blocks, or fill_sets() derives them when it cannot.
        // (In a union: left unconstructed, as most answers never decide anything and
        // zeroing it on every answer measurably slowed static answers.)
        union {
            policy::Resolution res;
        };
        const PolicyBinding* fixed = nullptr;
        // With DO: the policy RRset asked for (null: a static RRset), and whether the sets
        // are its own members, signed for its owner (not another policy's, an alias's).
        struct Signing {
            const RRset* routed = nullptr;
            bool own = false;
        };
        [[no_unique_address]] std::conditional_t<kDnssec, Signing, NoProofs> signing;

        Chosen() {}

        void fill_sets() {
            for (uint8_t i = 0; i < count; ++i) {
                sets[i] = fixed->image->rrset_at(fixed->rrset->members()[res.decision.members[i]]);
                images[i] = fixed->image;
            }
            fixed = nullptr;
        }
    };

    bool choose(const RRsetRef* ref, Chosen& out) {
        const RRset* set = zone_.rrset_at(ref->rrset);
        if (!(ref->flags & zone::kRRsetPolicy)) [[likely]] {
            out.sets[0] = set;
            out.images[0] = &zone_;
            out.count = 1;
            out.block_ok = true;
            return true;
        }
        return choose_policy(set, out);
    }

    // choose() for an RRset under a routing policy. Out of line so that the static path
    // above stays a few instructions without a stack frame: sharing one function with
    // this, it did or did not get one as GCC's heuristics went (13 instructions a static
    // answer, callgrind).
    [[gnu::noinline]] bool choose_policy(const RRset* set, Chosen& out) {
        if (!snap_.policies) return false;
        static const policy::ClientInfo kNobody;  // for decisions that never look at the client
        const PolicyBinding& first = snap_.bindings[set->policy];
        const policy::ClientInfo& client = first.needs_client ? r_.client(first) : kNobody;
        policy::Resolution& res = *new (&out.res) policy::Resolution(policy::Decision::ForOverwrite{});
        policy::resolve_into(*snap_.policies, first.first_choice, client, worker_.rng, res);
        // Read once: the byte store to ecs_scope may alias anything, and GCC reloaded each.
        const uint32_t policy_id = res.policy;
        const uint8_t count = res.decision.count;
        const uint32_t hit = res.decision.hit;
        r_.ecs_scope = std::max(r_.ecs_scope, res.decision.scope);
        bool direct = policy_id == set->policy;
        const PolicyBinding& b = direct ? first : snap_.bindings[policy_id];
        // A multivalue answer from a window counts once, for its eight members (the
        // control plane knows the windows): eight increments cost 7-9 ns of a data-plane
        // answer.
        const bool by_window = hit < kWindowHitSlots;
        if (by_window) ++worker_.counters.windows[hit];
        if (b.block_stride != 0) {
            // No member is an alias and each is one ready-made block without compressed
            // names (so also right for an alias to this policy): leave the RRsets unread
            // (eight cache lines for a multivalue answer) unless needed.
            out.fixed = &b;
            out.count = count;
            if (!by_window) {
                for (uint8_t i = 0; i < count; ++i) ++worker_.counters.members[b.member_slots[res.decision.members[i]]];
            }
            out.block_ok = true;
            if constexpr (kDnssec) out.signing = {set, direct};
            return count > 0;
        }
        for (uint8_t i = 0; i < count && out.count < policy::kMaxAnswers; ++i) {
            uint16_t member = res.decision.members[i];
            if (!by_window) ++worker_.counters.members[b.member_slots[member]];
            const RRset* m = b.image->rrset_at(b.rrset->members()[member]);
            const ZoneImage* img = b.image;
            if (m->flags & zone::kRRsetAlias) {
                // A Route 53 alias answers with its target's RRset of the same type, bound
                // when the snapshot was built (any zone we serve).
                direct = false;
                img = b.alias_targets[member].image;
                m = b.alias_targets[member].rrset;
                if (m == nullptr) continue;
            }
            out.sets[out.count] = m;
            out.images[out.count++] = img;
        }
        // Members of this very policy share its owner: each one's ready-made block fits
        // (multivalue answers are eight of them, one memcpy each).
        out.block_ok = direct;
        if constexpr (kDnssec) out.signing = {set, direct};
        return out.count > 0;
    }

    // Writes the chosen sets as one RRset of the answer section; all or nothing.
    bool put_chosen(Chosen& c, size_t owner_pos, bool exact_first) {
        if (c.fixed != nullptr) {
            if (exact_first) {  // with DNSSEC, the RRSIGs after the blocks (put_fixed_signatures)
                const size_t start = r_.writer().size();
                const uint16_t before = r_.counts[0];
                if (!r_.put_blocks(c.fixed->blocks.data(), c.fixed->block_stride, c.res.decision.members, c.count))
                    return false;
                return put_fixed_signatures(c, owner_pos) || r_.take_back(0, start, before);
            }
            c.fill_sets();
        }
        size_t start = r_.writer().size();
        uint16_t before = r_.counts[0];
        for (uint8_t i = 0; i < c.count; ++i) {
            // A block without compressed names in its rdata fits any owner at offset 12:
            // an alias answers with its target's block too.
            const bool block = c.block_ok || !(c.sets[i]->flags & zone::kRRsetCompressible);
            if (!r_.put_rrset(0, owner_pos, c.sets[i], exact_first && block, false))
                return r_.take_back(0, start, before);
            // With DO, a signed RRset goes with its RRSIGs or not at all (RFC 4035 3.1.1:
            // TC rather than an RRset without its signatures).
            if constexpr (kDnssec) {
                const RRset* sigs = signatures_of(c, i);
                if ((sigs != nullptr && !r_.put_signature_rrset(0, owner_pos, sigs, exact_first)) ||
                    (i + 1 == c.count && !put_answer_signatures(c, owner_pos)))
                    return r_.take_back(0, start, before);
            }
        }
        for (uint8_t i = 0; i < c.count; ++i) {
            if (c.images[i] == &zone_) want_additional(c.sets[i]);
        }
        return true;
    }

    // Answers at an existing node. Returns the CNAME target to follow, or nullptr when done.
    const uint8_t* answer_node(const Node* node, size_t owner_pos, bool exact_first, size_t* next_owner) {
        if (q_.qtype == dns::type::ANY) return answer_any(node, owner_pos, exact_first);
        Chosen chosen;
        const RRsetRef* ref = zone_.find_type(node, q_.qtype);
        if (ref != nullptr) {
            if (choose(ref, chosen)) {
                put_chosen(chosen, owner_pos, exact_first);
            } else {
                nodata(node, zone_.rrset_at(ref->rrset));  // a policy with no answer for this client
            }
            return nullptr;
        }
        if (node->flags & zone::kNodeCname) {
            if (!choose(zone_.find_type(node, dns::type::CNAME), chosen)) {
                nodata(node);
                return nullptr;
            }
            size_t rr_start = r_.writer().size();
            if (!put_chosen(chosen, owner_pos, exact_first)) return nullptr;
            // The target's owner in the next step is the CNAME's rdata in the message.
            *next_owner = rr_start + 12;
            return chosen.sets[0]->rdata() + 2;
        }
        nodata(node);
        return nullptr;
    }

    // NODATA at `node` (RFC 2308 2.2); with DNSSEC its proof follows (prove_found).
    // `routed`: a policy RRset without an answer for this client (it has its own proof).
    void nodata(const Node* node, const RRset* routed = nullptr) {
        negative();
        if constexpr (kDnssec) {
            dnssec_.nodata = node;
            dnssec_.nodata_routed = routed;
        }
    }

    // QTYPE=ANY: the first RRset in type order (RFC 8482 4.1) on every transport, as Knot does.
    const uint8_t* answer_any(const Node* node, size_t owner_pos, bool exact_first) {
        Chosen chosen;
        if (node->rrset_count == 0 || !choose(&node->refs()[0], chosen)) {
            nodata(node);
            return nullptr;
        }
        put_chosen(chosen, owner_pos, exact_first);
        return nullptr;
    }

    // RFC 6672: the DNAME itself, then a CNAME from the query name to the rewritten name.
    const uint8_t* synthesize_dname(const Node* dname_node, const LookupName& name, size_t owner_pos,
                                    size_t* next_owner) {
        const RRset* dname = zone_.rrset_at(zone_.find_type(dname_node, dns::type::DNAME)->rrset);
        if constexpr (kDnssec) {
            if (!put_signed_named(0, dname_node, dname)) return nullptr;
        } else if (!r_.put_rrset_named(0, dname_node->name(), dname, dname->ttl, false)) {
            return nullptr;
        }
        const uint8_t* target = dname->rdata() + 2;
        size_t target_len = dns::Writer::name_len(target);
        size_t prefix = name.len - dname_node->name_len;  // labels of the name above the DNAME owner
        if (prefix + target_len > dns::kMaxNameWire) {
            r_.rcode = dns::rcode::YXDOMAIN;
            return nullptr;
        }
        // The labels above the DNAME owner, lower-cased: equally valid as CNAME rdata.
        std::memcpy(synth_, name.wire, prefix);
        std::memcpy(synth_ + prefix, target, target_len);
        // Synthesized CNAME: owner = the current name, TTL = the DNAME's (RFC 6672 3.3).
        Writer& w = r_.writer();
        size_t start = w.size();
        uint8_t rr[10];
        dns::store_u16(rr, dns::type::CNAME);
        dns::store_u16(rr + 2, dns::rrclass::IN);
        dns::store_u32(rr + 4, dname->ttl);
        if (!w.put_pointer(owner_pos) || !w.put_bytes(rr, 10)) {
            w.rewind(start);
            r_.tc = true;
            return nullptr;
        }
        size_t rdata_pos = w.size();
        if (!w.put_name(synth_, true)) {
            w.rewind(start);
            r_.tc = true;
            return nullptr;
        }
        dns::store_u16(w.data() + start + 10, static_cast<uint16_t>(w.size() - rdata_pos));
        ++r_.counts[0];
        *next_owner = rdata_pos;
        // A CNAME question is answered by the synthesized CNAME itself.
        return q_.qtype == dns::type::CNAME ? nullptr : synth_;
    }

    void referral(const Node* cut, bool first) {
        // A referral is not authoritative unless part of the answer was (a CNAME chain).
        if (first) r_.aa = false;
        const RRsetRef* ns = zone_.find_type(cut, dns::type::NS);
        if (ns == nullptr) return;
        const RRset* set = zone_.rrset_at(ns->rrset);
        if (r_.put_rrset_named(1, cut->name(), set, set->ttl, false)) want_additional(set, true);
    }

    // NODATA / NXDOMAIN: the SOA in authority, TTL = min(SOA TTL, MINIMUM) (RFC 2308 3).
    // The ready-made block needs only its pointers aimed at the apex inside the question
    // name (the question's zone is this zone, so its apex is the question's suffix).
    void negative() {
        const zone::ImageHeader& h = zone_.header();
        Writer& w = r_.writer();
        size_t at = w.size();
        if (!w.put_bytes(zone_.negative_block(), h.negative_block_len)) {
            r_.tc = true;
            return;
        }
        size_t apex_pos = dns::kHeaderSize + q_.qname_len - h.apex_len;
        const uint16_t* fix = zone_.negative_fixups();
        for (uint16_t i = 0; i < h.negative_fixups; ++i) {
            FZ_ASSERT(fix[2 * i] + 2u <= h.negative_block_len && apex_pos + fix[2 * i + 1] <= Writer::kMaxPointer);
            dns::store_u16(w.data() + at + fix[2 * i], static_cast<uint16_t>(0xc000 | (apex_pos + fix[2 * i + 1])));
        }
        ++r_.counts[1];
        if constexpr (kDnssec) sign_negative(at, apex_pos);
    }

    // In a pre-signed zone, with DO: the SOA of a negative answer goes with its RRSIGs,
    // at the SOA's TTL here (RFC 2308's negative TTL), or the response is TC. The NSEC or
    // NSEC3 RRsets that prove the denial follow at the end (write_proofs).
    void sign_negative(size_t at, size_t apex_pos) {
        if (zone_.soa()->signatures == 0) return;
        const RRset* sigs = zone_.rrset_at(zone_.soa()->signatures);
        const uint8_t* rd = sigs->rdata();
        for (uint16_t i = 0; i < sigs->count; ++i) {
            const uint16_t len = dns::load_u16(rd);
            if (!r_.writer().put_rrsig(apex_pos, zone_.header().negative_ttl, rd + 2, len)) {
                r_.writer().rewind(at);
                --r_.counts[1];  // the SOA goes too: its signatures are not optional
                r_.tc = true;
                return;
            }
            rd += 2 + len;
        }
        r_.counts[1] = static_cast<uint16_t>(r_.counts[1] + sigs->count);
    }

    void want_additional(const RRset* set, bool referral = false) {
        if (set->additional_count != 0 && additional_count_ < kMaxAdditional) {
            additional_[additional_count_] = set;
            additional_referral_[additional_count_++] = referral;
        }
    }

    // A/AAAA of in-zone NS, MX and SRV targets (RFC 1034 3.6.2). Optional, left out
    // without TC when they do not fit, except the glue below a referral's cut, without
    // which the child cannot be reached: TC then (RFC 9471, and what Knot does).
    void finish_additional() {
        if (r_.tc) return;
        for (size_t i = 0; i < additional_count_; ++i) {
            const RRset* set = additional_[i];
            const uint32_t* nodes = set->additional();
            for (uint16_t k = 0; k < set->additional_count; ++k) {
                const Node* n = zone_.node_at(nodes[k]);
                bool mandatory = additional_referral_[i] && (n->flags & zone::kNodeBelowCut);
                for (uint16_t t : {dns::type::A, dns::type::AAAA}) {
                    const RRsetRef* ref = zone_.find_type(n, t);
                    if (ref == nullptr || (ref->flags & zone::kRRsetPolicy)) continue;
                    const RRset* addr = zone_.rrset_at(ref->rrset);
                    const bool put = r_.put_rrset_named(2, n->name(), addr, addr->ttl, !mandatory);
                    if (!put && mandatory) return;
                    // An RRset of the zone's own data goes with its RRSIGs when they fit;
                    // when they do not, the RRset may stay without them, and no TC for
                    // that alone (RFC 4035 3.1.1). Glue has none.
                    if constexpr (kDnssec) {
                        if (put && addr->signatures != 0) {
                            const RRset* sigs = zone_.rrset_at(addr->signatures);
                            r_.put_rrset_named(2, n->name(), sigs, sigs->ttl, true);
                        }
                    }
                }
            }
        }
    }

    void finish() {
        if constexpr (kDnssec) write_proofs();
        finish_additional();
    }

    // ---- DNSSEC (kDnssec only) ----
    // The RRSIGs of chosen set i (the generic path): a static RRset's or a policy member's
    // own; for an answer with another RRset's data (an alias), the ones made for this
    // owner; none for each member of a signed multivalue answer, signed as a whole.
    const RRset* signatures_of(const Chosen& c, uint8_t i) const {
        const typename Chosen::Signing& s = c.signing;
        if (s.routed == nullptr || (s.own && !signed_whole(c))) {
            return c.sets[i]->signatures != 0 ? c.images[i]->rrset_at(c.sets[i]->signatures) : nullptr;
        }
        return s.own ? nullptr : zone_.alias_signatures(s.routed, c.res.policy, c.res.decision.members[i]);
    }

    // After the fixed blocks of a policy answer: the RRSIGs signatures_of() would give.
    bool put_fixed_signatures(const Chosen& c, size_t owner_pos) {
        if constexpr (kDnssec) {
            if (signed_whole(c)) return put_answer_signatures(c, owner_pos);
            const PolicyBinding& b = *c.fixed;
            for (uint8_t i = 0; i < c.count; ++i) {
                const uint16_t m = c.res.decision.members[i];
                const RRset* set = b.image->rrset_at(b.rrset->members()[m]);
                const RRset* sigs = !c.signing.own         ? zone_.alias_signatures(c.signing.routed, c.res.policy, m)
                                    : set->signatures != 0 ? b.image->rrset_at(set->signatures)
                                                           : nullptr;
                if (sigs != nullptr && !r_.put_signature_rrset(0, owner_pos, sigs, true)) return false;
            }
        }
        return true;
    }

    // A signed multivalue answer's RRSIGs, made with the window it came from (or the
    // whole pool's): CompiledPolicy::answer_signatures.
    bool put_answer_signatures(const Chosen& c, size_t owner_pos) {
        if (!signed_whole(c)) return true;  // (c.res is set only for a policy's answer)
        const policy::CompiledPolicy& p = *c.res.compiled;
        return r_.put_signatures(owner_pos, p.signatures_of(c.res.decision), p.signature_records);
    }
    bool signed_whole(const Chosen& c) const { return c.signing.own && !c.res.compiled->signature_at.empty(); }

    // An RRset and its RRSIGs, the owner written out, in `section`: both or neither (TC).
    bool put_signed_named(int section, const Node* owner, const RRset* set) {
        const size_t start = r_.writer().size();
        const uint16_t before = r_.counts[section];
        if (!r_.put_rrset_named(section, owner->name(), set, set->ttl, false)) return false;
        if (set->signatures == 0) return true;
        const RRset* sigs = zone_.rrset_at(set->signatures);
        return r_.put_rrset_named(section, owner->name(), sigs, sigs->ttl, false) ||
               r_.take_back(section, start, before);
    }

    // The proofs after the authority section's SOA or NS: all of them, or TC.
    void write_proofs() {
        if (r_.tc) return;
        const zone::Proofs& p = dnssec_.proofs;
        for (uint8_t i = 0; i < p.count; ++i) {
            const bool put = p.sets[i]->proof != 0 ? put_proof(zone_.proof_at(p.sets[i]->proof), p.owners[i], p.sets[i])
                                                   : put_signed_named(1, p.owners[i], p.sets[i]);
            if (!put) return;
        }
    }

    // A proof from its ready-made block: one copy and its pointers aimed (the names
    // written out one by one, compressed, cost four times the instructions; callgrind).
    bool put_proof(const zone::ProofBlock* b, const Node* owner, const RRset* set) {
        Writer& w = r_.writer();
        const size_t at = w.size();
        if (at + b->len > Writer::kMaxPointer) return put_signed_named(1, owner, set);
        if (!(b->len > 64 ? w.put_block(b->bytes(), b->len) : w.put_bytes(b->bytes(), b->len))) {
            r_.tc = true;
            return false;
        }
        const size_t apex_pos = dns::kHeaderSize + q_.qname_len - zone_.header().apex_len;
        const uint16_t* fix = b->fixups();
        for (uint16_t k = 0; k < b->fixup_count; ++k) {
            const uint16_t t = fix[2 * k + 1];
            const size_t target = (t & zone::kProofLocal) ? at + (t & ~zone::kProofLocal) : apex_pos + t;
            dns::store_u16(w.data() + at + fix[2 * k], static_cast<uint16_t>(0xc000 | target));
        }
        r_.counts[1] = static_cast<uint16_t>(r_.counts[1] + b->records);
        return true;
    }

    // After an answer at an existing node: NODATA's proof, and a wildcard's proof that
    // the query name itself does not exist.
    void prove_found(const Found& f, const LookupName& name, size_t apex_label) {
        const Node* nodata = dnssec_.nodata;  // nodata_routed is set with it
        dnssec_.nodata = nullptr;
        if (f.kind == Kind::kWildcard) {
            zone::prove_wildcard(zone_, name.view(), apex_label, f.node, nodata != nullptr, dnssec_.proofs);
        } else if (nodata != nullptr) {
            zone::prove_nodata(zone_, name.view(), apex_label, nodata, dnssec_.proofs, dnssec_.nodata_routed);
        }
    }

    struct DnssecState {
        zone::Proofs proofs;
        const Node* nodata = nullptr;          // where this step answered NODATA
        const RRset* nodata_routed = nullptr;  // and the policy RRset that had no answer, if so
    };

    static constexpr size_t kMaxAdditional = 8;
    const Snapshot& snap_;
    Worker& worker_;
    Responder& r_;
    const dns::Query& q_;
    const ZoneImage& zone_;
    bool parent_of_served_apex_;
    LookupName chain_names_[2];
    ChainName storage_[2];
    int chain_used_ = 0;
    uint64_t seen_[kMaxChain];
    int seen_count_ = 0;
    const RRset* additional_[kMaxAdditional];
    bool additional_referral_[kMaxAdditional];
    size_t additional_count_ = 0;
    alignas(8) uint8_t synth_[dns::kMaxNameWire + 9];
    [[no_unique_address]] std::conditional_t<kDnssec, DnssecState, NoProofs> dnssec_;
};

// A query with DO in a signed zone, or any in an expired one. Out of line: the static path keeps its code.
[[gnu::cold, gnu::noinline, gnu::flatten]] void resolve_signed(const Snapshot& snap, Worker& worker, Responder& r,
                                                               const dns::Query& q, const ZoneImage& zone,
                                                               bool from_parent, LookupName& qname, size_t apex_label) {
    if (zone.header().dnssec >= zone::kImageExpired) r.rcode = dns::rcode::SERVFAIL;  // an expired secondary
    else Resolver<true>(snap, worker, r, q, zone, from_parent).run(qname, apex_label);
}

bool is_chaos_name(const dns::Query& q, const char* text_wire, size_t len) {
    return q.qname_len == len && std::memcmp(q.qname_lc, text_wire, len) == 0;
}

// CH TXT version.bind / id.server and friends: configured strings, else REFUSED.
bool answer_chaos(Responder& r, const dns::Query& q, const Options& opt) {
    const std::string* text = nullptr;
    if (is_chaos_name(q, "\7version\4bind", 14) || is_chaos_name(q, "\7version\6server", 16)) {
        text = &opt.version;
    } else if (is_chaos_name(q, "\2id\6server", 11) || is_chaos_name(q, "\10hostname\4bind", 15)) {
        text = &opt.identity;
    }
    if (text == nullptr || text->empty() || (q.qtype != dns::type::TXT && q.qtype != dns::type::ANY)) return false;
    Writer& w = r.writer();
    size_t start = w.size();
    size_t len = std::min<size_t>(text->size(), 255);
    uint8_t rr[10];
    dns::store_u16(rr, dns::type::TXT);
    dns::store_u16(rr + 2, dns::rrclass::CH);
    dns::store_u32(rr + 4, 0);
    dns::store_u16(rr + 8, static_cast<uint16_t>(len + 1));
    uint8_t l = static_cast<uint8_t>(len);
    if (!w.put_pointer(dns::kHeaderSize) || !w.put_bytes(rr, 10) || !w.put_bytes(&l, 1) ||
        !w.put_bytes(text->data(), len)) {
        w.rewind(start);
        r.tc = true;
        return true;
    }
    r.counts[0] = 1;
    r.aa = true;
    return true;
}

size_t error_response(Responder& r, const dns::Query& q, uint16_t rcode) {
    r.put_header();
    if (q.has_question) r.put_question();
    r.rcode = rcode;
    return r.finish();
}

// A query signed with TSIG (RFC 8945 5.2), answered within `limit` bytes. There are no
// keys yet (they come with dynamic changes), so every key is unknown: NOTAUTH with an
// unsigned BADKEY TSIG (5.2.1), question and OPT echoed, as Knot DNS answers. Key lookup
// and MAC verification go here; a query that verifies will go on to its answer, signed.
size_t answer_signed(Responder& r, const dns::Query& q, const uint8_t* query, size_t limit) {
    dns::TsigRecord tsig;
    dns::read_tsig(query, size_t{q.tsig_pos} + q.tsig_len, q.tsig_pos, tsig);  // parse_query found it sound
    r.put_header();
    r.put_question();
    r.rcode = dns::rcode::NOTAUTH;
    size_t n = r.finish();
    uint8_t* p = r.writer().data();
    size_t t = dns::write_tsig_error(p + n, limit - n, tsig, q.id, dns::tsig::BADKEY);
    if (t == 0) {
        // Names near 255 bytes without EDNS: the TSIG alone with TC (RFC 8945 5.3), or TC
        // alone when even that does not fit; the client retries over TCP.
        n = dns::kHeaderSize;
        std::memset(p + 4, 0, 8);
        dns::store_u16(p + 2, dns::load_u16(p + 2) | dns::flag::TC);
        r.tc = true;
        t = dns::write_tsig_error(p + n, limit - n, tsig, q.id, dns::tsig::BADKEY);
    }
    if (t != 0) dns::store_u16(p + 10, static_cast<uint16_t>(dns::load_u16(p + 10) + 1));
    return n + t;
}

// Response size limit: 512 without EDNS; with EDNS the client's size (512 at least)
// capped by ours (RFC 6891 6.2.5); TCP: the whole message.
size_t response_limit(const Snapshot& snap, const dns::Query& q, Transport transport, size_t out_cap) {
    size_t limit;
    if (transport == Transport::kTcp) {
        limit = std::min(out_cap, dns::kMaxMessage);
    } else if (q.edns.present) {
        limit = std::clamp<size_t>(q.edns.udp_size, dns::kMinUdpPayload, snap.options.udp_max_payload);
        limit = std::max(limit, dns::kMinUdpPayload);
    } else {
        limit = dns::kMinUdpPayload;
    }
    return std::min(limit, out_cap);
}

// Counts a response in the worker's counters: its rcode, its zone (slot 0: none) and TC.
void count_response(Counters& c, uint32_t zone_slot, uint16_t rcode, bool tc) {
    ++c.zones[zone_slot].rcode[std::min<size_t>(rcode, kZoneRcodes)];
    ++c.rcode[std::min<size_t>(rcode, 23)];
    if (tc) ++c.truncated;
}

// answer() for a query that parse_query() did not find sound and plain (`status` says
// why): dropped, or answered and counted in no zone. Out of line and with a Responder of
// its own: inside answer(), or sharing its Responder, these rare cases cost every static
// answer 13 to 40 instructions (callgrind), as GCC then inlined less of the resolver or
// spilled more registers.
[[gnu::cold, gnu::noinline]] size_t answer_unusual(const Snapshot& snap, const dns::Query& q, dns::QueryStatus status,
                                                   const uint8_t* query, const Peer& peer, Transport transport,
                                                   uint8_t* out, size_t out_cap, Counters& c) {
    switch (status) {
        case dns::QueryStatus::kDropShort: ++c.dropped[static_cast<size_t>(Drop::kShort)]; return 0;
        case dns::QueryStatus::kDropResponse: ++c.dropped[static_cast<size_t>(Drop::kResponse)]; return 0;
        case dns::QueryStatus::kDropMalformed: ++c.dropped[static_cast<size_t>(Drop::kMalformed)]; return 0;
        default: break;
    }
    if (q.edns.present) ++c.edns;
    if (q.edns.ecs) ++c.ecs;
    const size_t limit = response_limit(snap, q, transport, out_cap);
    Responder r(snap, q, query, peer, out, limit);
    r.reserve_opt(limit);
    size_t n;
    switch (status) {
        case dns::QueryStatus::kTsig: n = answer_signed(r, q, query, limit); break;
        case dns::QueryStatus::kNotImp: n = error_response(r, q, dns::rcode::NOTIMP); break;
        case dns::QueryStatus::kBadVers: n = error_response(r, q, dns::rcode::BADVERS); break;
        default: n = error_response(r, q, dns::rcode::FORMERR); break;
    }
    count_response(c, 0, r.rcode, r.tc);
    return n;
}

}  // namespace

void prefetch_lookup(const Snapshot& snap, const uint8_t* query, size_t len, LookupHint& hint) noexcept {
    hint.zone = nullptr;
    // The question name as parse_query() reads it; anything unusual is left to answer().
    alignas(8) uint8_t wire[dns::kMaxNameWire + 9];
    uint8_t labels[dns::kMaxLabels + 1];
    uint8_t count = 0;
    const size_t wire_len = dns::read_qname(query, len, wire, labels, &count);
    if (wire_len == 0) return;
    LookupName name;
    name.set(wire, wire_len, labels, count);
    size_t apex_label = 0;
    const ZoneImage* zone = name.zone_in(snap, &apex_label);
    if (zone == nullptr) return;
    hint.zone = zone;
    hint.hash = name.hash[0];
    zone->prefetch_slot(hint.hash);
}

namespace {

// Starts loading the ECS client's entries in the GeoIP and latency tables (64 MiB roots)
// and the first CIDR collection while the name is looked up: they miss the caches for
// subnets not seen lately, and a policy would otherwise wait for them only after the
// lookup (dpdk_lcore_bench ManyClients: geolocation 141-145 -> 131-134 ns). Only with
// ECS: without it the client is the resolver itself, a few addresses that stay cached.
// Not inlined: inside answer() it cost every static answer 22 instructions of register
// shuffling (callgrind).
[[gnu::noinline]] void prefetch_client_tables(const Snapshot& snap, const dns::Query& q) {
    const bool ipv4 = q.edns.subnet.family == 1;
    if (snap.client_geo != nullptr) snap.client_geo->prefetch(ipv4, q.edns.subnet.address);
    if (snap.client_latency != nullptr) snap.client_latency->prefetch(ipv4, q.edns.subnet.address);
    if (snap.client_cidr != nullptr) snap.client_cidr->tables.prefetch(ipv4, q.edns.subnet.address);
}

}  // namespace

// Hot: every query comes through here. With the attribute GCC spills less around the
// name hashing and zone lookup (callgrind: 6 to 16 instructions less per answer since the
// rare statuses moved to answer_unusual).
[[gnu::hot]] size_t answer(const Snapshot& snap, const uint8_t* query, size_t len, const Peer& peer,
                           Transport transport, uint8_t* out, size_t out_cap, Worker& worker) {
    Counters& c = worker.counters;
    ++c.queries;
    ++(transport == Transport::kUdp ? c.udp : c.tcp);
    dns::Query q;
    const dns::QueryStatus status = dns::parse_query(query, len, q);
    if (status != dns::QueryStatus::kOk) [[unlikely]] {
        worker.control_plane = status == dns::QueryStatus::kTsig;
        return answer_unusual(snap, q, status, query, peer, transport, out, out_cap, c);
    }
    if (q.edns.present) ++c.edns;
    if (q.edns.ecs) ++c.ecs;
    uint32_t zone_slot = 0;  // names in no zone count in slot 0
    const size_t limit = response_limit(snap, q, transport, out_cap);
    Responder r(snap, q, query, peer, out, limit);
    r.reserve_opt(limit);
    if (snap.prefetch_clients && q.edns.ecs) prefetch_client_tables(snap, q);
    r.put_header();
    r.put_question();
    if (q.qclass == dns::rrclass::CH) {
        if (!answer_chaos(r, q, snap.options)) r.rcode = dns::rcode::REFUSED;
    } else if (q.qclass != dns::rrclass::IN && q.qclass != dns::rrclass::ANY) {
        // QCLASS * matches our IN data (RFC 1035 3.2.5), as Knot does; others: REFUSED.
        r.rcode = dns::rcode::REFUSED;
    } else if (q.qtype == dns::type::AXFR || q.qtype == dns::type::IXFR) {
        // Transfers are the control plane's (TCP hands them over, UDP IXFR too: RFC 1995 2).
        r.rcode = transport == Transport::kTcp ? dns::rcode::NOTAUTH : dns::rcode::REFUSED;
        worker.control_plane = transport == Transport::kUdp && q.qtype == dns::type::IXFR;
    } else if (q.qtype == dns::type::OPT || q.qtype == dns::type::TSIG || q.qtype == dns::type::TKEY ||
               q.qtype == dns::type::MAILA || q.qtype == dns::type::MAILB) {
        r.rcode = dns::rcode::NOTIMP;  // meta types that are not questions about data
    } else {
        LookupName qname;
        qname.set(q.qname_lc, q.qname_len, q.label_offset, q.label_count);
        size_t apex_label = 0;
        const ZoneImage* zone = qname.zone_in(snap, &apex_label, 0, &zone_slot);
        bool from_parent = false;
        if (zone != nullptr && apex_label == 0 && q.qtype == dns::type::DS && q.label_count > 0) {
            // DS belongs to the parent side of a cut (RFC 4035 3.1.4.1): when we serve
            // the parent too, it answers.
            size_t parent_label = 0;
            const ZoneImage* parent = qname.zone_in(snap, &parent_label, 1, &zone_slot);
            if (parent != nullptr) {
                zone = parent;
                apex_label = parent_label;
                from_parent = true;
            }
        }
        if (zone == nullptr) {
            r.rcode = dns::rcode::REFUSED;
        } else if (const uint8_t d = zone->header().dnssec; d != 0 && (q.edns.do_bit || d >= zone::kImageExpired))
            [[unlikely]] {
            resolve_signed(snap, worker, r, q, *zone, from_parent, qname, apex_label);
        } else {
            Resolver<false>(snap, worker, r, q, *zone, from_parent).run(qname, apex_label);
        }
    }
    const size_t n = r.finish();
    FZ_ASSERT(n <= limit);
    count_response(c, zone_slot, r.rcode, r.tc);
    return n;
}

size_t answer_oversized(const Snapshot& snap, const uint8_t* query, size_t len, const Peer& peer, Transport transport,
                        uint8_t* out, size_t out_cap, Worker& worker) {
    Counters& c = worker.counters;
    ++c.queries;
    ++(transport == Transport::kUdp ? c.udp : c.tcp);
    dns::Query q;
    dns::QueryStatus status = dns::parse_query(query, len, q);
    if (status != dns::QueryStatus::kDropShort && status != dns::QueryStatus::kDropResponse &&
        status != dns::QueryStatus::kDropMalformed) {
        // What was read may be sound; the message as sent is not (bytes past its end).
        status = dns::QueryStatus::kFormErr;
        q.edns.present = false;
        q.edns.ecs = false;
    }
    return answer_unusual(snap, q, status, query, peer, transport, out, out_cap, c);
}

}  // namespace fz::engine
