// A statistics count with one writer (the worker or lcore that owns it) and any number of
// readers (the control plane summing it while the writer runs).
#pragma once

#include <atomic>
#include <cstdint>

namespace fz {

// Relaxed atomic loads and stores only, never a locked read-modify-write: with one writer
// an increment needs no lock prefix. Being atomic, a concurrent read is defined behaviour
// (ThreadSanitizer agrees), never torn, at worst a little stale. Copies and conversions
// read the value, so sums and comparisons read as they would with a uint64_t.
class Count {
public:
    Count() = default;
    Count(uint64_t v) : v_(v) {}  // NOLINT(google-explicit-constructor): reads like a uint64_t
    Count(const Count& o) : v_(o.load()) {}
    Count& operator=(const Count& o) {
        store(o.load());
        return *this;
    }
    Count& operator=(uint64_t v) {
        store(v);
        return *this;
    }

    operator uint64_t() const { return load(); }  // NOLINT(google-explicit-constructor)
    uint64_t load() const { return v_.load(std::memory_order_relaxed); }

    // Only the owning writer calls these.
    Count& operator++() { return add(1); }
    Count& operator+=(uint64_t n) { return add(n); }
    Count& operator-=(uint64_t n) { return add(0 - n); }

private:
    Count& add(uint64_t n) {
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
        // Written by hand for speed: a relaxed load, add and store is three instructions per
        // count; x86-64's unlocked add to memory is one, and its aligned 8-byte store is just
        // as untorn for a concurrent reader. (ThreadSanitizer builds take the portable path,
        // so that it sees every write.)
        asm volatile("addq %1, %0" : "+m"(v_) : "er"(n));
#else
        store(load() + n);
#endif
        return *this;
    }
    void store(uint64_t v) { v_.store(v, std::memory_order_relaxed); }

    std::atomic<uint64_t> v_{0};
};
static_assert(sizeof(Count) == sizeof(uint64_t));

}  // namespace fz
