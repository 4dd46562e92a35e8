// A small, fast, seedable random generator for per-core use on the data plane (wyrand).
#pragma once

#include <cstdint>
#include <random>

namespace fz::policy {

// wyrand (Wang Yi's wyhash family): one word of state stepped by a Weyl sequence and
// mixed by one 64x64->128-bit multiply; passes BigCrush and PractRand, period 2^64. Hand-
// written because it is on every weighted and multivalue answer: xoshiro256** before it
// loaded and stored four words through the worker per draw, wyrand one (docs/performance.md
// has the instruction counts). Not thread-safe by design: each core owns one, so drawing needs no
// atomics. Not for cryptography (nothing here needs it: weights are public and an
// attacker gains nothing by predicting which member a query gets).
class Rng {
public:
    explicit Rng(uint64_t seed = 0x9e3779b97f4a7c15ull) { reseed(seed); }

    // Starts at the seed's splitmix64 mix, so that close seeds (a test's 99 and 100) do
    // not start on close states.
    void reseed(uint64_t seed) {
        uint64_t z = seed + 0x9e3779b97f4a7c15ull;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        s_ = z ^ (z >> 31);
    }

    uint64_t next() {
        s_ += 0xa0761d6478bd642full;
        const U128 product = static_cast<U128>(s_) * (s_ ^ 0xe7037ed1a0b428dbull);
        return static_cast<uint64_t>(product >> 64) ^ static_cast<uint64_t>(product);
    }

    // Uniform in [0, n) for n < 2^32 by Lemire's multiply-shift; the bias (n / 2^32) is
    // far below anything a weight of 1..255 can express.
    uint32_t below(uint32_t n) { return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32); }

private:
    __extension__ using U128 = unsigned __int128;  // GCC's, for the full 128-bit product
    uint64_t s_;
};

// A seed from the system's entropy source, for generators that must differ between
// workers, servers and runs (control plane: std::random_device may read /dev/urandom).
inline uint64_t entropy_seed() {
    std::random_device device;
    return (uint64_t{device()} << 32) ^ device();
}

}  // namespace fz::policy
