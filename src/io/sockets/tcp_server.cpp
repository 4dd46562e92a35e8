// The TCP side of the kernel-socket server: one epoll loop, pipelined answers in order.
// Deadlines live in lists kept in time order (every entry is appended with the current
// time), so a wakeup looks only at their heads, and choosing whom to shed is O(1).
#include "io/sockets/tcp_server.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "dns/wire.h"
#include "io/sockets/net.h"

namespace fz::io {
namespace {

constexpr size_t kMaxFrame = 2 + dns::kMaxMessage;
// Reading pauses once a largest frame is buffered: the first query is then complete and
// can be answered, and a connection's input stays below kMaxFrame + one read.
constexpr size_t kReadChunk = 16384;
// Buffers larger than this are given back once empty, so that a burst's memory does not
// stay with every connection that once had one.
constexpr size_t kKeepCapacity = 16384;
// How long the listeners rest when accept() runs out of descriptors and no connection
// can be shed: long enough not to spin, short enough that a client hardly notices.
constexpr uint64_t kAcceptBackoffMs = 100;

bool head_complete(const std::vector<uint8_t>& in) {
    return in.size() >= 2 && in.size() - 2 >= dns::load_u16(in.data());
}

void release_if_large(std::vector<uint8_t>& v) {
    if (v.empty() && v.capacity() > kKeepCapacity) std::vector<uint8_t>().swap(v);
}

// epoll's data: the descriptor, and the connection's sequence number so that an event
// fetched for a connection closed since (its descriptor reused) is recognised as stale.
uint64_t tag(int fd, uint32_t seq) { return (static_cast<uint64_t>(seq) << 32) | static_cast<uint32_t>(fd); }

}  // namespace

TcpServer::TcpServer(const SocketOptions& options, engine::Publisher& publisher, UpdateHandler update,
                     HandoffHandler handoff)
    : options_(options),
      publisher_(publisher),
      update_(std::move(update)),
      handoff_(std::move(handoff)),
      worker_(std::make_unique<engine::Worker>()),
      framed_(2 + dns::kMaxMessage) {
    worker_->seed_from_entropy();
    // Made here, not in run(): the control plane reads updates_ (updates_dropped()) from
    // its own thread while run() serves.
    if (update_) {
        done_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        updates_ = std::make_unique<UpdateQueue>(
            update_, engine::Transport::kTcp,
            [this](const UpdateQueue::Item& item, const uint8_t* response, size_t len) {
                {
                    std::lock_guard lock(done_mu_);
                    done_.emplace_back(item, std::vector<uint8_t>(response, response + len));
                }
                uint64_t one = 1;
                if (write(done_fd_, &one, sizeof(one)) < 0) {
                    // Only at the eventfd's maximum count: the TCP thread is awake anyway.
                }
            },
            kUpdateQueue, dns::kMaxMessage);
    }
}

TcpServer::~TcpServer() {
    if (updates_) updates_->stop();
    if (done_fd_ >= 0) close(done_fd_);
}

void TcpServer::queue_update(const Conn& c, const uint8_t* msg, size_t len) {
    UpdateQueue::Item item;
    item.fd = c.fd;
    item.seq = c.seq;
    item.msg.assign(msg, msg + len);
    item.peer = c.peer;
    updates_->push(std::move(item));  // a full queue drops it, counted: the client times out
}

void TcpServer::take_update_answers(uint64_t now) {
    uint64_t count = 0;
    if (read(done_fd_, &count, sizeof(count)) < 0) {
        // EAGAIN: another pass took them already.
    }
    std::vector<std::pair<UpdateQueue::Item, std::vector<uint8_t>>> done;
    {
        std::lock_guard lock(done_mu_);
        done.swap(done_);
    }
    for (auto& [item, response] : done) {
        auto it = conns_.find(item.fd);
        if (it == conns_.end() || it->second.seq != item.seq) continue;  // closed meanwhile
        Conn& c = it->second;
        uint8_t len[2];
        dns::store_u16(len, static_cast<uint16_t>(response.size()));
        c.out.insert(c.out.end(), len, len + 2);
        c.out.insert(c.out.end(), response.begin(), response.end());
        pending_total_ += response.size() + 2;
        if (!flush(c, now)) {
            close_conn(c);
            continue;
        }
        update_interest(c);
    }
}

void TcpServer::watch(int fd, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = tag(fd, 0);
    epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
}

void TcpServer::run(std::span<const int> listeners, int stop_fd) {
    engine::RcuReader rcu;
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    watch(stop_fd, EPOLLIN);
    listeners_.assign(listeners.begin(), listeners.end());
    for (int fd : listeners_) watch(fd, EPOLLIN);
    if (updates_) {
        watch(done_fd_, EPOLLIN);
        updates_->start();
    }
    paused_until_ = 0;
    bool running = true;
    while (running) {
        epoll_event events[64];
        const int timeout = wait_ms(now_ms());
        rcu.offline();  // a blocked reader must not hold up reloads
        int n = epoll_wait(ep_, events, 64, timeout);
        rcu.online();
        if (n < 0 && errno != EINTR) break;
        uint64_t now = now_ms();
        if (paused_until_ != 0 && now >= paused_until_) resume_listeners();
        serve_backlog(now);
        for (int e = 0; e < n; ++e) {
            const int fd = static_cast<int>(events[e].data.u64 & 0xffffffffu);
            const auto seq = static_cast<uint32_t>(events[e].data.u64 >> 32);
            if (fd == stop_fd) {
                running = false;
                break;
            }
            if (fd == done_fd_) {
                take_update_answers(now);
                continue;
            }
            if (seq == 0) {
                accept_all(fd, now);
                continue;
            }
            auto it = conns_.find(fd);
            if (it == conns_.end() || it->second.seq != seq) continue;  // closed since epoll reported it
            serve(it->second, events[e].events, now);
        }
        rcu.quiescent();  // this thread holds no snapshot pointer past here
        expire(now);
        if (pending_total_ > options_.tcp_pending_output_budget) shed_over_budget();
        pending_gauge_.store(pending_total_, std::memory_order_relaxed);
    }
    if (updates_) updates_->stop();
    while (Conn* c = by_activity_.front()) close_conn(*c);
    open_.store(0, std::memory_order_relaxed);
    pending_gauge_.store(0, std::memory_order_relaxed);
    close(ep_);
    ep_ = -1;
}

void TcpServer::accept_all(int listener, uint64_t now) {
    // accept() takes a descriptor before it looks for a client: out of descriptors it
    // fails whether or not one waits. Only before the first success does the failure mean
    // a client waits (epoll just saw one); after it, epoll will say if another does.
    bool accepted = false;
    bool just_shed = false;
    while (true) {
        sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int cfd = accept4(listener, reinterpret_cast<sockaddr*>(&ss), &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            const int e = errno;
            if (e == EINTR || e == ECONNABORTED) continue;  // that client is gone; the next may wait
            if ((e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) && !accepted) {
                just_shed = out_of_resources(e, just_shed, now);
                if (just_shed) continue;
            }
            break;  // EAGAIN: none left; anything else: tried again at the next readiness
        }
        accepted = true;
        // Every slot taken: a new client gets in, the idlest (or stalled) one makes room.
        while (conns_.size() >= std::max(1u, options_.tcp_max_connections) && shed_one(closed_.slots_full)) {
        }
        int one = 1;
        setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        Conn& c = conns_[cfd];
        c.fd = cfd;
        c.seq = ++next_seq_ == 0 ? ++next_seq_ : next_seq_;
        c.peer = to_peer(ss);
        c.last_active = now;
        by_activity_.push_back(c);
        c.interest = EPOLLIN | EPOLLRDHUP;
        epoll_event ev{};
        ev.events = c.interest;
        ev.data.u64 = tag(cfd, c.seq);
        epoll_ctl(ep_, EPOLL_CTL_ADD, cfd, &ev);
        open_.store(conns_.size(), std::memory_order_relaxed);
    }
}

bool TcpServer::out_of_resources(int error, bool just_shed, uint64_t now) {
    closed_.accept_errors.fetch_add(1, std::memory_order_relaxed);
    const size_t open = conns_.size();
    // One shed per failure: if the descriptor it freed went elsewhere, rest instead.
    const bool shed = !just_shed && shed_one(closed_.descriptors);
    if (!shed) pause_listeners(now + kAcceptBackoffMs);
    uint64_t suppressed = 0;
    if (accept_log_.allow(now, suppressed)) {
        log::warning(shed ? "tcp accept failed: closed the idlest connection to make room"
                          : "tcp accept failed: listeners paused",
                     log::kv("error", errno_text(error)) + " " + log::kv("connections", static_cast<long long>(open)) +
                         " " + log::kv("pause_ms", static_cast<long long>(shed ? 0 : kAcceptBackoffMs)) + " " +
                         log::kv("suppressed", static_cast<long long>(suppressed)));
    }
    return shed;
}

void TcpServer::pause_listeners(uint64_t until) {
    if (paused_until_ == 0) {
        for (int fd : listeners_) epoll_ctl(ep_, EPOLL_CTL_DEL, fd, nullptr);
    }
    paused_until_ = until;
}

void TcpServer::resume_listeners() {
    paused_until_ = 0;
    for (int fd : listeners_) watch(fd, EPOLLIN);  // level-triggered: waiting clients are reported at once
}

void TcpServer::serve(Conn& c, uint32_t events, uint64_t now) {
    if (events & (EPOLLERR | EPOLLHUP)) {  // reset, or both directions shut: nobody to answer
        close_conn(c);
        return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP)) read_available(c, now);
    progress(c, now);
}

