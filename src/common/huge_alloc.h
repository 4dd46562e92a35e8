// Zeroed memory for large tables read at random on the query path (zone images, the
// DIR-24-8 root of the GeoIP table): backed by transparent huge pages where the kernel
// offers them, so lookups spread over hundreds of MB do not miss the TLB at every step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace fz {

// Frees what huge_alloc returned; remembers how (mapping size, or 0 for the heap).
struct HugeFree {
    size_t mapped = 0;
    void operator()(void* p) const;
};

template <typename T>
using HugeArray = std::unique_ptr<T[], HugeFree>;

// `bytes` of zeroed memory; sizes of 2 MiB and more are mapped and advised to use huge
// pages (MADV_HUGEPAGE), smaller ones come from the heap. Throws std::bad_alloc on failure.
void* huge_alloc(size_t bytes, size_t* mapped);

template <typename T>
HugeArray<T> make_huge_array(size_t count) {
    size_t mapped = 0;
    void* p = huge_alloc(count * sizeof(T), &mapped);
    return HugeArray<T>(static_cast<T*>(p), HugeFree{mapped});
}

}  // namespace fz
