// The Route 53 API over HTTP(S): libmicrohttpd (no hand-written HTTP parsing here) on a
// small thread pool, handing each complete request to an api::Handler. A connection limit
// (overall and per client address), a per-connection idle timeout and a body cap keep many
// or slow clients from exhausting it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/handler.h"
#include "common/library_log.h"
#include "common/listen_address.h"
#include "common/result.h"

struct MHD_Daemon;

namespace fz::api {

struct ApiOptions {
    ListenAddress listen;          // port 0 picks a free one (see ApiServer::port())
    std::string credentials_file;  // the access keys (credentials.h); required
    std::string tls_certificate;   // PEM files: both given, the API speaks HTTPS only
    std::string tls_key;
    size_t max_body = 2 << 20;         // bytes; larger requests are refused
    unsigned max_connections = 64;     // at once; more wait in the listen queue
    unsigned max_per_client = 16;      // connections from one address
    unsigned connection_timeout = 30;  // seconds of silence before a connection is closed
    unsigned threads = 2;              // request threads (a store write blocks only its own)
};

class ApiServer {
public:
    ApiServer(ApiOptions options, change::Service& service);
    ~ApiServer();
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    // Reads the credentials (and the TLS files) and starts listening. Errors name the file
    // or the address.
    Status start();
    void stop();
    // Reads the credentials file again; on an error the keys in use stay.
    Status reload_credentials();

    // The port listened on (the one chosen when options.listen.port was 0); 0 when stopped.
    uint16_t port() const;

    // Called by the HTTP callbacks (public only for them).
    Handler& handler() { return *handler_; }
    const ApiOptions& options() const { return options_; }

private:
    ApiOptions options_;
    change::Service& service_;
    std::unique_ptr<Handler> handler_;
    std::unique_ptr<fz::LibraryLog> log_;  // libmicrohttpd's messages, throttled
    std::string certificate_pem_;          // libmicrohttpd keeps pointers to these
    std::string key_pem_;
    MHD_Daemon* daemon_ = nullptr;
};

}  // namespace fz::api
