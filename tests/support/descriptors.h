// Tests that run a server out of descriptors: a scope in which this process can open no
// new descriptor (its soft RLIMIT_NOFILE lowered, then restored), and its CPU time, to
// tell a server that backs off from one that spins.
#pragma once

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace fz::test {

// Lowers the soft RLIMIT_NOFILE to the lowest free descriptor, so that none can be opened
// (those above it stay usable); restores the limit when it goes.
class NoFreeDescriptors {
public:
    NoFreeDescriptors() {
        getrlimit(RLIMIT_NOFILE, &saved_);
        tighten();
    }
    ~NoFreeDescriptors() { setrlimit(RLIMIT_NOFILE, &saved_); }
    NoFreeDescriptors(const NoFreeDescriptors&) = delete;
    NoFreeDescriptors& operator=(const NoFreeDescriptors&) = delete;

    // Again, after descriptors were closed.
    void tighten() {
        setrlimit(RLIMIT_NOFILE, &saved_);
        int lowest = open("/dev/null", O_RDONLY | O_CLOEXEC);
        close(lowest);
        rlimit r = saved_;
        r.rlim_cur = static_cast<rlim_t>(lowest);
        setrlimit(RLIMIT_NOFILE, &r);
    }

private:
    rlimit saved_{};
};

// User and system CPU time of this process (every thread), in seconds.
inline double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace fz::test
