// Real servers on loopback for the health checker tests: a Python HTTP(S) server that a test
// switches between 200, 500, a wrong body and a slow answer, stops and restarts on the same
// port; an in-process TCP listener that opens, closes, or stops completing connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <sys/types.h>

namespace fz::health::testing {

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// /usr/bin/python3's http.server, one process per start(), killed by its PID only. GET
// answers with the status, body and delay last set; POST bodies are appended to "posts".
// Every GET appends {"path","host","sni"} as a JSON line to "requests".
class HttpServer {
public:
    explicit HttpServer(bool tls = false);  // tls: self-signed certificate made by openssl
    ~HttpServer();                          // stop()
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Listens on 127.0.0.1:`port` (0: any; a restart reuses port()); false if it did not
    // come up within 15 s.
    bool start(uint16_t port = 0);
    void stop();  // SIGKILL to our own child, reaped
    uint16_t port() const { return port_; }
    bool ok() const { return ok_; }  // the certificate (when tls) could be made

    void set_status(int status);
    void set_body(const std::string& body);
    void set_delay_ms(int ms);
    void set_post_status(int status);
    std::vector<std::string> lines(const std::string& name) const;  // "requests", "posts"

private:
    void write_control(const std::string& name, const std::string& value) const;

    TempDir dir_;
    bool tls_;
    bool ok_ = true;
    pid_t pid_ = -1;
    uint16_t port_ = 0;
};

// A listening TCP socket on 127.0.0.1 in this process.
class TcpListener {
public:
    ~TcpListener();
    bool open(uint16_t port = 0);  // SO_REUSEADDR, so that a reopen gets the same port
    void close();
    uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    uint16_t port_ = 0;
};

// A loopback port where connections are never completed, for connect timeouts. Linux drops
// SYNs to a listener whose accept queue is full; some sandboxes' network stacks do not, so
// usable() checks the effect before a test relies on it.
class BlackHole {
public:
    BlackHole();
    ~BlackHole();
    BlackHole(const BlackHole&) = delete;
    BlackHole& operator=(const BlackHole&) = delete;
    uint16_t port() const { return port_; }
    bool usable() const { return usable_; }

private:
    int listen_fd_ = -1;
    std::vector<int> fillers_;
    uint16_t port_ = 0;
    bool usable_ = false;
};

// Runs a program (PATH searched) with its output discarded, waits for it, true when it exits 0.
bool run_program(const std::vector<std::string>& argv);

// Number of open file descriptors of this process.
size_t open_fd_count();

}  // namespace fz::health::testing
