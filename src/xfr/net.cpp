// Connected sockets with timeouts, and framed reads.
#include "xfr/net.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fz::xfr {

socklen_t socket_address(const ListenAddress& a, sockaddr_storage& out) {
    out = {};
    if (a.family == AF_INET) {
        auto* s4 = reinterpret_cast<sockaddr_in*>(&out);
        s4->sin_family = AF_INET;
        s4->sin_port = htons(a.port);
        std::memcpy(&s4->sin_addr, a.address, 4);
        return sizeof(sockaddr_in);
    }
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&out);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(a.port);
    std::memcpy(&s6->sin6_addr, a.address, 16);
    return sizeof(sockaddr_in6);
}

int connect_to(const ListenAddress& a, int type, unsigned timeout_ms) {
    sockaddr_storage ss;
    const socklen_t len = socket_address(a, ss);
    int fd = socket(a.family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        if (errno != EINPROGRESS) {
            close(fd);
            return -1;
        }
        pollfd p{fd, POLLOUT, 0};
        int err = 0;
        socklen_t elen = sizeof err;
        if (poll(&p, 1, static_cast<int>(timeout_ms)) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 ||
            err != 0) {
            close(fd);
            errno = err != 0 ? err : ETIMEDOUT;
            return -1;
        }
    }
    (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    timeval tv{static_cast<time_t>(timeout_ms / 1000), static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

bool send_all(int fd, const uint8_t* p, size_t n) {
    while (n > 0) {
        const ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

namespace {

bool recv_all(int fd, uint8_t* p, size_t n) {
    while (n > 0) {
        const ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= static_cast<size_t>(r);
    }
    return true;
}

}  // namespace

bool read_frame(int fd, std::vector<uint8_t>& out) {
    uint8_t len[2];
    if (!recv_all(fd, len, 2)) return false;
    out.resize(static_cast<size_t>(len[0]) << 8 | len[1]);
    return recv_all(fd, out.data(), out.size());
}

}  // namespace fz::xfr
