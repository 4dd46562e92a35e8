// The compiled zone image: one immutable, contiguous arena holding an open-addressing
// hash table of owner names and, per node, its RRsets pre-encoded in wire format.
// Lookups are inline (hot path); building lives in compiler.cpp (cold).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "common/bytes.h"
#include "common/huge_alloc.h"
#include "common/prefetch.h"
#include "dns/wire.h"

namespace fz::zone {

inline constexpr uint32_t kImageMagic = 0x465a494d;  // "FZIM"

// Node flags.
inline constexpr uint16_t kNodeApex = 1u << 0;
inline constexpr uint16_t kNodeDelegation = 1u << 1;     // NS at a non-apex name: a zone cut
inline constexpr uint16_t kNodeBelowCut = 1u << 2;       // strictly below a cut or a DNAME
inline constexpr uint16_t kNodeDname = 1u << 3;          // holds a DNAME RRset
inline constexpr uint16_t kNodeCname = 1u << 4;          // holds a CNAME RRset
inline constexpr uint16_t kNodeWildcardChild = 1u << 5;  // "*.<owner>" exists (see wildcard)
inline constexpr uint16_t kNodeEmpty = 1u << 6;          // empty non-terminal
inline constexpr uint16_t kNodeWildcard = 1u << 7;       // the owner's first label is "*"

// RRset flags.
inline constexpr uint16_t kRRsetPolicy = 1u << 0;        // answered through a routing policy
inline constexpr uint16_t kRRsetCompressible = 1u << 1;  // rdata holds names we may compress
inline constexpr uint16_t kRRsetAlias = 1u << 2;         // Route 53 alias: answer = target's RRset

// Image DNSSEC flags (ImageHeader::dnssec): what a pre-signed zone holds.
inline constexpr uint8_t kImageSigned = 1u << 0;      // RRSIGs: answers with DO carry them
inline constexpr uint8_t kImageNsec = 1u << 1;        // an NSEC chain proves denials
inline constexpr uint8_t kImageNsec3 = 1u << 2;       // an NSEC3 chain (of the apex NSEC3PARAM) does
inline constexpr uint8_t kImageNsecNoKeys = 1u << 3;  // an NSEC owner's label holds a zero byte: see NsecEntry
// Not DNSSEC, but kept in the same byte so that answer() tests both with one load: a
// secondary zone past its SOA expire (RFC 1034 4.3.5), answered SERVFAIL.
inline constexpr uint8_t kImageExpired = 1u << 7;

// All offsets are bytes from the start of the image; 0 means "none" (the header is at 0).
struct ImageHeader {
    uint32_t magic;
    uint32_t size;          // bytes in the whole image
    uint32_t slots;         // offset of the hash slots
    uint32_t slot_mask;     // slot count - 1 (a power of two)
    uint32_t apex;          // apex node
    uint32_t soa;           // the apex SOA RRset
    uint32_t negative_ttl;  // min(SOA TTL, SOA MINIMUM) (RFC 2308 section 5)
    uint32_t node_count;
    uint32_t rrset_count;
    uint32_t record_count;
    uint32_t policy_count;  // number of policy-controlled RRsets
    uint32_t policies;      // offset of {u32 policy id, u32 RRset offset}[policy_count]
    // The authority section of every negative answer, ready-made: the SOA with TTL
    // negative_ttl, its owner and the names in its rdata compressed only against the
    // apex. Pointers are stored relative to where the apex sits in the question and
    // patched per query: {u16 offset in block, u16 apex-relative target}[negative_fixups].
    uint32_t negative_block;
    uint16_t negative_block_len;
    uint16_t negative_fixups;
    uint8_t apex_len;  // wire length of the apex name
    uint8_t apex_labels;
    uint8_t apex_name[dns::kMaxNameWire];  // canonical (lower-case)
    // DNSSEC. `denial` is the chain that proves a name or type absent, `denial_count`
    // entries: with kImageNsec, NsecEntry[] of the nodes holding an NSEC RRset, in
    // canonical order (RFC 4034 6.1); with kImageNsec3, Nsec3Entry[] in hash order, and
    // each node's name is followed by its Nsec3Links. The NSEC3 parameters are the apex
    // NSEC3PARAM's (RFC 5155 4).
    uint8_t dnssec;
    uint8_t nsec3_salt_len;
    uint16_t nsec3_iterations;
    uint32_t denial;
    uint32_t denial_count;
    uint8_t nsec3_salt[255];
};

// One NSEC RRset of the chain: its node, and the first 12 bytes of its owner's sort key
// (nsec_sort_key) as two numbers, so that a lookup compares integers in one array rather
// than names scattered over the image, and reads a name only on a tie.
struct NsecEntry {
    uint64_t key_high;
    uint32_t key_low;
    uint32_t node;
};
static_assert(sizeof(NsecEntry) == 16);

// The sort key of canonical `name`, in a zone whose apex has `apex_labels` labels: the
// labels below the apex from the right, each followed by a zero byte, cut or padded to
// 12 bytes. Keys that differ order names as canonical order does, unless a label holds a
// zero byte: then false, and only whole names compare.
bool nsec_sort_key(const uint8_t* name, size_t apex_labels, uint64_t* high, uint32_t* low);

// One NSEC3 RRset of the chain: the hash its owner's first label spells, and its node.
struct Nsec3Entry {
    uint8_t hash[20];
    uint32_t node;
};
static_assert(sizeof(Nsec3Entry) == 24);

// What an NSEC3 zone's node knows of the chain, worked out when it compiled so that a
// query hashes at most its next closer name: the node of the NSEC3 whose hash is this
// name's, and of the NSEC3 that covers "*.<this name>" (0: none, as for a name that an
// opt-out chain leaves out, or one below a cut).
struct Nsec3Links {
    uint32_t match;
    uint32_t wildcard_cover;
};

struct Slot {
    uint32_t tag;   // high 32 bits of the name hash
    uint32_t node;  // node offset, 0 for an empty slot
};

// A node is followed by RRsetRef[rrset_count], then its canonical owner name.
struct Node {
    uint16_t flags;
    uint8_t name_len;
    uint8_t label_count;
    uint16_t rrset_count;
    uint16_t reserved;
    uint32_t wildcard;  // "*.<owner>" node when kNodeWildcardChild
    uint32_t cut;       // topmost zone cut or DNAME node above, when kNodeBelowCut

