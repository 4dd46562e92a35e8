// Parsing and checking Route 53 resource record sets one by one (cold).
#include "policy/record_set.h"

#include <algorithm>
#include <cstdio>

#include "dns/rrtype.h"
#include "dns/wire.h"
#include "policy/document.h"
#include "policy/geo_codes.h"

namespace fz::policy {
namespace {

struct TypeName {
    const char* name;
    uint16_t type;
};

constexpr TypeName kTypes[] = {
    {"A", dns::type::A},     {"AAAA", dns::type::AAAA},   {"CAA", dns::type::CAA},   {"CNAME", dns::type::CNAME},
    {"DS", dns::type::DS},   {"HTTPS", dns::type::HTTPS}, {"MX", dns::type::MX},     {"NAPTR", dns::type::NAPTR},
    {"NS", dns::type::NS},   {"PTR", dns::type::PTR},     {"SOA", dns::type::SOA},   {"SPF", dns::type::SPF},
    {"SRV", dns::type::SRV}, {"SSHFP", dns::type::SSHFP}, {"SVCB", dns::type::SVCB}, {"TLSA", dns::type::TLSA},
    {"TXT", dns::type::TXT},
};

// Fields a record set may carry, and which of them choose a routing policy.
constexpr const char* kRoutingFields[] = {
    "Weight", "GeoLocation", "Region", "Failover", "MultiValueAnswer", "CidrRoutingConfig", "GeoProximityLocation"};

const char* routing_field(const std::string& key) {
    for (const char* f : kRoutingFields) {
        if (key == f) return f;
    }
    return nullptr;
}

class RecordParser {
public:
    RecordParser(const Document& doc, size_t index, const dns::Name& origin, const RecordSetOptions& options)
        : doc_(doc), index_(index), origin_(origin), options_(options) {}

    Result<RecordSet> parse(const nlohmann::json& item) {
        rs_.line = doc_.line_of(index_);
        if (!item.is_object()) return fail("must be an object");
        // Name, Type and SetIdentifier first, so that every later error can name them.
        if (item.contains("Name") && item["Name"].is_string()) name_text_ = item["Name"].get<std::string>();
        if (item.contains("Type") && item["Type"].is_string()) type_text_ = item["Type"].get<std::string>();
        if (item.contains("SetIdentifier")) {
            if (std::string e = get_string(item["SetIdentifier"], &rs_.set_identifier); !e.empty()) {
                return fail("SetIdentifier " + e);
            }
            if (rs_.set_identifier.empty() || rs_.set_identifier.size() > 128) {
                return fail("SetIdentifier must be 1-128 characters");
            }
        }
        if (name_text_.empty()) return fail("missing Name");
        auto name = route53_name(name_text_);
        if (!name.ok()) return fail("Name: " + name.error().message);
        rs_.name = *name;
        if (!rs_.name.is_subdomain_of(origin_)) return fail("Name is not in zone " + origin_.to_text());
        if (type_text_.empty()) return fail("missing Type");
        auto type = options_.any_type ? dns::type_from_text(type_text_) : route53_type(type_text_);
        if (!type) {
            return fail("Type \"" + type_text_ + "\" is not a type " + (options_.any_type ? "fastzone" : "Route 53") +
                        " supports");
        }
        rs_.type = *type;

        const char* routing = nullptr;
        bool has_ttl = false, has_records = false;
        for (const auto& [key, value] : item.items()) {
            std::string e;
            int64_t n = 0;
            if (key == "Name" || key == "Type" || key == "SetIdentifier") {
                continue;
            } else if (key == "TTL") {
                e = get_int(value, 0, 2147483647, &n);
                rs_.ttl = static_cast<uint32_t>(n);
                has_ttl = true;
            } else if (key == "ResourceRecords") {
                has_records = true;
                e = parse_values(value);
            } else if (key == "HealthCheckId") {
                e = get_string(value, &rs_.edit().health_check_id);
                if (e.empty() && rs_.health_check_id().empty()) e = "must not be empty";
            } else if (key == "AliasTarget") {
                e = parse_alias(value);
            } else if (key == "TrafficPolicyInstanceId") {
                e = "is not supported: traffic policies are not part of the record-set format";
            } else if (const char* field = routing_field(key)) {
                if (routing != nullptr) return fail(std::string(routing) + " and " + key + " cannot be combined");
                routing = field;
                e = parse_routing(key, value);
            } else {
                e = "is not a Route 53 record set field";
            }
            if (!e.empty()) return fail(key + " " + e);
        }

        if (routing != nullptr && rs_.set_identifier.empty()) {
            return fail(std::string(routing) + " needs a SetIdentifier");
        }
        if (routing == nullptr && !rs_.set_identifier.empty()) {
            return fail(
                "SetIdentifier without a routing policy (Weight, GeoLocation, Region, Failover, "
                "MultiValueAnswer, CidrRoutingConfig or GeoProximityLocation)");
        }
        if (rs_.alias()) {
            if (has_ttl) return fail("an alias record set takes its TTL from the target: remove TTL");
            if (has_records) return fail("an alias record set has no ResourceRecords");
            if (rs_.kind == RoutingKind::kMultiValue) return fail("multivalue answer record sets cannot be aliases");
            if (rs_.type == dns::type::NS || rs_.type == dns::type::SOA) {
                return fail("an alias record set cannot have type " + type_text_);
            }
        } else {
            if (!has_ttl) return fail("missing TTL");
            if (rs_.values.empty()) return fail("missing ResourceRecords (or AliasTarget)");
        }
        return rs_;
    }

private:
    Error fail(const std::string& problem) const {
        std::string who = "record set";
        if (!name_text_.empty() || !type_text_.empty()) {
            who += " " + (name_text_.empty() ? std::string("?") : name_text_) + " " +
                   (type_text_.empty() ? std::string("?") : type_text_);
        } else {
            who += " #" + std::to_string(index_ + 1);
        }
        if (!rs_.set_identifier.empty()) who += " \"" + rs_.set_identifier + "\"";
        return Error{doc_.file, rs_.line, who + ": " + problem};
    }

