// Socket plumbing shared by the UDP workers and the TCP server: opening and binding
// listening sockets, turning kernel addresses into engine::Peer, a monotonic clock.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "common/listen_address.h"
#include "common/result.h"
#include "engine/answer.h"

namespace fz::io {

std::string errno_text(int e);

// True for 0.0.0.0 and ::, where replies must name their source address (IP_PKTINFO).
bool is_wildcard(const ListenAddress& a);

// `a` as a sockaddr; returns its length.
socklen_t to_sockaddr(const ListenAddress& a, sockaddr_storage& ss);

// The client as answer() sees it; an IPv4-mapped IPv6 address becomes IPv4.
engine::Peer to_peer(const sockaddr_storage& ss);

// A non-blocking socket bound to `a`: SOCK_DGRAM (DF set, large buffers, packet info on a
// wildcard address) or SOCK_STREAM (listening). Errors name the address and the reason.
Result<int> open_socket(const ListenAddress& a, int type, bool reuseport);

// CLOCK_MONOTONIC in milliseconds.
uint64_t now_ms();

}  // namespace fz::io
