// What must hold for any response answer() gives, whatever the query: shared by the
// answer fuzz targets.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dns/message_reader.h"
#include "dns/wire.h"

namespace fz::fuzz {

// Invariants of any response to `query`.
inline void check_response(const uint8_t* query, size_t qlen, const uint8_t* resp, size_t len, size_t limit) {
    if (len == 0) return;
    if (len < fz::dns::kHeaderSize || len > limit) __builtin_trap();
    const auto asked = fz::dns::read_header(query, qlen);
    if (!asked) __builtin_trap();  // nothing to echo: must be dropped
    const auto header = fz::dns::read_header(resp, len);
    if (header->id != asked->id) __builtin_trap();
    if (!header->has(fz::dns::flag::QR)) __builtin_trap();
    if (header->opcode() != asked->opcode()) __builtin_trap();
    // The whole response reads: every name decompresses, the sections fill it exactly,
    // and its OPT record and options are sound.
    if (!fz::dns::read_message(resp, len).ok()) __builtin_trap();
}

}  // namespace fz::fuzz
