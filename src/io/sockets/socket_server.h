// Kernel-socket server: UDP workers (SO_REUSEPORT, recvmmsg/sendmmsg batches) and the TCP
// server (tcp_server.h: RFC 7766 framing, pipelining, idle and I/O timeouts, full slots), all
// answering through engine::answer() over the currently published snapshot.
#pragma once

#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "common/result.h"
#include "engine/answer.h"
#include "engine/publisher.h"
#include "io/sockets/options.h"
#include "io/sockets/tcp_server.h"
#include "io/sockets/update_queue.h"

namespace fz::io {

class SocketServer {
public:
    SocketServer(const SocketOptions& options, engine::Publisher& publisher);
    ~SocketServer();
    SocketServer(const SocketServer&) = delete;
    SocketServer& operator=(const SocketServer&) = delete;

    // UPDATE and NOTIFY messages and TSIG-signed queries go to `handler` (set before start());
    // without one they get NOTIMP and BADKEY.
    // It runs on a thread of its own for each transport (update_queue.h).
    void set_update_handler(UpdateHandler handler) { update_ = std::move(handler); }
    // TCP connections asking for AXFR or IXFR go to `handler` (set before start());
    // without one engine::answer() refuses them.
    void set_handoff_handler(HandoffHandler handler) { handoff_ = std::move(handler); }

    // Binds every listen address (UDP and TCP) and starts the threads. Fails with the
    // address and the reason (port in use, address not local, no permission).
    Status start();
    // Stops and joins every thread; closes every socket. Idempotent.
    void stop();

    // Per-thread counters (UDP workers, then the TCP thread), for the control plane to sum.
    std::vector<const engine::Counters*> counters() const;
    // Open TCP connections right now.
    size_t tcp_connections() const { return tcp_ ? tcp_->connections() : 0; }
    // Bytes of TCP replies waiting for their clients to take them.
    size_t tcp_pending_output() const { return tcp_ ? tcp_->pending_output() : 0; }
    // TCP connections the server closed, by reason (null before start()).
    const TcpCounters* tcp_closed() const { return tcp_ ? &tcp_->closed() : nullptr; }
    // UPDATEs dropped because an update thread was that far behind.
    uint64_t updates_dropped() const {
        return (updates_ ? updates_->dropped() : 0) + (tcp_ ? tcp_->updates_dropped() : 0);
    }

private:
    struct UdpWorker;
    void udp_loop(UdpWorker& w);

    SocketOptions config_;
    engine::Publisher& publisher_;
    UpdateHandler update_;
    HandoffHandler handoff_;
    // UPDATEs over UDP waiting for the update thread; a burst past this many is dropped.
    static constexpr size_t kUpdateQueue = 256;
    std::unique_ptr<UpdateQueue> updates_;
    std::vector<std::unique_ptr<UdpWorker>> udp_;
    std::vector<int> tcp_listeners_;
    std::unique_ptr<TcpServer> tcp_;
    std::thread tcp_thread_;
    int stop_fd_ = -1;  // eventfd every loop polls: written once to stop them all
    bool started_ = false;
};

}  // namespace fz::io
