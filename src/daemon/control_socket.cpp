// The control socket: one command per connection, answered by the daemon's handler.
#include "daemon/control_socket.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>

#include "common/log.h"

namespace fz::daemon {
namespace {

constexpr size_t kMaxCommand = 4096;
constexpr int kClientTimeoutMs = 5000;

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

ControlSocket::ControlSocket(std::string path, Handler handler) : path_(std::move(path)), handler_(std::move(handler)) {}

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

void ControlSocket::loop() {
    while (true) {
        pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents != 0) return;
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        serve(fd);
        close(fd);
    }
}

void ControlSocket::serve(int fd) {
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || (cred.uid != 0 && cred.uid != geteuid())) {
        write_all(fd, "error\npermission denied: only root or the server's user may control it\n");
        log::warning("control socket: refused a client", log::kv("uid", static_cast<long long>(cred.uid)));
        return;
    }
    std::string command;
    char buf[512];
    while (command.find('\n') == std::string::npos && command.size() < kMaxCommand) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, kClientTimeoutMs) <= 0) return;
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) break;
        command.append(buf, static_cast<size_t>(n));
    }
    if (size_t nl = command.find('\n'); nl != std::string::npos) command.resize(nl);
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
    write_all(fd, (ok ? "ok\n" : "error\n") + body);
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
