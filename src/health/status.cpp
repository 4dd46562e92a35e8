// Health check state rules: hysteresis, Inverted, Disabled, carry-over, Route 53 timeouts.
#include "health/status.h"

#include <algorithm>

namespace fz::health {
namespace {

using policy::HealthCheckType;
using std::chrono::milliseconds;

// Route 53: "connect within four seconds" (ten for TCP checks), "receive an HTTP status
// code ... within two seconds after connecting".
constexpr milliseconds kConnectTimeout{4000};
constexpr milliseconds kTcpConnectTimeout{10000};
constexpr milliseconds kResponseTimeout{2000};

}  // namespace

bool is_http_check(const policy::HealthCheck& c) {
    return c.type == HealthCheckType::kHttp || c.type == HealthCheckType::kHttpStrMatch;
}

bool is_https_check(const policy::HealthCheck& c) {
    return c.type == HealthCheckType::kHttps || c.type == HealthCheckType::kHttpsStrMatch;
}

bool is_string_match(const policy::HealthCheck& c) {
    return c.type == HealthCheckType::kHttpStrMatch || c.type == HealthCheckType::kHttpsStrMatch;
}

bool is_endpoint_check(const policy::HealthCheck& c) { return c.type != HealthCheckType::kCalculated; }

bool probed_from(const policy::HealthCheck& c, const std::string& region) {
    if (region.empty() || c.regions.empty()) return true;
    return std::find(c.regions.begin(), c.regions.end(), region) != c.regions.end();
}

CheckStatus fresh_status(const policy::HealthCheck& check) {
    CheckStatus s;
    s.id = check.id;
    s.type = check.type;
    s.inverted = check.inverted;
    s.disabled = check.disabled;
    // Route 53 counts a disabled check as healthy, and Inverted turns that into unhealthy
    // (its documented way to stop traffic to an endpoint).
    s.healthy = check.disabled ? !check.inverted : true;
    if (check.disabled) s.last_reason = "disabled";
    return s;
}

CheckStatus carried_status(const policy::HealthCheck& check, const CheckStatus& old) {
    CheckStatus s = fresh_status(check);
    s.flips = old.flips;
    s.last_change_ms = old.last_change_ms;
    const bool both_endpoints = is_endpoint_check(check) && old.type != HealthCheckType::kCalculated;
    if (!both_endpoints || check.disabled || old.disabled || !old.has_result) return s;
    s.has_result = true;
    s.healthy = old.observed_healthy() != check.inverted;
    s.last_ok = old.last_ok;
    s.last_reason = old.last_reason;
    s.last_result_ms = old.last_result_ms;
    s.last_duration_ms = old.last_duration_ms;
    s.consecutive = old.consecutive;
    s.results = old.results;
    s.failures = old.failures;
    return s;
}

bool apply_result(const policy::HealthCheck& check, CheckStatus& s, const ProbeResult& r, int64_t now_ms,
                  uint32_t duration_ms) {
    if (!r.counted) return false;
    s.consecutive = s.has_result && s.last_ok == r.ok ? s.consecutive + 1 : 1;
    s.has_result = true;
    s.last_ok = r.ok;
    s.last_reason = r.reason;
    s.last_result_ms = now_ms;
    s.last_duration_ms = duration_ms;
    ++s.results;
    if (!r.ok) ++s.failures;
    // Hysteresis on the inverted result, so that a new inverted check also starts healthy
    // and needs FailureThreshold results to turn unhealthy, like any other.
    const bool says_healthy = r.ok != check.inverted;
    if (says_healthy == s.healthy || s.consecutive < std::max<uint32_t>(check.failure_threshold, 1)) return false;
    s.healthy = says_healthy;
    return true;
}

milliseconds probe_interval(const policy::HealthCheck& check) {
    return milliseconds(1000 * std::clamp<uint32_t>(check.request_interval, 1, 30));
}

ProbeTimeouts probe_timeouts(const policy::HealthCheck& check) {
    // A tenth of the interval stays free so that a probe has ended, and its result has been
    // counted, before the next one starts: with RequestInterval 1 a probe gets 900 ms.
    const milliseconds budget = probe_interval(check) * 9 / 10;
    const milliseconds connect = std::min(check.type == HealthCheckType::kTcp ? kTcpConnectTimeout : kConnectTimeout,
                                          budget);
    return ProbeTimeouts{connect, std::min(kResponseTimeout, budget), budget};
}

}  // namespace fz::health
