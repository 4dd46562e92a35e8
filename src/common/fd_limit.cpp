// RLIMIT_NOFILE: raised to the hard limit at start; descriptors counted from /proc.
#include "common/fd_limit.h"

#include <dirent.h>
#include <sys/resource.h>

#include <cstdio>

namespace fz {
namespace {

// The most descriptors the kernel gives one process (fs.nr_open); its default otherwise.
uint64_t kernel_ceiling() {
    uint64_t n = 1048576;
    if (FILE* f = std::fopen("/proc/sys/fs/nr_open", "r")) {
        unsigned long long v = 0;
        if (std::fscanf(f, "%llu", &v) == 1 && v > 0) n = v;
        std::fclose(f);
    }
    return n;
}

}  // namespace

FdLimit raise_fd_limit() {
    FdLimit out;
    rlimit r{};
    if (getrlimit(RLIMIT_NOFILE, &r) != 0) return out;
    out.soft_before = out.soft = r.rlim_cur;
    out.hard = r.rlim_max == RLIM_INFINITY ? kernel_ceiling() : r.rlim_max;
    if (r.rlim_cur != RLIM_INFINITY && r.rlim_cur < out.hard) {
        r.rlim_cur = static_cast<rlim_t>(out.hard);
        if (setrlimit(RLIMIT_NOFILE, &r) == 0) out.soft = out.hard;
    }
    return out;
}

size_t open_descriptors() {
    DIR* d = opendir("/proc/self/fd");
    if (d == nullptr) return 0;
    size_t n = 0;
    while (const dirent* e = readdir(d)) {
        if (e->d_name[0] != '.') ++n;
    }
    closedir(d);
    return n > 0 ? n - 1 : 0;  // not the directory's own descriptor
}

}  // namespace fz
