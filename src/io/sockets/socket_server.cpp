// Kernel-socket server: UDP workers with recvmmsg/sendmmsg, and the TCP server's thread.
#include "io/sockets/socket_server.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "io/sockets/net.h"
#include "io/sockets/tcp_server.h"

namespace fz::io {
namespace {

constexpr int kBatch = 64;
constexpr size_t kRxSize = engine::kMaxUdpQuery;  // longer datagrams: MSG_TRUNC, FORMERR
constexpr size_t kTxSize = 4096;                  // >= server.udp_max_payload (config caps it at 4096)
constexpr size_t kCmsgSize = 64;

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

SocketServer::SocketServer(const SocketOptions& options, engine::Publisher& publisher)
    : config_(options), publisher_(publisher) {}

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
    if (update_) {
        updates_ = std::make_unique<UpdateQueue>(update_, engine::Transport::kUdp, send_udp_response, kUpdateQueue,
                                                 std::max<size_t>(config_.udp_max_payload, 512));
        updates_->start();
    }
    for (auto& w : udp_) {
        UdpWorker* wp = w.get();
        w->thread = std::thread([this, wp]() { udp_loop(*wp); });
    }
    tcp_ = std::make_unique<TcpServer>(config_, publisher_, update_, handoff_);
    tcp_thread_ = std::thread([this]() { tcp_->run(tcp_listeners_, stop_fd_); });
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
    }
    if (tcp_thread_.joinable()) tcp_thread_.join();
    if (updates_) updates_->stop();  // before the sockets it answers from are closed
    for (auto& w : udp_) {
        for (int fd : w->fds) close(fd);
        w->fds.clear();
    }
    for (int fd : tcp_listeners_) close(fd);
    tcp_listeners_.clear();
    close(stop_fd_);
    stop_fd_ = -1;
}

std::vector<const engine::Counters*> SocketServer::counters() const {
    std::vector<const engine::Counters*> out;
    for (const auto& w : udp_) out.push_back(&w->worker.counters);
    if (tcp_) out.push_back(&tcp_->counters());
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
                    const size_t rx_len = b->rx_msg[i].msg_len;
                    // The kernel cut a datagram longer than the buffer: not answered from its start.
                    const bool whole = (b->rx_msg[i].msg_hdr.msg_flags & MSG_TRUNC) == 0;
                    // Answered by the update thread: an UPDATE may wait for the store, a
                    // signed query is verified there.
                    auto to_control_plane = [&] {
                        size_t clen = reply_cmsg(b->rx_msg[i].msg_hdr, b->tx_cmsg[out]);
                        UpdateQueue::Item item;
                        item.fd = fd;
                        item.addr = b->addr[i];
                        item.addr_len = b->rx_msg[i].msg_hdr.msg_namelen;
                        item.cmsg.assign(b->tx_cmsg[out], b->tx_cmsg[out] + clen);
                        item.msg.assign(b->rx[i], b->rx[i] + rx_len);
                        item.peer = peer;
                        updates_->push(std::move(item));
                    };
                    if (whole && updates_ && is_update_or_notify(b->rx[i], rx_len)) [[unlikely]] {
                        to_control_plane();
                        continue;
                    }
                    size_t len = whole
                                     ? engine::answer(*snap, b->rx[i], rx_len, peer, engine::Transport::kUdp,
                                                      b->tx[out], tx_limit, w.worker)
                                     : engine::answer_oversized(*snap, b->rx[i], rx_len, peer, engine::Transport::kUdp,
                                                                b->tx[out], tx_limit, w.worker);
                    if (w.worker.control_plane) [[unlikely]] {
                        w.worker.control_plane = false;
                        if (whole && updates_) {
                            to_control_plane();
                            continue;
                        }
                    }
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

}  // namespace fz::io
