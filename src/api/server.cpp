// The API's HTTP server over libmicrohttpd: requests gathered whole (body capped), then
// handed to the Handler on the pool thread that owns the connection (cold).
#include "api/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/library_log.h"
#include "common/log.h"

namespace fz::api {

namespace {

// One request while its body arrives (libmicrohttpd's per-request pointer).
struct Pending {
    Request request;
};

MHD_Result collect(void* cls, MHD_ValueKind, const char* key, const char* value) {
    auto* out = static_cast<std::vector<std::pair<std::string, std::string>>*>(cls);
    out->emplace_back(key != nullptr ? key : "", value != nullptr ? value : "");
    return MHD_YES;
}

MHD_Result send(MHD_Connection* conn, const Response& r) {
    MHD_Response* resp = MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()),
                                                         MHD_RESPMEM_MUST_COPY);
    if (resp == nullptr) return MHD_NO;
    for (const auto& [k, v] : r.headers) MHD_add_response_header(resp, k.c_str(), v.c_str());
    const MHD_Result ret = MHD_queue_response(conn, r.status, resp);
    MHD_destroy_response(resp);
    return ret;
}

MHD_Result on_request(void* cls, MHD_Connection* conn, const char* url, const char* method, const char*,
                      const char* upload_data, size_t* upload_data_size, void** state) {
    auto* server = static_cast<ApiServer*>(cls);
    const size_t cap = server->options().max_body;
    try {
        if (*state == nullptr) {
            // First call: the headers are here, the body is not. Refuse an announced
            // oversized body before reading any of it.
            *state = new Pending();
            const char* length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            if (length != nullptr && std::strtoull(length, nullptr, 10) > cap) {
                // Answered now, before "100 Continue": libmicrohttpd then closes the
                // connection instead of reading the body.
                return send(conn,
                            error_response(413, "InvalidInput",
                                           "The request body is larger than " + std::to_string(cap) + " bytes", ""));
            }
            return MHD_YES;
        }
        auto* pending = static_cast<Pending*>(*state);
        if (*upload_data_size != 0) {
            // A chunked body past the cap closes the connection.
            if (pending->request.body.size() + *upload_data_size > cap) return MHD_NO;
            pending->request.body.append(upload_data, *upload_data_size);
            *upload_data_size = 0;
            return MHD_YES;
        }
        Request& r = pending->request;
        r.method = method;
        r.path = url;  // decoded by libmicrohttpd, as SigV4's canonical form here expects
        MHD_get_connection_values(conn, MHD_HEADER_KIND, &collect, &r.headers);
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, &collect, &r.query);
        return send(conn, server->handler().handle(r));
    } catch (const std::exception& e) {
        // No exception may cross libmicrohttpd's C frames.
        log::warning("route 53 api endpoint", log::kv("error", e.what()));
        return MHD_NO;
    }
}

void on_completed(void*, MHD_Connection*, void** state, MHD_RequestTerminationCode) {
    delete static_cast<Pending*>(*state);
    *state = nullptr;
}

Result<std::string> read_file(const std::string& path, const char* what) {
    std::ifstream in(path);
    if (!in) return Error{path, 0, std::string("cannot read the API's ") + what};
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

ApiServer::ApiServer(ApiOptions options, change::Service& service)
    : options_(std::move(options)), service_(service), log_(std::make_unique<LibraryLog>("route 53 api endpoint")) {}

ApiServer::~ApiServer() { stop(); }

Status ApiServer::start() {
    auto credentials = Credentials::load(options_.credentials_file);
    if (!credentials.ok()) return credentials.error();
    const bool tls = !options_.tls_certificate.empty() || !options_.tls_key.empty();
    if (tls) {
        if (options_.tls_certificate.empty() || options_.tls_key.empty()) {
            return Error{"", 0, "the API needs both a TLS certificate and a key, or neither"};
        }
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            return Error{"", 0, "libmicrohttpd was built without TLS: the API cannot serve HTTPS"};
        }
        auto cert = read_file(options_.tls_certificate, "TLS certificate");
        if (!cert.ok()) return cert.error();
        auto key = read_file(options_.tls_key, "TLS key");
        if (!key.ok()) return key.error();
        certificate_pem_ = std::move(*cert);
        key_pem_ = std::move(*key);
    }
    HandlerOptions handler_options;
    handler_options.max_body = options_.max_body;
    handler_options.scheme = tls ? "https" : "http";
    handler_ = std::make_unique<Handler>(service_, std::move(*credentials), handler_options);

    sockaddr_storage ss{};
    // epoll (poll where there is none), not select(): the process holds descriptors past
    // FD_SETSIZE, which select() cannot watch.
    unsigned flags = MHD_USE_ERROR_LOG | MHD_USE_INTERNAL_POLLING_THREAD |
                     (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL : MHD_USE_POLL);
    if (tls) flags |= MHD_USE_TLS;
    const ListenAddress& a = options_.listen;
    if (a.family == AF_INET6) {
        auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
        sa->sin6_family = AF_INET6;
        sa->sin6_port = htons(a.port);
        std::memcpy(&sa->sin6_addr, a.address, 16);
        flags |= MHD_USE_IPv6;
    } else {
        auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
        sa->sin_family = AF_INET;
        sa->sin_port = htons(a.port);
        std::memcpy(&sa->sin_addr, a.address, 4);
    }
    MHD_OptionItem tls_options[] = {
        {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, const_cast<char*>(certificate_pem_.c_str())},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char*>(key_pem_.c_str())},
        {MHD_OPTION_END, 0, nullptr},
    };
    daemon_ = MHD_start_daemon(flags, a.port, nullptr, nullptr, &on_request, this, MHD_OPTION_EXTERNAL_LOGGER,
                               &LibraryLog::write,
                               log_.get(),  // first, as documented
                               MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&ss), MHD_OPTION_NOTIFY_COMPLETED,
                               &on_completed, nullptr, MHD_OPTION_CONNECTION_LIMIT, options_.max_connections,
                               MHD_OPTION_PER_IP_CONNECTION_LIMIT, options_.max_per_client,
                               MHD_OPTION_CONNECTION_TIMEOUT, options_.connection_timeout, MHD_OPTION_THREAD_POOL_SIZE,
                               options_.threads > 1 ? options_.threads : 1u, MHD_OPTION_ARRAY, tls_options,
                               MHD_OPTION_END);
    if (daemon_ == nullptr) {
        handler_.reset();
        return Error{"", 0, "cannot serve the Route 53 API on " + a.text + " (address in use?)"};
    }
    return Ok{};
}

void ApiServer::stop() {
    if (daemon_ != nullptr) {
        MHD_stop_daemon(daemon_);
        daemon_ = nullptr;
    }
}

Status ApiServer::reload_credentials() {
    auto credentials = Credentials::load(options_.credentials_file);
    if (!credentials.ok()) return credentials.error();
    if (handler_) handler_->set_credentials(std::move(*credentials));
    return Ok{};
}

uint16_t ApiServer::port() const {
    if (daemon_ == nullptr) return 0;
    const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    return info != nullptr ? info->port : 0;
}

}  // namespace fz::api
