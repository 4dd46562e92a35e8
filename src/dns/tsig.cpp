// TSIG records (RFC 8945): reading a query's, writing the unsigned error record.
#include "dns/tsig.h"

#include <cstring>

namespace fz::dns {
namespace {

// Expands the name at `pos` (compression pointers followed, backwards only) lower-cased
// into `out` (kMaxNameWire bytes). Returns the offset just past the name where it is
// written, or 0 when malformed. Every pointer goes back and every label grows the name,
// which is bounded: the walk ends.
size_t expand_name(const uint8_t* msg, size_t len, size_t pos, uint8_t* out, uint8_t* out_len) {
    size_t end = 0;
    size_t n = 0;
    while (pos < len) {
        const uint8_t l = msg[pos];
        if ((l & 0xc0) == 0xc0) {
            if (pos + 2 > len) return 0;
            const size_t target = static_cast<size_t>(((l & 0x3f) << 8) | msg[pos + 1]);
            if (target >= pos) return 0;
            if (end == 0) end = pos + 2;
            pos = target;
            continue;
        }
        if (l > kMaxLabel || n + l + 1u > kMaxNameWire || pos + 1u + l > len) return 0;
        out[n++] = l;
        for (size_t k = 1; k <= l; ++k) out[n++] = lower(msg[pos + k]);
        if (l == 0) {
            *out_len = static_cast<uint8_t>(n);
            return end != 0 ? end : pos + 1;
        }
        pos += l + 1u;
    }
    return 0;
}

uint64_t load_u48(const uint8_t* p) { return (uint64_t{load_u16(p)} << 32) | load_u32(p + 2); }

}  // namespace

bool read_tsig(const uint8_t* msg, size_t len, size_t rr, TsigRecord& out) {
    size_t pos = expand_name(msg, len, rr, out.key_name, &out.key_name_len);
    if (pos == 0 || pos + 10 > len) return false;
    const size_t rdata = pos + 10;
    const size_t end = rdata + load_u16(msg + pos + 8);
    if (end > len) return false;
    // Algorithm Name, Time Signed (48 bits), Fudge, MAC Size, MAC, Original ID, Error,
    // Other Len, Other Data (RFC 8945 4.2), filling RDLENGTH exactly.
    pos = expand_name(msg, end, rdata, out.algorithm, &out.algorithm_len);
    if (pos == 0 || pos + 10 > end) return false;
    out.time_signed = load_u48(msg + pos);
    out.fudge = load_u16(msg + pos + 6);
    out.mac_size = load_u16(msg + pos + 8);
    pos += 10;
    if (pos + out.mac_size + 6 > end) return false;
    out.mac = msg + pos;
    pos += out.mac_size;
    out.original_id = load_u16(msg + pos);
    out.error = load_u16(msg + pos + 2);
    out.other_len = load_u16(msg + pos + 4);
    pos += 6;
    if (pos + out.other_len != end) return false;
    out.other = msg + pos;
    return true;
}

size_t write_tsig_error(uint8_t* out, size_t room, const TsigRecord& request, uint16_t id, uint16_t error) {
    const size_t rdlen = request.algorithm_len + 16u;
    const size_t total = request.key_name_len + 10u + rdlen;
    if (total > room) return 0;
    uint8_t* p = out;
    std::memcpy(p, request.key_name, request.key_name_len);
    p += request.key_name_len;
    store_u16(p, type::TSIG);
    store_u16(p + 2, rrclass::ANY);
    store_u32(p + 4, 0);
    store_u16(p + 8, static_cast<uint16_t>(rdlen));
    p += 10;
    std::memcpy(p, request.algorithm, request.algorithm_len);
    p += request.algorithm_len;
    store_u16(p, static_cast<uint16_t>(request.time_signed >> 32));
    store_u32(p + 2, static_cast<uint32_t>(request.time_signed));
    store_u16(p + 6, tsig::kFudge);
    store_u16(p + 8, 0);  // MAC Size: an unsigned error (RFC 8945 5.3.2)
    store_u16(p + 10, id);
    store_u16(p + 12, error);
    store_u16(p + 14, 0);  // Other Len
    return total;
}

}  // namespace fz::dns
