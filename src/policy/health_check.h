// Route 53 health checks: the HealthCheckConfig schema (`aws route53 list-health-checks`),
// validated; and the health state vector that policies read.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace fz::policy {

enum class HealthCheckType : uint8_t {
    kTcp,
    kHttp,
    kHttps,
    kHttpStrMatch,
    kHttpsStrMatch,
    kCalculated,
};

struct HealthCheck {
    std::string id;
    HealthCheckType type = HealthCheckType::kTcp;
    std::string ip_address;  // one of ip_address / fqdn for endpoint checks
    std::string fqdn;
    uint16_t port = 0;  // defaults: 80 for HTTP*, 443 for HTTPS*; required for TCP
    std::string resource_path;
    std::string search_string;
    uint32_t request_interval = 30;  // seconds, 1..30 accepted (Route 53 offers 10 and 30)
    uint32_t failure_threshold = 3;  // 1..10
    bool inverted = false;
    bool disabled = false;    // Route 53 then reports healthy (unhealthy if also inverted)
    bool enable_sni = false;  // defaults to true for HTTPS types
    bool measure_latency = false;
    std::vector<std::string> child_ids;  // CALCULATED only
    std::vector<uint32_t> children;      // indexes of child_ids, resolved on load
    uint32_t health_threshold = 0;       // CALCULATED: healthy children needed
    std::vector<std::string> regions;
    uint32_t line = 0;
};

// Every health check of one file. A check's index is its position in `checks`.
struct HealthCheckSet {
    std::string file;
    std::vector<HealthCheck> checks;
    std::unordered_map<std::string, uint32_t> index_of_id;

    // Index of the check with this Id, or -1.
    int64_t find(const std::string& id) const {
        auto it = index_of_id.find(id);
        return it == index_of_id.end() ? -1 : static_cast<int64_t>(it->second);
    }
};

// Parses and validates `{"HealthChecks": [{"Id", "HealthCheckConfig": {...}}]}` (JSON or
// YAML): types, ranges, required fields, duplicate Ids, CALCULATED children that exist,
// no cycles through CALCULATED checks.
Result<HealthCheckSet> parse_health_checks_file(const std::string& path);
Result<HealthCheckSet> parse_health_checks_text(std::string_view text, const std::string& file);

// Health state: one byte per health check index, 1 healthy, 0 unhealthy.
using HealthVector = std::vector<uint8_t>;

// The state before any check has run: every check healthy, as Route 53 starts, except a
// disabled and inverted check (always unhealthy); CALCULATED ones derived.
HealthVector initial_health(const HealthCheckSet& set);

// Fills the entries of CALCULATED checks from their children (healthy when at least
// health_threshold children are healthy; Inverted and Disabled applied), leaving the
// others as the checker reported them. Children are evaluated before parents.
void derive_calculated_health(const HealthCheckSet& set, std::span<uint8_t> health);

const char* health_check_type_name(HealthCheckType type);

// One check as the JSON object `aws route53 list-health-checks` prints for it (Id and
// HealthCheckConfig, every field explicit so that no type-dependent default is needed):
// what parse_health_checks_text() reads back as the same check.
std::string health_check_to_json(const HealthCheck& check);

}  // namespace fz::policy