    std::string parse_values(const nlohmann::json& v) {
        if (!v.is_array() || v.empty()) return "must be a non-empty list of {\"Value\": ...}";
        for (const auto& rr : v) {
            if (!rr.is_object() || !rr.contains("Value") || rr.size() != 1)
                return "entries must be {\"Value\": \"...\"}";
            std::string value;
            if (std::string e = get_string(rr["Value"], &value); !e.empty()) return "Value " + e;
            if (value.empty()) return "Value must not be empty";
            rs_.values.push_back(std::move(value));
        }
        return {};
    }

    std::string parse_alias(const nlohmann::json& v) {
        if (!v.is_object()) return "must be an object";
        AliasSpec a;
        bool has_name = false;
        for (const auto& [key, value] : v.items()) {
            std::string e;
            if (key == "HostedZoneId") {
                e = get_string(value, &a.hosted_zone_id);
            } else if (key == "DNSName") {
                std::string text;
                e = get_string(value, &text);
                if (e.empty()) {
                    auto n = route53_name(text);
                    if (!n.ok()) return "DNSName: " + n.error().message;
                    a.dns_name = *n;
                    has_name = true;
                }
            } else if (key == "EvaluateTargetHealth") {
                e = get_bool(value, &a.evaluate_target_health);
            } else {
                e = "is not an AliasTarget field";
            }
            if (!e.empty()) return key + " " + e;
        }
        if (!has_name) return "needs a DNSName";
        rs_.edit().alias = std::move(a);
        return {};
    }

