// Returning freed memory to the system.
#include "common/memory.h"

#include <malloc.h>

#include <cstddef>
#include <string>

// jemalloc's control interface, weak: present when the program links jemalloc (fastzoned
// does), null in the tests and tools that run on glibc's allocator.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen) __attribute__((weak));

namespace fz {

const char* release_free_memory() {
    if (mallctl != nullptr) {
        // MALLCTL_ARENAS_ALL (4096) addresses every arena at once. Without jemalloc's
        // background thread an idle arena never decays its dirty pages, so after a reload
        // the old snapshot's pages would stay resident until the next big allocation.
        if (mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0) == 0) return "jemalloc purge";
    }
    malloc_trim(0);
    return "malloc_trim";
}

}  // namespace fz