    const struct RRsetRef* refs() const { return reinterpret_cast<const RRsetRef*>(this + 1); }
    const uint8_t* name() const { return reinterpret_cast<const uint8_t*>(this + 1) + rrset_count * 8u; }
};

struct RRsetRef {
    uint16_t type;
    uint16_t flags;
    uint32_t rrset;  // offset of the RRset
};
static_assert(sizeof(RRsetRef) == 8);
static_assert(sizeof(Node) == 16);

// A policy RRset (kRRsetPolicy) has `count` members: its rdata list is u32 member RRset
// offsets, in the policy's member order; `policy` is the policy id. A member is an
// ordinary RRset, or (kRRsetAlias) an alias whose rdata is the canonical target name.
//
// An RRset is followed by: the rdata list ([u16 length][rdata] per record, uncompressed,
// in the order served), then `block_len` bytes of a ready-made answer section (see
// below), then u16 name_marks[mark_count], then (4-aligned) u32 additional[additional_count].
//
// The ready-made block holds every record with owner 0xC00C and rdata names compressed
// against the owner's suffixes and each other, assuming the question name sits at offset
// 12 and has the owner's length: true whenever the question name *is* this owner, so an
// exact-match answer is one memcpy. name_marks are the block offsets where names start,
// so the generic writer can compress later names against them.
struct RRset {
    uint16_t type;
    uint16_t count;  // records
    uint32_t ttl;
    uint16_t flags;
    uint16_t additional_count;  // nodes whose A/AAAA go to the additional section
    uint16_t mark_count;
    uint16_t owner_len;  // wire length of the owner this block was made for
    uint32_t rdata_len;  // bytes in the rdata list
    uint32_t block_len;  // bytes in the ready-made block (0: none)
    union {
        uint32_t policy;  // policy index when kRRsetPolicy / kRRsetAlias
        uint32_t proof;   // an NSEC, NSEC3 or DS RRset of a signed zone: its ProofBlock (0: none)
    };
    uint32_t signatures;  // the RRSIGs covering this RRset, as an RRset of type RRSIG (0: none)