    std::string parse_routing(const std::string& key, const nlohmann::json& v) {
        int64_t n = 0;
        if (key == "Weight") {
            rs_.kind = RoutingKind::kWeighted;
            std::string e = get_int(v, 0, 255, &n);
            rs_.weight = static_cast<uint8_t>(n);
            return e;
        }
        if (key == "Region") {
            rs_.kind = RoutingKind::kLatency;
            std::string e = get_string(v, &rs_.edit().region);
            if (e.empty() && rs_.region().empty()) e = "must not be empty";
            return e;
        }
        if (key == "Failover") {
            rs_.kind = RoutingKind::kFailover;
            std::string f;
            if (std::string e = get_string(v, &f); !e.empty()) return e;
            if (f != "PRIMARY" && f != "SECONDARY") return "\"" + f + "\" must be PRIMARY or SECONDARY";
            rs_.failover_primary = f == "PRIMARY";
            return {};
        }
        if (key == "MultiValueAnswer") {
            rs_.kind = RoutingKind::kMultiValue;
            bool on = false;
            if (std::string e = get_bool(v, &on); !e.empty()) return e;
            if (!on) return "false is not a routing policy: set it to true or remove it";
            return {};
        }
        if (key == "GeoLocation") {
            rs_.kind = RoutingKind::kGeolocation;
            return parse_geo(v);
        }
        if (key == "CidrRoutingConfig") {
            rs_.kind = RoutingKind::kIpBased;
            if (!v.is_object()) return "must be an object";
            for (const auto& [k, value] : v.items()) {
                std::string e;
                if (k == "CollectionId") {
                    e = get_string(value, &rs_.edit().cidr.collection_id);
                } else if (k == "LocationName") {
                    e = get_string(value, &rs_.edit().cidr.location_name);
                } else {
                    e = "is not a CidrRoutingConfig field";
                }
                if (!e.empty()) return k + " " + e;
            }
            if (rs_.cidr().collection_id.empty()) return "needs a CollectionId";
            const std::string& l = rs_.cidr().location_name;
            if (l.empty() || l.size() > 16 || !std::all_of(l.begin(), l.end(), [](char c) {
                    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                           c == '-' || c == '*';
                })) {
                return "LocationName \"" + l + "\" must be 1-16 characters of 0-9 A-Z a-z _ - or \"*\"";
            }
            return {};
        }
        // GeoProximityLocation
        rs_.kind = RoutingKind::kGeoproximity;
        return parse_geoproximity(v);
    }

    std::string parse_geo(const nlohmann::json& v) {
        if (!v.is_object()) return "must be an object";
        GeoLocationSpec& g = rs_.edit().geo;
        for (const auto& [key, value] : v.items()) {
            std::string e;
            if (key == "ContinentCode") {
                e = get_string(value, &g.continent);
                if (e.empty() && !is_continent_code(g.continent)) {
                    e = "\"" + g.continent + "\" is not one of AF AN AS EU OC NA SA";
                }
            } else if (key == "CountryCode") {
                e = get_string(value, &g.country);
                if (e.empty() && g.country != "*" && continent_of_country(g.country).empty()) {
                    e = "\"" + g.country + "\" is not an ISO 3166-1 alpha-2 country code (or \"*\" for the default)";
                }
            } else if (key == "SubdivisionCode") {
                e = get_string(value, &g.subdivision);
                if (e.empty() && !is_subdivision_code_format(g.subdivision)) {
                    e = "\"" + g.subdivision + "\" is not a subdivision code (1-3 letters or digits)";
                }
            } else {
                e = "is not a GeoLocation field";
            }
            if (!e.empty()) return key + " " + e;
        }
        if (!g.subdivision.empty() && (g.country.empty() || g.country == "*")) {
            return "SubdivisionCode needs a CountryCode";
        }
        if (!g.continent.empty() && !g.country.empty()) return "has both ContinentCode and CountryCode";
        if (g.continent.empty() && g.country.empty()) return "needs a ContinentCode or a CountryCode";
        return {};
    }

