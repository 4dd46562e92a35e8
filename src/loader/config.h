// The configuration file (YAML): the keys README.md documents (the server, data plane,
// zones and data files named there are a contract that outside tools rely on).
// Parsing only; building snapshots from it is loader.h's job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/listen_address.h"
#include "common/result.h"
#include "dns/name.h"
#include "io/dpdk/options.h"
#include "io/sockets/options.h"

namespace fz::loader {

// The server section: the socket server's own options, and what answer() says about itself.
struct ServerConfig {
    io::SocketOptions sockets;  // listen, workers, udp_max_payload, TCP limits
    std::string identity;       // CH TXT id.server; empty refuses
    std::string version;        // CH TXT version.bind; empty refuses
    std::string nsid;
};

struct ZoneConfig {
    std::string origin_text;
    dns::Name origin;
    std::string file;         // resolved against the configuration's folder
    std::string record_sets;  // optional Route 53 ResourceRecordSets file
    std::string hosted_zone_id;
    uint32_t line = 0;  // where the zone is declared, for errors
};

struct MetricsConfig {
    std::optional<ListenAddress> listen;
};

struct Config {
    std::string path;  // as given
    std::string dir;   // folder relative paths resolve against
    ServerConfig server;
    std::optional<io::dpdk::DataplaneOptions> dataplane;  // its udp_max_payload and source set from the rest
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

// The settings that take effect only when the server starts (sockets, data plane, control
// socket, metrics endpoint) that differ between `running` and `next`, by key
// ("server.listen", "dataplane", ...); empty when a reload can apply `next` whole.
std::vector<std::string> restart_only_changes(const Config& running, const Config& next);

}  // namespace fz::loader