    const uint8_t* rdata() const { return reinterpret_cast<const uint8_t*>(this + 1); }
    const uint8_t* block() const { return rdata() + rdata_len; }
    // The i-th name mark (block offset). Marks follow the block unaligned: read bytewise.
    uint16_t mark(size_t i) const {
        uint16_t m;
        std::memcpy(&m, block() + block_len + 2 * i, 2);
        return m;
    }
    const uint32_t* members() const { return reinterpret_cast<const uint32_t*>(rdata()); }
    const uint32_t* additional() const {
        uintptr_t p = reinterpret_cast<uintptr_t>(block() + block_len + 2u * mark_count);
        return reinterpret_cast<const uint32_t*>((p + 3) & ~uintptr_t{3});
    }
};
static_assert(sizeof(RRset) == 32);

// An NSEC, NSEC3 or DS RRset and its RRSIGs, ready for an authority section: the first
// owner's labels end in a pointer into the apex, later owners point to the first. The
// pointers are patched per response, as for the negative block: {u16 offset in the
// block, u16 target}[fixup_count] follow the bytes (2-aligned); a target with
// kProofLocal is an offset in the block, else one in the apex.
struct ProofBlock {
    uint16_t len;
    uint16_t fixup_count;
    uint16_t records;
    uint16_t reserved;

    const uint8_t* bytes() const { return reinterpret_cast<const uint8_t*>(this + 1); }
    const uint16_t* fixups() const { return reinterpret_cast<const uint16_t*>(bytes() + ((len + 1u) & ~1u)); }
};
inline constexpr uint16_t kProofLocal = 0x8000;

// What a policy RRset of a zone fastzone signs has of DNSSEC beyond its members' RRSIGs:
// its `signatures` is the offset of {u32 nodata, u32 count, AliasSignature[count]}.
// `nodata` is an NSEC or NSEC3 RRset (with RRSIGs and ProofBlock) that proves NODATA for
// clients the policy has no answer for: the name's own, without the policy's type (0:
// none). The entries are its answers that carry another RRset's data (an alias member's
// target, or a member of the policy an alias leads to), signed for the policy's owner.
struct AliasSignature {
    uint32_t policy;  // the policy whose member answers (policy::Resolution::policy)
    uint32_t member;  // that member
    uint32_t rrsigs;  // the RRSIGs, as an RRset of type RRSIG at the policy's owner
};
static_assert(sizeof(AliasSignature) == 12);

// What the control plane keeps beside an image's bytes for patching it (patch.h).
struct ImageNotes {
    std::vector<uint32_t> referrers;  // nodes with NS, MX or SRV RRsets (additional-section work)
    size_t garbage = 0;               // bytes that patches left unreachable
};

// A compiled zone. Immutable once built; shared by every reader of a snapshot.
class ZoneImage {
public:
    ZoneImage(HugeArray<uint8_t> bytes, size_t size, ImageNotes notes = {})
        : bytes_(std::move(bytes)), size_(size), notes_(std::move(notes)) {}

    const ImageHeader& header() const { return *reinterpret_cast<const ImageHeader*>(bytes_.get()); }
    const uint8_t* base() const { return bytes_.get(); }
    size_t size() const { return size_; }
    const ImageNotes& notes() const { return notes_; }

    const Node* node_at(uint32_t off) const { return reinterpret_cast<const Node*>(bytes_.get() + off); }
    const RRset* rrset_at(uint32_t off) const { return reinterpret_cast<const RRset*>(bytes_.get() + off); }
    const Node* apex() const { return node_at(header().apex); }
    const uint8_t* negative_block() const { return bytes_.get() + header().negative_block; }
    const uint16_t* negative_fixups() const {
        return reinterpret_cast<const uint16_t*>(negative_block() + ((header().negative_block_len + 1u) & ~1u));
    }
    const RRset* soa() const { return rrset_at(header().soa); }
    const ProofBlock* proof_at(uint32_t off) const { return reinterpret_cast<const ProofBlock*>(bytes_.get() + off); }
    // The RRSIGs at policy RRset `routed`'s owner over the data of `policy`'s member
    // `member` (AliasSignature), or nullptr.
    const RRset* alias_signatures(const RRset* routed, uint32_t policy, uint32_t member) const {
        if (routed->signatures == 0) return nullptr;
        uint32_t count;
        std::memcpy(&count, bytes_.get() + routed->signatures + 4, 4);
        const auto* e = reinterpret_cast<const AliasSignature*>(bytes_.get() + routed->signatures + 8);
        for (uint32_t i = 0; i < count; ++i) {
            if (e[i].policy == policy && e[i].member == member) return rrset_at(e[i].rrsigs);
        }
        return nullptr;
    }
    // The NSEC or NSEC3 that proves NODATA for clients policy RRset `routed` has no
    // answer for, or nullptr.
    const RRset* policy_nodata(const RRset* routed) const {
        if (routed->signatures == 0) return nullptr;
        uint32_t nodata;
        std::memcpy(&nodata, bytes_.get() + routed->signatures, 4);
        return nodata != 0 ? rrset_at(nodata) : nullptr;
    }

