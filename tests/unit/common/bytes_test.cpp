// same_bytes() and copy_bytes(): the hand-written compare and copy on the query path,
// checked against memcmp/memcpy for every length a DNS name or record can have and a
// difference at every position.
#include "common/bytes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace fz {
namespace {

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 37);
    return v;
}

TEST(SameBytes, AgreesWithMemcmpForEveryLengthAndPosition) {
    for (size_t n = 0; n <= 300; ++n) {
        // Exactly n bytes each, so that a read past the end would show under ASan.
        std::vector<uint8_t> a = pattern(n, 7);
        std::vector<uint8_t> b = a;
        ASSERT_TRUE(same_bytes(a.data(), b.data(), n)) << "n=" << n;
        for (size_t i = 0; i < n; ++i) {
            b[i] ^= 0x20;  // the case bit: the difference a name compare must not miss
            ASSERT_FALSE(same_bytes(a.data(), b.data(), n)) << "n=" << n << " differing at " << i;
            b[i] ^= 0x20;
        }
    }
}

TEST(SameBytes, LooksOnlyAtTheGivenBytes) {
    std::vector<uint8_t> a = pattern(64, 1);
    std::vector<uint8_t> b = a;
    b[40] = 0;  // past the compared length
    EXPECT_TRUE(same_bytes(a.data(), b.data(), 40));
    EXPECT_FALSE(same_bytes(a.data(), b.data(), 41));
}

TEST(CopyBytes, CopiesExactlyTheGivenBytes) {
    for (size_t n = 0; n <= 200; ++n) {
        std::vector<uint8_t> src = pattern(n, 3);
        // Guard bytes on both sides of the destination must stay as they were.
        std::vector<uint8_t> dst(n + 16, 0xee);
        if (n > 64) {
            copy_block(dst.data() + 8, src.data(), n);  // (the other copy, once more)
            ASSERT_TRUE(std::equal(src.begin(), src.end(), dst.begin() + 8)) << "copy_block n=" << n;
            std::fill(dst.begin() + 8, dst.end() - 8, 0);
        }
        copy_bytes(dst.data() + 8, src.data(), n);
        // std::equal, not memcmp: for n == 0, src.data() may be null, which memcmp must not get.
        ASSERT_TRUE(std::equal(src.begin(), src.end(), dst.begin() + 8)) << "n=" << n;
        for (size_t i = 0; i < 8; ++i) {
            ASSERT_EQ(dst[i], 0xee) << "n=" << n << " wrote before the destination";
            ASSERT_EQ(dst[8 + n + i], 0xee) << "n=" << n << " wrote past the destination";
        }
    }
}

}  // namespace
}  // namespace fz
