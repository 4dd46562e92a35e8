// The Prometheus endpoint: GET /metrics over HTTP, served by libmicrohttpd on its own
// epoll thread, kMetricsMaxConnections scrapers at once, 10 s of silence closing one; the
// text comes from a callback (the daemon's metrics renderer).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/library_log.h"
#include "common/result.h"
#include "loader/config.h"

struct MHD_Daemon;

namespace fz::daemon {

// Scrapers served at once; more wait in the listen queue.
inline constexpr unsigned kMetricsMaxConnections = 16;

class MetricsHttp {
public:
    using Render = std::function<std::string()>;

    MetricsHttp(ListenAddress address, Render render);
    ~MetricsHttp();
    MetricsHttp(const MetricsHttp&) = delete;
    MetricsHttp& operator=(const MetricsHttp&) = delete;

    Status start();
    void stop();

    const Render& render() const { return render_; }

private:
    ListenAddress address_;
    Render render_;
    std::unique_ptr<fz::LibraryLog> log_;  // libmicrohttpd's messages, throttled
    MHD_Daemon* daemon_ = nullptr;
};

}  // namespace fz::daemon
