// Loopback HTTP(S) and TCP servers started (and stopped, by PID) by the health checker tests.
#include "tests/unit/health/loopback_servers.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace fz::health::testing {
namespace {

// The server, written into the test's directory. Control files are re-read on every request
// so that a test changes the answer without restarting it.
constexpr const char* kServerScript = R"PY(
import http.server, json, os, ssl, sys, time

root, port, tls = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "tls"

def read(name, default):
    try:
        with open(os.path.join(root, name), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return default

def append(name, line):
    with open(os.path.join(root, name), "ab") as f:
        f.write(line + b"\n")

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        sni = getattr(self.connection, "fz_sni", "-") if tls else "-"
        append("requests", json.dumps({"path": self.path, "host": self.headers.get("Host", ""), "sni": sni}).encode())
        delay = float(read("delay_ms", b"0")) / 1000
        if delay:
            time.sleep(delay)
        body = read("body", b"ok")
        self.send_response(int(read("status", b"200")))
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        append("posts", data)
        self.send_response(int(read("post_status", b"200")))
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up early are what health checks do

server = Server(("127.0.0.1", port), Handler)
if tls:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(root, "cert.pem"), os.path.join(root, "key.pem"))
    def on_sni(sock, name, context):
        sock.fz_sni = name or "-"
    ctx.sni_callback = on_sni
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
with open(os.path.join(root, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(root, "port.tmp"), os.path.join(root, "port"))
server.serve_forever()
)PY";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& data) {
    // Renamed into place so that the server never reads half a file.
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << data;
    }
    std::rename(tmp.c_str(), path.c_str());
}

// quiet: stdout and stderr to /dev/null (openssl's progress dots).
pid_t spawn(const std::vector<std::string>& argv, bool quiet = false) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (quiet) {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
    }
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0 ? pid : -1;
}

uint16_t bound_port(int fd) {
    sockaddr_in a{};
    socklen_t len = sizeof(a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
}

sockaddr_in loopback(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

}  // namespace

TempDir::TempDir() {
    char name[] = "/tmp/fz-health-XXXXXX";
    if (mkdtemp(name) != nullptr) path_ = name;
}

TempDir::~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

bool run_program(const std::vector<std::string>& argv) {
    const pid_t pid = spawn(argv, true);
    if (pid < 0) return false;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

size_t open_fd_count() {
    size_t n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
}

HttpServer::HttpServer(bool tls) : tls_(tls) {
    write_file(dir_.path() + "/server.py", kServerScript);
    if (tls_) {
        ok_ = run_program({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                           "-nodes", "-keyout", dir_.path() + "/key.pem", "-out", dir_.path() + "/cert.pem", "-days",
                           "2", "-subj", "/CN=fastzone-test", "-batch"});
    }
}

HttpServer::~HttpServer() { stop(); }

bool HttpServer::start(uint16_t port) {
    stop();
    if (port == 0) port = port_;
    std::filesystem::remove(dir_.path() + "/port");
    pid_ = spawn({"/usr/bin/python3", dir_.path() + "/server.py", dir_.path(), std::to_string(port),
                  tls_ ? "tls" : "plain"});
    if (pid_ < 0) return false;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < give_up) {
        const std::string text = read_file(dir_.path() + "/port");
        if (!text.empty()) {
            port_ = static_cast<uint16_t>(std::atoi(text.c_str()));
            return true;
        }
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {  // died: port taken, python broken...
            pid_ = -1;
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    return false;
}

void HttpServer::stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
}

void HttpServer::write_control(const std::string& name, const std::string& value) const {
    write_file(dir_.path() + "/" + name, value);
}

void HttpServer::set_status(int status) { write_control("status", std::to_string(status)); }
void HttpServer::set_body(const std::string& body) { write_control("body", body); }
void HttpServer::set_delay_ms(int ms) { write_control("delay_ms", std::to_string(ms)); }
void HttpServer::set_post_status(int status) { write_control("post_status", std::to_string(status)); }

std::vector<std::string> HttpServer::lines(const std::string& name) const {
    std::vector<std::string> out;
    std::istringstream in(read_file(dir_.path() + "/" + name));
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) out.push_back(line);
    }
    return out;
}

TcpListener::~TcpListener() { close(); }

bool TcpListener::open(uint16_t port) {
    close();
    if (port == 0) port = port_;
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    const sockaddr_in a = loopback(port);
    if (bind(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0 || listen(fd_, 128) != 0) {
        close();
        return false;
    }
    port_ = bound_port(fd_);
    return true;
}

void TcpListener::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

BlackHole::BlackHole() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in any = loopback(0);
    if (bind(listen_fd_, reinterpret_cast<const sockaddr*>(&any), sizeof(any)) != 0 || listen(listen_fd_, 0) != 0)
        return;
    port_ = bound_port(listen_fd_);
    const sockaddr_in to = loopback(port_);
    // Fill the accept queue (never accepted), then see whether one more connect hangs.
    for (int i = 0; i < 4; ++i) {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
        fillers_.push_back(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const int probe = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    connect(probe, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
    pollfd p{probe, POLLOUT, 0};
    usable_ = poll(&p, 1, 500) == 0;
    ::close(probe);
}

BlackHole::~BlackHole() {
    for (int fd : fillers_) ::close(fd);
    if (listen_fd_ >= 0) ::close(listen_fd_);
}

}  // namespace fz::health::testing
