// Kernel-socket server: UDP workers with recvmmsg/sendmmsg and one TCP event loop.
#include "io/sockets/socket_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>

namespace fz::io {
namespace {

constexpr int kBatch = 64;
constexpr size_t kRxSize = 4096 + 64;   // larger queries are truncated and get FORMERR
constexpr size_t kTxSize = 4096;        // >= server.udp_max_payload (config caps it at 4096)
constexpr size_t kCmsgSize = 64;

std::string errno_text(int e) { return std::strerror(e); }

bool is_wildcard(const control::ListenAddress& a) {
    static const uint8_t zero[16] = {};
    return std::memcmp(a.address, zero, a.family == AF_INET ? 4 : 16) == 0;
}

socklen_t to_sockaddr(const control::ListenAddress& a, sockaddr_storage& ss) {
    std::memset(&ss, 0, sizeof(ss));
    if (a.family == AF_INET) {
        auto* s = reinterpret_cast<sockaddr_in*>(&ss);
        s->sin_family = AF_INET;
        s->sin_port = htons(a.port);
        std::memcpy(&s->sin_addr, a.address, 4);
        return sizeof(sockaddr_in);
    }
    auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(a.port);
    std::memcpy(&s->sin6_addr, a.address, 16);
    return sizeof(sockaddr_in6);
}

engine::Peer to_peer(const sockaddr_storage& ss) {
    engine::Peer p;
    if (ss.ss_family == AF_INET) {
        const auto* s = reinterpret_cast<const sockaddr_in*>(&ss);
        p.family = 4;
        std::memcpy(p.address, &s->sin_addr, 4);
        p.port = ntohs(s->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const auto* s = reinterpret_cast<const sockaddr_in6*>(&ss);
        const uint8_t* b = reinterpret_cast<const uint8_t*>(&s->sin6_addr);
        static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::memcmp(b, v4mapped, 12) == 0) {
            p.family = 4;
            std::memcpy(p.address, b + 12, 4);
        } else {
            p.family = 6;
            std::memcpy(p.address, b, 16);
        }
        p.port = ntohs(s->sin6_port);
    }
    return p;
}

Result<int> open_socket(const control::ListenAddress& a, int type, bool reuseport) {
    int fd = socket(a.family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error{"", 0, "socket() for " + a.text + ": " + errno_text(errno)};
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (reuseport) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (a.family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (type == SOCK_DGRAM) {
        // Responses go out with DF set and never fragmented by us; path-MTU updates are
        // ignored (a forged ICMP cannot shrink them): draft-ietf-dnsop-avoid-fragmentation,
        // as BIND, Knot and NSD do. With DF set the kernel also skips the costly IP ID hash.
        if (a.family == AF_INET) {
            int omit = IP_PMTUDISC_OMIT;
            setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &omit, sizeof(omit));
        } else {
            int omit = IPV6_PMTUDISC_OMIT;
            setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &omit, sizeof(omit));
        }
        int size = 4 << 20;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
        if (is_wildcard(a)) {
            // Replies must leave from the address the query was sent to.
            if (a.family == AF_INET) {
                setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
            } else {
                setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
            }
        }
    }
    sockaddr_storage ss;
    socklen_t len = to_sockaddr(a, ss);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        int e = errno;
        close(fd);
        return Error{"", 0, std::string("cannot bind ") + (type == SOCK_DGRAM ? "UDP " : "TCP ") + a.text + ": " +
                                errno_text(e)};
    }
    if (type == SOCK_STREAM && listen(fd, 1024) != 0) {
        int e = errno;
        close(fd);
        return Error{"", 0, "cannot listen on TCP " + a.text + ": " + errno_text(e)};
    }
    return fd;
}

uint64_t now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

// Turns a received IP_PKTINFO / IPV6_PKTINFO into the one that sets the reply's source.
size_t reply_cmsg(msghdr& rx, uint8_t* out) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&rx); c != nullptr; c = CMSG_NXTHDR(&rx, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            in_pktinfo in;
            std::memcpy(&in, CMSG_DATA(c), sizeof(in));
            in_pktinfo reply{};
            reply.ipi_spec_dst = in.ipi_addr;
            auto* oc = reinterpret_cast<cmsghdr*>(out);
            oc->cmsg_level = IPPROTO_IP;
            oc->cmsg_type = IP_PKTINFO;
            oc->cmsg_len = CMSG_LEN(sizeof(reply));
            std::memcpy(CMSG_DATA(oc), &reply, sizeof(reply));
            return CMSG_SPACE(sizeof(reply));
        }
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            in6_pktinfo in;
            std::memcpy(&in, CMSG_DATA(c), sizeof(in));
            auto* oc = reinterpret_cast<cmsghdr*>(out);
            oc->cmsg_level = IPPROTO_IPV6;
            oc->cmsg_type = IPV6_PKTINFO;
            oc->cmsg_len = CMSG_LEN(sizeof(in));
            std::memcpy(CMSG_DATA(oc), &in, sizeof(in));
            return CMSG_SPACE(sizeof(in));
        }
    }
    return 0;
}

}  // namespace