    std::string parse_geoproximity(const nlohmann::json& v) {
        if (!v.is_object()) return "must be an object";
        GeoproximitySpec& g = rs_.edit().geoproximity;
        int places = 0;
        for (const auto& [key, value] : v.items()) {
            std::string e;
            if (key == "AWSRegion") {
                ++places;
                e = get_string(value, &g.aws_region);
                if (e.empty()) {
                    auto where = aws_region_coordinates(g.aws_region);
                    if (!where) return "AWSRegion \"" + g.aws_region + "\" is not a known AWS region";
                    g.latitude = where->latitude;
                    g.longitude = where->longitude;
                }
            } else if (key == "LocalZoneGroup") {
                return "LocalZoneGroup is not supported (Local Zone locations are not known here): use Coordinates";
            } else if (key == "Coordinates") {
                ++places;
                if (!value.is_object() || !value.contains("Latitude") || !value.contains("Longitude")) {
                    return "Coordinates needs Latitude and Longitude";
                }
                e = get_double(value["Latitude"], &g.latitude);
                if (!e.empty()) return "Latitude " + e;
                e = get_double(value["Longitude"], &g.longitude);
                if (!e.empty()) return "Longitude " + e;
                if (g.latitude < -90 || g.latitude > 90) return "Latitude must be within -90..90";
                if (g.longitude < -180 || g.longitude > 180) return "Longitude must be within -180..180";
            } else if (key == "Bias") {
                int64_t n = 0;
                e = get_int(value, -99, 99, &n);
                g.bias = static_cast<int>(n);
            } else {
                e = "is not a GeoProximityLocation field";
            }
            if (!e.empty()) return key + " " + e;
        }
        if (places != 1) return "needs exactly one of AWSRegion or Coordinates";
        return {};
    }

    const Document& doc_;
    size_t index_;
    const dns::Name& origin_;
    const RecordSetOptions& options_;
    RecordSet rs_;
    std::string name_text_;
    std::string type_text_;
};

Result<RecordSetFile> record_sets_from(const Result<Document>& doc, const dns::Name& origin,
                                       const RecordSetOptions& options) {
    if (!doc.ok()) return doc.error();
    RecordSetFile out;
    out.file = doc->file;
    out.origin = origin;
    const nlohmann::json& list = doc->list();
    for (size_t i = 0; i < list.size(); ++i) {
        RecordParser parser(*doc, i, origin, options);
        auto rs = parser.parse(list[i]);
        if (!rs.ok()) return rs.error();
        out.record_sets.push_back(std::move(*rs));
    }
    return out;
}

}  // namespace

const char* routing_kind_name(RoutingKind kind) {
    switch (kind) {
        case RoutingKind::kSimple: return "simple";
        case RoutingKind::kWeighted: return "weighted";
        case RoutingKind::kGeolocation: return "geolocation";
        case RoutingKind::kLatency: return "latency";
        case RoutingKind::kFailover: return "failover";
        case RoutingKind::kMultiValue: return "multivalue answer";
        case RoutingKind::kIpBased: return "IP-based";
        case RoutingKind::kGeoproximity: return "geoproximity";
    }
    return "?";
}

std::string GeoLocationSpec::describe() const {
    if (is_default()) return "default (*)";
    if (!continent.empty()) return "continent " + continent;
    std::string out = "country " + country;
    if (!subdivision.empty()) out += " subdivision " + subdivision;
    return out;
}

const RoutingFields& RecordSet::routing() const {
    static const RoutingFields kNone;
    return routing_ ? *routing_ : kNone;
}

RoutingFields& RecordSet::edit() {
    // Shared with another copy: take one of our own first. Only the owner of a record set
    // edits it, so a count of one cannot rise meanwhile.
    if (!routing_) {
        routing_ = std::make_shared<RoutingFields>();
    } else if (routing_.use_count() != 1) {
        routing_ = std::make_shared<RoutingFields>(*routing_);
    }
    return *routing_;
}

std::string RecordSet::describe() const {
    std::string out = name.to_text() + " " + type_name(type);
    if (!set_identifier.empty()) out += " \"" + set_identifier + "\"";
    return out;
}

std::optional<uint16_t> route53_type(std::string_view text) {
    for (const TypeName& t : kTypes) {
        if (text.size() == std::char_traits<char>::length(t.name) &&
            std::equal(text.begin(), text.end(), t.name, [](char a, char b) { return (a & ~0x20) == b || a == b; })) {
            return t.type;
        }
    }
    return std::nullopt;
}

std::string type_name(uint16_t type) {
    for (const TypeName& t : kTypes) {
        if (t.type == type) return t.name;
    }
    return "TYPE" + std::to_string(type);
}

Result<dns::Name> route53_name(std::string_view text) {
    // Route 53 prints special characters as \ooo in OCTAL ("\052" is '*'), where master
    // files use decimal \DDD: rewrite them as decimal escapes, and make the name absolute.
    std::string presentation;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && text.size() - i >= 4 &&
            std::all_of(text.begin() + static_cast<ptrdiff_t>(i) + 1, text.begin() + static_cast<ptrdiff_t>(i) + 4,
                        [](char c) { return c >= '0' && c <= '7'; })) {
            const int v = (text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0');
            if (v > 255) return Error{"", 0, "bad octal escape in '" + std::string(text) + "'"};
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\%03d", v);
            presentation += buf;
            i += 3;
        } else if (text[i] == '\\' && i + 1 < text.size()) {
            presentation += text.substr(i, 2);
            ++i;
        } else {
            presentation += text[i];
        }
    }
    if (presentation.empty()) return Error{"", 0, "empty name"};
    if (presentation != "." &&
        (presentation.back() != '.' || (presentation.size() >= 2 && presentation[presentation.size() - 2] == '\\'))) {
        presentation += '.';
    }
    return dns::name_from_text(presentation, nullptr);
}

