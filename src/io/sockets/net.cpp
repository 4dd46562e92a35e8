// Socket plumbing shared by the UDP workers and the TCP server.
#include "io/sockets/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

namespace fz::io {

std::string errno_text(int e) { return std::strerror(e); }

bool is_wildcard(const ListenAddress& a) {
    static const uint8_t zero[16] = {};
    return std::memcmp(a.address, zero, a.family == AF_INET ? 4 : 16) == 0;
}

socklen_t to_sockaddr(const ListenAddress& a, sockaddr_storage& ss) {
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

Result<int> open_socket(const ListenAddress& a, int type, bool reuseport) {
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
        return Error{
            "", 0,
            std::string("cannot bind ") + (type == SOCK_DGRAM ? "UDP " : "TCP ") + a.text + ": " + errno_text(e)};
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

}  // namespace fz::io
