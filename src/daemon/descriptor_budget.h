// How many TCP connections the descriptor limit leaves room for. The TCP server must never
// take the descriptors that the listeners, the control socket, the metrics endpoint, the
// health probes and a reload's zone files need: tcp_max_connections is lowered to fit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "loader/config.h"

namespace fz::daemon {

// Descriptors the rest of the server needs, by what needs them.
struct DescriptorReserve {
    size_t open = 0;           // already open when counted (stdio, log, health checker, ...)
    size_t sockets = 0;        // the socket server's listeners, epoll and event descriptors
    size_t health_probes = 0;  // one socket per health check probing, and the webhook
    size_t others = 0;         // control socket, metrics endpoint, a reload's files, the data plane, spare

    size_t total() const { return open + sockets + health_probes + others; }
};

DescriptorReserve descriptor_reserve(const loader::Config& config, size_t open_now, size_t health_checks);

struct TcpCap {
    unsigned connections = 0;  // what the TCP server may hold
    bool lowered = false;      // below the configured tcp_max_connections
};

// min(configured, limit - reserve), and at least 16 (so that TCP still works, with
// accept()'s back-off and shedding to protect the rest) when the limit is tiny.
TcpCap tcp_connection_cap(unsigned configured, uint64_t fd_limit, const DescriptorReserve& reserve);

// The log fields saying what was chosen and why.
std::string describe(const TcpCap& cap, unsigned configured, uint64_t fd_limit, const DescriptorReserve& reserve);

}  // namespace fz::daemon
