// The state of one health check as the checker keeps it, and the pure rules that move it:
// FailureThreshold hysteresis, Inverted, Disabled, carry-over on reload, Route 53's timeouts.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "policy/health_check.h"

namespace fz::health {

// What one probe found. `counted` is false for problems on our side (no file descriptor
// left, libcurl out of memory): they say nothing about the endpoint and move no state.
struct ProbeResult {
    bool ok = false;
    bool counted = true;
    std::string reason;  // "HTTP 200", "HTTP 500", "connect timeout", "string not found"...

    static ProbeResult success(std::string reason) { return {true, true, std::move(reason)}; }
    static ProbeResult failure(std::string reason) { return {false, true, std::move(reason)}; }
    static ProbeResult local_error(std::string reason) { return {false, false, std::move(reason)}; }
};

// One check, for `fastzonectl health`, metrics and carry-over on reload.
struct CheckStatus {
    std::string id;
    policy::HealthCheckType type = policy::HealthCheckType::kTcp;
    bool inverted = false;
    bool disabled = false;
    std::string target;  // what is probed: "192.0.2.1:80", "www.example.com -> 192.0.2.1:443"

    bool healthy = true;            // what policies see: FailureThreshold, Inverted, Disabled applied
    bool has_result = false;        // false until the first result (the check counts as healthy)
    bool last_ok = false;           // the last probe succeeded (before Inverted)
    std::string last_reason;        // its reason; for CALCULATED checks "2 of 3 children healthy, needs 2"
    int64_t last_result_ms = 0;     // Unix time of the last result in ms; 0: none yet
    int64_t last_change_ms = 0;     // Unix time of the last flip of `healthy` in ms; 0: never
    uint32_t last_duration_ms = 0;  // how long the last probe took
    uint32_t consecutive = 0;       // results in a row equal to the last one; `healthy` flips when
                                    // they disagree with it and reach FailureThreshold
    uint64_t flips = 0;
    uint64_t results = 0;  // probes counted since the check first ran (carried over)
    uint64_t failures = 0;
    // False for an endpoint check this server does not probe (its Regions leave out the
    // region this server stands for, health.region): the fleet's other checkers decide it.
    bool probed_here = true;

    // The endpoint's own state before Inverted; meaningful once has_result.
    bool observed_healthy() const { return healthy != inverted; }
};

// The status of a check that has never run: healthy, as Route 53 counts a new check, except
// a disabled and inverted one (matches policy::initial_health()).
CheckStatus fresh_status(const policy::HealthCheck& check);

// The status for `check` in a new set when `old` is the same Id's status from the previous
// checker: results, counters and state carried over when both are enabled endpoint checks,
// the state re-read through the new Inverted; otherwise fresh_status() keeping flips.
CheckStatus carried_status(const policy::HealthCheck& check, const CheckStatus& old);

// Applies one counted result of an enabled endpoint check: counts it, and flips `healthy`
// once FailureThreshold results in a row disagree with it (the same count of successes
// brings it back). Returns true when `healthy` flipped. Does not touch flips/last_change_ms:
// the caller counts every flip, CALCULATED ones included, in one place.
bool apply_result(const policy::HealthCheck& check, CheckStatus& status, const ProbeResult& result, int64_t now_ms,
                  uint32_t duration_ms);

// Route 53's time limits for one probe, capped below the RequestInterval so that a probe
// always ends before the next one is due.
struct ProbeTimeouts {
    std::chrono::milliseconds connect;   // TCP (and TLS) connection established: 4 s, TCP checks 10 s
    std::chrono::milliseconds response;  // HTTP status received after connecting: 2 s
    std::chrono::milliseconds budget;    // the whole probe, name resolution included
};
ProbeTimeouts probe_timeouts(const policy::HealthCheck& check);

// RequestInterval in ms, clamped to the 1..30 s the parser accepts.
std::chrono::milliseconds probe_interval(const policy::HealthCheck& check);

bool is_endpoint_check(const policy::HealthCheck& check);
// Whether a checker standing for `region` probes `check`: yes unless both name regions and
// the check's Regions leave this one out.
bool probed_from(const policy::HealthCheck& check, const std::string& region);
bool is_http_check(const policy::HealthCheck& check);    // HTTP, HTTP_STR_MATCH
bool is_https_check(const policy::HealthCheck& check);   // HTTPS, HTTPS_STR_MATCH
bool is_string_match(const policy::HealthCheck& check);  // *_STR_MATCH

}  // namespace fz::health
