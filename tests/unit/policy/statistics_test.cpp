// Statistical checks of random choices with a fixed seed (so they cannot flake): weighted
// shares and multivalue selections against a chi-square bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

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

std::unique_ptr<PolicyTables> tables_for(const std::string& items) {
    auto set = build_from_json("{\"ResourceRecordSets\": [" + items + "]}");
    EXPECT_TRUE(set.ok()) << set.error().to_string();
    return PolicyTables::create(*set);
}

std::string weighted(const std::vector<int>& weights) {
    std::string items;
    for (size_t i = 0; i < weights.size(); ++i) {
        items += std::string(i ? "," : "") + "{\"Name\": \"w.example.com.\", \"Type\": \"A\", \"TTL\": 60, \"SetIdentifier\": \"m" +
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

TEST(Statistics, MultivalueSelectionsAreUniform) {
    std::string items;
    const int members = 20;
    for (int i = 0; i < members; ++i) {
        items += std::string(i ? "," : "") + "{\"Name\": \"m.example.com.\", \"Type\": \"A\", \"TTL\": 60, \"SetIdentifier\": \"m" +
                 std::to_string(i) + "\", \"MultiValueAnswer\": true, \"ResourceRecords\": [{\"Value\": \"192.0.2.1\"}]}";
    }
    auto t = tables_for(items);
    const uint32_t id = t->find(name_of("m.example.com."), dns::type::A);
    Rng rng(99);
    const int n = 50000;
    std::vector<double> observed(members, 0);
    std::vector<double> first(members, 0);  // which member comes first: resolvers may use only it
    for (int i = 0; i < n; ++i) {
        const Decision d = decide(*t->get(id), client("192.0.2.1"), rng);
        ASSERT_EQ(d.count, 8);
        for (unsigned k = 0; k < d.count; ++k) observed[d.members[k]] += 1;
        first[d.members[0]] += 1;
    }
    double chi2 = chi_square(observed, std::vector<double>(members, n * 8.0 / members));
    // Counts within one answer are not independent (8 distinct of 20), which makes the
    // statistic smaller than a free multinomial's: the usual bound is conservative.
    EXPECT_LT(chi2, kChi2Critical[members - 1]) << "chi2 " << chi2;
    chi2 = chi_square(first, std::vector<double>(members, n / static_cast<double>(members)));
    EXPECT_LT(chi2, kChi2Critical[members - 1]) << "first-position chi2 " << chi2;
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
        items += std::string(i ? "," : "") + "{\"Name\": \"m.example.com.\", \"Type\": \"A\", \"TTL\": 60, \"SetIdentifier\": \"m" +
                 std::to_string(i) + "\", \"MultiValueAnswer\": true, \"ResourceRecords\": [{\"Value\": \"192.0.2.1\"}]}";
    }
    return items;
}

// Not only each member alone: every pair of members shares an answer as often as in a
// uniform random 8-subset (a cheap rotation with strides would never pair some).
TEST(Statistics, MultivaluePairsAreUniform) {
    const int members = 12;
    auto t = tables_for(multivalue_items(members));
    const uint32_t id = t->find(name_of("m.example.com."), dns::type::A);
    Rng rng(4242);
    const int n = 60000;
    std::vector<double> pairs(members * members, 0);
    for (int i = 0; i < n; ++i) {
        const Decision d = decide(*t->get(id), client("192.0.2.1"), rng);
        ASSERT_EQ(d.count, 8);
        for (unsigned a = 0; a < d.count; ++a) {
            for (unsigned b = a + 1; b < d.count; ++b) {
                ASSERT_NE(d.members[a], d.members[b]);
                const auto lo = std::min(d.members[a], d.members[b]);
                const auto hi = std::max(d.members[a], d.members[b]);
                pairs[lo * members + hi] += 1;
            }
        }
    }
    std::vector<double> observed;
    for (int a = 0; a < members; ++a) {
        for (int b = a + 1; b < members; ++b) observed.push_back(pairs[a * members + b]);
    }
    const double expected = n * (8.0 * 7.0) / (members * (members - 1.0));
    const double chi2 = chi_square(observed, std::vector<double>(observed.size(), expected));
    EXPECT_LT(chi2, chi2_critical_001(static_cast<int>(observed.size()) - 1)) << "pair chi2 " << chi2;
}

// Pools larger than the shuffle's scratch array take Floyd's algorithm: still 8 distinct
// members, each as likely, each as likely to come first.
TEST(Statistics, LargeMultivaluePoolsAreUniform) {
    const int members = static_cast<int>(kShuffleMax) + 6;
    auto t = tables_for(multivalue_items(members));
    const uint32_t id = t->find(name_of("m.example.com."), dns::type::A);
    Rng rng(7);
    const int n = 80000;
    std::vector<double> observed(members, 0);
    std::vector<double> first(members, 0);
    for (int i = 0; i < n; ++i) {
        const Decision d = decide(*t->get(id), client("192.0.2.1"), rng);
        ASSERT_EQ(d.count, 8);
        for (unsigned a = 0; a < d.count; ++a) {
            for (unsigned b = a + 1; b < d.count; ++b) ASSERT_NE(d.members[a], d.members[b]);
            observed[d.members[a]] += 1;
        }
        first[d.members[0]] += 1;
    }
    EXPECT_LT(chi_square(observed, std::vector<double>(members, n * 8.0 / members)), chi2_critical_001(members - 1));
    EXPECT_LT(chi_square(first, std::vector<double>(members, n / static_cast<double>(members))),
              chi2_critical_001(members - 1));
}

TEST(Statistics, SmallMultivalueRotatesTheOrder) {
    std::string items;
    for (int i = 0; i < 4; ++i) {
        items += std::string(i ? "," : "") + "{\"Name\": \"m.example.com.\", \"Type\": \"A\", \"TTL\": 60, \"SetIdentifier\": \"m" +
                 std::to_string(i) + "\", \"MultiValueAnswer\": true, \"ResourceRecords\": [{\"Value\": \"192.0.2.1\"}]}";
    }
    auto t = tables_for(items);
    const uint32_t id = t->find(name_of("m.example.com."), dns::type::A);
    Rng rng(5);
    std::vector<double> first(4, 0);
    const int n = 40000;
    for (int i = 0; i < n; ++i) first[decide(*t->get(id), client("192.0.2.1"), rng).members[0]] += 1;
    EXPECT_LT(chi_square(first, std::vector<double>(4, n / 4.0)), kChi2Critical[3]);
}

}  // namespace
}  // namespace fz::policy
