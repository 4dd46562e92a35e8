// The Prometheus endpoint over libmicrohttpd (a well-kept embedded HTTP server: no
// hand-written HTTP parsing here), on its epoll thread, with a connection limit.
#include "daemon/metrics_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "common/library_log.h"
#include "common/log.h"

namespace fz::daemon {

namespace {

MHD_Result handle(void* cls, MHD_Connection* conn, const char* url, const char* method, const char*, const char*,
                  size_t*, void**) {
    auto* self = static_cast<MetricsHttp*>(cls);
    std::string body;
    unsigned status = MHD_HTTP_OK;
    const char* type = "text/plain; version=0.0.4; charset=utf-8";
    if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        body = "only GET\n";
        type = "text/plain";
    } else if (std::strcmp(url, "/metrics") == 0) {
        try {
            body = self->render()();
        } catch (const std::exception& e) {
            // No exception may cross libmicrohttpd's C frames.
            status = MHD_HTTP_INTERNAL_SERVER_ERROR;
            body = std::string("metrics unavailable: ") + e.what() + "\n";
            type = "text/plain";
        }
    } else {
        status = MHD_HTTP_NOT_FOUND;
        body = "fastzone serves metrics at /metrics\n";
        type = "text/plain";
    }
    MHD_Response* r = MHD_create_response_from_buffer(body.size(), body.data(), MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", type);
    MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

}  // namespace

MetricsHttp::MetricsHttp(ListenAddress address, Render render)
    : address_(std::move(address)),
      render_(std::move(render)),
      log_(std::make_unique<LibraryLog>("metrics endpoint")) {}

MetricsHttp::~MetricsHttp() { stop(); }

Status MetricsHttp::start() {
    sockaddr_storage ss{};
    // epoll (poll where there is none), not select(): a process with a thousand TCP
    // clients holds descriptors past FD_SETSIZE, which select() cannot watch.
    unsigned flags = MHD_USE_ERROR_LOG |
                     (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL_INTERNAL_THREAD
                                                                             : MHD_USE_POLL_INTERNAL_THREAD);
    if (address_.family == AF_INET6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(address_.port);
        std::memcpy(&a->sin6_addr, address_.address, 16);
        flags |= MHD_USE_IPv6;
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        a->sin_port = htons(address_.port);
        std::memcpy(&a->sin_addr, address_.address, 4);
    }
    daemon_ = MHD_start_daemon(flags, address_.port, nullptr, nullptr, &handle, this, MHD_OPTION_EXTERNAL_LOGGER,
                               &LibraryLog::write, log_.get(),  // first, as documented
                               MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&ss), MHD_OPTION_CONNECTION_LIMIT,
                               kMetricsMaxConnections, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (daemon_ == nullptr) return Error{"", 0, "cannot serve metrics on " + address_.text + " (address in use?)"};
    return Ok{};
}

void MetricsHttp::stop() {
    if (daemon_ != nullptr) {
        MHD_stop_daemon(daemon_);
        daemon_ = nullptr;
    }
}

}  // namespace fz::daemon
