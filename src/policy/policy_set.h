// The checked model of every routing policy: record sets grouped by (name, type), health
// checks, CIDR collections, GeoIP and latency tables resolved. Built on the control plane.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "dns/name.h"
#include "policy/cidr.h"
#include "policy/geoip.h"
#include "policy/health_check.h"
#include "policy/latency.h"
#include "policy/record_set.h"

namespace fz::policy {

inline constexpr uint32_t kNoPolicy = 0xffffffffu;
inline constexpr uint32_t kNoHealthCheck = 0xffffffffu;
inline constexpr size_t kMaxMembers = 0xfffe;   // member indexes are uint16_t; 0xffff means none
inline constexpr unsigned kMaxAliasChain = 16;  // aliases to aliases, at most this deep

// A zone this server is authoritative for; `hosted_zone_id` lets AliasTarget.HostedZoneId
// name it as Route 53 would (zones[].hosted_zone_id in the configuration).
struct ZoneInfo {
    dns::Name origin;
    std::string hosted_zone_id;
};

struct PolicyInputs {
    std::vector<RecordSetFile> record_sets;
    std::vector<ZoneInfo> zones;
    HealthCheckSet health_checks;
    CidrCollectionSet cidr_collections;
    std::shared_ptr<const GeoDatabase> geo;       // may be null: every client is "unknown"
    std::shared_ptr<const LatencyTable> latency;  // may be null: record order decides
    // Whether a zone file holds an RRset (alias targets outside the record-set files).
    // When empty, such targets are assumed to exist and the engine checks them.
    std::function<bool(const dns::Name&, uint16_t)> zone_has_rrset;
};

// One record set of a policy. Its index in Policy::members is what decide() returns.
struct PolicyMember {
    RecordSet record;
    uint32_t health_check = kNoHealthCheck;  // index into PolicySet::health_checks
    uint32_t target_policy = kNoPolicy;      // alias whose target is itself under a policy
    int32_t cidr_location = -1;              // IP-based: location index, -1 for "*"

    bool is_alias() const { return record.alias().has_value(); }
};

// The record sets sharing one name and type.
struct Policy {
    dns::Name name;
    uint16_t type = 0;
    RoutingKind kind = RoutingKind::kSimple;
    std::string file;
    std::vector<PolicyMember> members;
    std::shared_ptr<const CidrCollection> cidr;  // IP-based only

    // "www.example.com. A (weighted, 3 record sets)".
    std::string describe() const;
};

// A record set without SetIdentifier or AliasTarget: the engine merges it into the zone.
struct SimpleRecordSet {
    RecordSet record;
    std::string file;
};

struct PolicySet {
    std::vector<Policy> policies;  // a policy's id is its index
    std::vector<SimpleRecordSet> simple;
    HealthCheckSet health_checks;
    std::shared_ptr<const GeoDatabase> geo;
    std::shared_ptr<const LatencyTable> latency;
    std::vector<uint32_t> compile_order;                         // alias targets before their aliases
    std::vector<std::vector<uint32_t>> users_of_check;           // health check -> policies using it
    std::vector<std::vector<uint32_t>> eth_dependents;           // policy -> policies whose
                                                                 // EvaluateTargetHealth aliases target it
    std::map<std::pair<std::string, uint16_t>, uint32_t> index;  // (lower-case wire name, type)

    // The policy for (name, type), or kNoPolicy.
    uint32_t find(const dns::Name& name, uint16_t type) const;

    // The first policy along `id`'s chain of simple aliases (a simple policy whose one
    // member aliases another policy) that makes a choice. A simple alias always answers
    // with its target whatever the health (there is nothing else to answer), so resolving
    // from there gives the same answer and scope with fewer steps on the data plane.
    uint32_t first_choice(uint32_t id) const;
};

// Groups and checks record sets across files. Every error names the file, the record set
// (Name, Type, SetIdentifier) and the problem: mixed routing policies under one name and
// type, a simple record set beside routed ones, duplicate SetIdentifier, two defaults,
// duplicate locations/regions, failover with two primaries, an unknown HealthCheckId,
// CIDR collection or location, an unknown latency Region, an alias to a zone we do not
// serve or to an RRset that does not exist, alias loops and over-long alias chains.
// The set is the caller's to finish: the loader moves `simple` into the zones and then
// empties it, so that a snapshot does not hold every simple record set twice.
Result<std::shared_ptr<PolicySet>> build_policy_set(PolicyInputs inputs);

}  // namespace fz::policy
