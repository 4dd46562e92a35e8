// Route 53 resource record sets (`aws route53 list-resource-record-sets` JSON, or the same
// shape in YAML): parsed and checked one by one. Control plane only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dns/name.h"

namespace fz::policy {

enum class RoutingKind : uint8_t {
    kSimple,  // no SetIdentifier (a plain record set, or a lone alias)
    kWeighted,
    kGeolocation,
    kLatency,
    kFailover,
    kMultiValue,
    kIpBased,  // CidrRoutingConfig
    kGeoproximity,
};

const char* routing_kind_name(RoutingKind kind);

struct GeoLocationSpec {
    std::string continent;    // "EU", or empty
    std::string country;      // "GB", "*" for the default, or empty
    std::string subdivision;  // "WA" (with a country), or empty

    bool is_default() const { return country == "*"; }
    // "continent EU", "country US subdivision WA", "default (*)".
    std::string describe() const;
};

struct CidrSpec {
    std::string collection_id;
    std::string location_name;  // "*" for the default
};

struct GeoproximitySpec {
    std::string aws_region;  // one of aws_region / coordinates
    double latitude = 0;
    double longitude = 0;  // resolved from aws_region when that is given
    int bias = 0;          // -99..99
};

struct AliasSpec {
    std::string hosted_zone_id;
    dns::Name dns_name;
    bool evaluate_target_health = false;
};

// The fields only routed, health-checked or alias record sets use.
struct RoutingFields {
    GeoLocationSpec geo;
    std::string region;  // latency
    CidrSpec cidr;
    GeoproximitySpec geoproximity;
    std::string health_check_id;
    std::optional<AliasSpec> alias;
};

struct RecordSet {
    dns::Name name;
    uint16_t type = 0;
    uint32_t ttl = 0;                 // 0 for aliases (the target's TTL applies)
    std::vector<std::string> values;  // ResourceRecords[].Value, presentation format, unparsed
    std::string set_identifier;       // empty for simple record sets
    RoutingKind kind = RoutingKind::kSimple;
    uint8_t weight = 0;
    bool failover_primary = false;
    uint32_t line = 0;  // of the record set in its file; 0 if unknown

    const GeoLocationSpec& geo() const { return routing().geo; }
    const std::string& region() const { return routing().region; }
    const CidrSpec& cidr() const { return routing().cidr; }
    const GeoproximitySpec& geoproximity() const { return routing().geoproximity; }
    const std::string& health_check_id() const { return routing().health_check_id; }
    const std::optional<AliasSpec>& alias() const { return routing().alias; }
    // The routing fields to change (this record set's own copy).
    RoutingFields& edit();

    bool is_simple() const { return set_identifier.empty() && !alias(); }
    // "www.example.com. A \"eu-west\"": how every error names a record set.
    std::string describe() const;

private:
    const RoutingFields& routing() const;
    // Out of line and shared between copies (copy on edit()): a zone of 1M plain record
    // sets would otherwise carry about 400 bytes of empty routing fields in each.
    std::shared_ptr<RoutingFields> routing_;
};

// The record sets of one file, for zone `origin`.
struct RecordSetFile {
    std::string file;
    dns::Name origin;
    std::vector<RecordSet> record_sets;
};

// Parses and checks every record set of a file: field types and ranges (Weight 0-255,
// TTL, continent/country/subdivision codes, Failover, Bias -99..99, coordinates), a
// SetIdentifier with exactly one routing policy, aliases without TTL or values, names
// inside `origin`. Route 53's octal escapes in names (\052 for '*') are understood.
// Checks that involve several record sets or other files come later (build_policy_set).
struct RecordSetOptions {
    // Any RR type fastzone knows (by name or TYPEnnn), not only Route 53's: the store keeps
    // every RRset of a zone (RFC 2136 UPDATE may add any type) as a record set.
    bool any_type = false;
};
Result<RecordSetFile> parse_record_sets_file(const std::string& path, const dns::Name& origin);
Result<RecordSetFile> parse_record_sets_text(std::string_view text, const std::string& file, const dns::Name& origin,
                                             const RecordSetOptions& options = {});

// One record set as the JSON object `aws route53 list-resource-record-sets` prints (Name,
// Type, TTL, SetIdentifier, the routing fields, HealthCheckId, AliasTarget,
// ResourceRecords): what parse_record_sets_text() reads back as the same record set.
std::string record_set_to_json(const RecordSet& rs);

// Route 53's name form (trailing dot optional, \ooo octal escapes) to a Name.
Result<dns::Name> route53_name(std::string_view text);

// Route 53's record types: A AAAA CAA CNAME DS HTTPS MX NAPTR NS PTR SOA SPF SRV SSHFP SVCB TLSA TXT.
std::optional<uint16_t> route53_type(std::string_view text);
std::string type_name(uint16_t type);

}  // namespace fz::policy
