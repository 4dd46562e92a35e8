#include "loader/config_fleet.h"

#include "policy/lpm.h"

namespace fz::loader {
namespace {

Status read_node(const Reader& rd, const YAML::Node& n, NodeConfig& node) {
    auto st = rd.only_keys(n, "node", {"name", "lease_ttl"});
    if (!st) return st.error();
    if (n["name"]) {
        FZ_TRY(name, rd.string(n["name"], "node.name"));
        node.name = name;
    }
    if (n["lease_ttl"]) {
        FZ_TRY(ttl, rd.number(n["lease_ttl"], "node.lease_ttl", 2, 3600));
        node.lease_ttl = static_cast<uint32_t>(ttl);
    }
    return Ok{};
}

Status read_health(const Reader& rd, const YAML::Node& n, HealthConfig& h) {
    auto st = rd.only_keys(n, "health", {"aggregate_threshold", "region"});
    if (!st) return st.error();
    if (n["aggregate_threshold"]) {
        FZ_TRY(v, rd.fraction(n["aggregate_threshold"], "health.aggregate_threshold"));
        // 1 would make every check unhealthy for good: more than 100% can never agree.
        if (v >= 1) return rd.error(n["aggregate_threshold"], "'health.aggregate_threshold' must be below 1");
        h.aggregate_threshold = v;
    }
    if (n["region"]) {
        FZ_TRY(region, rd.string(n["region"], "health.region"));
        if (region.empty()) return rd.error(n["region"], "'health.region' must not be empty");
        h.region = region;
    }
    return Ok{};
}

Result<AnycastConfig> read_anycast(const Reader& rd, const YAML::Node& n) {
    auto st = rd.only_keys(n, "anycast", {"addresses", "interface", "stale_limit"});
    if (!st) return st.error();
    AnycastConfig a;
    a.line = static_cast<uint32_t>(n.Mark().line + 1);
    if (!n["addresses"]) return rd.error(n, "'anycast' needs 'addresses'");
    FZ_TRY(addresses, rd.strings(n["addresses"], "anycast.addresses"));
    if (addresses.empty()) return rd.error(n["addresses"], "'anycast.addresses' must not be empty");
    for (const std::string& text : addresses) {
        unsigned bits = 0;
        auto p = policy::parse_prefix(text, &bits);
        if (!p) {
            return rd.error(n["addresses"], "'anycast.addresses': '" + text +
                                                "' is not an address or prefix (192.0.2.53/32): " + p.error().message);
        }
    }
    a.addresses = addresses;
    if (n["interface"]) {
        FZ_TRY(ifname, rd.string(n["interface"], "anycast.interface"));
        // IFNAMSIZ is 16 with the terminating NUL; '/' and blanks are not allowed by the kernel.
        if (ifname.empty() || ifname.size() > 15 || ifname.find_first_of("/ \t:") != std::string::npos) {
            return rd.error(n["interface"], "'anycast.interface' must be an interface name of 1 to 15 characters");
        }
        a.interface = ifname;
    }
    if (n["stale_limit"]) {
        FZ_TRY(v, rd.duration(n["stale_limit"], "anycast.stale_limit"));
        a.stale_limit = v;
    }
    return a;
}

}  // namespace

Status read_fleet_config(const Reader& rd, const YAML::Node& root, Config& c) {
    if (root["node"]) {
        auto st = read_node(rd, root["node"], c.node);
        if (!st) return st.error();
    }
    if (root["health"]) {
        auto st = read_health(rd, root["health"], c.health);
        if (!st) return st.error();
    }
    if (root["anycast"]) {
        FZ_TRY(a, read_anycast(rd, root["anycast"]));
        c.anycast = std::move(a);
    }
    return Ok{};
}

}  // namespace fz::loader
