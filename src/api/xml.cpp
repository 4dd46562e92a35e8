// Route 53's XML elements, written and read (cold).
#include "api/xml.h"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <set>
#include <sstream>

#include "dns/rrtype.h"

namespace fz::api::xml {
namespace {

void add_bool(pugi::xml_node parent, const char* name, bool v) { add_text(parent, name, v ? "true" : "false"); }

// The shortest text that reads back as `v` ("49.22", not "49.219999999999999").
std::string shortest(double v) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

void append_octal(std::string& out, unsigned v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\%03o", v & 0xff);
    out += buf;
}

// Route 53's list elements and the name of their members.
const char* list_member(std::string_view list) {
    if (list == "ResourceRecords") return "ResourceRecord";
    if (list == "ChildHealthChecks") return "ChildHealthCheck";
    if (list == "Regions") return "Region";
    if (list == "ResetElements") return "ResettableElementName";
    return nullptr;
}

bool has_element_child(const pugi::xml_node& n) {
    for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
        if (c.type() == pugi::node_element) return true;
    }
    return false;
}

}  // namespace

pugi::xml_node start(pugi::xml_document& doc, const char* root) {
    pugi::xml_node decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    pugi::xml_node r = doc.append_child(root);
    r.append_attribute("xmlns") = kNamespace;
    return r;
}

std::string to_string(const pugi::xml_document& doc) {
    std::ostringstream out;
    doc.save(out, "", pugi::format_raw, pugi::encoding_utf8);
    return out.str();
}

pugi::xml_node add_text(pugi::xml_node parent, const char* name, std::string_view value) {
    pugi::xml_node n = parent.append_child(name);
    n.append_child(pugi::node_pcdata).set_value(std::string(value).c_str());
    return n;
}

std::string iso_time(int64_t unix_ms) {
    const auto t = static_cast<time_t>(unix_ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(unix_ms % 1000));
    return out;
}

std::string display_name(const dns::Name& name) {
    const std::string text = name.to_text();  // presentation form: \DDD decimal and \X escapes
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\\' && i + 3 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isdigit(static_cast<unsigned char>(text[i + 2])) &&
            std::isdigit(static_cast<unsigned char>(text[i + 3]))) {
            append_octal(out, static_cast<unsigned>(std::stoi(text.substr(i + 1, 3))));
            i += 3;
        } else if (c == '\\' && i + 1 < text.size()) {
            append_octal(out, static_cast<unsigned char>(text[++i]));
        } else if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
            out += static_cast<char>(std::tolower(c));
        } else {
            append_octal(out, c);
        }
    }
    return out;
}

std::string_view local_name(const pugi::xml_node& node) {
    std::string_view n = node.name();
    const size_t colon = n.find(':');
    return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

pugi::xml_node child(const pugi::xml_node& parent, std::string_view name) {
    for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
        if (c.type() == pugi::node_element && local_name(c) == name) return c;
    }
    return {};
}

std::string child_text(const pugi::xml_node& parent, std::string_view name, const std::string& fallback) {
    pugi::xml_node c = child(parent, name);
    return c ? std::string(c.text().get()) : fallback;
}

void write_change_info(pugi::xml_node parent, const change::ChangeInfo& info) {
    pugi::xml_node n = parent.append_child("ChangeInfo");
    add_text(n, "Id", "/change/" + info.id);
    add_text(n, "Status", info.status == change::ChangeStatus::kInsync ? "INSYNC" : "PENDING");
    add_text(n, "SubmittedAt", iso_time(info.submitted_ms));
    if (!info.comment.empty()) add_text(n, "Comment", info.comment);
}

void write_hosted_zone(pugi::xml_node parent, const change::ZoneSummary& zone) {
    pugi::xml_node n = parent.append_child("HostedZone");
    add_text(n, "Id", "/hostedzone/" + zone.id);
    add_text(n, "Name", display_name(zone.origin));
    add_text(n, "CallerReference", zone.caller_reference.empty() ? zone.id : zone.caller_reference);
    pugi::xml_node config = n.append_child("Config");
    if (!zone.comment.empty()) add_text(config, "Comment", zone.comment);
    add_bool(config, "PrivateZone", false);
    add_text(n, "ResourceRecordSetCount", std::to_string(zone.record_set_count));
}

