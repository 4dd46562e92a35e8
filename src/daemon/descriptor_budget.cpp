// TCP connections sized to the descriptor limit, with a reserve for everything else.
#include "daemon/descriptor_budget.h"

#include <algorithm>

#include "common/log.h"
#include "daemon/metrics_http.h"

namespace fz::daemon {
namespace {

constexpr size_t kControlDescriptors = 3;      // listener, stop event, the one client served at a time
constexpr size_t kReloadDescriptors = 32;      // the YAML, zone files and their $INCLUDEs, data files
constexpr size_t kDataplaneDescriptors = 256;  // EAL: memory segments, VFIO, AF_XDP/packet sockets, tap
constexpr size_t kSpare = 32;                  // resolver, /proc reads, a client accepted before another is shed
constexpr unsigned kMinConnections = 16;

}  // namespace

DescriptorReserve descriptor_reserve(const loader::Config& config, size_t open_now, size_t health_checks) {
    const io::SocketOptions& so = config.server.sockets;
    const size_t workers = std::max(1u, so.workers);
    DescriptorReserve r;
    r.open = open_now;
    // Per address: a UDP socket per worker and a TCP listener; an epoll per worker and for
    // TCP; the stop event.
    r.sockets = so.listen.size() * (workers + 1) + workers + 2;
    r.health_probes = health_checks + (config.health_webhook.empty() ? 0 : 1);
    r.others = kControlDescriptors + kReloadDescriptors + kSpare;
    if (config.metrics.listen) r.others += 2 + kMetricsMaxConnections;  // listener, epoll, clients
    if (config.dataplane) r.others += kDataplaneDescriptors;
    return r;
}

TcpCap tcp_connection_cap(unsigned configured, uint64_t fd_limit, const DescriptorReserve& reserve) {
    const uint64_t room = fd_limit > reserve.total() ? fd_limit - reserve.total() : 0;
    TcpCap cap;
    cap.connections = configured;
    if (room < configured) {
        cap.connections = static_cast<unsigned>(std::max<uint64_t>(room, std::min(configured, kMinConnections)));
        cap.lowered = cap.connections < configured;
    }
    return cap;
}

std::string describe(const TcpCap& cap, unsigned configured, uint64_t fd_limit, const DescriptorReserve& reserve) {
    return log::kv("tcp_max_connections", static_cast<long long>(cap.connections)) + " " +
           log::kv("configured", static_cast<long long>(configured)) + " " +
           log::kv("fd_limit", static_cast<long long>(fd_limit)) + " " +
           log::kv("reserved", static_cast<long long>(reserve.total())) + " " +
           log::kv("reserved_open", static_cast<long long>(reserve.open)) + " " +
           log::kv("reserved_sockets", static_cast<long long>(reserve.sockets)) + " " +
           log::kv("reserved_health", static_cast<long long>(reserve.health_probes)) + " " +
           log::kv("reserved_other", static_cast<long long>(reserve.others));
}

}  // namespace fz::daemon
