// Hash of canonical (lower-case) wire names, computed label by label from the root so
// that the hashes of every suffix of a query name come out of one right-to-left pass.
// Hand-written because the zone image and the query path must agree on it bit for bit
// and it sits on the per-query path (a generic byte hash would need one pass per suffix).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace fz::dns {

inline constexpr uint64_t kNameHashSeed = 0x9e3779b97f4a7c15ULL;
inline constexpr size_t kMaxNameWireForHash = 256;

// 64x64->128 multiply folded to 64 bits (the "mum" primitive of wyhash).
__extension__ typedef unsigned __int128 HashU128;  // GCC/Clang extension, x86-64 MUL
inline uint64_t hash_mum(uint64_t a, uint64_t b) {
    HashU128 r = static_cast<HashU128>(a) * b;
    return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// Extends `parent_hash` (the hash of the name below this label) with one label.
// `label` points at the label's length byte; the label must be lower-case already, and
// 8 bytes past the label must be readable (the tail is loaded whole, then masked).
inline uint64_t hash_label(uint64_t parent_hash, const uint8_t* label) {
    size_t len = label[0];
    const uint8_t* p = label + 1;
    uint64_t acc = parent_hash ^ (static_cast<uint64_t>(len) * 0xa0761d6478bd642fULL);
    while (len >= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        acc = hash_mum(acc ^ w, 0xe7037ed1a0b428dbULL);
        p += 8;
        len -= 8;
    }
    if (len > 0) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        w &= ~uint64_t{0} >> (64 - 8 * len);  // little-endian: keep the label's bytes only
        acc = hash_mum(acc ^ w, 0x8ebc6af09c88c6e3ULL);
    }
    // Every label has at least one byte, so at least one mum above has mixed it in.
    return acc;
}

// Hash of a whole canonical wire name (control plane and tests; the query path uses
// hash_label over its label offsets instead). Copies the name so the loads may overrun.
inline uint64_t hash_name(const uint8_t* wire) {
    uint8_t padded[kMaxNameWireForHash + 8] = {};
    size_t len = 0;
    while (len < kMaxNameWireForHash && wire[len] != 0) len += wire[len] + 1u;
    std::memcpy(padded, wire, len < kMaxNameWireForHash ? len + 1 : kMaxNameWireForHash);
    const uint8_t* labels[128];
    size_t n = 0;
    for (size_t i = 0; padded[i] != 0 && n < 128; i += padded[i] + 1u) labels[n++] = padded + i;
    uint64_t h = kNameHashSeed;
    while (n > 0) h = hash_label(h, labels[--n]);
    return h;
}

}  // namespace fz::dns
