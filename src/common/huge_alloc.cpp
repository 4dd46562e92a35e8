// Zeroed, huge-page-backed memory for large read-mostly tables.
#include "common/huge_alloc.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace fz {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

}  // namespace

void* huge_alloc(size_t bytes, size_t* mapped) {
    if (bytes < kHugePage) {
        *mapped = 0;
        void* p = std::calloc(bytes == 0 ? 1 : bytes, 1);
        if (p == nullptr) throw std::bad_alloc();
        return p;
    }
    size_t len = (bytes + kHugePage - 1) & ~(kHugePage - 1);
    void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    // Advice only: where THP is off the memory simply stays in 4 KiB pages.
    madvise(p, len, MADV_HUGEPAGE);
    *mapped = len;
    return p;  // anonymous mappings are zero-filled
}

void HugeFree::operator()(void* p) const {
    if (p == nullptr) return;
    if (mapped != 0) {
        munmap(p, mapped);
    } else {
        std::free(p);
    }
}

}  // namespace fz
