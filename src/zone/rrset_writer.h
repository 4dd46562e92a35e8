// How one plain RRset, and the negative-answer SOA block, are laid out in a zone image
// (see image.h): what the compiler writes for every RRset and the patcher for the ones
// a change brings. Control plane.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fz::zone {

// Sorts records into canonical rdata order (what Knot serves) and drops duplicates.
void canonical_rdata_order(std::vector<const std::string*>& rdatas);

// The name whose A/AAAA go to the additional section with a record of `type` (NS, MX,
// SRV), as it appears in `rdata` (uncompressed wire); empty for other types.
std::string_view additional_target(uint16_t type, const std::string& rdata);

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

// Writes the RRset at `p` (8-aligned, plain_rrset_size() bytes): header, rdata list,
// block, marks, then the additional nodes' offsets.
void write_plain_rrset(uint8_t* p, size_t owner_len, const PlainRRset& s, const uint32_t* additional,
                       size_t additional_count);

// The authority section of negative answers (ImageHeader::negative_block): the SOA with
// TTL min(ttl, MINIMUM) after a stand-in question naming `apex`, and its fixups (pairs:
// offset in the block, apex-relative pointer target).
void encode_negative_block(std::string_view apex, uint32_t ttl, const std::string& soa_rdata,
                           std::vector<uint8_t>& block, std::vector<uint16_t>& fixups);

// min(SOA TTL, SOA MINIMUM) (RFC 2308 section 5).
uint32_t negative_ttl(uint32_t ttl, const std::string& soa_rdata);

constexpr size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

}  // namespace fz::zone
