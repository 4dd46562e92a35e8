// Helpers shared by the policy tests: build policies from inline Route 53 JSON.
#pragma once

#include <memory>
#include <string>

#include "dns/name.h"
#include "policy/policy_set.h"
#include "policy/tables.h"

namespace fz::policy::testing {

// Concatenation by appending: g++ 12 at -O3 warns falsely (-Wrestrict) on
// "literal" + std::string temporaries.
template <typename... Parts>
std::string concat(const Parts&... parts) {
    std::string out;
    ((out += parts), ...);
    return out;
}

inline dns::Name name_of(const char* text) { return *dns::name_from_text(text, nullptr); }

// Builds a PolicySet from `{"ResourceRecordSets": [...]}` text for zone example.com.
inline Result<std::shared_ptr<const PolicySet>> build_from_json(const std::string& json, PolicyInputs inputs = {}) {
    auto file = parse_record_sets_text(json, "test.json", name_of("example.com."));
    if (!file.ok()) return file.error();
    inputs.record_sets.push_back(std::move(*file));
    if (inputs.zones.empty()) inputs.zones.push_back(ZoneInfo{name_of("example.com."), "Z0EXAMPLE"});
    auto set = build_policy_set(std::move(inputs));
    if (!set.ok()) return set.error();
    return std::shared_ptr<const PolicySet>(std::move(*set));
}

inline HealthCheckSet checks_from_json(const std::string& json) {
    auto set = parse_health_checks_text(json, "checks.json");
    return set.ok() ? std::move(*set) : HealthCheckSet{};
}

// Health checks hc-0 .. hc-(n-1), all TCP.
inline HealthCheckSet tcp_checks(int n) {
    std::string json = "{\"HealthChecks\": [";
    for (int i = 0; i < n; ++i) {
        json += std::string(i ? "," : "") + "{\"Id\": \"hc-" + std::to_string(i) +
                "\", \"HealthCheckConfig\": {\"Type\": \"TCP\", \"IPAddress\": \"192.0.2.1\", \"Port\": 80}}";
    }
    return checks_from_json(json + "]}");
}

inline ClientInfo client(const char* address, std::optional<unsigned> prefix = std::nullopt) {
    return *parse_client(address, prefix);
}

inline const std::string& set_id(const PolicySet& set, uint32_t policy, uint16_t member) {
    return set.policies[policy].members[member].record.set_identifier;
}

}  // namespace fz::policy::testing
