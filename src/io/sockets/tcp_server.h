// The TCP side of the kernel-socket server (RFC 7766): one epoll loop on its own thread
// accepts connections, reads length-framed queries, answers pipelined queries in order
// through engine::answer() and writes the framed responses, closing idle connections.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "engine/answer.h"
#include "engine/publisher.h"
#include "io/sockets/options.h"

namespace fz::io {

class TcpServer {
public:
    TcpServer(const SocketOptions& options, engine::Publisher& publisher);
    ~TcpServer();
    TcpServer(const TcpServer&) = delete;
    TcpServer& operator=(const TcpServer&) = delete;

    // Serves `listeners` (bound, listening, non-blocking; the caller closes them) on the
    // calling thread until `stop_fd` becomes readable; then closes every connection.
    void run(std::span<const int> listeners, int stop_fd);

    // This thread's answer() counters, for the control plane to sum.
    const engine::Counters& counters() const { return worker_->counters; }
    // Open connections right now.
    size_t connections() const { return open_.load(std::memory_order_relaxed); }

private:
    struct Conn;
    void watch(int fd, uint32_t events);
    void accept_all(int listener, uint64_t now);
    // Reads, answers and writes for one connection epoll reported.
    void serve(Conn& c, uint32_t events);
    void read_available(Conn& c);
    // Answers the complete framed queries in c.in, at most tcp_max_pipelined of them;
    // true when complete queries are left (the connection goes on the backlog).
    bool answer_queries(Conn& c);
    // Writes what the socket takes; false when the connection is dead.
    bool flush(Conn& c);
    void update_interest(Conn& c);
    void close_conn(int fd);
    // Serves connections that had queries left over from the last wakeup.
    void serve_backlog();
    // Closes connections idle for tcp_idle_timeout (RFC 7766 6.2.3).
    void close_idle(uint64_t now);

    SocketOptions options_;
    engine::Publisher& publisher_;
    std::unique_ptr<engine::Worker> worker_;
    int ep_ = -1;
    std::unordered_map<int, Conn> conns_;
    std::vector<int> backlog_;     // connections with complete queries left over (pipeline cap)
    std::vector<uint8_t> framed_;  // one response behind its 2-byte length
    std::atomic<size_t> open_{0};  // relaxed: a gauge for stats, orders nothing
};

}  // namespace fz::io