Result<RecordSetFile> parse_record_sets_text(std::string_view text, const std::string& file, const dns::Name& origin,
                                             const RecordSetOptions& options) {
    return record_sets_from(parse_document(text, file, "ResourceRecordSets"), origin, options);
}

Result<RecordSetFile> parse_record_sets_file(const std::string& path, const dns::Name& origin) {
    return record_sets_from(read_document(path, "ResourceRecordSets"), origin, RecordSetOptions{});
}

std::string record_set_to_json(const RecordSet& rs) {
    nlohmann::ordered_json j;
    // Route 53 prints names with a final dot and '*' as \052 (octal), which route53_name reads.
    std::string name = rs.name.to_text();
    j["Name"] = name;
    j["Type"] = dns::type_to_text(rs.type);
    if (!rs.set_identifier.empty()) j["SetIdentifier"] = rs.set_identifier;
    switch (rs.kind) {
        case RoutingKind::kSimple: break;
        case RoutingKind::kWeighted: j["Weight"] = rs.weight; break;
        case RoutingKind::kLatency: j["Region"] = rs.region(); break;
        case RoutingKind::kFailover: j["Failover"] = rs.failover_primary ? "PRIMARY" : "SECONDARY"; break;
        case RoutingKind::kMultiValue: j["MultiValueAnswer"] = true; break;
        case RoutingKind::kGeolocation: {
            nlohmann::ordered_json g;
            if (!rs.geo().continent.empty()) g["ContinentCode"] = rs.geo().continent;
            if (!rs.geo().country.empty()) g["CountryCode"] = rs.geo().country;
            if (!rs.geo().subdivision.empty()) g["SubdivisionCode"] = rs.geo().subdivision;
            j["GeoLocation"] = g;
            break;
        }
        case RoutingKind::kIpBased:
            j["CidrRoutingConfig"] = {{"CollectionId", rs.cidr().collection_id},
                                      {"LocationName", rs.cidr().location_name}};
            break;
        case RoutingKind::kGeoproximity: {
            nlohmann::ordered_json g;
            if (!rs.geoproximity().aws_region.empty()) {
                g["AWSRegion"] = rs.geoproximity().aws_region;
            } else {
                g["Coordinates"] = {{"Latitude", rs.geoproximity().latitude},
                                    {"Longitude", rs.geoproximity().longitude}};
            }
            if (rs.geoproximity().bias != 0) g["Bias"] = rs.geoproximity().bias;
            j["GeoProximityLocation"] = g;
            break;
        }
    }
    if (!rs.health_check_id().empty()) j["HealthCheckId"] = rs.health_check_id();
    if (rs.alias()) {
        j["AliasTarget"] = {{"HostedZoneId", rs.alias()->hosted_zone_id},
                            {"DNSName", rs.alias()->dns_name.to_text()},
                            {"EvaluateTargetHealth", rs.alias()->evaluate_target_health}};
    } else {
        j["TTL"] = rs.ttl;
        nlohmann::ordered_json values = nlohmann::ordered_json::array();
        for (const std::string& v : rs.values) values.push_back({{"Value", v}});
        j["ResourceRecords"] = values;
    }
    return j.dump();
}

}  // namespace fz::policy
