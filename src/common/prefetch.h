// A software prefetch that the compiler keeps.
//
// Why not __builtin_prefetch: a small function whose only effect is that builtin is judged
// free of side effects by GCC (ipa-pure-const), and its calls are deleted before inlining:
// the data plane's look-ahead over a burst silently compiled to nothing. An asm statement
// with volatile cannot be deleted (DPDK's rte_prefetch0 is written the same way).
#pragma once

namespace fz {

inline void prefetch(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
    asm volatile("prefetcht0 %0" : : "m"(*static_cast<const volatile char*>(p)));
#else
    __builtin_prefetch(p);
#endif
}

}  // namespace fz
