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

// Answers a message the data path leaves to the control plane (an RFC 2136 UPDATE, a
// TSIG-signed query) on the update thread: writes the response into `out` (`cap` bytes) and returns its length,
// or 0 to send nothing.
using UpdateHandler = std::function<size_t(const uint8_t* msg, size_t len, const engine::Peer& peer,
                                           engine::Transport transport, uint8_t* out, size_t cap)>;

// Whether a message is an UPDATE (opcode 5): a header test, as cheap as the parser's.
inline bool is_update(const uint8_t* msg, size_t len) { return len >= 12 && ((msg[2] >> 3) & 0x0f) == 5; }
// Whether a message is an UPDATE or a NOTIFY (opcode 4): both go to the control plane.
inline bool is_update_or_notify(const uint8_t* msg, size_t len) {
    return len >= 12 && (((msg[2] >> 3) & 0x0f) == 5 || ((msg[2] >> 3) & 0x0f) == 4);
}

// A TCP connection handed over whole to the control plane, for a query that is answered
// with a stream of messages (AXFR, IXFR): the descriptor (the receiver owns it from then
// on and closes it), the replies to earlier queries not yet written (to be written first),
// the query and its peer. Called on the TCP thread: it must only queue the work.
struct TcpHandoff {
    int fd = -1;
    std::vector<uint8_t> unsent;
    std::vector<uint8_t> query;
    engine::Peer peer;
};
using HandoffHandler = std::function<void(TcpHandoff handoff)>;

// Whether a message is a zone-transfer query (opcode QUERY, QR clear, one question of type
// AXFR or IXFR). Read only on the TCP path, which pays a name skip per query for it.
bool is_transfer_query(const uint8_t* msg, size_t len);

}  // namespace fz::io
