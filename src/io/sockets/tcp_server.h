// The TCP side of the kernel-socket server (RFC 7766): one epoll loop on its own thread
// accepts connections, reads length-framed queries, answers pipelined queries in order
// through engine::answer() and writes the framed responses. Hostile clients are bounded:
// a query must arrive whole within tcp_io_timeout_ms of its first byte, idle connections
// are closed after tcp_idle_timeout, and when every slot is taken the idlest connection
// (or the one stalled longest mid-query) makes room for a new client. Replies are bounded:
// a connection whose replies back up is no longer read, and past a budget over all
// connections the ones holding the most are closed. When accept() runs out of
// descriptors (or memory), the idlest connection is closed to take the new client, and if
// that is not enough the listeners rest for a moment rather than being polled in a spin.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "common/intrusive_list.h"
#include "common/log.h"
#include "engine/answer.h"
#include "engine/publisher.h"
#include "io/sockets/options.h"
#include "io/sockets/update_queue.h"

namespace fz::io {

// Connections the server closed, by reason. Written by the TCP thread alone, read by the
// control plane: relaxed atomics, counters that order nothing.
struct TcpCounters {
    std::atomic<uint64_t> idle{0};           // nothing received or sent for tcp_idle_timeout
    std::atomic<uint64_t> io_timeout{0};     // a query not whole tcp_io_timeout_ms after its first byte
    std::atomic<uint64_t> slots_full{0};     // shed to make room for a new client (tcp_max_connections)
    std::atomic<uint64_t> output_budget{0};  // shed for holding the most of tcp_pending_output_budget
    std::atomic<uint64_t> descriptors{0};    // shed because accept() ran out of descriptors
    std::atomic<uint64_t> accept_errors{0};  // accept() out of descriptors, buffers or memory
};

class TcpServer {
public:
    // `handoff`, when set, takes the connections that ask for a zone transfer (they
    // leave this server; without it transfers are answered by engine::answer()).
    TcpServer(const SocketOptions& options, engine::Publisher& publisher, UpdateHandler update = {},
              HandoffHandler handoff = {});
    ~TcpServer();
    TcpServer(const TcpServer&) = delete;
    TcpServer& operator=(const TcpServer&) = delete;

    // Serves `listeners` (bound, listening, non-blocking; the caller closes them) on the
    // calling thread until `stop_fd` becomes readable; then closes every connection.
    void run(std::span<const int> listeners, int stop_fd);

    // This thread's answer() counters, for the control plane to sum.
    const engine::Counters& counters() const { return worker_->counters; }
    const TcpCounters& closed() const { return closed_; }
    // Open connections right now.
    size_t connections() const { return open_.load(std::memory_order_relaxed); }
    // Bytes of replies waiting for their clients to take them, over all connections.
    size_t pending_output() const { return pending_gauge_.load(std::memory_order_relaxed); }
    // UPDATEs dropped because the update thread was that far behind.
    uint64_t updates_dropped() const { return updates_ ? updates_->dropped() : 0; }

private:
    struct Conn {
        int fd = -1;
        uint32_t seq = 0;  // tells this connection from an earlier one on the same descriptor
        engine::Peer peer;
        std::vector<uint8_t> in;   // received bytes not yet answered
        std::vector<uint8_t> out;  // framed responses not yet written
        size_t out_off = 0;
        uint64_t last_active = 0;    // last byte received or sent (ms): the LRU order
        uint64_t partial_since = 0;  // first byte of the query still incomplete in `in` (ms)
        uint32_t interest = 0;       // the epoll events registered
        bool read_closed = false;
        bool handoff = false;  // a transfer query is next in `in`: the connection leaves (handoff_)
        size_t pending() const { return out.size() - out_off; }
        ListHook<Conn> by_activity;  // every connection, least recently active first
        ListHook<Conn> mid_query;    // a query begun and not complete, stalled longest first
        ListHook<Conn> backlog;      // complete queries left over by the pipelining cap
    };

