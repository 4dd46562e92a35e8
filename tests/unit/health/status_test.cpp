// Health check state rules without a network: hysteresis, Inverted, Disabled, carry-over,
// Route 53 timeouts, the Host header, the webhook event.
#include "health/status.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "health/probe.h"
#include "health/resolver.h"
#include "health/webhook.h"

namespace fz::health {
namespace {

using policy::HealthCheck;
using policy::HealthCheckType;

HealthCheck http_check(uint32_t threshold, bool inverted = false, bool disabled = false) {
    HealthCheck c;
    c.id = "web";
    c.type = HealthCheckType::kHttp;
    c.ip_address = "192.0.2.1";
    c.port = 80;
    c.failure_threshold = threshold;
    c.inverted = inverted;
    c.disabled = disabled;
    return c;
}

// The state after each result of `pattern` ('+' success, '-' failure), as a string of 'H'/'U'.
std::string run(const HealthCheck& c, const std::string& pattern, CheckStatus* out = nullptr) {
    CheckStatus s = fresh_status(c);
    std::string states;
    for (char r : pattern) {
        apply_result(c, s, r == '+' ? ProbeResult::success("HTTP 200") : ProbeResult::failure("HTTP 500"), 1000, 5);
        states += s.healthy ? 'H' : 'U';
    }
    if (out != nullptr) *out = s;
    return states;
}

TEST(HealthStatus, FlipsOnlyAfterThresholdConsecutiveResults) {
    EXPECT_EQ(run(http_check(3), "--+---"), "HHHHHU");
    EXPECT_EQ(run(http_check(3), "---++-+++"), "HHUUUUUUH");
    EXPECT_EQ(run(http_check(1), "-+-"), "UHU");
    EXPECT_EQ(run(http_check(10), std::string(9, '-')), std::string(9, 'H'));
    EXPECT_EQ(run(http_check(10), std::string(10, '-')), std::string(9, 'H') + "U");
}

TEST(HealthStatus, CountsAndRemembersTheLastResult) {
    CheckStatus s;
    run(http_check(2), "+--", &s);
    EXPECT_FALSE(s.healthy);
    EXPECT_TRUE(s.has_result);
    EXPECT_FALSE(s.last_ok);
    EXPECT_EQ(s.last_reason, "HTTP 500");
    EXPECT_EQ(s.consecutive, 2u);
    EXPECT_EQ(s.results, 3u);
    EXPECT_EQ(s.failures, 2u);
    EXPECT_EQ(s.last_result_ms, 1000);
    EXPECT_EQ(s.last_duration_ms, 5u);
}

TEST(HealthStatus, LocalErrorsMoveNothing) {
    const HealthCheck c = http_check(1);
    CheckStatus s = fresh_status(c);
    EXPECT_FALSE(apply_result(c, s, ProbeResult::local_error("socket: Too many open files"), 1, 1));
    EXPECT_TRUE(s.healthy);
    EXPECT_FALSE(s.has_result);
    EXPECT_EQ(s.results, 0u);
}

TEST(HealthStatus, InvertedStartsHealthyAndNeedsTheThresholdToo) {
    EXPECT_EQ(run(http_check(2, true), "+++--"), "HUUUH");
    CheckStatus s;
    run(http_check(2, true), "++", &s);
    EXPECT_FALSE(s.healthy);
    EXPECT_TRUE(s.observed_healthy());
}

TEST(HealthStatus, DisabledIsHealthyUnlessInverted) {
    EXPECT_TRUE(fresh_status(http_check(3, false, true)).healthy);
    EXPECT_FALSE(fresh_status(http_check(3, true, true)).healthy);
    EXPECT_EQ(fresh_status(http_check(3, false, true)).last_reason, "disabled");
}

TEST(HealthStatus, CarryOverKeepsStateAndRereadsInverted) {
    CheckStatus old;
    run(http_check(1), "+-", &old);
    old.flips = 1;
    CheckStatus same = carried_status(http_check(3), old);
    EXPECT_FALSE(same.healthy);
    EXPECT_EQ(same.results, 2u);
    EXPECT_EQ(same.consecutive, 1u);
    EXPECT_EQ(same.flips, 1u);
    // The endpoint was failing: with Inverted now set, the check is healthy.
    EXPECT_TRUE(carried_status(http_check(3, true), old).healthy);
    // Disabled now: Route 53's rule wins, the history stays.
    CheckStatus disabled = carried_status(http_check(3, false, true), old);
    EXPECT_TRUE(disabled.healthy);
    EXPECT_EQ(disabled.flips, 1u);
    // A check that has become CALCULATED starts over.
    HealthCheck calc = http_check(3);
    calc.type = HealthCheckType::kCalculated;
    EXPECT_TRUE(carried_status(calc, old).healthy);
    EXPECT_FALSE(carried_status(calc, old).has_result);
    // A check that never ran carries nothing but its history.
    CheckStatus never = fresh_status(http_check(3));
    never.flips = 4;
    EXPECT_TRUE(carried_status(http_check(1), never).healthy);
    EXPECT_EQ(carried_status(http_check(1), never).flips, 4u);
}

TEST(HealthStatus, Route53TimeoutsCappedBelowTheInterval) {
    using std::chrono::milliseconds;
    HealthCheck c = http_check(3);
    c.request_interval = 30;
    ProbeTimeouts t = probe_timeouts(c);
    EXPECT_EQ(t.connect, milliseconds(4000));
    EXPECT_EQ(t.response, milliseconds(2000));
    EXPECT_EQ(t.budget, milliseconds(27000));
    c.request_interval = 1;
    t = probe_timeouts(c);
    EXPECT_EQ(t.connect, milliseconds(900));
    EXPECT_EQ(t.response, milliseconds(900));
    EXPECT_EQ(t.budget, milliseconds(900));
    c.type = HealthCheckType::kTcp;
    c.request_interval = 30;
    EXPECT_EQ(probe_timeouts(c).connect, milliseconds(10000));
    c.request_interval = 10;
    EXPECT_EQ(probe_timeouts(c).connect, milliseconds(9000));
    c.request_interval = 0;  // out of range values are clamped, never a zero interval
    EXPECT_EQ(probe_interval(c), milliseconds(1000));
}

TEST(HealthStatus, HostHeaderAsRoute53SendsIt) {
    HealthCheck c = http_check(3);
    Address v4 = *parse_address("192.0.2.1", 80);
    EXPECT_EQ(http_host_header(c, v4), "192.0.2.1");
    c.port = 8080;
    EXPECT_EQ(http_host_header(c, *parse_address("2001:db8::1", 8080)), "[2001:db8::1]:8080");
    c.fqdn = "www.example.com.";
    EXPECT_EQ(http_host_header(c, v4), "www.example.com:8080");
    c.type = HealthCheckType::kHttpsStrMatch;
    c.port = 443;
    EXPECT_EQ(http_host_header(c, v4), "www.example.com");
    c.port = 80;
    EXPECT_EQ(http_host_header(c, v4), "www.example.com:80");
    EXPECT_FALSE(parse_address("www.example.com", 80).ok());
    EXPECT_EQ(parse_address("2001:db8::1", 443)->to_string(), "[2001:db8::1]:443");
}

TEST(HealthStatus, FlipEventJson) {
    CheckStatus s = fresh_status(http_check(1));
    s.healthy = false;
    s.last_reason = "HTTP 500";
    s.target = "192.0.2.1:80";
    s.flips = 3;
    const auto event = nlohmann::json::parse(flip_event_json(s, true, 1714564800123));
    EXPECT_EQ(event["event"], "health_check_flip");
    EXPECT_EQ(event["check_id"], "web");
    EXPECT_EQ(event["type"], "HTTP");
    EXPECT_EQ(event["old_state"], "healthy");
    EXPECT_EQ(event["new_state"], "unhealthy");
    EXPECT_EQ(event["reason"], "HTTP 500");
    EXPECT_EQ(event["target"], "192.0.2.1:80");
    EXPECT_EQ(event["time"], "2024-05-01T12:00:00.123Z");
    EXPECT_EQ(event["time_unix_ms"], 1714564800123);
    EXPECT_EQ(event["flips"], 3);
}

}  // namespace
}  // namespace fz::health
