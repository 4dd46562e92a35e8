// What must hold for any response answer() gives, whatever the query: shared by the
// answer fuzz targets.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dns/name.h"
#include "dns/wire.h"

namespace fz::fuzz {

// Invariants of any response to `query`.
inline void check_response(const uint8_t* query, size_t qlen, const uint8_t* resp, size_t len, size_t limit) {
    if (len == 0) return;
    if (len < fz::dns::kHeaderSize || len > limit) __builtin_trap();
    if (qlen < fz::dns::kHeaderSize) __builtin_trap();  // nothing to echo: must be dropped
    if (resp[0] != query[0] || resp[1] != query[1]) __builtin_trap();  // ID echoed
    if (!(resp[2] & 0x80)) __builtin_trap();                          // QR set
    if ((resp[2] & 0x78) != (query[2] & 0x78)) __builtin_trap();       // opcode echoed
    // Every name in the response must decompress.
    uint16_t qd = fz::dns::load_u16(resp + 4);
    size_t records = static_cast<size_t>(fz::dns::load_u16(resp + 6)) + fz::dns::load_u16(resp + 8) +
                     fz::dns::load_u16(resp + 10);
    size_t pos = fz::dns::kHeaderSize;
    uint8_t name[fz::dns::kMaxNameWire];
    size_t name_len = 0;
    for (uint16_t i = 0; i < qd; ++i) {
        pos = fz::dns::read_message_name(resp, len, pos, name, &name_len);
        if (pos == 0 || pos + 4 > len) __builtin_trap();
        pos += 4;
    }
    for (size_t i = 0; i < records; ++i) {
        pos = fz::dns::read_message_name(resp, len, pos, name, &name_len);
        if (pos == 0 || pos + 10 > len) __builtin_trap();
        size_t rdlen = fz::dns::load_u16(resp + pos + 8);
        pos += 10 + rdlen;
        if (pos > len) __builtin_trap();
    }
    if (pos != len) __builtin_trap();
}

}  // namespace fz::fuzz
