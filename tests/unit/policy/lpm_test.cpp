// Longest-prefix-match tables against a naive reference: random prefixes, random lookups.
#include "policy/lpm.h"

#include <gtest/gtest.h>

#include <random>

namespace fz::policy {
namespace {

// Naive reference: scans every prefix for the longest match, and finds the widest
// aligned block around the address whose addresses all get that same answer.
struct Reference {
    unsigned bits;
    std::vector<PrefixValue> prefixes;

    static bool covers(const Prefix& p, const uint8_t* a, unsigned length) {
        for (unsigned i = 0; i < length; ++i) {
            const unsigned mask = 0x80u >> (i % 8);
            if ((p.address[i / 8] & mask) != (a[i / 8] & mask)) return false;
        }
        return true;
    }
    uint32_t value(const uint8_t* a) const {
        int best_len = -1;
        uint32_t best = kLpmNoValue;
        for (const auto& p : prefixes) {
            if (static_cast<int>(p.prefix.length) >= best_len && covers(p.prefix, a, p.prefix.length)) {
                best_len = p.prefix.length;
                best = p.value;  // later equal prefixes win, as in the table
            }
        }
        return best;
    }
};

template <typename Table, unsigned kBits>
void run_random(uint64_t seed, size_t prefix_count, unsigned min_len, unsigned max_len) {
    std::mt19937_64 gen(seed);
    Reference ref{kBits, {}};
    // Cluster prefixes below a few bases so that nesting happens often.
    std::vector<std::array<uint8_t, 16>> bases(4);
    for (auto& b : bases) {
        for (auto& x : b) x = static_cast<uint8_t>(gen());
    }
    for (size_t i = 0; i < prefix_count; ++i) {
        PrefixValue pv;
        pv.prefix.address = bases[gen() % bases.size()];
        // Randomise a few bits inside the first max_len bits.
        for (int k = 0; k < 3; ++k) {
            const unsigned bit = static_cast<unsigned>(gen() % max_len);
            pv.prefix.address[bit / 8] ^= static_cast<uint8_t>(0x80u >> (bit % 8));
        }
        pv.prefix.length = static_cast<uint8_t>(min_len + gen() % (max_len - min_len + 1));
        for (unsigned b = pv.prefix.length; b < 128; ++b)
            pv.prefix.address[b / 8] &= static_cast<uint8_t>(~(0x80u >> (b % 8)));
        pv.value = static_cast<uint32_t>(gen() % 5);  // few values: merging gets exercised
        ref.prefixes.push_back(pv);
    }
    auto table = Table::build(ref.prefixes);
    ASSERT_TRUE(table.ok()) << table.error().to_string();
    for (int n = 0; n < 4000; ++n) {
        uint8_t a[16];
        const auto& base = bases[gen() % bases.size()];
        for (unsigned i = 0; i < 16; ++i) a[i] = base[i];
        for (int k = 0; k < 4; ++k) {
            const unsigned bit = static_cast<unsigned>(gen() % kBits);
            a[bit / 8] ^= static_cast<uint8_t>(0x80u >> (bit % 8));
        }
        const LpmMatch m = table->lookup(a);
        ASSERT_EQ(m.value, ref.value(a));
        ASSERT_LE(m.depth, kBits);
        // The reported block must be answer-constant: probe addresses inside it.
        for (int probe = 0; probe < 6; ++probe) {
            uint8_t b[16];
            std::copy(a, a + 16, b);
            for (unsigned bit = m.depth; bit < kBits; ++bit) {
                if (gen() & 1) b[bit / 8] ^= static_cast<uint8_t>(0x80u >> (bit % 8));
            }
            ASSERT_EQ(ref.value(b), m.value);
        }
    }
}

TEST(Lpm, Ipv4Dir248MatchesReference) { run_random<Lpm4, 32>(1, 300, 1, 32); }
TEST(Lpm, Ipv4Dir248ShortPrefixes) { run_random<Lpm4, 32>(2, 100, 0, 24); }
TEST(Lpm, Ipv4SmallMatchesReference) { run_random<Lpm4Small, 32>(3, 300, 8, 32); }
TEST(Lpm, Ipv6MatchesReference) { run_random<Lpm6, 128>(4, 300, 1, 128); }
TEST(Lpm, Ipv6TypicalLengths) { run_random<Lpm6, 128>(5, 300, 16, 64); }

TEST(Lpm, EmptyTableReportsNoValueForWholeSpace) {
    auto t = Lpm4Small::build({});
    ASSERT_TRUE(t.ok());
    const uint8_t a[4] = {10, 1, 2, 3};
    const LpmMatch m = t->lookup(a);
    EXPECT_EQ(m.value, kLpmNoValue);
    EXPECT_EQ(m.depth, 0);
}

TEST(Lpm, DepthIsWidestConstantBlockNotMatchedPrefix) {
    // 10.0.0.0/8 -> 1 with 10.1.0.0/16 -> 2 inside: 10.2.3.4 must not get scope 8,
    // which would tell a resolver the answer also holds for 10.1.0.0/16.
    std::vector<PrefixValue> v;
    unsigned bits = 0;
    v.push_back({*parse_prefix("10.0.0.0/8", &bits), 1});
    v.push_back({*parse_prefix("10.1.0.0/16", &bits), 2});
    auto t = Lpm4::build(v);
    ASSERT_TRUE(t.ok());
    const uint8_t a[4] = {10, 2, 3, 4};
    EXPECT_EQ(t->lookup(a).value, 1u);
    EXPECT_EQ(t->lookup(a).depth, 15);
    const uint8_t b[4] = {10, 1, 200, 1};
    EXPECT_EQ(t->lookup(b).value, 2u);
    EXPECT_EQ(t->lookup(b).depth, 16);
    const uint8_t c[4] = {10, 128, 0, 1};
    EXPECT_EQ(t->lookup(c).depth, 9);
    const uint8_t d[4] = {11, 0, 0, 1};  // a gap: 11.0.0.0/8 is uncovered
    EXPECT_EQ(t->lookup(d).value, kLpmNoValue);
    EXPECT_EQ(t->lookup(d).depth, 8);
}

TEST(Lpm, LaterEqualPrefixWinsAndAdjacentEqualValuesMerge) {
    std::vector<PrefixValue> v;
    unsigned bits = 0;
    v.push_back({*parse_prefix("192.0.2.0/25", &bits), 7});
    v.push_back({*parse_prefix("192.0.2.128/25", &bits), 7});
    v.push_back({*parse_prefix("198.51.100.0/24", &bits), 1});
    v.push_back({*parse_prefix("198.51.100.0/24", &bits), 2});
    auto t = Lpm4::build(v);
    ASSERT_TRUE(t.ok());
    const uint8_t a[4] = {192, 0, 2, 200};
    EXPECT_EQ(t->lookup(a).value, 7u);
    EXPECT_EQ(t->lookup(a).depth, 24);
    const uint8_t b[4] = {198, 51, 100, 1};
    EXPECT_EQ(t->lookup(b).value, 2u);
}

TEST(Lpm, FullLengthAndDefaultRoutes) {
    std::vector<PrefixValue> v;
    unsigned bits = 0;
    v.push_back({*parse_prefix("::/0", &bits), 3});
    v.push_back({*parse_prefix("2001:db8::1", &bits), 4});
    auto t = Lpm6::build(v);
    ASSERT_TRUE(t.ok());
    uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
    a[15] = 1;
    EXPECT_EQ(t->lookup(a).value, 4u);
    EXPECT_EQ(t->lookup(a).depth, 128);
    a[15] = 2;
    EXPECT_EQ(t->lookup(a).value, 3u);
    EXPECT_EQ(t->lookup(a).depth, 127);
    uint8_t z[16] = {0xfe, 0x80};
    EXPECT_EQ(t->lookup(z).value, 3u);
    EXPECT_EQ(t->lookup(z).depth, 1);
}

TEST(Lpm, ParsePrefixRejectsHostBitsAndGarbage) {
    unsigned bits = 0;
    EXPECT_TRUE(parse_prefix("192.0.2.0/24", &bits).ok());
    EXPECT_EQ(bits, 32u);
    EXPECT_FALSE(parse_prefix("192.0.2.1/24", &bits).ok());
    EXPECT_FALSE(parse_prefix("192.0.2.0/33", &bits).ok());
    EXPECT_FALSE(parse_prefix("example", &bits).ok());
    EXPECT_FALSE(parse_prefix("10.0.0.0/", &bits).ok());
    EXPECT_TRUE(parse_prefix("2001:db8::/32", &bits).ok());
    EXPECT_EQ(bits, 128u);
    EXPECT_EQ(prefix_to_text(*parse_prefix("2001:db8::/32", &bits), 128), "2001:db8::/32");
}

}  // namespace
}  // namespace fz::policy