void write_delegation_set(pugi::xml_node parent, const std::vector<std::string>& name_servers) {
    pugi::xml_node ns = parent.append_child("DelegationSet").append_child("NameServers");
    for (const std::string& s : name_servers) add_text(ns, "NameServer", s);
}

void write_record_set(pugi::xml_node parent, const policy::RecordSet& rs) {
    pugi::xml_node n = parent.append_child("ResourceRecordSet");
    add_text(n, "Name", display_name(rs.name));
    add_text(n, "Type", dns::type_to_text(rs.type));
    if (!rs.set_identifier.empty()) add_text(n, "SetIdentifier", rs.set_identifier);
    switch (rs.kind) {
        case policy::RoutingKind::kWeighted: add_text(n, "Weight", std::to_string(rs.weight)); break;
        case policy::RoutingKind::kLatency: add_text(n, "Region", rs.region()); break;
        case policy::RoutingKind::kGeolocation: {
            pugi::xml_node g = n.append_child("GeoLocation");
            if (!rs.geo().continent.empty()) add_text(g, "ContinentCode", rs.geo().continent);
            if (!rs.geo().country.empty()) add_text(g, "CountryCode", rs.geo().country);
            if (!rs.geo().subdivision.empty()) add_text(g, "SubdivisionCode", rs.geo().subdivision);
            break;
        }
        case policy::RoutingKind::kFailover:
            add_text(n, "Failover", rs.failover_primary ? "PRIMARY" : "SECONDARY");
            break;
        case policy::RoutingKind::kMultiValue: add_bool(n, "MultiValueAnswer", true); break;
        default: break;
    }
    if (!rs.alias()) {
        add_text(n, "TTL", std::to_string(rs.ttl));
        pugi::xml_node records = n.append_child("ResourceRecords");
        for (const std::string& v : rs.values) add_text(records.append_child("ResourceRecord"), "Value", v);
    } else {
        pugi::xml_node a = n.append_child("AliasTarget");
        add_text(a, "HostedZoneId", rs.alias()->hosted_zone_id);
        add_text(a, "DNSName", display_name(rs.alias()->dns_name));
        add_bool(a, "EvaluateTargetHealth", rs.alias()->evaluate_target_health);
    }
    if (!rs.health_check_id().empty()) add_text(n, "HealthCheckId", rs.health_check_id());
    if (rs.kind == policy::RoutingKind::kIpBased) {
        pugi::xml_node c = n.append_child("CidrRoutingConfig");
        add_text(c, "CollectionId", rs.cidr().collection_id);
        add_text(c, "LocationName", rs.cidr().location_name);
    }
    if (rs.kind == policy::RoutingKind::kGeoproximity) {
        pugi::xml_node g = n.append_child("GeoProximityLocation");
        if (!rs.geoproximity().aws_region.empty()) {
            add_text(g, "AWSRegion", rs.geoproximity().aws_region);
        } else {
            pugi::xml_node c = g.append_child("Coordinates");
            add_text(c, "Latitude", shortest(rs.geoproximity().latitude));
            add_text(c, "Longitude", shortest(rs.geoproximity().longitude));
        }
        if (rs.geoproximity().bias != 0) add_text(g, "Bias", std::to_string(rs.geoproximity().bias));
    }
}

nlohmann::json health_check_config_json(const policy::HealthCheck& hc) {
    nlohmann::json c;
    c["Type"] = policy::health_check_type_name(hc.type);
    if (hc.type == policy::HealthCheckType::kCalculated) {
        c["HealthThreshold"] = hc.health_threshold;
        c["ChildHealthChecks"] = hc.child_ids;
    } else {
        if (!hc.ip_address.empty()) c["IPAddress"] = hc.ip_address;
        if (!hc.fqdn.empty()) c["FullyQualifiedDomainName"] = hc.fqdn;
        c["Port"] = hc.port;
        if (!hc.resource_path.empty()) c["ResourcePath"] = hc.resource_path;
        if (!hc.search_string.empty()) c["SearchString"] = hc.search_string;
        c["RequestInterval"] = hc.request_interval;
        c["FailureThreshold"] = hc.failure_threshold;
        c["MeasureLatency"] = hc.measure_latency;
        c["EnableSNI"] = hc.enable_sni;
        if (!hc.regions.empty()) c["Regions"] = hc.regions;
    }
    c["Inverted"] = hc.inverted;
    c["Disabled"] = hc.disabled;
    return c;
}

