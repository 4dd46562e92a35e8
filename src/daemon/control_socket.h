// The control socket: a Unix stream socket on which fastzonectl sends one command line
// and reads the answer ("ok" or "error" on the first line, then text) until EOF.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "common/result.h"

namespace fz::daemon {

// Where the socket lives when the configuration does not say: /run/fastzone/ for root,
// else $XDG_RUNTIME_DIR or /tmp, with the uid in the name.
std::string default_control_socket();

class ControlSocket {
public:
    // Runs a command; sets `ok` false for a failed command. Called on the socket's own
    // thread, one command at a time.
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

private:
    void loop();
    void serve(int fd);

    std::string path_;
    Handler handler_;
    int listen_fd_ = -1;
    int stop_fd_ = -1;
    std::thread thread_;
};

// Client side: sends `command`, returns the whole answer (first line included).
Result<std::string> control_request(const std::string& path, const std::string& command, int timeout_ms = 120000);

}  // namespace fz::daemon
