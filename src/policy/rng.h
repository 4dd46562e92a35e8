// A small, fast, seedable random generator for per-core use on the data plane (xoshiro256**).
#pragma once

#include <cstdint>
#include <random>

namespace fz::policy {

// xoshiro256** (Blackman and Vigna): 4 words of state, a few shifts and one multiply per
// draw, good statistical quality. Not thread-safe by design: each core owns one, so
// drawing needs no atomics. Not for cryptography (nothing here needs it: weights are
// public and an attacker gains nothing by predicting which member a query gets).
class Rng {
public:
    explicit Rng(uint64_t seed = 0x9e3779b97f4a7c15ull) { reseed(seed); }

    // Expands one word into the state with splitmix64, as the authors recommend.
    void reseed(uint64_t seed) {
        for (auto& w : s_) {
            seed += 0x9e3779b97f4a7c15ull;
            uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            w = z ^ (z >> 31);
        }
    }

    uint64_t next() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform in [0, n) for n < 2^32 by Lemire's multiply-shift; the bias (n / 2^32) is
    // far below anything a weight of 1..255 can express.
    uint32_t below(uint32_t n) {
        return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32);
    }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t s_[4];
};

// A seed from the system's entropy source, for generators that must differ between
// workers, servers and runs (control plane: std::random_device may read /dev/urandom).
inline uint64_t entropy_seed() {
    std::random_device device;
    return (uint64_t{device()} << 32) ^ device();
}

}  // namespace fz::policy