struct SocketServer::UdpWorker {
    std::vector<int> fds;
    std::thread thread;
    engine::Worker worker;
};

SocketServer::SocketServer(const control::ServerConfig& config, engine::Publisher& publisher)
    : config_(config), publisher_(publisher) {}

SocketServer::~SocketServer() { stop(); }

Status SocketServer::start() {
    stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (stop_fd_ < 0) return Error{"", 0, "eventfd: " + errno_text(errno)};
    unsigned workers = std::max(1u, config_.workers);
    for (unsigned i = 0; i < workers; ++i) {
        udp_.push_back(std::make_unique<UdpWorker>());
        udp_.back()->worker.seed_from_entropy();
    }
    auto close_all = [this]() {
        for (auto& w : udp_) {
            for (int fd : w->fds) close(fd);
        }
        udp_.clear();
        for (int fd : tcp_listeners_) close(fd);
        tcp_listeners_.clear();
        close(stop_fd_);
        stop_fd_ = -1;
    };
    for (const auto& a : config_.listen) {
        for (auto& w : udp_) {
            auto fd = open_socket(a, SOCK_DGRAM, true);
            if (!fd) {
                close_all();
                return fd.error();
            }
            w->fds.push_back(*fd);
        }
        auto tfd = open_socket(a, SOCK_STREAM, false);
        if (!tfd) {
            close_all();
            return tfd.error();
        }
        tcp_listeners_.push_back(*tfd);
    }
    for (auto& w : udp_) {
        UdpWorker* wp = w.get();
        w->thread = std::thread([this, wp]() { udp_loop(*wp); });
    }
    tcp_worker_ = std::make_unique<engine::Worker>();
    tcp_worker_->seed_from_entropy();
    tcp_thread_ = std::thread([this]() { tcp_loop(); });
    started_ = true;
    return Ok{};
}

void SocketServer::stop() {
    if (!started_) return;
    started_ = false;
    uint64_t one = 1;
    if (write(stop_fd_, &one, sizeof(one)) < 0) {
        // Cannot happen for an eventfd below its maximum; the joins below would hang.
    }
    for (auto& w : udp_) {
        if (w->thread.joinable()) w->thread.join();
        for (int fd : w->fds) close(fd);
        w->fds.clear();
    }
    if (tcp_thread_.joinable()) tcp_thread_.join();
    for (int fd : tcp_listeners_) close(fd);
    tcp_listeners_.clear();
    close(stop_fd_);
    stop_fd_ = -1;
}

std::vector<const engine::Counters*> SocketServer::counters() const {
    std::vector<const engine::Counters*> out;
    for (const auto& w : udp_) out.push_back(&w->worker.counters);
    if (tcp_worker_) out.push_back(&tcp_worker_->counters);
    return out;
}

