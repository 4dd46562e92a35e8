// How one plain RRset, and the negative-answer SOA block, are laid out in a zone image
// (see image.h): what the compiler writes for every RRset and the patcher for the ones
// a change brings. Control plane.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/name.h"

namespace fz::zone {

struct RRset;  // image.h

// Sorts records into canonical rdata order (what Knot serves) and drops duplicates.
void canonical_rdata_order(std::vector<const std::string*>& rdatas);

// A name as the image holds it: canonical (lower-case) wire.
inline std::string canonical_wire(const dns::Name& n) { return n.lowered().bytes(); }

// Labels of a wire name, the root not counted.
inline size_t count_labels(std::string_view wire) {
    size_t n = 0;
    for (size_t i = 0; i < wire.size() && wire[i] != 0; i += static_cast<uint8_t>(wire[i]) + 1u) ++n;
    return n;
}

// The name whose A/AAAA go to the additional section with a record of `type` (NS, MX,
// SRV) holding `rdata` (uncompressed wire), in canonical wire; empty for other types.
std::string additional_target(uint16_t type, std::string_view rdata);

// A plain RRset's parts before it is written.
struct PlainRRset {
    uint16_t type = 0;
    uint32_t ttl = 0;
    std::vector<const std::string*> rdatas;  // canonical order (canonical_rdata_order)
    std::string block;                       // ready-made answer section (empty: none)
    std::vector<uint16_t> marks;             // block offsets where names start
};

// Fills s.block and s.marks for a question naming `owner` (canonical wire) at offset 12.
// `tmp` is scratch of at least dns::kMaxMessage bytes. An RRset larger than any message
// gets no block (the generic writer serves it).
void encode_block(std::string_view owner, PlainRRset& s, uint8_t* tmp, size_t cap);

// Bytes the RRset takes in an image with `additional` target nodes (a multiple of 8).
size_t plain_rrset_size(const PlainRRset& s, size_t additional);
// The same, of a plain RRset already in an image.
size_t plain_rrset_size(const RRset& r);

// Writes the RRset at `p` (8-aligned, plain_rrset_size() bytes): header, rdata list,
// block, marks, then the additional nodes' offsets.
void write_plain_rrset(uint8_t* p, size_t owner_len, const PlainRRset& s, const uint32_t* additional,
                       size_t additional_count);

// The authority section of negative answers (ImageHeader::negative_block): the SOA with
// TTL min(ttl, MINIMUM) after a stand-in question naming `apex`, and its fixups (pairs:
// offset in the block, apex-relative pointer target).
void encode_negative_block(std::string_view apex, uint32_t ttl, const std::string& soa_rdata,
                           std::vector<uint8_t>& block, std::vector<uint16_t>& fixups);

// The ProofBlock (image.h; header included) of `set` and its RRSIGs `sigs` at `owner`
// (canonical wire) in the zone of `apex`; empty when it would not fit a message.
std::vector<uint8_t> encode_proof_block(std::string_view apex, std::string_view owner, const PlainRRset& set,
                                        const PlainRRset& sigs);

// min(SOA TTL, SOA MINIMUM) (RFC 2308 section 5).
uint32_t negative_ttl(uint32_t ttl, const std::string& soa_rdata);

constexpr size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

}  // namespace fz::zone
