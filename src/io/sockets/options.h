// What the kernel-socket server is told to do: where to listen, how many UDP workers,
// the largest UDP response and the TCP limits. Filled from the configuration by the loader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "common/listen_address.h"
#include "engine/answer.h"

namespace fz::io {

struct SocketOptions {
    std::vector<ListenAddress> listen;     // UDP and TCP on each
    unsigned workers = 1;                  // UDP worker threads, an SO_REUSEPORT socket each
    uint16_t udp_max_payload = 1232;       // largest EDNS UDP response, 512..4096
    unsigned tcp_idle_timeout_ms = 10000;  // RFC 7766 6.2.3: seconds, not minutes
    unsigned tcp_io_timeout_ms = 500;      // a query must arrive whole this long after its first byte
    unsigned tcp_max_connections = 1024;   // when full, the idlest connection makes room for a new one
    unsigned tcp_max_pipelined = 100;      // queries of one connection answered per wakeup
    // Replies written but not yet taken by the client (bytes). Past the first, the connection
    // is no longer read nor answered until it drains (and is closed after tcp_idle_timeout
    // without progress); past the budget, summed over all connections, the connections
    // holding the most are closed.
    size_t tcp_max_pending_output = 64 * 1024;
    size_t tcp_pending_output_budget = 32 * 1024 * 1024;

    bool operator==(const SocketOptions&) const = default;
};

// Answers a message the data path leaves to the control plane (an RFC 2136 UPDATE) on the
// worker's thread: writes the response into `out` (`cap` bytes) and returns its length,
// or 0 to send nothing.
using UpdateHandler = std::function<size_t(const uint8_t* msg, size_t len, const engine::Peer& peer,
                                           engine::Transport transport, uint8_t* out, size_t cap)>;

// Whether a message is an UPDATE (opcode 5): a header test, as cheap as the parser's.
inline bool is_update(const uint8_t* msg, size_t len) { return len >= 12 && ((msg[2] >> 3) & 0x0f) == 5; }

}  // namespace fz::io
