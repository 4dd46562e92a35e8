// One probe of one endpoint on the event loop: a non-blocking TCP connect, or an HTTP(S)
// request through libcurl's multi interface, ending in a ProbeResult with its reason.
#pragma once

#include <functional>
#include <memory>

#include "health/event_loop.h"
#include "health/resolver.h"
#include "health/status.h"
#include "policy/health_check.h"

namespace fz::health {

// An in-flight probe. `done` runs exactly once, on the loop thread, from a later loop round
// (never inside the start call); the probe has already released its socket and libcurl
// handle from the loop by then. Destroying a probe cancels it (`done` is not called). Do not
// destroy it inside `done`: hand it to EventLoop::defer().
class Probe {
public:
    using Done = std::function<void(ProbeResult)>;
    virtual ~Probe() = default;
};

// Healthy when a TCP connection to `address` is established before `deadline`.
std::unique_ptr<Probe> start_tcp_probe(EventLoop& loop, const Address& address, EventLoop::Clock::time_point deadline,
                                       Probe::Done done);

// GET ResourcePath from `address` (scheme, Host header, SNI and SearchString from `check`):
// healthy on 2xx/3xx (and, for *_STR_MATCH, SearchString within the first 5,120 bytes of the
// body). Connect must complete within `timeouts.connect`, the status must arrive within
// `timeouts.response` after that, and everything before `deadline`. Certificates are not
// verified, as Route 53 does not.
std::unique_ptr<Probe> start_http_probe(EventLoop& loop, const policy::HealthCheck& check, const Address& address,
                                        const ProbeTimeouts& timeouts, EventLoop::Clock::time_point deadline,
                                        Probe::Done done);

// Route 53 reads this much of the body for *_STR_MATCH checks.
inline constexpr size_t kMaxBodyBytes = 5120;

// The Host header Route 53 sends: FullyQualifiedDomainName (else IPAddress), with ":Port"
// unless Port is the scheme's default.
std::string http_host_header(const policy::HealthCheck& check, const Address& address);

}  // namespace fz::health
