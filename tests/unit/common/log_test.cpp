// log::Throttle: one record per interval, and the count of those held back.
#include "common/log.h"

#include <gtest/gtest.h>

namespace fz::log {
namespace {

TEST(Throttle, LetsOneRecordThroughPerIntervalAndCountsTheRest) {
    Throttle t(1000);
    uint64_t suppressed = 99;
    EXPECT_TRUE(t.allow(5000, suppressed));
    EXPECT_EQ(suppressed, 0u);
    for (uint64_t ms = 5001; ms < 6000; ms += 10) EXPECT_FALSE(t.allow(ms, suppressed));
    EXPECT_TRUE(t.allow(6000, suppressed));
    EXPECT_EQ(suppressed, 100u);
    EXPECT_TRUE(t.allow(9000, suppressed));  // a quiet spell: nothing was held back
    EXPECT_EQ(suppressed, 0u);
}

}  // namespace
}  // namespace fz::log
