// What the DPDK data plane is told to do: the EAL arguments, the ports with the addresses
// they answer for, and the exception path. Filled from the configuration by the loader;
// `source` and the line numbers let errors name where each setting was written.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace fz::io::dpdk {

struct PortOptions {
    std::string device;                  // a vdev name or a PCI address
    std::vector<std::string> addresses;  // "10.53.0.2/24", "fd53::2/64"
    uint16_t queues = 1;                 // RX/TX queues, one polling lcore each (1..64)
    uint32_t line = 0;

    // The same port, wherever it is written.
    bool same_as(const PortOptions& o) const {
        return device == o.device && addresses == o.addresses && queues == o.queues;
    }
};

struct DataplaneOptions {
    std::vector<std::string> eal;
    std::vector<PortOptions> ports;
    std::string exception_path;  // optional: "tap" (default) or "none"
    // false: IPv4 responses leave the UDP checksum at 0 ("none", RFC 768), as Knot DNS's
    // XDP mode does: less work here and in the client's kernel, no end-to-end check.
    bool ipv4_udp_checksum = true;
    uint16_t udp_max_payload = 1232;  // largest EDNS UDP response, 512..4096
    std::string source;               // the configuration file, for errors
    uint32_t line = 0;

    // The same data plane, wherever its settings are written.
    bool same_as(const DataplaneOptions& o) const {
        return eal == o.eal && exception_path == o.exception_path && ipv4_udp_checksum == o.ipv4_udp_checksum &&
               udp_max_payload == o.udp_max_payload && ports.size() == o.ports.size() &&
               std::equal(ports.begin(), ports.end(), o.ports.begin(),
                          [](const PortOptions& a, const PortOptions& b) { return a.same_as(b); });
    }
};

}  // namespace fz::io::dpdk
