// The Internet checksum (RFC 1071) over plain bytes, for the data plane's software path.
//
// Sums are kept in host byte order: a ones' complement sum is the same whichever way the
// 16-bit words are read, as long as every word is read the same way (RFC 1071 2(B)), so
// the result is stored with memcpy, never byte-swapped; checksum_be() converts for sums
// of values read big-endian. Every summed piece but the last must have an even length.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace fz::io::dpdk {

// Adds `len` bytes at `data` to the running sum `acc` (not yet folded).
inline uint64_t checksum_add(uint64_t acc, const void* data, size_t len) {
    const auto* p = static_cast<const uint8_t*>(data);
    // 32-bit words into 64-bit accumulators: no carry is lost below 2^32 words. Two
    // accumulators and 16 bytes a step keep the adds independent (a DNS response is
    // summed once per packet: this loop is on the hot path).
    uint64_t acc2 = 0;
    while (len >= 16) {
        uint32_t w[4];
        std::memcpy(w, p, 16);
        acc += w[0];
        acc2 += w[1];
        acc += w[2];
        acc2 += w[3];
        p += 16;
        len -= 16;
    }
    acc += acc2;
    while (len >= 4) {
        uint32_t w;
        std::memcpy(&w, p, 4);
        acc += w;
        p += 4;
        len -= 4;
    }
    if (len >= 2) {
        uint16_t w;
        std::memcpy(&w, p, 2);
        acc += w;
        p += 2;
        len -= 2;
    }
    if (len != 0) {
        // An odd last byte is the first byte of a word padded with zero.
        uint8_t pad[2] = {p[0], 0};
        uint16_t w;
        std::memcpy(&w, pad, 2);
        acc += w;
    }
    return acc;
}

// Adds a 16-bit value given in host order as it appears on the wire (big-endian).
inline uint64_t checksum_add_be16(uint64_t acc, uint16_t host_value) {
    uint8_t be[2] = {static_cast<uint8_t>(host_value >> 8), static_cast<uint8_t>(host_value)};
    uint16_t w;
    std::memcpy(&w, be, 2);
    return acc + w;
}

// Folds a running sum to 16 bits (not complemented).
inline uint16_t checksum_fold(uint64_t acc) {
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return static_cast<uint16_t>(acc);
}

// The checksum field value for `acc` (complemented fold), in wire layout for memcpy.
inline uint16_t checksum_finish(uint64_t acc) { return static_cast<uint16_t>(~checksum_fold(acc)); }

// The folded sum of `len` bytes as a big-endian 16-bit value, to add to sums of values
// read with explicit byte order.
inline uint16_t checksum_be(const void* data, size_t len) {
    uint16_t native = checksum_fold(checksum_add(0, data, len));
    if constexpr (std::endian::native == std::endian::little) {
        return static_cast<uint16_t>(native >> 8 | native << 8);
    } else {
        return native;
    }
}

// True when a header or datagram that includes its own checksum field sums correctly.
inline bool checksum_ok(uint64_t acc) { return checksum_fold(acc) == 0xffff; }

}  // namespace fz::io::dpdk