    void watch(int fd, uint32_t events);
    void accept_all(int listener, uint64_t now);
    // accept() failed for lack of descriptors, buffers or memory: counted, logged at most
    // every 10 s. True when a connection was shed so that accept() may be tried again;
    // false when the listeners were paused instead.
    bool out_of_resources(int error, bool just_shed, uint64_t now);
    // Takes the listeners out of epoll until `until` (ms), or puts them back.
    void pause_listeners(uint64_t until);
    void resume_listeners();
    // Reads, answers and writes for one connection epoll reported.
    void serve(Conn& c, uint32_t events, uint64_t now);
    void read_available(Conn& c, uint64_t now);
    // Answers what is complete in c.in and writes what the socket takes; then sets the
    // connection's epoll interest, backlog and mid-query clock. May close it.
    void progress(Conn& c, uint64_t now);
    // Answers the complete framed queries in c.in, at most tcp_max_pipelined of them and
    // none once c's pending output reaches tcp_max_pending_output; returns how many it consumed.
    unsigned answer_queries(Conn& c);
    // Writes what the socket takes; false when the connection is dead.
    bool flush(Conn& c, uint64_t now);
    void touch(Conn& c, uint64_t now);
    void update_interest(Conn& c);
    void close_conn(Conn& c);
    // Hands `c` and its transfer query to handoff_; forgets it without closing it.
    void hand_off(Conn& c);
    // Closes the idlest connection, or the one whose query stalled before the idlest was
    // last active: O(1), the heads of two lists. False when there is none.
    bool shed_one(std::atomic<uint64_t>& reason);
    // Closes the connections holding the most pending output until the total is back
    // under the budget (by an eighth, so that the scan is not repeated at every reply).
    void shed_over_budget();
    // Serves connections that had queries left over from the last wakeup.
    void serve_backlog(uint64_t now);
    // Closes connections past their idle or I/O deadline: the heads of the lists, O(closed).
    void expire(uint64_t now);
    // Milliseconds until the nearest deadline (-1: none), for epoll_wait.
    int wait_ms(uint64_t now) const;
    // Queues an UPDATE for the update thread (its answer comes back through done_fd_).
    void queue_update(const Conn& c, const uint8_t* msg, size_t len);
    // Appends the update thread's answers to their connections (those still open).
    void take_update_answers(uint64_t now);

    SocketOptions options_;
    engine::Publisher& publisher_;
    UpdateHandler update_;
    HandoffHandler handoff_;
    // UPDATEs are answered on the queue's thread: a change may wait for the store, the
    // other connections must not. Answers come back in done_ and done_fd_ (an eventfd)
    // wakes this thread; RFC 7766 6.2.1.1 lets them come after later queries' answers.
    static constexpr size_t kUpdateQueue = 64;
    std::unique_ptr<UpdateQueue> updates_;
    std::mutex done_mu_;
    std::vector<std::pair<UpdateQueue::Item, std::vector<uint8_t>>> done_;  // guarded by done_mu_
    int done_fd_ = -1;
    std::unique_ptr<engine::Worker> worker_;
    int ep_ = -1;
    std::vector<int> listeners_;
    uint64_t paused_until_ = 0;  // listeners out of epoll until then (ms); 0: polled
    log::Throttle accept_log_{10000};
    uint32_t next_seq_ = 0;                // 0 tags the listeners and the stop descriptor
    std::unordered_map<int, Conn> conns_;  // node-based: a Conn never moves while it is open
    IntrusiveList<Conn, &Conn::by_activity> by_activity_;
    IntrusiveList<Conn, &Conn::mid_query> mid_query_;
    IntrusiveList<Conn, &Conn::backlog> backlog_;
    std::vector<uint8_t> framed_;  // one response behind its 2-byte length
    size_t pending_total_ = 0;     // sum of every connection's pending()
    TcpCounters closed_;
    std::atomic<size_t> open_{0};           // relaxed: a gauge for stats, orders nothing
    std::atomic<size_t> pending_gauge_{0};  // relaxed: a gauge for stats, orders nothing
};

}  // namespace fz::io
