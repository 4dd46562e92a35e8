// Sockets to other servers (primaries, secondaries) for the transfer threads: connected
// UDP and TCP sockets with timeouts, and framed TCP reads. Control plane, blocking.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/listen_address.h"

namespace fz::xfr {

// `a` as a socket address; its length.
socklen_t socket_address(const ListenAddress& a, sockaddr_storage& out);

// A socket of `type` (SOCK_DGRAM, SOCK_STREAM) connected to `a` within `timeout_ms`, with
// that timeout on its sends and receives; -1 on failure (errno set).
int connect_to(const ListenAddress& a, int type, unsigned timeout_ms);

// Sends a whole buffer; false on error or timeout.
bool send_all(int fd, const uint8_t* p, size_t n);

// Reads one framed message (RFC 7766 8: 2-byte length) into `out`; false at EOF, on error
// or on timeout.
bool read_frame(int fd, std::vector<uint8_t>& out);

}  // namespace fz::xfr