void TcpServer::read_available(Conn& c, uint64_t now) {
    uint8_t buf[kReadChunk];
    while (!c.read_closed && c.in.size() < kMaxFrame) {
        ssize_t r = recv(c.fd, buf, sizeof(buf), 0);
        if (r > 0) {
            c.in.insert(c.in.end(), buf, buf + r);
            touch(c, now);
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) c.read_closed = true;
        break;
    }
}

void TcpServer::progress(Conn& c, uint64_t now) {
    const unsigned consumed = answer_queries(c);
    if (c.handoff) {
        hand_off(c);
        return;
    }
    if (!flush(c, now)) {
        close_conn(c);
        return;
    }
    const bool more = head_complete(c.in);
    const bool backed_up = c.pending() >= options_.tcp_max_pending_output;
    if (more && !backed_up) {
        backlog_.push_back(c);  // the pipelining cap left complete queries: the next wakeup answers them
    } else {
        backlog_.remove(c);  // nothing to answer, or nothing until the client takes its replies (EPOLLOUT)
    }
    // The I/O clock runs from the first byte of a query that is not whole yet, while the
    // connection is read; a query answered since means the bytes left are a new one.
    const bool partial = !c.in.empty() && !more && !c.read_closed && !backed_up;
    if (!partial) {
        mid_query_.remove(c);
    } else if (consumed > 0 || !mid_query_.contains(c)) {
        mid_query_.remove(c);
        c.partial_since = now;
        mid_query_.push_back(c);
    }
    // A client that closed its side gets its pending answers, then the close.
    if (c.read_closed && c.out.empty() && !more) {
        close_conn(c);
        return;
    }
    update_interest(c);
}

