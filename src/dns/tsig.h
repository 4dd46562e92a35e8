// TSIG records (RFC 8945): reading the one a query carries, and writing the unsigned
// error record a server sends back when it cannot verify a request. No keys and no MACs
// here: key lookup and verification belong to the engine. Data-plane code (rare path):
// no allocation, no exceptions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dns/wire.h"

namespace fz::dns {

namespace tsig {
// TSIG error codes (RFC 8945 section 3), carried in the record's Error field.
inline constexpr uint16_t BADSIG = 16;
inline constexpr uint16_t BADKEY = 17;
inline constexpr uint16_t BADTIME = 18;
inline constexpr uint16_t BADTRUNC = 22;
// Seconds of clock difference allowed, in the records we write (RFC 8945 10 recommends
// 300; Knot DNS writes it too).
inline constexpr uint16_t kFudge = 300;
}  // namespace tsig

// A TSIG record's fields. The names are expanded (a compressed owner is legal) and
// lower-cased, as the MAC covers them (RFC 8945 4.3.3); MAC and Other Data point into the
// message read.
struct TsigRecord {
    uint8_t key_name[kMaxNameWire];
    uint8_t key_name_len;
    uint8_t algorithm[kMaxNameWire];
    uint8_t algorithm_len;
    uint64_t time_signed;  // seconds since the epoch, 48 bits
    uint16_t fudge;
    const uint8_t* mac;
    uint16_t mac_size;
    uint16_t original_id;
    uint16_t error;
    const uint8_t* other;
    uint16_t other_len;
};

// Reads the TSIG record whose owner starts at `rr` in `msg` (`len` bytes) and which ends
// the message. False when it is malformed: a name that cannot be read, or rdata whose
// fields do not fill RDLENGTH exactly (RFC 8945 5.2: FORMERR). CLASS and TTL are not
// checked, as Knot DNS does not either.
[[gnu::cold]] bool read_tsig(const uint8_t* msg, size_t len, size_t rr, TsigRecord& out);

// Writes the unsigned TSIG record answering `request` with `error` (BADKEY, BADSIG:
// RFC 8945 5.3.2, MAC size 0): the same key name and algorithm, Time Signed echoed, our
// fudge, `id` as Original ID. Returns its length, or 0 when it needs more than `room`.
[[gnu::cold]] size_t write_tsig_error(uint8_t* out, size_t room, const TsigRecord& request, uint16_t id,
                                      uint16_t error);

}  // namespace fz::dns