    // DNSSEC denial (kImageNsec / kImageNsec3; see ImageHeader). Off the static path:
    // only answers with DO in a signed zone ask.
    // The node whose NSEC covers or matches canonical `name`: the last chain entry at or
    // before it in canonical order.
    const Node* nsec_at_or_before(const uint8_t* name) const;
    // The chain entry whose NSEC3 matches `hash`, or else covers it (the last before
    // it, or the chain's last when `hash` sorts before every entry: the chain is a ring).
    // nullptr for an empty chain.
    const Nsec3Entry* nsec3_at_or_before(const uint8_t* hash) const;
    Nsec3Links nsec3_links(const Node* node) const {
        Nsec3Links l;
        std::memcpy(&l, node->name() + node->name_len, sizeof l);
        return l;
    }

    // Starts loading the table slot a name with `hash` lands in (the data plane looks
    // ahead over a burst: on a zone far larger than the caches, the slot and then its
    // node are two misses that would otherwise be paid one after the other per query).
    void prefetch_slot(uint64_t hash) const { prefetch(&slots()[home_slot(hash)]); }
    // Once the slot is in cache: starts loading the node it points to when its tag matches
    // (two lines: the owner name follows the node's RRset references).
    void prefetch_node(uint64_t hash) const {
        const Slot s = slots()[home_slot(hash)];
        if (s.node != 0 && s.tag == slot_tag(hash)) {
            const auto* node = reinterpret_cast<const uint8_t*>(node_at(s.node));
            prefetch(node);
            prefetch(node + 64);
        }
    }

    // Exact lookup of a canonical (lower-case) wire name of `len` bytes with hash `hash`
    // (dns::hash_name / dns::hash_label). nullptr when absent.
    const Node* find(const uint8_t* name, size_t len, uint64_t hash) const {
        const Slot* table = slots();
        const uint32_t mask = header().slot_mask;
        const uint32_t tag = slot_tag(hash);
        for (uint32_t i = home_slot(hash);; i = (i + 1) & mask) {
            const Slot s = table[i];
            if (s.node == 0) return nullptr;
            if (s.tag == tag) {
                const Node* n = node_at(s.node);
                if (n->name_len == len && same_bytes(n->name(), name, len)) return n;
            }
        }
    }

    // The RRset of `type` at `node`, or nullptr.
    const RRsetRef* find_type(const Node* node, uint16_t type) const {
        const RRsetRef* r = node->refs();
        for (uint16_t i = 0; i < node->rrset_count; ++i) {
            if (r[i].type == type) return &r[i];
        }
        return nullptr;
    }

    // Calls `fn(node)` for every node, in slot order: the control plane's walk over a
    // whole zone (transfers).
    template <typename F>
    void for_each_node(F&& fn) const {
        const Slot* table = slots();
        for (uint32_t i = 0; i <= header().slot_mask; ++i) {
            if (table[i].node != 0) fn(node_at(table[i].node));
        }
    }

    // The open-addressing table of names (the compiler fills it by the same rule): a
    // name's hash gives its first slot (low bits, then linear probing) and the tag its
    // slot carries (high bits).
    static uint32_t home_slot(uint64_t hash, uint32_t slot_mask) { return static_cast<uint32_t>(hash) & slot_mask; }
    static uint32_t slot_tag(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }

private:
    const Slot* slots() const { return reinterpret_cast<const Slot*>(bytes_.get() + header().slots); }
    uint32_t home_slot(uint64_t hash) const { return home_slot(hash, header().slot_mask); }

    HugeArray<uint8_t> bytes_;
    size_t size_;
    ImageNotes notes_;
};

// Marks a freshly compiled image, not yet published, as an expired secondary zone. The
// header lives in the image's own buffer (never const), so the flag may be set on an
// image held as const.
inline void mark_expired(const ZoneImage& image) {
    const_cast<ImageHeader&>(image.header()).dnssec |= kImageExpired;  // NOLINT: see above
}

}  // namespace fz::zone