// Pipelining, RFC 7766 6.2.1.1: every complete query is answered, in order.
unsigned TcpServer::answer_queries(Conn& c) {
    const engine::Snapshot* snap = publisher_.current();
    size_t off = 0;
    unsigned answered = 0;
    while (c.in.size() - off >= 2 && answered < options_.tcp_max_pipelined &&
           c.pending() < options_.tcp_max_pending_output) {
        size_t len = dns::load_u16(c.in.data() + off);
        if (c.in.size() - off - 2 < len) break;
        const uint8_t* msg = c.in.data() + off + 2;
        if (handoff_ && is_transfer_query(msg, len)) [[unlikely]] {
            // The replies before it go with the connection; what follows it is dropped
            // (the connection closes after the transfer).
            c.handoff = true;
            break;
        }
        if (updates_ && is_update_or_notify(msg, len)) [[unlikely]] {
            queue_update(c, msg, len);
            off += 2 + len;
            ++answered;
            continue;
        }
        size_t n = engine::answer(*snap, msg, len, c.peer, engine::Transport::kTcp, framed_.data() + 2,
                                  dns::kMaxMessage, *worker_);
        if (worker_->control_plane) [[unlikely]] {
            // A TSIG-signed query (a secondary's SOA check): verified and signed there.
            worker_->control_plane = false;
            if (updates_) {
                queue_update(c, msg, len);
                n = 0;
            }
        }
        off += 2 + len;
        ++answered;
        if (n == 0) continue;
        dns::store_u16(framed_.data(), static_cast<uint16_t>(n));
        c.out.insert(c.out.end(), framed_.begin(), framed_.begin() + static_cast<std::ptrdiff_t>(n + 2));
        pending_total_ += n + 2;
    }
    c.in.erase(c.in.begin(), c.in.begin() + static_cast<std::ptrdiff_t>(off));
    release_if_large(c.in);
    return answered;
}