void SocketServer::udp_loop(UdpWorker& w) {
    engine::RcuReader rcu;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = stop_fd_;
    epoll_ctl(ep, EPOLL_CTL_ADD, stop_fd_, &ev);
    for (int fd : w.fds) {
        ev.data.fd = fd;
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    // Buffers live on the heap once per thread; nothing is allocated per packet.
    struct Buffers {
        uint8_t rx[kBatch][kRxSize];
        uint8_t tx[kBatch][kTxSize];
        uint8_t rx_cmsg[kBatch][kCmsgSize];
        uint8_t tx_cmsg[kBatch][kCmsgSize];
        sockaddr_storage addr[kBatch];
        iovec rx_iov[kBatch];
        iovec tx_iov[kBatch];
        mmsghdr rx_msg[kBatch];
        mmsghdr tx_msg[kBatch];
    };
    auto b = std::make_unique<Buffers>();
    size_t tx_limit = std::min<size_t>(kTxSize, std::max<size_t>(config_.udp_max_payload, 512));
    bool running = true;
    while (running) {
        epoll_event events[16];
        rcu.offline();  // blocked threads must not hold up reloads
        int n = epoll_wait(ep, events, 16, -1);
        rcu.online();
        if (n < 0 && errno != EINTR) break;
        for (int e = 0; e < n; ++e) {
            int fd = events[e].data.fd;
            if (fd == stop_fd_) {
                running = false;
                break;
            }
            for (int round = 0; round < 16; ++round) {
                for (int i = 0; i < kBatch; ++i) {
                    b->rx_iov[i] = {b->rx[i], kRxSize};
                    msghdr& h = b->rx_msg[i].msg_hdr;
                    h.msg_name = &b->addr[i];
                    h.msg_namelen = sizeof(sockaddr_storage);
                    h.msg_iov = &b->rx_iov[i];
                    h.msg_iovlen = 1;
                    h.msg_control = b->rx_cmsg[i];
                    h.msg_controllen = kCmsgSize;
                    h.msg_flags = 0;
                }
                int got = recvmmsg(fd, b->rx_msg, kBatch, MSG_DONTWAIT, nullptr);
                if (got <= 0) break;
                const engine::Snapshot* snap = publisher_.current();
                int out = 0;
                for (int i = 0; i < got; ++i) {
                    engine::Peer peer = to_peer(b->addr[i]);
                    size_t len = engine::answer(*snap, b->rx[i], b->rx_msg[i].msg_len, peer, engine::Transport::kUdp,
                                                b->tx[out], tx_limit, w.worker);
                    if (len == 0) continue;
                    b->tx_iov[out] = {b->tx[out], len};
                    msghdr& h = b->tx_msg[out].msg_hdr;
                    h.msg_name = &b->addr[i];
                    h.msg_namelen = b->rx_msg[i].msg_hdr.msg_namelen;
                    h.msg_iov = &b->tx_iov[out];
                    h.msg_iovlen = 1;
                    size_t clen = reply_cmsg(b->rx_msg[i].msg_hdr, b->tx_cmsg[out]);
                    h.msg_control = clen ? b->tx_cmsg[out] : nullptr;
                    h.msg_controllen = clen;
                    h.msg_flags = 0;
                    ++out;
                }
                int sent = 0;
                while (sent < out) {
                    int s = sendmmsg(fd, b->tx_msg + sent, static_cast<unsigned>(out - sent), 0);
                    if (s <= 0) {
                        if (s < 0 && errno == EINTR) continue;
                        break;  // a full socket buffer drops the rest, as the kernel would
                    }
                    sent += s;
                }
                rcu.quiescent();  // this thread holds no snapshot pointer past here
                if (got < kBatch) break;
            }
        }
    }
    close(ep);
}

void SocketServer::tcp_loop() {
    engine::RcuReader rcu;
    struct Conn {
        int fd = -1;
        engine::Peer peer;
        std::vector<uint8_t> in;   // received bytes not yet answered
        std::vector<uint8_t> out;  // framed responses not yet written
        size_t out_off = 0;
        uint64_t last_active = 0;
        bool read_closed = false;
        bool want_out = false;
    };
    std::unordered_map<int, Conn> conns;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = stop_fd_;
    epoll_ctl(ep, EPOLL_CTL_ADD, stop_fd_, &ev);
    for (int fd : tcp_listeners_) {
        ev.data.fd = fd;
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    auto is_listener = [this](int fd) {
        for (int l : tcp_listeners_) {
            if (l == fd) return true;
        }
        return false;
    };
    std::vector<uint8_t> resp(2 + dns::kMaxMessage);
    auto close_conn = [&](int fd) {
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        close(fd);
        conns.erase(fd);
        tcp_open_.store(conns.size(), std::memory_order_relaxed);
    };
    auto update_interest = [&](Conn& c) {
        bool want = c.out_off < c.out.size();
        if (want == c.want_out) return;
        c.want_out = want;
        epoll_event e{};
        e.events = EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0u);
        e.data.fd = c.fd;
        epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &e);
    };
    // Writes what the socket takes; returns false when the connection is dead.
    auto flush = [&](Conn& c) {
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
    };
    // Answers every complete framed query in `c.in` (pipelining, RFC 7766 6.2.1.1).
    auto process = [&](Conn& c) {
        const engine::Snapshot* snap = publisher_.current();
        size_t off = 0;
        unsigned answered = 0;
        while (c.in.size() - off >= 2 && answered < config_.tcp_max_pipelined) {
            size_t len = dns::load_u16(c.in.data() + off);
            if (c.in.size() - off - 2 < len) break;
            size_t n = engine::answer(*snap, c.in.data() + off + 2, len, c.peer, engine::Transport::kTcp,
                                      resp.data() + 2, dns::kMaxMessage, *tcp_worker_);
            off += 2 + len;
            ++answered;
            if (n == 0) continue;
            dns::store_u16(resp.data(), static_cast<uint16_t>(n));
            c.out.insert(c.out.end(), resp.begin(), resp.begin() + static_cast<std::ptrdiff_t>(n + 2));
        }
        c.in.erase(c.in.begin(), c.in.begin() + static_cast<std::ptrdiff_t>(off));
        return c.in.size() >= 2 && c.in.size() - 2 >= dns::load_u16(c.in.data());  // more complete queries wait
    };

    bool running = true;
    uint64_t last_sweep = now_ms();
    std::vector<int> backlog;  // connections with complete queries left over (pipeline cap)
    while (running) {
        epoll_event events[64];
        rcu.offline();
        int n = epoll_wait(ep, events, 64, backlog.empty() ? 500 : 0);
        rcu.online();
        if (n < 0 && errno != EINTR) break;
        uint64_t now = now_ms();
        std::vector<int> again;
        for (int fd : backlog) {
            auto it = conns.find(fd);
            if (it == conns.end()) continue;
            if (process(it->second)) again.push_back(fd);
            if (!flush(it->second)) close_conn(fd);
        }
        backlog.swap(again);
        for (int e = 0; e < n; ++e) {
            int fd = events[e].data.fd;
            if (fd == stop_fd_) {
                running = false;
                break;
            }
            if (is_listener(fd)) {
                while (true) {
                    sockaddr_storage ss;
                    socklen_t sl = sizeof(ss);
                    int cfd = accept4(fd, reinterpret_cast<sockaddr*>(&ss), &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (cfd < 0) break;
                    if (conns.size() >= config_.tcp_max_connections) {
                        close(cfd);  // over the cap: refuse rather than starve the others
                        continue;
                    }
                    int one = 1;
                    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    Conn c;
                    c.fd = cfd;
                    c.peer = to_peer(ss);
                    c.last_active = now;
                    conns.emplace(cfd, std::move(c));
                    epoll_event ce{};
                    ce.events = EPOLLIN | EPOLLRDHUP;
                    ce.data.fd = cfd;
                    epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ce);
                    tcp_open_.store(conns.size(), std::memory_order_relaxed);
                }
                continue;
            }
            auto it = conns.find(fd);
            if (it == conns.end()) continue;
            Conn& c = it->second;
            c.last_active = now;
            if (events[e].events & EPOLLERR) {
                close_conn(fd);
                continue;
            }
            if (events[e].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) {
                uint8_t buf[16384];
                while (!c.read_closed) {
                    ssize_t r = recv(fd, buf, sizeof(buf), 0);
                    if (r > 0) {
                        c.in.insert(c.in.end(), buf, buf + r);
                        if (c.in.size() > 4 * (2 + dns::kMaxMessage)) break;  // answer before reading more
                        continue;
                    }
                    // End of stream, or an error other than "try again".
                    if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) c.read_closed = true;
                    break;
                }
                if (process(c)) backlog.push_back(fd);
            }
            if (!flush(c)) {
                close_conn(fd);
                continue;
            }
            // A client that closed its side gets its pending answers, then the close.
            if (c.read_closed && c.out.empty() && std::find(backlog.begin(), backlog.end(), fd) == backlog.end()) {
                close_conn(fd);
            }
        }
        rcu.quiescent();
        // Idle connections are closed (RFC 7766 6.2.3), in a sweep at most twice a second.
        if (now - last_sweep >= 500) {
            last_sweep = now;
            std::vector<int> idle;
            for (auto& [fd, c] : conns) {
                if (now - c.last_active >= config_.tcp_idle_timeout_ms) idle.push_back(fd);
            }
            for (int fd : idle) close_conn(fd);
        }
    }
    for (auto& [fd, c] : conns) close(fd);
    conns.clear();
    tcp_open_.store(0, std::memory_order_relaxed);
    close(ep);
}

}  // namespace fz::io
