// Grouping record sets into policies and checking them across files (cold).
#include "policy/policy_set.h"

#include <algorithm>
#include <functional>
#include <set>

#include "policy/geo_codes.h"

namespace fz::policy {
namespace {

struct Source {
    const RecordSet* record;
    const std::string* file;
};

Error record_error(const Source& s, const std::string& problem) {
    return Error{*s.file, s.record->line, "record set " + s.record->describe() + ": " + problem};
}

std::string geo_key(const GeoLocationSpec& g) { return g.continent + "/" + g.country + "/" + g.subdivision; }

// Kind-specific checks of one group.
Status check_group(const std::vector<Source>& group, const PolicyInputs& in, Policy* policy) {
    std::set<std::string> seen;
    const Source* primary = nullptr;
    const Source* secondary = nullptr;
    for (const Source& s : group) {
        const RecordSet& r = *s.record;
        switch (policy->kind) {
            case RoutingKind::kGeolocation:
                if (!seen.insert(geo_key(r.geo())).second) {
                    return record_error(s, r.geo().is_default()
                                               ? "a second default location (CountryCode \"*\")"
                                               : "another record set already has location " + r.geo().describe());
                }
                break;
            case RoutingKind::kLatency:
                if (!seen.insert(r.region()).second)
                    return record_error(s, "another record set already has Region " + r.region());
                if (!aws_region_coordinates(r.region()) && !(in.latency && in.latency->find_region(r.region()) >= 0)) {
                    return record_error(s, "Region \"" + r.region() +
                                               "\" is neither an AWS region nor in the latency table");
                }
                break;
            case RoutingKind::kFailover: {
                const Source*& slot = r.failover_primary ? primary : secondary;
                if (slot != nullptr) {
                    return record_error(s, std::string("a second ") + (r.failover_primary ? "PRIMARY" : "SECONDARY") +
                                               " record set (the first is \"" + slot->record->set_identifier + "\")");
                }
                slot = &s;
                break;
            }
            case RoutingKind::kIpBased: {
                const auto* collection = in.cidr_collections.find(r.cidr().collection_id);
                if (collection == nullptr) {
                    return record_error(s, "CIDR collection \"" + r.cidr().collection_id + "\" does not exist");
                }
                if (policy->cidr && policy->cidr != *collection) {
                    return record_error(s, "uses CIDR collection \"" + r.cidr().collection_id +
                                               "\" but the other record sets of this name and type use \"" +
                                               policy->cidr->id + "\"");
                }
                policy->cidr = *collection;
                if (r.cidr().location_name != "*" && (*collection)->find_location(r.cidr().location_name) < 0) {
                    return record_error(s, "CIDR location \"" + r.cidr().location_name + "\" is not in collection \"" +
                                               r.cidr().collection_id + "\"");
                }
                if (!seen.insert(r.cidr().location_name).second) {
                    return record_error(s,
                                        r.cidr().location_name == "*"
                                            ? "a second default CIDR location (\"*\")"
                                            : "another record set already has CIDR location " + r.cidr().location_name);
                }
                break;
            }
            default: break;
        }
    }
    return Ok{};
}

// (lower-case wire name, type): what record sets are grouped by, and PolicySet::index's key.
using GroupKey = std::pair<std::string, uint16_t>;

// Record sets grouped by name and type; groups in the order their first record set comes
// in the files.
struct Groups {
    std::map<GroupKey, std::vector<Source>> by_key;
    std::vector<GroupKey> order;
};

Groups group_by_name_and_type(const std::vector<RecordSetFile>& files) {
    Groups groups;
    for (const RecordSetFile& f : files) {
        for (const RecordSet& r : f.record_sets) {
            auto key = std::make_pair(r.name.lowered().bytes(), r.type);
            auto& g = groups.by_key[key];
            if (g.empty()) groups.order.push_back(key);
            g.push_back(Source{&r, &f.file});
        }
    }
    return groups;
}

// A record set without SetIdentifier must be alone under its name and type.
Status check_unrouted_alone(const std::vector<Source>& group) {
    const Source& first = group.front();
    for (size_t i = 0; i < group.size() && group.size() > 1; ++i) {
        if (!group[i].record->set_identifier.empty()) continue;
        const Source& at = group[std::max<size_t>(i, 1)];  // the later of the clashing pair
        const Source& other = first;
        if (at.record->set_identifier.empty() && other.record->set_identifier.empty()) {
            return record_error(at, "duplicate record set (same Name and Type, no SetIdentifier)");
        }
        return record_error(at,
                            "a record set without SetIdentifier cannot share its Name and Type with "
                            "routed record sets (" +
                                other.record->describe() + ")");
    }
    return Ok{};
}

// The policy of one group of routed record sets: one routing kind, distinct SetIdentifiers,
// the checks of that kind, and each member's health check and CIDR location looked up.
Result<Policy> policy_of_group(const std::vector<Source>& group, const PolicyInputs& in) {
    const Source& first = group.front();
    Policy p;
    p.name = first.record->name;
    p.type = first.record->type;
    p.kind = first.record->kind;
    p.file = *first.file;
    std::set<std::string> ids;
    for (const Source& s : group) {
        if (s.record->kind != p.kind) {
            return record_error(s, std::string("mixed routing policies under one name and type: ") +
                                       routing_kind_name(s.record->kind) + " here, " + routing_kind_name(p.kind) +
                                       " in " + first.record->describe());
        }
        if (!s.record->set_identifier.empty() && !ids.insert(s.record->set_identifier).second) {
            return record_error(s, "duplicate SetIdentifier");
        }
    }
    if (group.size() > kMaxMembers) return record_error(group.back(), "too many record sets for one name and type");
    if (Status st = check_group(group, in, &p); !st.ok()) return st.error();
    for (const Source& s : group) {
        PolicyMember m;
        m.record = *s.record;
        if (!m.record.health_check_id().empty()) {
            const int64_t hc = in.health_checks.find(m.record.health_check_id());
            if (hc < 0) return record_error(s, "HealthCheckId \"" + m.record.health_check_id() + "\" does not exist");
            m.health_check = static_cast<uint32_t>(hc);
        }
        if (p.kind == RoutingKind::kIpBased && m.record.cidr().location_name != "*") {
            m.cidr_location = static_cast<int32_t>(p.cidr->find_location(m.record.cidr().location_name));
        }
        p.members.push_back(std::move(m));
    }
    return p;
}

Error member_error(const PolicySet& set, uint32_t policy, size_t member, const std::string& problem) {
    const Policy& p = set.policies[policy];
    return Error{p.file, p.members[member].record.line,
                 "record set " + p.members[member].record.describe() + ": " + problem};
}

// The zone an alias target lies in: the one its HostedZoneId names, else the closest
// enclosing zone we serve; an error when it names a zone the target is not in, or there is none.
Result<const ZoneInfo*> alias_zone(const AliasSpec& a, const std::vector<ZoneInfo>& zones) {
    const ZoneInfo* zone = nullptr;
    for (const ZoneInfo& z : zones) {
        if (!a.hosted_zone_id.empty() && z.hosted_zone_id == a.hosted_zone_id) zone = &z;
    }
    if (zone != nullptr && !a.dns_name.is_subdomain_of(zone->origin)) {
        return Error{"", 0,
                     "alias target " + a.dns_name.to_text() + " is not in zone " + zone->origin.to_text() +
                         " (HostedZoneId " + a.hosted_zone_id + ")"};
    }
    if (zone == nullptr) {
        for (const ZoneInfo& z : zones) {
            if (a.dns_name.is_subdomain_of(z.origin) && (zone == nullptr || z.origin.size() > zone->origin.size())) {
                zone = &z;
            }
        }
    }
    if (zone == nullptr) {
        return Error{"", 0,
                     "alias target " + a.dns_name.to_text() +
                         (a.hosted_zone_id.empty() ? "" : " (HostedZoneId " + a.hosted_zone_id + ")") +
                         " is not in a zone this server serves"};
    }
    return zone;
}

// Alias targets: inside a zone we serve and existing; a target under a policy is linked
// as the member's target_policy.
Status resolve_alias_targets(PolicySet& set, const PolicyInputs& in, const std::set<GroupKey>& simple_keys) {
    for (uint32_t pi = 0; pi < set.policies.size(); ++pi) {
        Policy& p = set.policies[pi];
        for (size_t mi = 0; mi < p.members.size(); ++mi) {
            PolicyMember& m = p.members[mi];
            if (!m.is_alias()) continue;
            const AliasSpec& a = *m.record.alias();
            if (auto zone = alias_zone(a, in.zones); !zone.ok()) return member_error(set, pi, mi, zone.error().message);
            const auto key = std::make_pair(a.dns_name.lowered().bytes(), p.type);
            if (auto it = set.index.find(key); it != set.index.end()) {
                m.target_policy = it->second;
            } else if (!simple_keys.count(key) && in.zone_has_rrset && !in.zone_has_rrset(a.dns_name, p.type)) {
                return member_error(set, pi, mi,
                                    "alias target " + a.dns_name.to_text() + " " + type_name(p.type) +
                                        " does not exist");
            }
        }
    }
    return Ok{};
}

// Depth-first search over alias edges: loops and chains deeper than kMaxAliasChain are
// errors; the finishing order (compile_order) puts targets before their aliases, which is
// the order health must be computed in.
Status order_alias_chains(PolicySet& set) {
    const size_t n = set.policies.size();
    std::vector<uint8_t> state(n, 0);   // 0 new, 1 on the path, 2 done
    std::vector<unsigned> chain(n, 0);  // longest alias chain starting here
    std::vector<uint32_t> path;
    std::function<Status(uint32_t)> visit = [&](uint32_t pi) -> Status {
        state[pi] = 1;
        path.push_back(pi);
        const Policy& p = set.policies[pi];
        for (size_t mi = 0; mi < p.members.size(); ++mi) {
            const uint32_t t = p.members[mi].target_policy;
            if (t == kNoPolicy) continue;
            if (state[t] == 1) {
                std::string loop;
                for (auto it = std::find(path.begin(), path.end(), t); it != path.end(); ++it) {
                    loop += set.policies[*it].name.to_text() + " " + type_name(set.policies[*it].type) + " -> ";
                }
                loop += set.policies[t].name.to_text() + " " + type_name(set.policies[t].type);
                return member_error(set, pi, mi, "alias loop: " + loop);
            }
            if (state[t] == 0) {
                if (Status s = visit(t); !s.ok()) return s;
            }
            chain[pi] = std::max(chain[pi], chain[t] + 1);
            if (chain[pi] > kMaxAliasChain) {
                return member_error(set, pi, mi, "alias chain deeper than " + std::to_string(kMaxAliasChain));
            }
        }
        path.pop_back();
        state[pi] = 2;
        set.compile_order.push_back(pi);
        return Ok{};
    };
    for (uint32_t pi = 0; pi < n; ++pi) {
        if (state[pi] == 0) {
            if (Status s = visit(pi); !s.ok()) return s;
        }
    }
    return Ok{};
}

// Which policies a change of health reaches: those using a check (users_of_check, with
// the users of a CALCULATED check counted as users of its children too) and those whose
// EvaluateTargetHealth aliases target another (eth_dependents).
void index_health_dependents(PolicySet& set, const HealthCheckSet& checks) {
    const size_t n = set.policies.size();
    set.users_of_check.assign(checks.checks.size(), {});
    set.eth_dependents.assign(n, {});
    for (uint32_t pi = 0; pi < n; ++pi) {
        for (const PolicyMember& m : set.policies[pi].members) {
            if (m.health_check != kNoHealthCheck) {
                auto& users = set.users_of_check[m.health_check];
                if (users.empty() || users.back() != pi) users.push_back(pi);
            }
            if (m.target_policy != kNoPolicy && m.record.alias()->evaluate_target_health) {
                auto& deps = set.eth_dependents[m.target_policy];
                if (deps.empty() || deps.back() != pi) deps.push_back(pi);
            }
        }
    }
    // A CALCULATED check changes when a child does: its users depend on the children too.
    std::function<void(uint32_t, uint32_t)> add_to_children = [&](uint32_t check, uint32_t pi) {
        for (uint32_t c : checks.checks[check].children) {
            auto& users = set.users_of_check[c];
            if (std::find(users.begin(), users.end(), pi) == users.end()) users.push_back(pi);
            add_to_children(c, pi);
        }
    };
    for (uint32_t hc = 0; hc < checks.checks.size(); ++hc) {
        if (checks.checks[hc].type != HealthCheckType::kCalculated) continue;
        for (uint32_t pi : std::vector<uint32_t>(set.users_of_check[hc])) add_to_children(hc, pi);
    }
}

}  // namespace

std::string Policy::describe() const {
    return name.to_text() + " " + type_name(type) + " (" + routing_kind_name(kind) + ", " +
           std::to_string(members.size()) + " record set" + (members.size() == 1 ? "" : "s") + ")";
}

uint32_t PolicySet::first_choice(uint32_t id) const {
    for (unsigned hop = 0; hop < kMaxAliasChain; ++hop) {
        const Policy& p = policies[id];
        if (p.kind != RoutingKind::kSimple || p.members.size() != 1 || p.members[0].target_policy == kNoPolicy) break;
        id = p.members[0].target_policy;
    }
    return id;
}

uint32_t PolicySet::find(const dns::Name& name, uint16_t type) const {
    auto it = index.find({name.lowered().bytes(), type});
    return it == index.end() ? kNoPolicy : it->second;
}

Result<std::shared_ptr<PolicySet>> build_policy_set(PolicyInputs in) {
    auto set = std::make_shared<PolicySet>();
    Groups groups = group_by_name_and_type(in.record_sets);
    std::set<GroupKey> simple_keys;
    for (const GroupKey& key : groups.order) {
        const std::vector<Source>& group = groups.by_key[key];
        if (Status st = check_unrouted_alone(group); !st.ok()) return st.error();
        const Source& first = group.front();
        if (first.record->is_simple()) {
            set->simple.push_back(SimpleRecordSet{*first.record, *first.file});
            simple_keys.insert(key);
            continue;
        }
        auto policy = policy_of_group(group, in);
        if (!policy.ok()) return policy.error();
        set->index.emplace(key, static_cast<uint32_t>(set->policies.size()));
        set->policies.push_back(std::move(*policy));
    }
    if (Status st = resolve_alias_targets(*set, in, simple_keys); !st.ok()) return st.error();
    if (Status st = order_alias_chains(*set); !st.ok()) return st.error();
    index_health_dependents(*set, in.health_checks);

    set->health_checks = std::move(in.health_checks);
    set->geo = std::move(in.geo);
    set->latency = std::move(in.latency);
    return set;
}

}  // namespace fz::policy