bool TcpServer::flush(Conn& c, uint64_t now) {
    while (c.out_off < c.out.size()) {
        ssize_t w = send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == EINTR) continue;
            return false;
        }
        c.out_off += static_cast<size_t>(w);
        pending_total_ -= static_cast<size_t>(w);
        touch(c, now);
    }
    if (c.out_off == c.out.size()) {
        c.out.clear();
        c.out_off = 0;
        release_if_large(c.out);
    }
    return true;
}

void TcpServer::touch(Conn& c, uint64_t now) {
    c.last_active = now;
    by_activity_.move_to_back(c);
}

void TcpServer::update_interest(Conn& c) {
    uint32_t want = 0;
    // Not read while its replies back up: the kernel's buffers fill and TCP flow control
    // holds the client back, instead of this process buffering replies without bound.
    if (!c.read_closed && c.in.size() < kMaxFrame && c.pending() < options_.tcp_max_pending_output) {
        want |= EPOLLIN | EPOLLRDHUP;
    }
    if (c.out_off < c.out.size()) want |= EPOLLOUT;
    if (want == c.interest) return;
    c.interest = want;
    epoll_event e{};
    e.events = want;
    e.data.u64 = tag(c.fd, c.seq);
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &e);
}

void TcpServer::close_conn(Conn& c) {
    const int fd = c.fd;
    if (c.pending() > 0) {
        // Replies the peer did not take: reset rather than leave them to the kernel, which
        // would hold them (a whole send buffer) for a peer that does not read until the
        // orphan timeout, outside the output budget. The peer sees the close at once.
        const linger abort{1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
    }
    pending_total_ -= c.pending();
    by_activity_.remove(c);
    mid_query_.remove(c);
    backlog_.remove(c);
    epoll_ctl(ep_, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    conns_.erase(fd);  // c is gone
    open_.store(conns_.size(), std::memory_order_relaxed);
}

void TcpServer::hand_off(Conn& c) {
    TcpHandoff h;
    h.fd = c.fd;
    h.peer = c.peer;
    const size_t len = dns::load_u16(c.in.data());
    h.query.assign(c.in.begin() + 2, c.in.begin() + 2 + static_cast<std::ptrdiff_t>(len));
    h.unsent.assign(c.out.begin() + static_cast<std::ptrdiff_t>(c.out_off), c.out.end());
    pending_total_ -= c.pending();
    by_activity_.remove(c);
    mid_query_.remove(c);
    backlog_.remove(c);
    epoll_ctl(ep_, EPOLL_CTL_DEL, h.fd, nullptr);
    conns_.erase(h.fd);  // c is gone; the descriptor is the handler's
    open_.store(conns_.size(), std::memory_order_relaxed);
    handoff_(std::move(h));
}

bool TcpServer::shed_one(std::atomic<uint64_t>& reason) {
    Conn* idlest = by_activity_.front();
    if (idlest == nullptr) return false;
    Conn* stalled = mid_query_.front();
    Conn* victim = stalled != nullptr && stalled->partial_since <= idlest->last_active ? stalled : idlest;
    reason.fetch_add(1, std::memory_order_relaxed);
    close_conn(*victim);
    return true;
}

void TcpServer::shed_over_budget() {
    // Rare (an attack, or many clients that stopped reading): a scan and a sort are fine.
    std::vector<Conn*> holders;
    for (auto& [fd, c] : conns_) {
        if (c.pending() > 0) holders.push_back(&c);
    }
    std::sort(holders.begin(), holders.end(), [](const Conn* a, const Conn* b) { return a->pending() > b->pending(); });
    const size_t target = options_.tcp_pending_output_budget - options_.tcp_pending_output_budget / 8;
    for (Conn* c : holders) {
        if (pending_total_ <= target) break;
        closed_.output_budget.fetch_add(1, std::memory_order_relaxed);
        close_conn(*c);
    }
}

void TcpServer::serve_backlog(uint64_t now) {
    // Exactly the connections queued before this wakeup; progress() queues a connection
    // again (at the back) when the cap still leaves it queries.
    for (size_t n = backlog_.size(); n > 0; --n) {
        Conn& c = *backlog_.front();
        backlog_.remove(c);
        progress(c, now);
    }
}

void TcpServer::expire(uint64_t now) {
    while (Conn* c = mid_query_.front()) {
        if (now - c->partial_since < options_.tcp_io_timeout_ms) break;
        closed_.io_timeout.fetch_add(1, std::memory_order_relaxed);
        close_conn(*c);
    }
    while (Conn* c = by_activity_.front()) {
        if (now - c->last_active < options_.tcp_idle_timeout_ms) break;  // RFC 7766 6.2.3
        closed_.idle.fetch_add(1, std::memory_order_relaxed);
        close_conn(*c);
    }
}

int TcpServer::wait_ms(uint64_t now) const {
    if (!backlog_.empty()) return 0;
    uint64_t deadline = UINT64_MAX;
    if (const Conn* c = by_activity_.front()) deadline = c->last_active + options_.tcp_idle_timeout_ms;
    if (const Conn* c = mid_query_.front())
        deadline = std::min(deadline, c->partial_since + options_.tcp_io_timeout_ms);
    if (paused_until_ != 0) deadline = std::min(deadline, paused_until_);
    if (deadline == UINT64_MAX) return -1;
    return deadline <= now ? 0 : static_cast<int>(std::min<uint64_t>(deadline - now, INT_MAX));
}

bool is_transfer_query(const uint8_t* msg, size_t len) {
    if (len < dns::kHeaderSize + 5 || (msg[2] & 0xf8) != 0 || dns::load_u16(msg + 4) != 1) return false;
    size_t pos = dns::kHeaderSize;
    while (pos < len && msg[pos] != 0) {
        if ((msg[pos] & 0xc0) != 0) return false;  // a compressed question: not one we hand off
        pos += 1u + msg[pos];
    }
    if (pos + 5 > len) return false;
    const uint16_t qtype = dns::load_u16(msg + pos + 1);
    return qtype == dns::type::AXFR || qtype == dns::type::IXFR;
}

}  // namespace fz::io
