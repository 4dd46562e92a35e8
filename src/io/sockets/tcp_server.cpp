// The TCP side of the kernel-socket server: one epoll loop, pipelined answers in order.
#include "io/sockets/tcp_server.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "dns/wire.h"
#include "io/sockets/net.h"

namespace fz::io {

struct TcpServer::Conn {
    int fd = -1;
    engine::Peer peer;
    std::vector<uint8_t> in;   // received bytes not yet answered
    std::vector<uint8_t> out;  // framed responses not yet written
    size_t out_off = 0;
    uint64_t last_active = 0;
    bool read_closed = false;
    bool want_out = false;
};

TcpServer::TcpServer(const SocketOptions& options, engine::Publisher& publisher)
    : options_(options), publisher_(publisher), worker_(std::make_unique<engine::Worker>()),
      framed_(2 + dns::kMaxMessage) {
    worker_->seed_from_entropy();
}

TcpServer::~TcpServer() = default;

void TcpServer::watch(int fd, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
}

void TcpServer::run(std::span<const int> listeners, int stop_fd) {
    engine::RcuReader rcu;
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    watch(stop_fd, EPOLLIN);
    for (int fd : listeners) watch(fd, EPOLLIN);
    uint64_t last_sweep = now_ms();
    bool running = true;
    while (running) {
        epoll_event events[64];
        rcu.offline();  // a blocked reader must not hold up reloads
        int n = epoll_wait(ep_, events, 64, backlog_.empty() ? 500 : 0);
        rcu.online();
        if (n < 0 && errno != EINTR) break;
        uint64_t now = now_ms();
        serve_backlog();
        for (int e = 0; e < n; ++e) {
            int fd = events[e].data.fd;
            if (fd == stop_fd) {
                running = false;
                break;
            }
            if (std::find(listeners.begin(), listeners.end(), fd) != listeners.end()) {
                accept_all(fd, now);
                continue;
            }
            auto it = conns_.find(fd);
            if (it == conns_.end()) continue;
            it->second.last_active = now;
            serve(it->second, events[e].events);
        }
        rcu.quiescent();  // this thread holds no snapshot pointer past here
        // Idle connections are closed in a sweep at most twice a second.
        if (now - last_sweep >= 500) {
            last_sweep = now;
            close_idle(now);
        }
    }
    for (auto& [fd, c] : conns_) close(fd);
    conns_.clear();
    backlog_.clear();
    open_.store(0, std::memory_order_relaxed);
    close(ep_);
    ep_ = -1;
}

void TcpServer::accept_all(int listener, uint64_t now) {
    while (true) {
        sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int cfd = accept4(listener, reinterpret_cast<sockaddr*>(&ss), &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) break;
        if (conns_.size() >= options_.tcp_max_connections) {
            close(cfd);  // over the cap: refuse rather than starve the others
            continue;
        }
        int one = 1;
        setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        Conn c;
        c.fd = cfd;
        c.peer = to_peer(ss);
        c.last_active = now;
        conns_.emplace(cfd, std::move(c));
        watch(cfd, EPOLLIN | EPOLLRDHUP);
        open_.store(conns_.size(), std::memory_order_relaxed);
    }
}

void TcpServer::serve(Conn& c, uint32_t events) {
    const int fd = c.fd;
    if (events & EPOLLERR) {
        close_conn(fd);
        return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) {
        read_available(c);
        if (answer_queries(c)) backlog_.push_back(fd);
    }
    if (!flush(c)) {
        close_conn(fd);
        return;
    }
    // A client that closed its side gets its pending answers, then the close.
    if (c.read_closed && c.out.empty() && std::find(backlog_.begin(), backlog_.end(), fd) == backlog_.end()) {
        close_conn(fd);
    }
}

void TcpServer::read_available(Conn& c) {
    uint8_t buf[16384];
    while (!c.read_closed) {
        ssize_t r = recv(c.fd, buf, sizeof(buf), 0);
        if (r > 0) {
            c.in.insert(c.in.end(), buf, buf + r);
            if (c.in.size() > 4 * (2 + dns::kMaxMessage)) break;  // answer before reading more
            continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) c.read_closed = true;
        break;
    }
}

// Pipelining, RFC 7766 6.2.1.1: every complete query is answered, in order.
bool TcpServer::answer_queries(Conn& c) {
    const engine::Snapshot* snap = publisher_.current();
    size_t off = 0;
    unsigned answered = 0;
    while (c.in.size() - off >= 2 && answered < options_.tcp_max_pipelined) {
        size_t len = dns::load_u16(c.in.data() + off);
        if (c.in.size() - off - 2 < len) break;
        size_t n = engine::answer(*snap, c.in.data() + off + 2, len, c.peer, engine::Transport::kTcp,
                                  framed_.data() + 2, dns::kMaxMessage, *worker_);
        off += 2 + len;
        ++answered;
        if (n == 0) continue;
        dns::store_u16(framed_.data(), static_cast<uint16_t>(n));
        c.out.insert(c.out.end(), framed_.begin(), framed_.begin() + static_cast<std::ptrdiff_t>(n + 2));
    }
    c.in.erase(c.in.begin(), c.in.begin() + static_cast<std::ptrdiff_t>(off));
    return c.in.size() >= 2 && c.in.size() - 2 >= dns::load_u16(c.in.data());  // more complete queries wait
}

bool TcpServer::flush(Conn& c) {
    while (c.out_off < c.out.size()) {
        ssize_t w = send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == EINTR) continue;
            return false;
        }
        c.out_off += static_cast<size_t>(w);
    }
    if (c.out_off == c.out.size()) {
        c.out.clear();
        c.out_off = 0;
    }
    update_interest(c);
    return true;
}

void TcpServer::update_interest(Conn& c) {
    bool want = c.out_off < c.out.size();
    if (want == c.want_out) return;
    c.want_out = want;
    epoll_event e{};
    e.events = EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0u);
    e.data.fd = c.fd;
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &e);
}

void TcpServer::close_conn(int fd) {
    epoll_ctl(ep_, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    conns_.erase(fd);
    open_.store(conns_.size(), std::memory_order_relaxed);
}

void TcpServer::serve_backlog() {
    std::vector<int> again;
    for (int fd : backlog_) {
        auto it = conns_.find(fd);
        if (it == conns_.end()) continue;
        if (answer_queries(it->second)) again.push_back(fd);
        if (!flush(it->second)) close_conn(fd);
    }
    backlog_.swap(again);
}

void TcpServer::close_idle(uint64_t now) {
    std::vector<int> idle;
    for (auto& [fd, c] : conns_) {
        if (now - c.last_active >= options_.tcp_idle_timeout_ms) idle.push_back(fd);
    }
    for (int fd : idle) close_conn(fd);
}

}  // namespace fz::io
