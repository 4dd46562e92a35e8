// What the kernel-socket server is told to do: where to listen, how many UDP workers,
// the largest UDP response and the TCP limits. Filled from the configuration by the loader.
#pragma once

#include <cstdint>
#include <vector>

#include "common/listen_address.h"

namespace fz::io {

struct SocketOptions {
    std::vector<ListenAddress> listen;      // UDP and TCP on each
    unsigned workers = 1;                   // UDP worker threads, an SO_REUSEPORT socket each
    uint16_t udp_max_payload = 1232;        // largest EDNS UDP response, 512..4096
    unsigned tcp_idle_timeout_ms = 10000;   // RFC 7766 6.2.3: seconds, not minutes
    unsigned tcp_io_timeout_ms = 500;       // a query must arrive whole this long after its first byte
    unsigned tcp_max_connections = 1024;    // when full, the idlest connection makes room for a new one
    unsigned tcp_max_pipelined = 100;       // queries of one connection answered per wakeup
};

}  // namespace fz::io
