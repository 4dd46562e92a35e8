// Parsing of one DNS query message: header, question, OPT (EDNS(0), ECS, NSID, cookie),
// and where a TSIG record is.
// Data-plane code: no allocation, no exceptions; the result is a flat struct.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dns/wire.h"

namespace fz::dns {

// Why a query cannot be answered normally. Drop* reasons get no response at all.
enum class QueryStatus : uint8_t {
    kOk,
    kDropShort,      // shorter than a header: nothing to echo
    kDropResponse,   // QR=1: never answer a response (reflection loops)
    kDropMalformed,  // no parseable question (QDCOUNT > 1, bad or cut name): nothing to echo
    kFormErr,        // malformed: header echoed, rcode FORMERR
    kNotImp,         // opcode we do not implement
    kBadVers,        // EDNS version > 0 (RFC 6891 6.1.3)
    kTsig,           // signed: a sound TSIG record ends the message (Query::tsig_pos); verify it
};

// These structs are filled by parse_query() once per packet and not zeroed beforehand
// (that cost 10 instructions a query): which fields are valid is said below. Elsewhere,
// value-initialize them (`ClientSubnet s{};`).
struct ClientSubnet {
    uint16_t family;  // 1 = IPv4, 2 = IPv6 (IANA address family numbers)
    uint8_t source_prefix;
    uint8_t scope_prefix;  // as received (should be 0 in queries)
    uint8_t address[16];   // zero-padded beyond the prefix
};

struct Edns {
    bool present;
    bool do_bit;
    bool nsid;  // NSID option present (RFC 5001)
    bool ecs;   // a valid client-subnet option was present
    uint8_t version;
    uint16_t udp_size;    // as advertised by the client (when present)
    ClientSubnet subnet;  // when ecs
};

struct Query {
    uint16_t id;
    uint16_t flags;  // the raw flags word of the query
    uint8_t opcode;
    bool has_question;  // false when the question could not be parsed
    // When has_question:
    uint16_t qtype;
    uint16_t qclass;
    uint8_t qname_len;      // wire length including the root label
    uint8_t label_count;    // labels, root not counted
    uint16_t question_end;  // offset just past QTYPE/QCLASS
    // With kTsig only: where the TSIG record (its owner) starts, and its length: it ends
    // the message.
    uint16_t tsig_pos;
    uint16_t tsig_len;
    Edns edns;
    uint8_t label_offset[kMaxLabels];  // each label's length byte in qname_lc; [label_count] = root
    // Lower-cased copy of QNAME; 8 bytes of slack (contents unspecified) so hashing may
    // load whole words.
    alignas(8) uint8_t qname_lc[kMaxNameWire + 9];
};

// The question name at the start of the question section of `msg` (`len` bytes):
// checked (plain labels, at most kMaxNameWire), each label's offset noted in
// `label_offset` (kMaxLabels + 1 entries, the root's last) and the name copied lower-cased
// into `lc` (kMaxNameWire + 9 bytes: whole words are stored). Returns its wire length,
// root label included, or 0 when it is malformed.
size_t read_qname(const uint8_t* msg, size_t len, uint8_t* lc, uint8_t* label_offset, uint8_t* label_count);

// Parses `msg`. On kOk and kTsig every field is valid. On kFormErr/kNotImp/kBadVers the
// id, flags and opcode are valid, `has_question` tells whether the question was parsed
// (and may be echoed), and `edns.present` whether a sound OPT may be echoed: the whole
// message was read and found sound, as for a query without a question (FORMERR) or of
// an opcode we do not implement (NOTIMP; BADVERS comes first). A malformed message gets
// no OPT back, as Knot DNS answers. A TSIG record must be the last and only one (RFC 8945
// 5.1); verifying it comes after BADVERS.
QueryStatus parse_query(const uint8_t* msg, size_t len, Query& q);

}  // namespace fz::dns
