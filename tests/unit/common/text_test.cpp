// equals_ci(): the one case-insensitive compare of the parsers, ASCII letters only.
#include "common/text.h"

#include <gtest/gtest.h>

namespace fz {
namespace {

TEST(EqualsCi, IgnoresTheCaseOfAsciiLetters) {
    EXPECT_TRUE(equals_ci("$TTL", "$ttl"));
    EXPECT_TRUE(equals_ci("RsaSha256", "RSASHA256"));
    EXPECT_TRUE(equals_ci("", ""));
    EXPECT_TRUE(equals_ci("ECC-GOST", "ecc-gost"));
}

TEST(EqualsCi, ComparesEverythingElseExactly) {
    EXPECT_FALSE(equals_ci("$TTL", "$TTL "));
    EXPECT_FALSE(equals_ci("a", "b"));
    EXPECT_FALSE(equals_ci("@", "`"));        // 0x40 and 0x60 differ by the case bit only
    EXPECT_FALSE(equals_ci("[", "{"));        // so do 0x5B and 0x7B
    EXPECT_FALSE(equals_ci("\xc4", "\xe4"));  // Latin-1 letters are not folded
    EXPECT_TRUE(equals_ci("\xc4", "\xc4"));
}

}  // namespace
}  // namespace fz
