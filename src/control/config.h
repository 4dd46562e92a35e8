// The configuration file (YAML): the contract of DESIGN.md plus fastzone's extensions.
// Parsing only; building snapshots from it is loader.h's job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "dns/name.h"

namespace fz::control {

// "127.0.0.1@5300", "::1@5300", "[::1]:5300" or "0.0.0.0" (port 53).
struct ListenAddress {
    std::string text;
    int family = 0;  // AF_INET or AF_INET6
    uint8_t address[16] = {};
    uint16_t port = 53;
};

struct ServerConfig {
    std::vector<ListenAddress> listen;
    unsigned workers = 1;
    uint16_t udp_max_payload = 1232;
    std::string identity;  // CH TXT id.server; empty refuses
    std::string version;   // CH TXT version.bind; empty refuses
    std::string nsid;
    unsigned tcp_idle_timeout_ms = 10000;  // RFC 7766 6.2.3: seconds, not minutes
    unsigned tcp_max_connections = 1024;
    unsigned tcp_max_pipelined = 100;       // queries of one connection answered per wakeup
};

struct ZoneConfig {
    std::string origin_text;
    dns::Name origin;
    std::string file;         // resolved against the configuration's folder
    std::string record_sets;  // optional Route 53 ResourceRecordSets file
    std::string hosted_zone_id;
    uint32_t line = 0;        // where the zone is declared, for errors
};

struct PortConfig {
    std::string device;
    std::vector<std::string> addresses;  // "10.53.0.2/24", "fd53::2/64"
    unsigned queues = 1;
    uint32_t line = 0;
};

struct DataplaneConfig {
    std::vector<std::string> eal;
    std::vector<PortConfig> ports;
    std::string exception_path;  // optional: "tap" (default) or "none"
    // false: IPv4 responses leave the UDP checksum at 0 ("none", RFC 768), as Knot DNS's
    // XDP mode does: less work here and in the client's kernel, no end-to-end check.
    bool ipv4_udp_checksum = true;
    uint32_t line = 0;
};

struct MetricsConfig {
    std::optional<ListenAddress> listen;
};

struct Config {
    std::string path;  // as given
    std::string dir;   // folder relative paths resolve against
    ServerConfig server;
    std::optional<DataplaneConfig> dataplane;
    std::vector<ZoneConfig> zones;
    std::string health_checks;
    std::string health_webhook;  // URL that receives a JSON POST per health flip
    std::string cidr_collections;
    std::string geoip;
    std::string latency;
    std::vector<std::string> latency_default_order;  // regions for clients the CSV lacks
    std::string control_socket;
    MetricsConfig metrics;
};

// Reads and validates `path`. Errors name the file, the line and the key.
Result<Config> load_config(const std::string& path);

// Parses one listen address (exposed for tests and fastzonectl).
Result<ListenAddress> parse_listen_address(const std::string& text, uint16_t default_port);

}  // namespace fz::control
