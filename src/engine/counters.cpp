// Per-worker counters: the reserved slot arrays and their sum.
#include "engine/counters.h"

#include <sys/mman.h>

#include <algorithm>
#include <new>

namespace fz::engine {

template <typename T>
void* SlotArray<T>::reserve(size_t bytes) {
    // Private anonymous memory reads as zeros; MAP_NORESERVE: no swap is set aside for the
    // whole range, only for the pages that get written.
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
}

template <typename T>
void SlotArray<T>::release(void* p, size_t bytes) {
    munmap(p, bytes);
}

template class SlotArray<ZoneCount>;
template class SlotArray<Count>;

void add_counters(CounterTotals& to, const Counters& from) {
    to.add(from);
    const size_t zones = std::min(to.zones.size(), from.zones.size());
    for (size_t z = 0; z < zones; ++z) {
        for (size_t r = 0; r <= kZoneRcodes; ++r) to.zones[z].rcode[r] += from.zones[z].rcode[r];
    }
    const size_t members = std::min(to.members.size(), from.members.size());
    for (size_t m = 0; m < members; ++m) to.members[m] += from.members[m];
    for (size_t w = 0; w < kWindowHitSlots; ++w) to.windows[w] += from.windows[w];
}

}  // namespace fz::engine
