// The control socket: a Unix stream socket on which fastzonectl sends one command line
// and reads the answer ("ok" or "error" on the first line, then text) until EOF. One
// thread serves every client at once (poll): a slow or silent client holds only its own
// connection, which is closed when its command has not arrived within a few seconds.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"

namespace fz::daemon {

// Where the socket lives when the configuration does not say: /run/fastzone/ for root,
// else $XDG_RUNTIME_DIR or /tmp, with the uid in the name.
std::string default_control_socket();

class ControlSocket {
public:
    // Runs a command; sets `ok` false for a failed command. Called on the socket's own
    // thread, one command at a time (reads and writes of other clients wait meanwhile).
    using Handler = std::function<std::string(const std::string& command, bool& ok)>;

    ControlSocket(std::string path, Handler handler);
    ~ControlSocket();
    ControlSocket(const ControlSocket&) = delete;
    ControlSocket& operator=(const ControlSocket&) = delete;

    // Binds (replacing a stale socket file, refusing a live one), restricts the file to
    // its owner and group (0660), starts the thread. Only root or the server's own user
    // may talk to it (checked per connection with SO_PEERCRED).
    Status start();
    void stop();
    const std::string& path() const { return path_; }

    // Limits: a command line, the time its client has to send it, clients at once (past
    // that, the oldest is dropped for the newest).
    static constexpr size_t kMaxCommand = 4096;
    static constexpr int kCommandTimeoutMs = 5000;
    static constexpr int kReplyTimeoutMs = 30000;
    static constexpr size_t kMaxClients = 32;
    static constexpr int kAcceptBackoffMs = 100;  // after accept() ran out of descriptors

private:
    struct Client;
    void loop();
    void accept_client(std::vector<Client>& clients);
    void read_command(Client& c);
    void run_command(Client& c, const std::string& command);

    std::string path_;
    Handler handler_;
    int listen_fd_ = -1;
    int stop_fd_ = -1;
    uint64_t accept_paused_until_ = 0;  // monotonic ms; the socket's thread alone uses it
    std::thread thread_;
};

// Client side: sends `command`, returns the whole answer (first line included).
Result<std::string> control_request(const std::string& path, const std::string& command, int timeout_ms = 120000);

}  // namespace fz::daemon
