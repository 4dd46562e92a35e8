// Parsing of one DNS query message: header, question, OPT (EDNS(0), ECS, NSID), TSIG's place.
#include "dns/query.h"

#include <cstring>

#include "dns/tsig.h"

namespace fz::dns {
namespace {

// Skips a possibly compressed name; returns the offset after it or 0 when malformed.
// Only the bytes at `pos` are walked: a pointer ends the name, so no loop is possible.
size_t skip_name(const uint8_t* msg, size_t len, size_t pos) {
    size_t total = 0;
    while (pos < len) {
        uint8_t l = msg[pos];
        if ((l & 0xc0) == 0xc0) {
            if (pos + 2 > len) return 0;
            size_t target = static_cast<size_t>(((l & 0x3f) << 8) | msg[pos + 1]);
            if (target >= pos) return 0;  // forward or self pointer: malformed
            return pos + 2;
        }
        if (l > kMaxLabel) return 0;
        total += l + 1u;
        if (total > kMaxNameWire) return 0;
        if (l == 0) return pos + 1;
        pos += l + 1u;
    }
    return 0;
}

// Validates and stores an EDNS Client Subnet option (RFC 7871 section 6). Inlined, as
// parse_opt() is: GCC stopped inlining it into the two copies of read_records(), which
// cost every ECS query 15 instructions (callgrind, answer_policy_bench).
[[gnu::always_inline]] inline bool parse_client_subnet(const uint8_t* p, size_t len, ClientSubnet& out) {
    if (len < 4) return false;
    out.family = load_u16(p);
    out.source_prefix = p[2];
    out.scope_prefix = p[3];
    size_t max_prefix;
    if (out.family == 1) {
        max_prefix = 32;
    } else if (out.family == 2) {
        max_prefix = 128;
    } else {
        return false;
    }
    if (out.source_prefix > max_prefix || out.scope_prefix > max_prefix) return false;
    size_t addr_len = (out.source_prefix + 7u) / 8u;
    if (len - 4 != addr_len) return false;
    std::memset(out.address, 0, sizeof(out.address));
    std::memcpy(out.address, p + 4, addr_len);
    // Bits past the source prefix must be zero (RFC 7871 6: otherwise FORMERR).
    if (out.source_prefix % 8 != 0) {
        uint8_t mask = static_cast<uint8_t>(0xff >> (out.source_prefix % 8));
        if (out.address[addr_len - 1] & mask) return false;
    }
    return true;
}

// Inlined into both copies of read_records(): called from two places, GCC had stopped
// inlining it (19 instructions an EDNS query, callgrind).
[[gnu::always_inline]] inline bool parse_opt(const uint8_t* msg, size_t rr_pos, size_t rdata_pos, size_t rdlen,
                                             Edns& e) {
    e.present = true;
    e.udp_size = load_u16(msg + rr_pos + 3);
    uint32_t ttl = load_u32(msg + rr_pos + 5);
    e.version = static_cast<uint8_t>(ttl >> 16);
    e.do_bit = (ttl & kEdnsDoBit) != 0;
    size_t p = rdata_pos;
    size_t end = rdata_pos + rdlen;
    while (p < end) {
        if (p + 4 > end) return false;
        uint16_t code = load_u16(msg + p);
        uint16_t olen = load_u16(msg + p + 2);
        p += 4;
        if (p + olen > end) return false;
        if (code == edns::CLIENT_SUBNET) {
            if (e.ecs) return false;  // two ECS options: ambiguous client
            if (!parse_client_subnet(msg + p, olen, e.subnet)) return false;
            e.ecs = true;
        } else if (code == edns::NSID) {
            e.nsid = true;
        }
        // Unknown options are ignored and not echoed (RFC 6891 6.1.2).
        p += olen;
    }
    return true;
}

// Inlined into parse_query (the hot caller); the look-ahead calls the out-of-line copy.
[[gnu::always_inline]] inline size_t read_qname_inline(const uint8_t* msg, size_t len, uint8_t* lc,
                                                       uint8_t* label_offset, uint8_t* label_count) {
    // QNAME: plain labels only. A compression pointer here could only point into the
    // header, so it is malformed. Validate and note the labels first, then copy the name
    // and lower-case it eight bytes at a time (length bytes are < 64: never letters).
    size_t pos = kHeaderSize;
    size_t out = 0;
    uint8_t labels = 0;
    while (true) {
        if (pos >= len) return 0;
        uint8_t l = msg[pos];
        if (l == 0) break;
        if (l > kMaxLabel) return 0;
        if (out + l + 2 > kMaxNameWire || pos + 1 + l > len) return 0;
        label_offset[labels++] = static_cast<uint8_t>(out);
        out += l + 1u;
        pos += l + 1u;
    }
    label_offset[labels] = static_cast<uint8_t>(out);  // the root label, for suffix walks
    // Whole words straight from the message, lower-cased in a register and stored once:
    // reading back bytes just written by a byte-wise copy would stall store forwarding.
    // The bytes after the name that come along are never read as name (hashing masks,
    // comparisons use the length); at the very end of the message the last word is
    // assembled byte by byte instead of reading past it.
    const uint8_t* src = msg + kHeaderSize;
    const size_t avail = len - kHeaderSize;
    for (size_t i = 0; i <= out; i += 8) {
        uint64_t w = 0;
        if (i + 8 <= avail) {
            std::memcpy(&w, src + i, 8);
        } else {
            for (size_t k = 0; i + k < avail && k < 8; ++k) w |= static_cast<uint64_t>(src[i + k]) << (8 * k);
        }
        w = lower8(w);
        std::memcpy(lc + i, &w, 8);
    }
    *label_count = labels;
    return out + 1;
}

// A malformed message: nothing of its OPT is echoed, as Knot DNS answers it.
QueryStatus malformed(Query& q) {
    q.edns.present = false;
    q.edns.ecs = false;
    return QueryStatus::kFormErr;
}

// A TSIG record ending the message: sound (kTsig, its place noted) or FORMERR. An EDNS
// version we do not speak is BADVERS first, unsigned, as Knot DNS answers.
[[gnu::cold, gnu::noinline]] QueryStatus check_tsig(const uint8_t* msg, size_t len, size_t rr, Query& q) {
    TsigRecord tsig;
    if (!read_tsig(msg, len, rr, tsig)) return malformed(q);
    if (q.edns.present && q.edns.version != 0) return QueryStatus::kBadVers;
    q.tsig_pos = static_cast<uint16_t>(rr);
    q.tsig_len = static_cast<uint16_t>(len - rr);
    return QueryStatus::kTsig;
}

// The answer, authority and additional sections, from `pos` on: kOk, kBadVers, kTsig or
// kFormErr. Inlined into parse_query (the hot caller); records_then() has its own copy.
[[gnu::always_inline]] inline QueryStatus read_records(const uint8_t* msg, size_t len, size_t pos, Query& q) {
    const uint16_t ancount = load_u16(msg + 6);
    const uint16_t nscount = load_u16(msg + 8);
    const uint16_t arcount = load_u16(msg + 10);
    // Answer and authority sections of a query are skipped but must be well formed, and
    // hold no OPT (RFC 6891 6.1.1) or TSIG (RFC 8945 5.1): those go in the additional.
    for (uint32_t i = 0; i < static_cast<uint32_t>(ancount) + nscount; ++i) {
        pos = skip_name(msg, len, pos);
        if (pos == 0 || pos + 10 > len) return QueryStatus::kFormErr;
        const uint16_t type = load_u16(msg + pos);
        if (type == type::OPT || type == type::TSIG) return QueryStatus::kFormErr;
        size_t rdlen = load_u16(msg + pos + 8);
        pos += 10 + rdlen;
        if (pos > len) return QueryStatus::kFormErr;
    }
    bool opt_seen = false;
    for (uint16_t i = 0; i < arcount; ++i) {
        size_t rr = pos;
        pos = skip_name(msg, len, pos);
        if (pos == 0 || pos + 10 > len) return malformed(q);
        uint16_t type = load_u16(msg + pos);
        size_t rdlen = load_u16(msg + pos + 8);
        if (pos + 10 + rdlen > len) return malformed(q);
        if (type == type::OPT) {
            // One OPT, owned by the root (RFC 6891 6.1.1); anything else is FORMERR.
            if (opt_seen || pos != rr + 1 || msg[rr] != 0 || !parse_opt(msg, rr, pos + 10, rdlen, q.edns)) {
                return malformed(q);
            }
            opt_seen = true;
        } else if (type == type::TSIG) [[unlikely]] {
            // One TSIG, the last record (RFC 8945 5.1).
            if (i + 1 != arcount || pos + 10 + rdlen != len) return malformed(q);
            return check_tsig(msg, len, rr, q);
        }
        pos += 10 + rdlen;
    }
    if (pos != len) return malformed(q);  // trailing junk
    if (q.edns.present && q.edns.version != 0) return QueryStatus::kBadVers;
    return QueryStatus::kOk;
}

// A query to be answered with `status` (no question: FORMERR; an opcode we do not
// implement: NOTIMP) unless its records say otherwise: they are read all the same, and
// a malformed message gets FORMERR, an EDNS version above 0 BADVERS, as Knot DNS answers;
// else a sound OPT is echoed with `status` (RFC 6891 7). A TSIG is checked for its place
// only: such answers are not signed, by Knot either.
[[gnu::cold, gnu::noinline]] QueryStatus records_then(const uint8_t* msg, size_t len, size_t pos, Query& q,
                                                      QueryStatus status) {
    const QueryStatus records = read_records(msg, len, pos, q);
    return records == QueryStatus::kFormErr || records == QueryStatus::kBadVers ? records : status;
}

}  // namespace

size_t read_qname(const uint8_t* msg, size_t len, uint8_t* lc, uint8_t* label_offset, uint8_t* label_count) {
    return read_qname_inline(msg, len, lc, label_offset, label_count);
}

QueryStatus parse_query(const uint8_t* msg, size_t len, Query& q) {
    if (len < kHeaderSize) return QueryStatus::kDropShort;
    q.id = load_u16(msg);
    q.flags = load_u16(msg + 2);
    q.has_question = false;
    q.edns.present = false;
    q.edns.ecs = false;
    q.edns.nsid = false;
    q.edns.do_bit = false;
    q.edns.version = 0;
    if (q.flags & flag::QR) return QueryStatus::kDropResponse;
    q.opcode = static_cast<uint8_t>((q.flags & flag::OPCODE_MASK) >> 11);
    uint16_t qdcount = load_u16(msg + 4);

    // Like Knot DNS: no question is FORMERR (the header can be echoed), a question that
    // cannot be parsed (or several) is dropped: there is nothing sound to answer.
    if (qdcount == 0) {
        return records_then(msg, len, kHeaderSize, q,
                            q.opcode == opcode::QUERY ? QueryStatus::kFormErr : QueryStatus::kNotImp);
    }
    if (qdcount > 1) return QueryStatus::kDropMalformed;

    const size_t name_len = read_qname_inline(msg, len, q.qname_lc, q.label_offset, &q.label_count);
    if (name_len == 0) return QueryStatus::kDropMalformed;
    size_t pos = kHeaderSize + name_len;
    if (pos + 4 > len) return QueryStatus::kDropMalformed;
    q.qname_len = static_cast<uint8_t>(name_len);
    q.qtype = load_u16(msg + pos);
    q.qclass = load_u16(msg + pos + 2);
    pos += 4;
    q.question_end = static_cast<uint16_t>(pos);
    q.has_question = true;

    if (q.opcode != opcode::QUERY) return records_then(msg, len, pos, q, QueryStatus::kNotImp);
    return read_records(msg, len, pos, q);
}

}  // namespace fz::dns
