// Reading and checking the API's credentials file (cold).
#include "api/credentials.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

namespace fz::api {
namespace {

constexpr std::string_view kPrefix = "route53:";

// The operations the API serves: an Actions entry must name one of them (or route53:*).
const std::set<std::string, std::less<>>& known_actions() {
    static const std::set<std::string, std::less<>> kActions = {
        "ChangeResourceRecordSets", "CreateHealthCheck",    "CreateHostedZone",
        "DeleteHealthCheck",        "DeleteHostedZone",     "GetChange",
        "GetHealthCheck",           "GetHealthCheckStatus", "GetHostedZone",
        "ListHealthChecks",         "ListHostedZones",      "ListHostedZonesByName",
        "ListResourceRecordSets",   "TestDNSAnswer",        "UpdateHealthCheck",
    };
    return kActions;
}

Result<std::vector<std::string>> string_list(const nlohmann::json& key, const char* field, const std::string& who,
                                             const std::string& file) {
    if (!key.contains(field)) return Error{file, 0, who + ": missing " + field};
    const nlohmann::json& v = key[field];
    if (!v.is_array() || v.empty()) return Error{file, 0, who + ": " + field + " must be a non-empty list of strings"};
    std::vector<std::string> out;
    for (const auto& item : v) {
        if (!item.is_string()) return Error{file, 0, who + ": " + field + " must be a list of strings"};
        out.push_back(item.get<std::string>());
    }
    return out;
}

Result<AccessKey> parse_key(const nlohmann::json& key, size_t index, const std::string& file) {
    std::string who = "access key #" + std::to_string(index + 1);
    if (!key.is_object()) return Error{file, 0, who + ": must be an object"};
    AccessKey k;
    for (const auto& [name, value] : key.items()) {
        if (name != "AccessKeyId" && name != "SecretAccessKey" && name != "Actions" && name != "HostedZones") {
            return Error{file, 0, who + ": unknown field " + name};
        }
    }
    if (!key.contains("AccessKeyId") || !key["AccessKeyId"].is_string() ||
        key["AccessKeyId"].get<std::string>().empty())
        return Error{file, 0, who + ": AccessKeyId must be a non-empty string"};
    k.access_key_id = key["AccessKeyId"].get<std::string>();
    who = "access key " + k.access_key_id;
    if (!key.contains("SecretAccessKey") || !key["SecretAccessKey"].is_string() ||
        key["SecretAccessKey"].get<std::string>().size() < 16) {
        return Error{file, 0, who + ": SecretAccessKey must be a string of at least 16 characters"};
    }
    k.secret = key["SecretAccessKey"].get<std::string>();
    auto actions = string_list(key, "Actions", who, file);
    if (!actions.ok()) return actions.error();
    for (const std::string& a : *actions) {
        if (a.rfind(kPrefix, 0) != 0 || (a != "route53:*" && !known_actions().count(a.substr(kPrefix.size())))) {
            return Error{file, 0,
                         who + ": action \"" + a + "\" is not route53:* or a Route 53 action this server serves"};
        }
    }
    k.actions = std::move(*actions);
    auto zones = string_list(key, "HostedZones", who, file);
    if (!zones.ok()) return zones.error();
    for (std::string& z : *zones) {
        if (z.rfind("/hostedzone/", 0) == 0) z = z.substr(12);  // as Route 53 prints ids
        if (z.empty()) return Error{file, 0, who + ": HostedZones has an empty id"};
    }
    k.hosted_zones = std::move(*zones);
    return k;
}

}  // namespace

bool AccessKey::allows(std::string_view action, std::string_view zone_id) const {
    bool action_ok = false;
    for (const std::string& a : actions) {
        if (a == "route53:*" || std::string_view(a).substr(kPrefix.size()) == action) action_ok = true;
    }
    if (!action_ok) return false;
    if (zone_id.empty()) return true;
    for (const std::string& z : hosted_zones) {
        if (z == "*" || z == zone_id) return true;
    }
    return false;
}

Result<Credentials> Credentials::parse(std::string_view text, const std::string& file) {
    nlohmann::json root;
    try {
        root = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        return Error{file, 0, std::string("not valid JSON: ") + e.what()};
    }
    if (!root.is_object() || !root.contains("AccessKeys") || !root["AccessKeys"].is_array()) {
        return Error{file, 0, "expected {\"AccessKeys\": [...]}"};
    }
    Credentials out;
    std::set<std::string> seen;
    const nlohmann::json& keys = root["AccessKeys"];
    for (size_t i = 0; i < keys.size(); ++i) {
        auto k = parse_key(keys[i], i, file);
        if (!k.ok()) return k.error();
        if (!seen.insert(k->access_key_id).second) {
            return Error{file, 0, "access key " + k->access_key_id + ": listed twice"};
        }
        out.keys_.push_back(std::move(*k));
    }
    return out;
}

Result<Credentials> Credentials::load(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Error{path, 0, "cannot read the credentials file"};
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), path);
}

const AccessKey* Credentials::find(std::string_view access_key_id) const {
    for (const AccessKey& k : keys_) {
        if (k.access_key_id == access_key_id) return &k;
    }
    return nullptr;
}

}  // namespace fz::api
