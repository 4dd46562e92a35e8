// Parsing and validating Route 53 health checks; deriving CALCULATED check states (cold).
#include "policy/health_check.h"

#include <arpa/inet.h>

#include <algorithm>
#include <functional>

#include "policy/document.h"

namespace fz::policy {
namespace {

Error check_error(const Document& doc, size_t i, const std::string& id, const std::string& problem) {
    const std::string who = id.empty() ? "health check #" + std::to_string(i + 1) : "health check \"" + id + "\"";
    return Error{doc.file, doc.line_of(i), who + ": " + problem};
}

bool parse_type(const std::string& s, HealthCheckType* out) {
    static const std::pair<const char*, HealthCheckType> kTypes[] = {
        {"TCP", HealthCheckType::kTcp},
        {"HTTP", HealthCheckType::kHttp},
        {"HTTPS", HealthCheckType::kHttps},
        {"HTTP_STR_MATCH", HealthCheckType::kHttpStrMatch},
        {"HTTPS_STR_MATCH", HealthCheckType::kHttpsStrMatch},
        {"CALCULATED", HealthCheckType::kCalculated},
    };
    for (const auto& [name, type] : kTypes) {
        if (s == name) {
            *out = type;
            return true;
        }
    }
    return false;
}

// Visits checks so that children come before parents; false on a cycle (its path in `cycle`).
bool order_calculated(const HealthCheckSet& set, std::vector<uint32_t>* order, std::string* cycle) {
    std::vector<uint8_t> state(set.checks.size(), 0);  // 0 new, 1 on the path, 2 done
    std::vector<uint32_t> path;
    std::function<bool(uint32_t)> visit = [&](uint32_t i) {
        if (state[i] == 2) return true;
        if (state[i] == 1) {
            auto from = std::find(path.begin(), path.end(), i);
            for (auto it = from; it != path.end(); ++it) *cycle += "\"" + set.checks[*it].id + "\" -> ";
            *cycle += "\"" + set.checks[i].id + "\"";
            return false;
        }
        state[i] = 1;
        path.push_back(i);
        for (uint32_t c : set.checks[i].children) {
            if (!visit(c)) return false;
        }
        path.pop_back();
        state[i] = 2;
        order->push_back(i);
        return true;
    };
    for (uint32_t i = 0; i < set.checks.size(); ++i) {
        if (!visit(i)) return false;
    }
    return true;
}

// Fields of HealthCheckConfig whose absence means a default that depends on the type.
struct ConfigSeen {
    bool port = false;
    bool sni = false;
};

// The problem with a Type value, or "".
std::string read_type(const nlohmann::json& value, HealthCheckType* type) {
    std::string t;
    std::string e = get_string(value, &t);
    if (e.empty() && !parse_type(t, type)) {
        if (t == "CLOUDWATCH_METRIC" || t == "RECOVERY_CONTROL") {
            e = "\"" + t + "\" is a Route 53 type this server cannot evaluate";
        } else {
            e = "\"" + t + "\" is not one of TCP, HTTP, HTTPS, HTTP_STR_MATCH, HTTPS_STR_MATCH, CALCULATED";
        }
    }
    return e;
}

// A list of strings (ChildHealthChecks, Regions) appended to `out`; the problem, or "".
std::string read_string_list(const nlohmann::json& value, std::vector<std::string>* out) {
    if (!value.is_array()) return "must be a list";
    for (const auto& v : value) {
        std::string s;
        if (std::string e = get_string(v, &s); !e.empty()) return e;
        out->push_back(s);
    }
    return "";
}

// Reads one field of HealthCheckConfig into `hc`. Returns the problem, which the message
// puts after the key ("Port must be ..."), or "".
std::string read_config_field(const std::string& key, const nlohmann::json& value, HealthCheck& hc, ConfigSeen& seen) {
    std::string e;
    int64_t n = 0;
    if (key == "Type") {
        e = read_type(value, &hc.type);
    } else if (key == "IPAddress") {
        e = get_string(value, &hc.ip_address);
        uint8_t buf[16];
        if (e.empty() && inet_pton(AF_INET, hc.ip_address.c_str(), buf) != 1 &&
            inet_pton(AF_INET6, hc.ip_address.c_str(), buf) != 1) {
            e = "\"" + hc.ip_address + "\" is not an IPv4 or IPv6 address";
        }
    } else if (key == "FullyQualifiedDomainName") {
        e = get_string(value, &hc.fqdn);
    } else if (key == "Port") {
        e = get_int(value, 1, 65535, &n);
        hc.port = static_cast<uint16_t>(n);
        seen.port = true;
    } else if (key == "ResourcePath") {
        e = get_string(value, &hc.resource_path);
        if (e.empty() && hc.resource_path.size() > 255) e = "is longer than 255 characters";
    } else if (key == "SearchString") {
        e = get_string(value, &hc.search_string);
        if (e.empty() && hc.search_string.size() > 255) e = "is longer than 255 characters";
    } else if (key == "RequestInterval") {
        e = get_int(value, 1, 30, &n);
        hc.request_interval = static_cast<uint32_t>(n);
    } else if (key == "FailureThreshold") {
        e = get_int(value, 1, 10, &n);
        hc.failure_threshold = static_cast<uint32_t>(n);
    } else if (key == "Inverted") {
        e = get_bool(value, &hc.inverted);
    } else if (key == "Disabled") {
        e = get_bool(value, &hc.disabled);
    } else if (key == "EnableSNI") {
        e = get_bool(value, &hc.enable_sni);
        seen.sni = true;
    } else if (key == "MeasureLatency") {
        e = get_bool(value, &hc.measure_latency);
    } else if (key == "HealthThreshold") {
        e = get_int(value, 0, 256, &n);
        hc.health_threshold = static_cast<uint32_t>(n);
    } else if (key == "ChildHealthChecks" || key == "Regions") {
        e = read_string_list(value, key == "Regions" ? &hc.regions : &hc.child_ids);
    } else if (key == "InsufficientDataHealthStatus" || key == "AlarmIdentifier" || key == "RoutingControlArn") {
        // For CloudWatch and recovery-control checks, which are refused by Type.
    } else {
        e = "unknown field";
    }
    return e;
}

// The defaults and rules that depend on the type, once every field is read: the problem, or "".
std::string apply_type_rules(const nlohmann::json& cfg, const ConfigSeen& seen, HealthCheck& hc) {
    if (!cfg.contains("Type")) return "HealthCheckConfig has no Type";
    const bool https = hc.type == HealthCheckType::kHttps || hc.type == HealthCheckType::kHttpsStrMatch;
    const bool http = hc.type == HealthCheckType::kHttp || hc.type == HealthCheckType::kHttpStrMatch;
    if (!seen.sni) hc.enable_sni = https;
    if (hc.type == HealthCheckType::kCalculated) {
        if (hc.child_ids.empty()) return "CALCULATED health check has no ChildHealthChecks";
        if (hc.child_ids.size() > 256) return "CALCULATED health check has more than 256 children";
        if (!cfg.contains("HealthThreshold")) hc.health_threshold = static_cast<uint32_t>(hc.child_ids.size());
        return "";
    }
    if (!hc.child_ids.empty()) return "ChildHealthChecks is only for CALCULATED health checks";
    if (hc.ip_address.empty() && hc.fqdn.empty()) return "needs IPAddress or FullyQualifiedDomainName";
    if (!seen.port) {
        if (hc.type == HealthCheckType::kTcp) return "TCP health check needs a Port";
        hc.port = https ? 443 : 80;
    }
    if ((hc.type == HealthCheckType::kHttpStrMatch || hc.type == HealthCheckType::kHttpsStrMatch) &&
        hc.search_string.empty()) {
        return std::string(health_check_type_name(hc.type)) + " health check needs a SearchString";
    }
    if ((http || https) && hc.resource_path.empty()) hc.resource_path = "/";
    return "";
}

// Entry `i` of the document's list: Id, then HealthCheckConfig field by field, then the
// rules of its type.
Result<HealthCheck> health_check_from(const Document& doc, size_t i) {
    const nlohmann::json& item = doc.list()[i];
    HealthCheck hc;
    hc.line = doc.line_of(i);
    auto fail = [&](const std::string& problem) { return check_error(doc, i, hc.id, problem); };
    if (!item.is_object()) return fail("must be an object");
    if (!item.contains("Id")) return fail("missing Id");
    if (std::string e = get_string(item["Id"], &hc.id); !e.empty() || hc.id.empty()) {
        return fail("Id " + (e.empty() ? std::string("must not be empty") : e));
    }
    if (!item.contains("HealthCheckConfig") || !item["HealthCheckConfig"].is_object()) {
        return fail("missing HealthCheckConfig");
    }
    const nlohmann::json& cfg = item["HealthCheckConfig"];
    ConfigSeen seen;
    for (const auto& [key, value] : cfg.items()) {
        if (std::string e = read_config_field(key, value, hc, seen); !e.empty()) return fail(key + " " + e);
    }
    if (std::string e = apply_type_rules(cfg, seen, hc); !e.empty()) return fail(e);
    return hc;
}

// Each CALCULATED check's ChildHealthChecks ids turned into indexes.
Status link_children(const Document& doc, HealthCheckSet& set) {
    for (size_t i = 0; i < set.checks.size(); ++i) {
        HealthCheck& hc = set.checks[i];
        for (const std::string& child : hc.child_ids) {
            const int64_t c = set.find(child);
            if (c < 0) return check_error(doc, i, hc.id, "child health check \"" + child + "\" does not exist");
            hc.children.push_back(static_cast<uint32_t>(c));
        }
    }
    return Ok{};
}

}  // namespace

const char* health_check_type_name(HealthCheckType type) {
    switch (type) {
        case HealthCheckType::kTcp: return "TCP";
        case HealthCheckType::kHttp: return "HTTP";
        case HealthCheckType::kHttps: return "HTTPS";
        case HealthCheckType::kHttpStrMatch: return "HTTP_STR_MATCH";
        case HealthCheckType::kHttpsStrMatch: return "HTTPS_STR_MATCH";
        case HealthCheckType::kCalculated: return "CALCULATED";
    }
    return "?";
}

std::string health_check_to_json(const HealthCheck& check) {
    nlohmann::ordered_json cfg;
    if (!check.ip_address.empty()) cfg["IPAddress"] = check.ip_address;
    if (check.port != 0) cfg["Port"] = check.port;
    cfg["Type"] = health_check_type_name(check.type);
    if (!check.resource_path.empty()) cfg["ResourcePath"] = check.resource_path;
    if (!check.fqdn.empty()) cfg["FullyQualifiedDomainName"] = check.fqdn;
    if (!check.search_string.empty()) cfg["SearchString"] = check.search_string;
    cfg["RequestInterval"] = check.request_interval;
    cfg["FailureThreshold"] = check.failure_threshold;
    cfg["MeasureLatency"] = check.measure_latency;
    cfg["Inverted"] = check.inverted;
    cfg["Disabled"] = check.disabled;
    if (check.type == HealthCheckType::kCalculated) {
        cfg["HealthThreshold"] = check.health_threshold;
        cfg["ChildHealthChecks"] = check.child_ids;
    }
    cfg["EnableSNI"] = check.enable_sni;
    if (!check.regions.empty()) cfg["Regions"] = check.regions;
    nlohmann::ordered_json j;
    j["Id"] = check.id;
    j["HealthCheckConfig"] = std::move(cfg);
    return j.dump();
}

static Result<HealthCheckSet> health_checks_from(const Result<Document>& doc) {
    if (!doc.ok()) return doc.error();
    HealthCheckSet set;
    set.file = doc->file;
    for (size_t i = 0; i < doc->list().size(); ++i) {
        auto hc = health_check_from(*doc, i);
        if (!hc.ok()) return hc.error();
        if (set.index_of_id.count(hc->id)) return check_error(*doc, i, hc->id, "duplicate Id");
        set.index_of_id.emplace(hc->id, static_cast<uint32_t>(set.checks.size()));
        set.checks.push_back(std::move(*hc));
    }
    if (Status st = link_children(*doc, set); !st.ok()) return st.error();
    std::vector<uint32_t> order;
    std::string cycle;
    if (!order_calculated(set, &order, &cycle)) {
        return Error{doc->file, 0, "CALCULATED health checks form a cycle: " + cycle};
    }
    return set;
}

Result<HealthCheckSet> parse_health_checks_text(std::string_view text, const std::string& file) {
    return health_checks_from(parse_document(text, file, "HealthChecks"));
}

Result<HealthCheckSet> parse_health_checks_file(const std::string& path) {
    return health_checks_from(read_document(path, "HealthChecks"));
}

HealthVector initial_health(const HealthCheckSet& set) {
    HealthVector health(set.checks.size(), 1);
    for (size_t i = 0; i < set.checks.size(); ++i) {
        if (set.checks[i].disabled && set.checks[i].inverted) health[i] = 0;
    }
    derive_calculated_health(set, health);
    return health;
}

void derive_calculated_health(const HealthCheckSet& set, std::span<uint8_t> health) {
    std::vector<uint32_t> order;
    std::string cycle;
    if (!order_calculated(set, &order, &cycle)) return;  // rejected at load; nothing to derive
    for (uint32_t i : order) {
        const HealthCheck& hc = set.checks[i];
        if (hc.type != HealthCheckType::kCalculated || i >= health.size()) continue;
        uint32_t healthy = 0;
        for (uint32_t c : hc.children) healthy += c < health.size() && health[c] != 0;
        bool ok = hc.disabled ? true : healthy >= hc.health_threshold;
        if (hc.inverted) ok = !ok;
        health[i] = ok ? 1 : 0;
    }
}

}  // namespace fz::policy
