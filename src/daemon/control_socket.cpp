// The control socket: one command per connection, answered by the daemon's handler.
#include "daemon/control_socket.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>

#include "common/log.h"

namespace fz::daemon {
namespace {

uint64_t now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

bool make_address(const std::string& path, sockaddr_un& a) {
    std::memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof(a.sun_path)) return false;
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    return true;
}

bool write_all(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

std::string default_control_socket() {
    if (geteuid() == 0) return "/run/fastzone/control.sock";
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    std::string dir = xdg != nullptr && *xdg != '\0' ? xdg : "/tmp";
    return dir + "/fastzone-" + std::to_string(geteuid()) + ".sock";
}

ControlSocket::ControlSocket(std::string path, Handler handler)
    : path_(std::move(path)), handler_(std::move(handler)) {}

ControlSocket::~ControlSocket() { stop(); }

Status ControlSocket::start() {
    sockaddr_un addr;
    if (!make_address(path_, addr)) return Error{path_, 0, "control socket path too long"};
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
    // A live server already owns the path: refuse rather than steal it.
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0) {
        bool live = connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
        close(probe);
        if (live) return Error{path_, 0, "another fastzoned already listens on this control socket"};
    }
    unlink(path_.c_str());
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listen_fd_ < 0) return Error{path_, 0, std::string("socket: ") + std::strerror(errno)};
    mode_t old = umask(0117);  // the file is created 0660
    int rc = bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    umask(old);
    if (rc != 0 || listen(listen_fd_, 16) != 0) {
        int e = errno;
        close(listen_fd_);
        listen_fd_ = -1;
        return Error{path_, 0, std::string("cannot listen on the control socket: ") + std::strerror(e)};
    }
    stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    thread_ = std::thread([this] { loop(); });
    return Ok{};
}

void ControlSocket::stop() {
    if (!thread_.joinable()) return;
    uint64_t one = 1;
    if (write(stop_fd_, &one, sizeof(one)) < 0) {
        // an eventfd below its maximum always takes the write
    }
    thread_.join();
    close(listen_fd_);
    close(stop_fd_);
    listen_fd_ = stop_fd_ = -1;
    unlink(path_.c_str());
}

struct ControlSocket::Client {
    int fd = -1;
    std::string in;   // the command line as it arrives
    std::string out;  // the reply, once the command ran
    size_t out_off = 0;
    bool replied = false;
    uint64_t deadline = 0;  // monotonic ms: for the command, then for the reply
};

void ControlSocket::loop() {
    std::vector<Client> clients;
    std::vector<pollfd> fds;
    while (true) {
        const uint64_t now = now_ms();
        // Clients past their deadline are closed: a silent client costs a slot, no more.
        std::erase_if(clients, [&](const Client& c) {
            if (c.deadline > now && (!c.replied || c.out_off < c.out.size())) return false;
            close(c.fd);
            return true;
        });
        // Out of descriptors, accept() fails at once while the client waits in the queue:
        // the listener is left alone for a while instead of spinning on it.
        const bool paused = now < accept_paused_until_;
        fds.assign({{listen_fd_, static_cast<short>(paused ? 0 : POLLIN), 0}, {stop_fd_, POLLIN, 0}});
        uint64_t next = paused ? accept_paused_until_ : now + 60000;
        for (const auto& c : clients) {
            fds.push_back({c.fd, static_cast<short>(c.replied ? POLLOUT : POLLIN), 0});
            next = std::min(next, c.deadline);
        }
        if (poll(fds.data(), fds.size(), static_cast<int>(next - now)) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents != 0) break;
        for (size_t i = 0; i < clients.size(); ++i) {
            Client& c = clients[i];
            if (fds[i + 2].revents == 0) continue;
            if (!c.replied) {
                read_command(c);
                continue;
            }
            ssize_t n = send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) c.out_off += static_cast<size_t>(n);
            if (n < 0 && errno != EAGAIN && errno != EINTR) c.deadline = 0;  // gone: closed above
        }
        if (fds[0].revents != 0) accept_client(clients);
    }
    for (const auto& c : clients) close(c.fd);
}

void ControlSocket::accept_client(std::vector<Client>& clients) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            accept_paused_until_ = now_ms() + kAcceptBackoffMs;
        }
        return;
    }
    if (clients.size() >= kMaxClients) {
        // The oldest client has waited longest: it goes, so that a new one always gets in.
        close(clients.front().fd);
        clients.erase(clients.begin());
    }
    Client& c = clients.emplace_back();
    c.fd = fd;
    c.deadline = now_ms() + kCommandTimeoutMs;
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || (cred.uid != 0 && cred.uid != geteuid())) {
        log::warning("control socket: refused a client", log::kv("uid", static_cast<long long>(cred.uid)));
        c.out = "error\npermission denied: only root or the server's user may control it\n";
        c.replied = true;
        c.deadline = now_ms() + kReplyTimeoutMs;
    }
}

void ControlSocket::read_command(Client& c) {
    char buf[512];
    ssize_t n = recv(c.fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n > 0) c.in.append(buf, static_cast<size_t>(n));
    size_t nl = c.in.find('\n');
    if (nl != std::string::npos && nl <= kMaxCommand) {
        run_command(c, c.in.substr(0, nl));
    } else if (c.in.size() > kMaxCommand) {
        c.out = "error\ncommand line longer than " + std::to_string(kMaxCommand) + " bytes\n";
        c.replied = true;
        c.deadline = now_ms() + kReplyTimeoutMs;
    } else if (n <= 0) {
        run_command(c, c.in);  // the client closed its side: what came is the command
    }
}

void ControlSocket::run_command(Client& c, const std::string& command) {
    bool ok = true;
    std::string body;
    try {
        body = handler_(command, ok);
    } catch (const std::exception& e) {
        // A command must never take the server down: report and carry on.
        ok = false;
        body = std::string("internal error: ") + e.what();
        log::error("control command failed", log::kv("command", command) + " " + log::kv("error", e.what()));
    }
    if (!body.empty() && body.back() != '\n') body += '\n';
    c.out = (ok ? "ok\n" : "error\n") + body;
    c.replied = true;
    c.deadline = now_ms() + kReplyTimeoutMs;
}

Result<std::string> control_request(const std::string& path, const std::string& command, int timeout_ms) {
    sockaddr_un addr;
    if (!make_address(path, addr)) return Error{path, 0, "control socket path too long"};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error{path, 0, std::string("socket: ") + std::strerror(errno)};
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        int e = errno;
        close(fd);
        return Error{path, 0, std::string("cannot reach fastzoned: ") + std::strerror(e)};
    }
    if (!write_all(fd, command + "\n")) {
        close(fd);
        return Error{path, 0, "cannot send the command"};
    }
    std::string out;
    char buf[4096];
    while (true) {
        pollfd p{fd, POLLIN, 0};
        int r = poll(&p, 1, timeout_ms);
        if (r <= 0) {
            close(fd);
            return Error{path, 0, "fastzoned did not answer in time"};
        }
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    return out;
}

}  // namespace fz::daemon
