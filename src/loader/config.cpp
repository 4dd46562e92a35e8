// The configuration file (YAML, read with yaml-cpp): validation with file:line errors.
#include "loader/config.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "common/encoding.h"
#include "loader/config_change.h"
#include "loader/config_fleet.h"
#include "loader/config_reader.h"
#include "zone/rdata_text.h"

namespace fz::loader {
namespace {

Status read_server(const Reader& rd, const YAML::Node& n, ServerConfig& s) {
    auto st = rd.only_keys(n, "server",
                           {"listen", "workers", "udp_max_payload", "identity", "version", "nsid", "tcp_idle_timeout",
                            "tcp_io_timeout_ms", "tcp_max_connections", "tcp_max_pipelined", "tcp_max_pending_output",
                            "tcp_pending_output_budget"});
    if (!st) return st.error();
    if (n["listen"]) {
        FZ_TRY(list, rd.strings(n["listen"], "server.listen"));
        for (const auto& text : list) {
            auto a = parse_listen_address(text, 53);
            if (!a) return rd.error(n["listen"], a.error().message);
            s.sockets.listen.push_back(*a);
        }
    }
    if (n["workers"]) {
        FZ_TRY(v, rd.number(n["workers"], "server.workers", 1, 256));
        s.sockets.workers = static_cast<unsigned>(v);
    }
    if (n["udp_max_payload"]) {
        FZ_TRY(v, rd.number(n["udp_max_payload"], "server.udp_max_payload", 512, 4096));
        s.sockets.udp_max_payload = static_cast<uint16_t>(v);
    }
    if (n["identity"]) {
        FZ_TRY(v, rd.string(n["identity"], "server.identity"));
        s.identity = v;
    }
    if (n["version"]) {
        FZ_TRY(v, rd.string(n["version"], "server.version"));
        s.version = v;
    }
    if (n["nsid"]) {
        FZ_TRY(v, rd.string(n["nsid"], "server.nsid"));
        if (v.size() > 255) return rd.error(n["nsid"], "'server.nsid' is longer than 255 bytes");
        s.nsid = v;
    }
    if (n["tcp_idle_timeout"]) {
        FZ_TRY(v, rd.number(n["tcp_idle_timeout"], "server.tcp_idle_timeout", 1, 3600));
        s.sockets.tcp_idle_timeout_ms = static_cast<unsigned>(v * 1000);
    }
    if (n["tcp_io_timeout_ms"]) {
        FZ_TRY(v, rd.number(n["tcp_io_timeout_ms"], "server.tcp_io_timeout_ms", 10, 60000));
        s.sockets.tcp_io_timeout_ms = static_cast<unsigned>(v);
    }
    if (n["tcp_max_connections"]) {
        FZ_TRY(v, rd.number(n["tcp_max_connections"], "server.tcp_max_connections", 1, 1000000));
        s.sockets.tcp_max_connections = static_cast<unsigned>(v);
    }
    if (n["tcp_max_pipelined"]) {
        FZ_TRY(v, rd.number(n["tcp_max_pipelined"], "server.tcp_max_pipelined", 1, 65535));
        s.sockets.tcp_max_pipelined = static_cast<unsigned>(v);
    }
    if (n["tcp_max_pending_output"]) {
        FZ_TRY(v, rd.number(n["tcp_max_pending_output"], "server.tcp_max_pending_output", 1024, 16u << 20));
        s.sockets.tcp_max_pending_output = static_cast<size_t>(v);
    }
    if (n["tcp_pending_output_budget"]) {
        FZ_TRY(v, rd.number(n["tcp_pending_output_budget"], "server.tcp_pending_output_budget", 64u << 10, 1ull << 40));
        s.sockets.tcp_pending_output_budget = static_cast<size_t>(v);
    }
    return Ok{};
}

// zones[].dnssec.nsec3: RFC 9276's limits, as for a pre-signed zone (zone/check.cpp).
Result<dnssec::Nsec3Options> read_nsec3(const Reader& rd, const YAML::Node& n) {
    dnssec::Nsec3Options o;
    if (!n) return o;
    auto st = rd.only_keys(n, "zones[].dnssec.nsec3", {"iterations", "salt", "opt_out"});
    if (!st) return st.error();
    if (n["iterations"]) {
        FZ_TRY(v, rd.number(n["iterations"], "nsec3.iterations", 0, 150));
        o.iterations = static_cast<uint16_t>(v);
    }
    if (n["salt"]) {
        FZ_TRY(salt, rd.string(n["salt"], "nsec3.salt"));
        if (salt != "-" && (!hex_decode(salt, o.salt) || o.salt.size() > 255))
            return rd.error(n["salt"], "'nsec3.salt' is '-' (none) or up to 255 bytes of hex");
    }
    if (n["opt_out"]) {
        FZ_TRY(v, rd.boolean(n["opt_out"], "nsec3.opt_out"));
        o.opt_out = v;
    }
    return o;
}

// zones[].dnssec, which names its keys_dir; or api.dnssec (`api`), for the zones the API
// signs with the store's keys, which has none.
Result<DnssecConfig> read_dnssec(const Reader& rd, const YAML::Node& n, const std::string& dir, bool api = false) {
    const char* where = api ? "api.dnssec" : "zones[].dnssec";
    auto st = api ? rd.only_keys(n, where,
                                 {"denial", "nsec3", "signature_validity", "signature_refresh", "zsk_lifetime"})
                  : rd.only_keys(n, where,
                                 {"keys_dir", "denial", "nsec3", "signature_validity", "signature_refresh",
                                  "zsk_lifetime"});
    if (!st) return st.error();
    DnssecConfig d;
    if (api) {
        d.zsk_lifetime = kApiZskLifetime;
    } else {
        if (!n["keys_dir"]) return rd.error(n, "'zones[].dnssec' needs 'keys_dir' (the zone's BIND key files)");
        FZ_TRY(keys, rd.string(n["keys_dir"], "keys_dir"));
        d.keys_dir = rd.resolve(dir, keys);
    }
    std::string denial = "nsec";
    if (n["denial"]) {
        FZ_TRY(v, rd.string(n["denial"], "denial"));
        denial = v;
        if (denial != "nsec" && denial != "nsec3") return rd.error(n["denial"], "'denial' is nsec or nsec3");
    }
    if (n["nsec3"] && denial != "nsec3") return rd.error(n["nsec3"], "'nsec3' goes with 'denial: nsec3'");
    if (denial == "nsec3") {
        FZ_TRY(o, read_nsec3(rd, n["nsec3"]));
        d.nsec3 = o;
    }
    if (n["signature_validity"]) {
        FZ_TRY(v, rd.duration(n["signature_validity"], "signature_validity"));
        d.signature_validity = v;
    }
    if (n["signature_refresh"]) {
        FZ_TRY(v, rd.duration(n["signature_refresh"], "signature_refresh"));
        d.signature_refresh = v;
    }
    if (d.signature_refresh >= d.signature_validity) {
        return rd.error(n, "'signature_refresh' must be shorter than 'signature_validity'");
    }
    if (n["zsk_lifetime"]) {
        FZ_TRY(v, rd.duration(n["zsk_lifetime"], "zsk_lifetime"));
        d.zsk_lifetime = v;
    }
    return d;
}

Status read_zones(const Reader& rd, const YAML::Node& n, const std::string& dir, std::vector<ZoneConfig>& zones) {
    if (!n.IsSequence()) return rd.error(n, "'zones' must be a list");
    for (const auto& z : n) {
        auto st = rd.only_keys(z, "zones[]",
                               {"origin", "file", "record_sets", "hosted_zone_id", "acl", "serial_policy", "dnssec",
                                "notify", "primaries"});
        if (!st) return st.error();
        ZoneConfig zc;
        zc.line = static_cast<uint32_t>(z.Mark().line + 1);
        if (!z["origin"]) return rd.error(z, "zone without 'origin'");
        FZ_TRY(origin, rd.string(z["origin"], "origin"));
        std::string text = origin;
        if (text.empty() || text.back() != '.') text += '.';
        auto name = dns::name_from_text(text, nullptr);
        if (!name) return rd.error(z["origin"], "bad zone origin '" + origin + "': " + name.error().message);
        zc.origin_text = name->to_text();
        zc.origin = *name;
        if (z["primaries"]) {
            FZ_TRY(primaries, rd.strings(z["primaries"], "zones[].primaries"));
            if (primaries.empty()) return rd.error(z["primaries"], "zone " + zc.origin_text + ": 'primaries' is empty");
            zc.primaries = primaries;
            if (z["file"] || z["record_sets"] || z["dnssec"]) {
                return rd.error(z, "zone " + zc.origin_text +
                                       " is a secondary (primaries): its data comes by transfer, so it takes no "
                                       "'file', 'record_sets' or 'dnssec'");
            }
        } else {
            if (!z["file"]) return rd.error(z, "zone " + zc.origin_text + " has no 'file' (nor 'primaries')");
            FZ_TRY(file, rd.string(z["file"], "file"));
            zc.file = rd.resolve(dir, file);
        }
        if (z["record_sets"]) {
            FZ_TRY(rs, rd.string(z["record_sets"], "record_sets"));
            zc.record_sets = rd.resolve(dir, rs);
        }
        if (z["hosted_zone_id"]) {
            FZ_TRY(id, rd.string(z["hosted_zone_id"], "hosted_zone_id"));
            zc.hosted_zone_id = id;
        }
        if (z["acl"]) {
            FZ_TRY(acl, rd.strings(z["acl"], "zones[].acl"));
            zc.acl = acl;
        }
        if (z["notify"]) {
            FZ_TRY(notify, rd.strings(z["notify"], "zones[].notify"));
            zc.notify = notify;
        }
        if (z["serial_policy"]) {
            FZ_TRY(policy, read_serial_policy(rd, z["serial_policy"], "zones[].serial_policy"));
            zc.serial_policy = policy;
        }
        if (z["dnssec"]) {
            FZ_TRY(d, read_dnssec(rd, z["dnssec"], dir));
            zc.dnssec = d;
        }
        for (const auto& other : zones) {
            if (other.origin == zc.origin) {
                return rd.error(z["origin"], "zone " + zc.origin_text + " is declared twice (first at line " +
                                                 std::to_string(other.line) + ")");
            }
        }
        zones.push_back(std::move(zc));
    }
    return Ok{};
}

Status read_dataplane(const Reader& rd, const YAML::Node& n, io::dpdk::DataplaneOptions& d) {
    auto st = rd.only_keys(n, "dataplane", {"eal", "ports", "exception_path", "ipv4_udp_checksum"});
    if (!st) return st.error();
    d.line = static_cast<uint32_t>(n.Mark().line + 1);
    if (n["eal"]) {
        FZ_TRY(eal, rd.strings(n["eal"], "dataplane.eal"));
        d.eal = eal;
    }
    if (n["exception_path"]) {
        FZ_TRY(e, rd.string(n["exception_path"], "dataplane.exception_path"));
        if (e != "tap" && e != "none")
            return rd.error(n["exception_path"], "'dataplane.exception_path' must be tap or none");
        d.exception_path = e;
    }
    if (n["ipv4_udp_checksum"]) {
        FZ_TRY(c, rd.boolean(n["ipv4_udp_checksum"], "dataplane.ipv4_udp_checksum"));
        d.ipv4_udp_checksum = c;
    }
    if (!n["ports"] || !n["ports"].IsSequence() || n["ports"].size() == 0) {
        return rd.error(n, "'dataplane.ports' must list at least one port");
    }
    for (const auto& p : n["ports"]) {
        auto ps = rd.only_keys(p, "dataplane.ports[]", {"device", "addresses", "queues"});
        if (!ps) return ps.error();
        io::dpdk::PortOptions pc;
        pc.line = static_cast<uint32_t>(p.Mark().line + 1);
        if (!p["device"]) return rd.error(p, "port without 'device'");
        FZ_TRY(dev, rd.string(p["device"], "device"));
        pc.device = dev;
        if (!p["addresses"]) return rd.error(p, "port " + dev + " has no 'addresses'");
        FZ_TRY(addrs, rd.strings(p["addresses"], "addresses"));
        pc.addresses = addrs;
        if (p["queues"]) {
            FZ_TRY(q, rd.number(p["queues"], "queues", 1, 64));
            pc.queues = static_cast<uint16_t>(q);
        }
        d.ports.push_back(std::move(pc));
    }
    return Ok{};
}

}  // namespace

Result<Config> load_config(const std::string& path) {
    Config c;
    c.path = path;
    c.dir = std::filesystem::path(path).parent_path().string();
    if (c.dir.empty()) c.dir = ".";
    Reader rd(path);
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        return Error{path, 0, "cannot read the configuration file"};
    } catch (const YAML::ParserException& e) {
        return Error{path, static_cast<uint32_t>(e.mark.line + 1), "YAML syntax error: " + e.msg};
    }
    try {
        if (!root.IsMap()) return Error{path, 1, "the configuration must be a YAML mapping"};
        static const std::initializer_list<const char*> kTopLevel = {
            "server",        "dataplane",      "zones",
            "health_checks", "health_webhook", "cidr_collections",
            "geoip",         "latency",        "latency_default_order",
            "control",       "metrics",        "api",
            "store",         "keys",           "acl",
            "remotes",       "catalog",        "node",
            "health",        "anycast"};
        // A file with none of our keys may be any file at all (fastzonectl check
        // /etc/shadow parses as a mapping): quote nothing of it.
        if (std::none_of(kTopLevel.begin(), kTopLevel.end(), [&](const char* k) { return root[k].IsDefined(); })) {
            return Error{path, 0,
                         "not a fastzone configuration: it has none of the top-level keys (server, zones, "
                         "...); nothing of it is quoted"};
        }
        auto st = rd.only_keys(root, "top level", kTopLevel);
        if (!st) return st.error();
        if (root["server"]) {
            auto s = read_server(rd, root["server"], c.server);
            if (!s) return s.error();
        }
        if (root["dataplane"] && !root["dataplane"].IsNull()) {
            io::dpdk::DataplaneOptions d;
            auto s = read_dataplane(rd, root["dataplane"], d);
            if (!s) return s.error();
            c.dataplane = std::move(d);
        }
        // A consumed catalog brings zones of its own (and is listed as one); a store, those
        // created through the API (and a fleet's, those the other servers wrote).
        if (!root["zones"] && !(root["catalog"] && root["catalog"]["consume"]) && !root["store"]) {
            return Error{path, 0, "no 'zones': nothing to serve"};
        }
        if (root["zones"]) {
            auto zs = read_zones(rd, root["zones"], c.dir, c.zones);
            if (!zs) return zs.error();
        }
        for (auto [key, field] :
             {std::pair{"health_checks", &c.health_checks}, std::pair{"cidr_collections", &c.cidr_collections},
              std::pair{"geoip", &c.geoip}, std::pair{"latency", &c.latency}}) {
            if (root[key]) {
                FZ_TRY(v, rd.string(root[key], key));
                *field = rd.resolve(c.dir, v);
            }
        }
        if (root["api"] && root["api"].IsMap() && root["api"]["dnssec"]) {
            FZ_TRY(d, read_dnssec(rd, root["api"]["dnssec"], c.dir, true));
            c.api_dnssec = d;
        }
        if (root["health_webhook"]) {
            FZ_TRY(url, rd.string(root["health_webhook"], "health_webhook"));
            if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
                return rd.error(root["health_webhook"], "'health_webhook' must be an http:// or https:// URL");
            }
            c.health_webhook = url;
        }
        if (root["latency_default_order"]) {
            FZ_TRY(order, rd.strings(root["latency_default_order"], "latency_default_order"));
            c.latency_default_order = order;
        }
        if (root["control"]) {
            auto cs = rd.only_keys(root["control"], "control", {"socket"});
            if (!cs) return cs.error();
            if (root["control"]["socket"]) {
                FZ_TRY(v, rd.string(root["control"]["socket"], "control.socket"));
                c.control_socket = rd.resolve(c.dir, v);
            }
        }
        if (root["metrics"]) {
            auto ms = rd.only_keys(root["metrics"], "metrics", {"listen"});
            if (!ms) return ms.error();
            if (root["metrics"]["listen"]) {
                FZ_TRY(v, rd.string(root["metrics"]["listen"], "metrics.listen"));
                auto a = parse_listen_address(v, 9153);
                if (!a) return rd.error(root["metrics"]["listen"], a.error().message);
                c.metrics.listen = *a;
            }
        }
        auto cs = read_change_config(rd, root, c);
        if (!cs) return cs.error();
        auto fs = read_fleet_config(rd, root, c);
        if (!fs) return fs.error();
    } catch (const YAML::Exception& e) {
        return Error{path, static_cast<uint32_t>(e.mark.line + 1), e.msg};
    }
    if (c.dataplane) {
        c.dataplane->udp_max_payload = c.server.sockets.udp_max_payload;
        c.dataplane->source = path;
    }
    return c;
}

