// Endpoint addresses, and a resolver that runs getaddrinfo on two helper threads so that a
// slow DNS answer for a FullyQualifiedDomainName never stalls the checker's event loop.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "health/event_loop.h"

namespace fz::health {

struct Address {
    sockaddr_storage storage{};
    socklen_t length = 0;
    std::string ip;  // literal, without brackets
    uint16_t port = 0;

    int family() const { return storage.ss_family; }
    const sockaddr* sockaddr_ptr() const { return reinterpret_cast<const sockaddr*>(&storage); }
    // "192.0.2.1:80", "[2001:db8::1]:443"
    std::string to_string() const;
    // "192.0.2.1", "[2001:db8::1]": the host part of a URL.
    std::string url_host() const;
};

// An IPv4 or IPv6 literal; an error for anything else.
Result<Address> parse_address(const std::string& ip, uint16_t port);

class Resolver {
public:
    using Done = std::function<void(Result<Address>)>;

    explicit Resolver(EventLoop& loop);
    // Idle helpers are joined; one blocked in getaddrinfo is detached and exits when that
    // returns, its answer dropped (the system resolver cannot be interrupted).
    ~Resolver();
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    // Loop thread: resolves `host` (an IPv4 address preferred, as Route 53 resolves to IPv4;
    // else IPv6) and calls `done` on the loop thread. A request still queued at `deadline`
    // is answered "resolve timeout" without a lookup, so that a backlog behind a slow DNS
    // server drains instead of delaying every later probe. Helpers start on first use.
    void resolve(std::string host, uint16_t port, EventLoop::Clock::time_point deadline, Done done);

private:
    struct Shared;
    std::shared_ptr<Shared> shared_;
};

}  // namespace fz::health
