// raise_fd_limit() and open_descriptors() on this process (the limit is restored after).
#include "common/fd_limit.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace fz {
namespace {

TEST(FdLimit, RaisesTheSoftLimitToTheHardOne) {
    rlimit saved{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
    if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 512) GTEST_SKIP() << "hard limit too low to lower";
    rlimit low = saved;
    low.rlim_cur = 256;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
    FdLimit l = raise_fd_limit();
    rlimit now{};
    getrlimit(RLIMIT_NOFILE, &now);
    setrlimit(RLIMIT_NOFILE, &saved);
    EXPECT_EQ(l.soft_before, 256u);
    EXPECT_EQ(l.soft, l.hard);
    EXPECT_EQ(now.rlim_cur, l.soft);
    if (saved.rlim_max != RLIM_INFINITY) {
        EXPECT_EQ(l.hard, saved.rlim_max);
    }
}

TEST(FdLimit, CountsOpenDescriptors) {
    const size_t before = open_descriptors();
    int a = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int b = open("/dev/null", O_RDONLY | O_CLOEXEC);
    EXPECT_EQ(open_descriptors(), before + 2);
    close(a);
    close(b);
    EXPECT_EQ(open_descriptors(), before);
}

}  // namespace
}  // namespace fz