const RemoteConfig* Config::find_remote(const std::string& id) const {
    for (const RemoteConfig& r : remotes) {
        if (r.id == id) return &r;
    }
    return nullptr;
}

const AclConfig* Config::find_acl(const std::string& id) const {
    for (const AclConfig& a : acl) {
        if (a.id == id) return &a;
    }
    return nullptr;
}

bool Config::zone_allows(const ZoneConfig& zone, const std::string& action) const {
    for (const std::string& id : zone.acl) {
        const AclConfig* a = find_acl(id);
        if (a != nullptr && std::find(a->actions.begin(), a->actions.end(), action) != a->actions.end()) return true;
    }
    return false;
}

std::vector<std::string> restart_only_changes(const Config& running, const Config& next) {
    std::vector<std::string> changed;
    const io::SocketOptions& a = running.server.sockets;
    const io::SocketOptions& b = next.server.sockets;
    if (a.listen != b.listen) changed.emplace_back("server.listen");
    if (a.workers != b.workers) changed.emplace_back("server.workers");
    if (a.udp_max_payload != b.udp_max_payload) changed.emplace_back("server.udp_max_payload");
    io::SocketOptions tcp_a = a, tcp_b = b;  // what is left: the TCP limits
    tcp_a.listen = tcp_b.listen;
    tcp_a.workers = tcp_b.workers;
    tcp_a.udp_max_payload = tcp_b.udp_max_payload;
    if (tcp_a != tcp_b) changed.emplace_back("server.tcp_*");
    if (running.dataplane.has_value() != next.dataplane.has_value() ||
        (running.dataplane && !running.dataplane->same_as(*next.dataplane))) {
        changed.emplace_back("dataplane");
    }
    if (running.control_socket != next.control_socket) changed.emplace_back("control.socket");
    if (running.metrics.listen != next.metrics.listen) changed.emplace_back("metrics.listen");
    if (running.api.listen != next.api.listen || running.api.tls_certificate != next.api.tls_certificate ||
        running.api.tls_key != next.api.tls_key) {
        changed.emplace_back("api.listen");
    }
    if (running.store.path != next.store.path) changed.emplace_back("store.path");
    const auto etcd_text = [](const StoreConfig& s) {
        std::string t;
        if (s.etcd) {
            for (const auto& e : s.etcd->endpoints) t += e + " ";
            t += s.etcd->prefix + " " + s.etcd->username;
        }
        return t;
    };
    if (etcd_text(running.store) != etcd_text(next.store)) changed.emplace_back("store.etcd");
    if (running.node.name != next.node.name) changed.emplace_back("node.name");
    return changed;
}

}  // namespace fz::loader
