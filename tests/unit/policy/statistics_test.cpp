// Statistical checks of random choices with a fixed seed (so they cannot flake): weighted
// shares and multivalue selections against a chi-square bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "dns/wire.h"
#include "policy/compile.h"
#include "policy/tables.h"
#include "policy_test_util.h"

namespace fz::policy {
namespace {

using testing::build_from_json;
using testing::client;
using testing::name_of;

// Chi-square critical values at p = 0.001 for 1..20 degrees of freedom.
constexpr double kChi2Critical[] = {0,     10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12, 27.88, 29.59,
                                    31.26, 32.91, 34.53, 36.12, 37.70, 39.25, 40.79, 42.31, 43.82, 45.31};

double chi_square(const std::vector<double>& observed, const std::vector<double>& expected) {
    double chi2 = 0;
    for (size_t i = 0; i < observed.size(); ++i) {
        if (expected[i] > 0) chi2 += (observed[i] - expected[i]) * (observed[i] - expected[i]) / expected[i];
    }
    return chi2;
}

std::unique_ptr<PolicyTables> tables_for(const std::string& items, uint64_t seed = 1) {
    auto set = build_from_json("{\"ResourceRecordSets\": [" + items + "]}");
    EXPECT_TRUE(set.ok()) << set.error().to_string();
    return PolicyTables::create(*set, {}, seed);
}

std::string weighted(const std::vector<int>& weights) {
    std::string items;
    for (size_t i = 0; i < weights.size(); ++i) {
        items += std::string(i ? "," : "") +
                 "{\"Name\": \"w.example.com.\", \"Type\": \"A\", \"TTL\": 60, \"SetIdentifier\": \"m" +
                 std::to_string(i) + "\", \"Weight\": " + std::to_string(weights[i]) +
                 ", \"ResourceRecords\": [{\"Value\": \"192.0.2.1\"}]}";
    }
    return items;
}

TEST(Statistics, WeightedSharesFollowWeights) {
    const std::vector<int> weights = {1, 2, 3, 10, 0, 255, 40};
    auto t = tables_for(weighted(weights));
    const uint32_t id = t->find(name_of("w.example.com."), dns::type::A);
    Rng rng(20240601);
    const int n = 400000;
    std::vector<double> observed(weights.size(), 0);
    for (int i = 0; i < n; ++i) {
        const Decision d = decide(*t->get(id), client("192.0.2.1"), rng);
        ASSERT_EQ(d.count, 1);
        observed[d.members[0]] += 1;
    }
    double sum = 0;
    for (int w : weights) sum += w;
    std::vector<double> expected;
    for (int w : weights) expected.push_back(n * w / sum);
    EXPECT_EQ(observed[4], 0);  // weight 0
    const double chi2 = chi_square(observed, expected);
    EXPECT_LT(chi2, kChi2Critical[weights.size() - 2]) << "chi2 " << chi2;  // one weight is 0: k-1 cells, k-2 dof
    // The compiled table itself is exact.
    const std::vector<double> shares = weighted_shares(*t->get(id), weights.size());
    for (size_t i = 0; i < weights.size(); ++i) EXPECT_NEAR(shares[i], weights[i] / sum, 1e-9);
}

TEST(Statistics, AllZeroWeightsAreUniform) {
    auto t = tables_for(weighted({0, 0, 0, 0, 0}));
    const uint32_t id = t->find(name_of("w.example.com."), dns::type::A);
    Rng rng(7);
    const int n = 100000;
    std::vector<double> observed(5, 0);
    for (int i = 0; i < n; ++i) observed[decide(*t->get(id), client("192.0.2.1"), rng).members[0]] += 1;
    const double chi2 = chi_square(observed, std::vector<double>(5, n / 5.0));
    EXPECT_LT(chi2, kChi2Critical[4]) << "chi2 " << chi2;
}

// The chi-square critical value at p = 0.001 for larger degrees of freedom
// (Wilson-Hilferty: within half a percent above 30 degrees of freedom).
double chi2_critical_001(int df) {
    const double z = 3.0902;  // the normal quantile of 0.999
    const double k = 2.0 / (9.0 * df);
    const double c = 1.0 - k + z * std::sqrt(k);
    return df * c * c * c;
}

std::string multivalue_items(int members) {
    std::string items;
    for (int i = 0; i < members; ++i) {
        items += std::string(i ? "," : "") +
                 "{\"Name\": \"m.example.com.\", \"Type\": \"A\", \"TTL\": 60, \"SetIdentifier\": \"m" +
                 std::to_string(i) +
                 "\", \"MultiValueAnswer\": true, \"ResourceRecords\": [{\"Value\": \"192.0.2.1\"}]}";
    }
    return items;
}

void keep_nothing(PolicyTables::Retired) {}  // no reader can hold a version in these tests

// Multivalue answers come from windows drawn on the control plane and drawn anew every
// PolicyTables::kRedrawSeconds. These run `queries` decisions and redraw every
// `per_draw` of them, as the daemon does over time, and hand each answer to `see`.
template <typename See>
void multivalue_answers(int members, int queries, int per_draw, uint64_t seed, See see) {
    auto t = tables_for(multivalue_items(members), seed);
    const uint32_t id = t->find(name_of("m.example.com."), dns::type::A);
    Rng rng(seed + 1);
    for (int i = 0; i < queries; ++i) {
        if (i > 0 && i % per_draw == 0) {
            ASSERT_EQ(t->redraw(keep_nothing), std::vector<uint32_t>{id});
        }
        const Decision d = decide(*t->get(id), client("192.0.2.1"), rng);
        ASSERT_EQ(d.count, 8);
        for (unsigned a = 0; a < d.count; ++a) {
            for (unsigned b = a + 1; b < d.count; ++b) ASSERT_NE(d.members[a], d.members[b]);
        }
        see(d);
    }
}

// Each member as often as any other, and as often first (resolvers may use only the
// first record), at pool sizes just over 8 and far over it.
TEST(Statistics, MultivalueSelectionsAreUniform) {
    for (const int members : {9, 20, 70}) {
        const int n = 50000;
        std::vector<double> observed(members, 0);
        std::vector<double> first(members, 0);
        multivalue_answers(members, n, 10, 99, [&](const Decision& d) {
            for (unsigned k = 0; k < d.count; ++k) observed[d.members[k]] += 1;
            first[d.members[0]] += 1;
        });
        // Counts within one answer are not independent (8 distinct of n), which makes the
        // statistic smaller than a free multinomial's: the usual bound is conservative.
        double chi2 = chi_square(observed, std::vector<double>(members, n * 8.0 / members));
        EXPECT_LT(chi2, chi2_critical_001(members - 1)) << members << " members: chi2 " << chi2;
        chi2 = chi_square(first, std::vector<double>(members, n / static_cast<double>(members)));
        EXPECT_LT(chi2, chi2_critical_001(members - 1)) << members << " members: first-position chi2 " << chi2;
    }
}

// Not only each member alone: every pair of members shares an answer as often as in a
// uniform random 8-subset (a cheap rotation with strides would never pair some).
TEST(Statistics, MultivaluePairsAreUniform) {
    const int members = 12;
    const int n = 60000;
    std::vector<double> pairs(members * members, 0);
    multivalue_answers(members, n, 10, 4242, [&](const Decision& d) {
        for (unsigned a = 0; a < d.count; ++a) {
            for (unsigned b = a + 1; b < d.count; ++b) {
                const auto lo = std::min(d.members[a], d.members[b]);
                const auto hi = std::max(d.members[a], d.members[b]);
                pairs[lo * members + hi] += 1;
            }
        }
    });
    std::vector<double> observed;
    for (int a = 0; a < members; ++a) {
        for (int b = a + 1; b < members; ++b) observed.push_back(pairs[a * members + b]);
    }
    const double expected = n * (8.0 * 7.0) / (members * (members - 1.0));
    const double chi2 = chi_square(observed, std::vector<double>(observed.size(), expected));
    EXPECT_LT(chi2, chi2_critical_001(static_cast<int>(observed.size()) - 1)) << "pair chi2 " << chi2;
}

// Within one set of windows (between redraws): every member fills as many window slots as
// any other, give or take one, so load is even however long a set lives; and clients see
// many different answers.
TEST(Statistics, MultivalueWindowsShareMembersEvenly) {
    for (const int members : {9, 12, 20, 70, 300}) {
        auto t = tables_for(multivalue_items(members), 17);
        const CompiledPolicy& p = *t->get(t->find(name_of("m.example.com."), dns::type::A));
        const size_t windows = p.window_mask + size_t{1};
        EXPECT_EQ(windows & (windows - 1), 0u) << "a power of two";
        EXPECT_GE(windows, std::max<size_t>(256, 4 * members));
        ASSERT_EQ(p.windows.size(), windows * kWindowEntries);
        std::vector<size_t> slots(members, 0);
        for (size_t w = 0; w < windows; ++w) {
            const uint16_t* window = p.windows.data() + w * kWindowEntries;
            for (unsigned a = 0; a < kMaxAnswers; ++a) {
                ASSERT_EQ(window[a], window[a + kMaxAnswers]) << "stored twice, for rotations";
                for (unsigned b = a + 1; b < kMaxAnswers; ++b) ASSERT_NE(window[a], window[b]);
                slots[window[a]] += 1;
            }
        }
        const size_t fair = windows * kMaxAnswers / members;
        for (int m = 0; m < members; ++m) {
            EXPECT_GE(slots[m], fair) << members << " members, member " << m;
            EXPECT_LE(slots[m], fair + 1) << members << " members, member " << m;
        }
    }
}

// Within one set of windows, the rotation drawn per query spreads the first position as
// evenly as the window slots (a window's own first member would lead 1 in 8 of its
// answers); and clients see many different answers.
TEST(Statistics, MultivalueWindowsRotateAndVary) {
    const int members = 20;
    auto t = tables_for(multivalue_items(members), 23);
    const CompiledPolicy& p = *t->get(t->find(name_of("m.example.com."), dns::type::A));
    const size_t windows = p.window_mask + size_t{1};
    std::vector<double> slots(members, 0);
    for (size_t i = 0; i < windows * kWindowEntries; ++i) slots[p.windows[i]] += 0.5;  // each window is stored twice
    const int n = 200000;
    std::vector<double> first(members, 0);
    std::set<std::vector<uint16_t>> answers;
    Rng rng(3);
    for (int i = 0; i < n; ++i) {
        const Decision d = decide(p, client("192.0.2.1"), rng);
        first[d.members[0]] += 1;
        if (i < 4000) answers.emplace(d.members, d.members + d.count);
    }
    std::vector<double> expected(members);
    for (int m = 0; m < members; ++m) expected[m] = n * slots[m] / (windows * kMaxAnswers);
    const double chi2 = chi_square(first, expected);
    EXPECT_LT(chi2, chi2_critical_001(members - 1)) << "first-position chi2 " << chi2;
    // 256 windows x 8 rotations: 4000 draws of 2048 equally likely answers see ~1750.
    EXPECT_GT(answers.size(), 1600u);
}

// A redraw rebuilds only multivalue policies with windows, and changes their windows.
TEST(Statistics, RedrawReplacesOnlyMultivalueWindows) {
    auto t = tables_for(multivalue_items(12) + "," + weighted({1, 2}) +
                        ",{\"Name\": \"small.example.com.\", \"Type\": \"A\", \"TTL\": 60, \"SetIdentifier\": \"s\", "
                        "\"MultiValueAnswer\": true, \"ResourceRecords\": [{\"Value\": \"192.0.2.9\"}]}");
    const uint32_t id = t->find(name_of("m.example.com."), dns::type::A);
    const std::vector<uint16_t> before = t->get(id)->windows;
    size_t retired = 0;
    EXPECT_EQ(t->redraw([&](PolicyTables::Retired old) { retired = old.size(); }), std::vector<uint32_t>{id});
    EXPECT_EQ(retired, 1u);
    EXPECT_EQ(t->get(id)->windows.size(), before.size());
    EXPECT_NE(t->get(id)->windows, before);
}

TEST(Statistics, SmallMultivalueRotatesTheOrder) {
    auto t = tables_for(multivalue_items(4));
    const uint32_t id = t->find(name_of("m.example.com."), dns::type::A);
    Rng rng(5);
    std::vector<double> first(4, 0);
    const int n = 40000;
    for (int i = 0; i < n; ++i) first[decide(*t->get(id), client("192.0.2.1"), rng).members[0]] += 1;
    EXPECT_LT(chi_square(first, std::vector<double>(4, n / 4.0)), kChi2Critical[3]);
}

}  // namespace
}  // namespace fz::policy