void write_health_check(pugi::xml_node parent, const change::HealthCheckRecord& record) {
    const policy::HealthCheck& hc = record.check;
    pugi::xml_node n = parent.append_child("HealthCheck");
    add_text(n, "Id", hc.id);
    add_text(n, "CallerReference", record.caller_reference.empty() ? hc.id : record.caller_reference);
    pugi::xml_node c = n.append_child("HealthCheckConfig");
    // Element order of botocore's HealthCheckConfig shape.
    const nlohmann::json j = health_check_config_json(hc);
    for (const char* key : {"IPAddress", "Port", "Type", "ResourcePath", "FullyQualifiedDomainName", "SearchString",
                            "RequestInterval", "FailureThreshold", "MeasureLatency", "Inverted", "Disabled",
                            "HealthThreshold", "ChildHealthChecks", "EnableSNI", "Regions"}) {
        if (!j.contains(key)) continue;
        const nlohmann::json& v = j[key];
        if (v.is_array()) {
            pugi::xml_node list = c.append_child(key);
            for (const auto& item : v) add_text(list, list_member(key), item.get<std::string>());
        } else if (v.is_string()) {
            add_text(c, key, v.get<std::string>());
        } else if (v.is_boolean()) {
            add_bool(c, key, v.get<bool>());
        } else {
            add_text(c, key, v.dump());
        }
    }
    add_text(n, "HealthCheckVersion", std::to_string(record.version));
}

std::string to_json(const pugi::xml_node& element, nlohmann::json* out, int depth) {
    const std::string name(local_name(element));
    if (depth > kMaxDepth) return "elements nest too deeply at " + name;
    if (const char* member = list_member(name)) {
        *out = nlohmann::json::array();
        for (pugi::xml_node c = element.first_child(); c; c = c.next_sibling()) {
            if (c.type() != pugi::node_element) continue;
            if (local_name(c) != member) return "element " + std::string(local_name(c)) + " inside " + name;
            nlohmann::json item;
            if (std::string e = to_json(c, &item, depth + 1); !e.empty()) return e;
            out->push_back(std::move(item));
        }
        return {};
    }
    if (!has_element_child(element)) {
        *out = std::string(element.text().get());
        return {};
    }
    *out = nlohmann::json::object();
    for (pugi::xml_node c = element.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element) continue;
        const std::string key(local_name(c));
        if (out->contains(key)) return "element " + key + " appears twice in " + name;
        nlohmann::json v;
        if (std::string e = to_json(c, &v, depth + 1); !e.empty()) return e;
        (*out)[key] = std::move(v);
    }
    return {};
}

Result<policy::HealthCheck> parse_health_check_config(const nlohmann::json& config) {
    constexpr const char* kId = "new-health-check";
    nlohmann::json checks = nlohmann::json::array();
    checks.push_back({{"Id", kId}, {"HealthCheckConfig", config}});
    // Stand-ins for the children, so that the file parser's check that they exist passes:
    // the service checks them against its own checks.
    if (config.is_object() && config.contains("ChildHealthChecks") && config["ChildHealthChecks"].is_array()) {
        std::set<std::string> seen{kId};
        for (const auto& c : config["ChildHealthChecks"]) {
            if (!c.is_string() || !seen.insert(c.get<std::string>()).second) continue;
            checks.push_back({{"Id", c},
                              {"HealthCheckConfig", {{"Type", "TCP"}, {"IPAddress", "192.0.2.1"}, {"Port", 1}}}});
        }
    }
    nlohmann::json doc = {{"HealthChecks", checks}};
    auto set = policy::parse_health_checks_text(doc.dump(), "request");
    if (!set.ok()) {
        std::string message = set.error().message;
        const std::string who = std::string("health check \"") + kId + "\": ";
        if (message.rfind(who, 0) == 0) message = message.substr(who.size());
        return Error{"", 0, message};
    }
    policy::HealthCheck hc = set->checks.front();
    hc.id.clear();
    hc.children.clear();
    hc.line = 0;
    return hc;
}

}  // namespace fz::api::xml
