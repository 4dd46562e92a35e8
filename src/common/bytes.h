// Equality and copies of short byte strings (DNS names, addresses, ready-made records)
// without a call into libc.
//
// Why by hand: every answer compares the query name with a stored one (zone apex, then
// node), up to 255 bytes and usually 10-30. glibc's memcmp is a call, a size dispatch and
// an ordering result we do not need; perf put it at 6% of the data plane's time. Here
// the compare is two overlapping loads for up to 16 bytes, 16 bytes a step beyond.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace fz {

namespace detail {
template <typename Word>
inline Word load_word(const uint8_t* p) {
    Word w;
    std::memcpy(&w, p, sizeof w);
    return w;
}
}  // namespace detail

// True when the `n` bytes at `a` and `b` are the same. Reads only those bytes.
inline bool same_bytes(const uint8_t* a, const uint8_t* b, size_t n) {
    using detail::load_word;
    if (n >= 8) {
        if (n <= 16) {
            // Two 8-byte words, overlapping when n < 16.
            uint64_t diff = (load_word<uint64_t>(a) ^ load_word<uint64_t>(b)) |
                            (load_word<uint64_t>(a + n - 8) ^ load_word<uint64_t>(b + n - 8));
            return diff == 0;
        }
        for (size_t i = 0; i + 16 <= n; i += 16) {
            uint64_t diff = (load_word<uint64_t>(a + i) ^ load_word<uint64_t>(b + i)) |
                            (load_word<uint64_t>(a + i + 8) ^ load_word<uint64_t>(b + i + 8));
            if (diff != 0) return false;
        }
        // The last 16 bytes, overlapping what the loop compared.
        uint64_t diff = (load_word<uint64_t>(a + n - 16) ^ load_word<uint64_t>(b + n - 16)) |
                        (load_word<uint64_t>(a + n - 8) ^ load_word<uint64_t>(b + n - 8));
        return diff == 0;
    }
    if (n >= 4) {
        uint32_t diff = (load_word<uint32_t>(a) ^ load_word<uint32_t>(b)) |
                        (load_word<uint32_t>(a + n - 4) ^ load_word<uint32_t>(b + n - 4));
        return diff == 0;
    }
    for (size_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) return false;
    }
    return true;
}

// Copies n > 64 bytes, 32 at a time, the last block overlapping. Why by hand: a signed
// answer's proof block is 150-500 bytes, where the rep movsb GCC makes of memcpy costs its
// start-up each time (a fifth of an NXDOMAIN's time with DO, perf). Only for those: the
// answers without DO keep copy_bytes() as it was (callgrind).
inline void copy_block(uint8_t* dst, const uint8_t* src, size_t n) {
    uint64_t w[4];
    size_t i = 0;
    for (; i + 32 < n; i += 32) {
        std::memcpy(w, src + i, 32);
        std::memcpy(dst + i, w, 32);
        asm("" : : "r"(dst) : "memory");  // keeps GCC from making this loop a memcpy again
    }
    std::memcpy(w, src + n - 32, 32);
    std::memcpy(dst + n - 32, w, 32);
}

// Copies `n` bytes from `src` to `dst` (not overlapping). Writes only those bytes.
// Why by hand: a ready-made answer record is 16-40 bytes (an A record is 16) and most
// queries 30-60; glibc's memcpy for a size unknown at compile time is a call and a size
// dispatch, eight of them for a multivalue answer.
inline void copy_bytes(uint8_t* dst, const uint8_t* src, size_t n) {
    using detail::load_word;
    if (n > 64) {
        std::memcpy(dst, src, n);
    } else if (n > 32) {
        // Two 32-byte halves, overlapping when n < 64; all loads before the stores.
        uint64_t w[8];
        std::memcpy(w, src, 32);
        std::memcpy(w + 4, src + n - 32, 32);
        std::memcpy(dst, w, 32);
        std::memcpy(dst + n - 32, w + 4, 32);
    } else if (n >= 16) {
        // Two 16-byte halves, overlapping when n < 32; all loads before the stores.
        uint64_t a = load_word<uint64_t>(src), b = load_word<uint64_t>(src + 8);
        uint64_t c = load_word<uint64_t>(src + n - 16), d = load_word<uint64_t>(src + n - 8);
        std::memcpy(dst, &a, 8);
        std::memcpy(dst + 8, &b, 8);
        std::memcpy(dst + n - 16, &c, 8);
        std::memcpy(dst + n - 8, &d, 8);
    } else if (n >= 8) {
        uint64_t a = load_word<uint64_t>(src), b = load_word<uint64_t>(src + n - 8);
        std::memcpy(dst, &a, 8);
        std::memcpy(dst + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a = load_word<uint32_t>(src), b = load_word<uint32_t>(src + n - 4);
        std::memcpy(dst, &a, 4);
        std::memcpy(dst + n - 4, &b, 4);
    } else {
        for (size_t i = 0; i < n; ++i) dst[i] = src[i];
    }
}

}  // namespace fz
