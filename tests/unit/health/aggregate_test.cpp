// Route 53's rule for health from many checkers: healthy when more than a share of the
// checkers reporting say so, then Inverted, Disabled and CALCULATED as for one checker.
#include "health/aggregate.h"

#include <gtest/gtest.h>

namespace fz::health {
namespace {

policy::HealthCheckSet checks() {
    // web: plain; inv: inverted; off: disabled; calc: web and inv, one needed.
    auto set = policy::parse_health_checks_text(
        R"({"HealthChecks": [
          {"Id": "web", "HealthCheckConfig": {"Type": "HTTP", "IPAddress": "192.0.2.1", "Port": 80}},
          {"Id": "inv", "HealthCheckConfig": {"Type": "HTTP", "IPAddress": "192.0.2.2", "Port": 80, "Inverted": true}},
          {"Id": "off", "HealthCheckConfig": {"Type": "TCP", "IPAddress": "192.0.2.3", "Port": 53, "Disabled": true}},
          {"Id": "calc", "HealthCheckConfig": {"Type": "CALCULATED", "ChildHealthChecks": ["web", "inv"],
                                               "HealthThreshold": 1}}]})",
        "checks.json");
    EXPECT_TRUE(set.ok()) << set.error().to_string();
    return std::move(set.value());
}

// This server's statuses: `web_observed` for web (a result in), the others fresh.
std::vector<CheckStatus> local(const policy::HealthCheckSet& set, std::optional<bool> web_observed) {
    std::vector<CheckStatus> out;
    for (const auto& c : set.checks) out.push_back(fresh_status(c));
    if (web_observed) {
        out[0].has_result = true;
        out[0].healthy = *web_observed;
    }
    return out;
}

// `healthy` of `total` other checkers say healthy about `id`.
void others(ObservationMap& m, const std::string& id, int healthy, int total) {
    for (int i = 0; i < total; ++i) m[id].push_back(Observation{"ns" + std::to_string(i), i < healthy, "", 0});
}

TEST(Aggregate, HealthyWhenMoreThanTheShareOfCheckersSaySo) {
    EXPECT_TRUE(endpoint_healthy({1, 5}, 0.18));   // 20%
    EXPECT_FALSE(endpoint_healthy({1, 6}, 0.18));  // 16.7%
    EXPECT_FALSE(endpoint_healthy({0, 3}, 0.18));
    EXPECT_FALSE(endpoint_healthy({1, 2}, 0.5));  // "more than": half is not enough
    EXPECT_TRUE(endpoint_healthy({2, 3}, 0.5));
    EXPECT_TRUE(endpoint_healthy({0, 0}, 0.18));  // nobody reports yet: healthy, as a new check
}

TEST(Aggregate, OneCheckerCutOffDoesNotMakeAnEndpointUnhealthy) {
    const auto set = checks();
    ObservationMap m;
    others(m, "web", 2, 2);
    // This server sees web fail; the two others see it up: 2 of 3.
    auto h = aggregate_health(set, local(set, false), m, 0.18);
    EXPECT_EQ(h[0], 1);
    // Everyone sees it fail.
    ObservationMap down;
    others(down, "web", 0, 2);
    h = aggregate_health(set, local(set, false), down, 0.18);
    EXPECT_EQ(h[0], 0);
    EXPECT_EQ(h[3], 1) << "calc needs one child: inv, healthy until results come in";
}

TEST(Aggregate, OnlyResultsOfChecksProbedHereCountAsThisServersVote) {
    const auto set = checks();
    ObservationMap m;
    others(m, "web", 0, 1);
    auto mine = local(set, true);
    EXPECT_EQ(tally(mine[0], &m["web"]).total, 2u);
    EXPECT_EQ(aggregate_health(set, mine, m, 0.18)[0], 1);  // 1 of 2
    mine[0].probed_here = false;                            // its Regions leave this server's out
    EXPECT_EQ(tally(mine[0], &m["web"]).total, 1u);
    EXPECT_EQ(aggregate_health(set, mine, m, 0.18)[0], 0);
    auto fresh = local(set, std::nullopt);  // no result yet: the others decide
    EXPECT_EQ(aggregate_health(set, fresh, m, 0.18)[0], 0);
    // A checker started for other checks counts as no result here.
    EXPECT_EQ(aggregate_health(set, std::vector<CheckStatus>(1, mine[0]), m, 0.18)[0], 0);
}

TEST(Aggregate, InvertedDisabledAndCalculatedApplyAfterTheVote) {
    const auto set = checks();
    ObservationMap m;
    others(m, "web", 0, 3);
    others(m, "inv", 3, 3);  // the endpoint is up: inverted, the check is unhealthy
    others(m, "off", 0, 3);  // disabled: observations do not matter
    auto h = aggregate_health(set, local(set, std::nullopt), m, 0.18);
    EXPECT_EQ(h[0], 0);
    EXPECT_EQ(h[1], 0);
    EXPECT_EQ(h[2], 1);
    EXPECT_EQ(h[3], 0) << "calc: neither child healthy";
    m["inv"].clear();
    others(m, "inv", 0, 3);
    h = aggregate_health(set, local(set, std::nullopt), m, 0.18);
    EXPECT_EQ(h[1], 1);
    EXPECT_EQ(h[3], 1);
}

}  // namespace
}  // namespace fz::health
