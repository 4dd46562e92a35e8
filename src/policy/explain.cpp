// Describing policy decisions for operators (cold).
#include "policy/explain.h"

#include <arpa/inet.h>

#include <cstdio>
#include <sstream>

#include "policy/compile.h"
#include "policy/geo_codes.h"

namespace fz::policy {
namespace {

std::string member_label(const PolicyMember& m) {
    return m.record.set_identifier.empty() ? std::string("(no SetIdentifier)") : "\"" + m.record.set_identifier + "\"";
}

std::string member_answer(const PolicyMember& m) {
    if (m.is_alias()) {
        return "alias to " + m.record.alias()->dns_name.to_text() + " " + type_name(m.record.type) +
               (m.record.alias()->evaluate_target_health ? " (EvaluateTargetHealth)" : "");
    }
    std::string out;
    for (const std::string& v : m.record.values) out += (out.empty() ? "" : " | ") + v;
    return out;
}

std::string member_health(const PolicyTables& t, const PolicyMember& m, bool healthy) {
    std::string out = healthy ? "healthy" : "unhealthy";
    if (m.health_check != kNoHealthCheck) {
        const bool ok = m.health_check < t.health().size() && t.health()[m.health_check] != 0;
        out += std::string(" (health check ") + t.set().health_checks.checks[m.health_check].id + " " +
               (ok ? "healthy" : "unhealthy") + ")";
    } else if (!m.is_alias() || !m.record.alias()->evaluate_target_health) {
        out += " (no health check)";
    }
    if (m.is_alias() && m.record.alias()->evaluate_target_health && m.target_policy != kNoPolicy) {
        out += t.get(m.target_policy)->any_healthy ? " (alias target has a healthy record)"
                                                   : " (alias target has no healthy record)";
    }
    return out;
}

std::string member_attribute(const Policy& p, const PolicyMember& m, const CompiledPolicy& c,
                             const std::vector<double>& shares, size_t i) {
    char buf[160];
    switch (p.kind) {
        case RoutingKind::kWeighted:
            std::snprintf(buf, sizeof buf, "weight %u, share %.1f%%", m.record.weight, shares[i] * 100.0);
            return buf;
        case RoutingKind::kGeolocation: return m.record.geo().describe();
        case RoutingKind::kLatency: return "region " + m.record.region();
        case RoutingKind::kFailover: return m.record.failover_primary ? "PRIMARY" : "SECONDARY";
        case RoutingKind::kMultiValue: return "multivalue";
        case RoutingKind::kIpBased: return "CIDR location " + m.record.cidr().location_name;
        case RoutingKind::kGeoproximity: {
            const GeoproximitySpec& g = m.record.geoproximity();
            std::snprintf(buf, sizeof buf, "%s%s(%.2f, %.2f), bias %d", g.aws_region.c_str(),
                          g.aws_region.empty() ? "" : " ", g.latitude, g.longitude, g.bias);
            return buf;
        }
        case RoutingKind::kSimple: break;
    }
    (void)c;
    return "alias";
}

void describe_lookup(std::ostringstream& out, const PolicyTables& t, const Policy& p, const CompiledPolicy& c,
                     const ClientInfo& client) {
    const bool known = client.known();
    switch (p.kind) {
        case RoutingKind::kGeolocation:
        case RoutingKind::kGeoproximity: {
            if (p.kind == RoutingKind::kGeoproximity) {
                out << "  (clients without coordinates get the first healthy record in file order)\n";
            }
            if (c.geo == nullptr) {
                out << "  GeoIP: no database configured: client location unknown\n";
                return;
            }
            if (!known) {
                out << "  GeoIP: client address not usable: location unknown\n";
                return;
            }
            const LpmMatch m = c.geo->lookup(client);
            if (m.value == kLpmNoValue) {
                out << "  GeoIP (" << c.geo->source() << "): no entry, block /" << int(m.depth) << "\n";
            } else if (p.kind == RoutingKind::kGeoproximity && !c.geo->locations()[m.value].has_coordinates) {
                out << "  GeoIP (" << c.geo->source() << "): " << c.geo->locations()[m.value].describe() << ", block /"
                    << int(m.depth) << ": no coordinates\n";
            } else {
                const GeoLocation& l = c.geo->locations()[m.value];
                out << "  GeoIP (" << c.geo->source() << "): " << l.describe() << ", block /" << int(m.depth) << "\n";
                if (p.kind == RoutingKind::kGeoproximity && l.has_coordinates) {
                    for (size_t i = 0; i < p.members.size(); ++i) {
                        const GeoproximitySpec& g = p.members[i].record.geoproximity();
                        const double d = great_circle_km(Coordinates{l.latitude, l.longitude},
                                                         Coordinates{g.latitude, g.longitude});
                        const double biased = g.bias >= 0 ? d * (1.0 - g.bias / 100.0) : d / (1.0 + g.bias / 100.0);
                        char buf[128];
                        std::snprintf(buf, sizeof buf, "    distance to %s: %.0f km, with bias %.0f km\n",
                                      member_label(p.members[i]).c_str(), d, biased);
                        out << buf;
                    }
                }
            }
            (void)t;
            return;
        }
        case RoutingKind::kIpBased: {
            if (!known) {
                out << "  CIDR collection " << c.cidr->id << ": client address not usable\n";
                return;
            }
            const LpmMatch m = c.cidr->lookup(client);
            out << "  CIDR collection " << c.cidr->id << ": ";
            if (m.value == kLpmNoValue) {
                out << "no CIDR block matches";
            } else {
                out << "location " << c.cidr->locations[m.value].name;
            }
            out << ", block /" << int(m.depth) << "\n";
            return;
        }
        case RoutingKind::kLatency: {
            if (c.latency == nullptr) {
                out << "  latency: no table configured: record order decides\n";
                return;
            }
            uint32_t value = kLpmNoValue;
            if (known) {
                const LpmMatch m = c.latency->lookup(client);
                value = m.value;
                out << "  latency (" << c.latency->file() << "): ";
                if (m.value == kLpmNoValue) {
                    out << "no prefix covers the client (block /" << int(m.depth) << "): default order\n";
                } else {
                    out << "prefix " << c.latency->entries()[m.value].prefix << ", block /" << int(m.depth) << "\n";
                    for (const auto& [r, ms] : c.latency->entries()[m.value].measured) {
                        out << "    " << c.latency->regions()[r] << ": " << ms << " ms\n";
                    }
                }
            } else {
                out << "  latency: client address not usable: default order\n";
            }
            out << "  region order:";
            for (uint16_t r : c.latency->order_for(value)) out << " " << c.latency->regions()[r];
            out << "\n";
            return;
        }
        default: return;
    }
}

}  // namespace

std::string client_to_text(const ClientInfo& client) {
    if (client.family == Family::kNone) return "unknown";
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(client.family == Family::kIpv4 ? AF_INET : AF_INET6, client.address, buf, sizeof buf);
    return std::string(buf) + "/" + std::to_string(client.source_prefix);
}

std::string explain(const PolicyTables& tables, uint32_t id, const ClientInfo& client, Rng& rng) {
    std::ostringstream out;
    out << "client " << client_to_text(client) << (client.known() ? "" : " (location unknown)") << "\n";
    uint8_t scope = 0;
    for (unsigned hop = 0;; ++hop) {
        const Policy& p = tables.set().policies[id];
        const CompiledPolicy& c = *tables.get(id);
        const Decision d = decide(c, client, rng);
        scope = d.scope > scope ? d.scope : scope;
        out << (hop == 0 ? "" : "alias target ") << p.describe() << ", from " << p.file << "\n";
        describe_lookup(out, tables, p, c, client);
        const std::vector<double> shares = p.kind == RoutingKind::kWeighted ? weighted_shares(c, p.members.size())
                                                                            : std::vector<double>{};
        out << "  record sets:\n";
        for (size_t i = 0; i < p.members.size(); ++i) {
            const PolicyMember& m = p.members[i];
            bool chosen = false;
            for (unsigned k = 0; k < d.count; ++k) chosen = chosen || d.members[k] == i;
            out << "    " << (chosen ? "* " : "  ") << member_label(m) << ": " << member_attribute(p, m, c, shares, i)
                << "; " << member_health(tables, m, c.member_healthy[i] != 0) << "; " << member_answer(m) << "\n";
        }
        if (!c.any_healthy && p.members.size() > 1) {
            out << "  no record set is healthy: all count as healthy\n";
        }
        if (d.count == 0) {
            out << "answer: NODATA (no record set applies to this client)\n";
        } else {
            out << "answer:";
            for (unsigned k = 0; k < d.count; ++k) out << " " << member_label(p.members[d.members[k]]);
            out << "\n";
        }
        const uint32_t next = d.count == 1 ? c.target_policy[d.members[0]] : kNoPolicy;
        if (next == kNoPolicy || hop >= kMaxAliasChain) break;
        id = next;
    }
    out << "ECS scope: /" << int(scope) << (scope == 0 ? " (the answer does not depend on the client)" : "") << "\n";
    return out.str();
}

}  // namespace fz::policy
