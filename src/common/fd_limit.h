// The process's open-file limit (RLIMIT_NOFILE): raising the soft limit to the hard one
// at start, and counting the descriptors in use, so that the server can size what it
// accepts to what it may open.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fz {

struct FdLimit {
    uint64_t soft = 0;  // after raise_fd_limit()
    uint64_t hard = 0;
    uint64_t soft_before = 0;  // as the process was started with
};

// Raises the soft limit to the hard one (to the kernel's fs.nr_open when the hard one is
// unlimited). When the kernel refuses, the limit stays as it was and `soft` says so.
FdLimit raise_fd_limit();

// Descriptors open in this process now (the entries of /proc/self/fd); 0 when unknown.
size_t open_descriptors();

}  // namespace fz
