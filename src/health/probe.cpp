// TCP and HTTP(S) probes driven by the health checker's event loop.
#include "health/probe.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace fz::health {
namespace {

using Clock = EventLoop::Clock;
using std::chrono::milliseconds;

constexpr const char* kUserAgent = "fastzone-health-check/1";

// Failures of ours rather than the endpoint's: they must not make a check unhealthy.
bool is_local_errno(int err) {
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM || err == EADDRNOTAVAIL;
}

std::string connect_reason(int err) {
    switch (err) {
        case ECONNREFUSED: return "connection refused";
        case ETIMEDOUT: return "connect timeout";
        case EHOSTUNREACH: return "host unreachable";
        case ENETUNREACH: return "network unreachable";
        case ECONNRESET: return "connection reset";
        default: return std::string("connect failed: ") + std::strerror(err);
    }
}

ProbeResult connect_failure(int err) {
    return is_local_errno(err) ? ProbeResult::local_error(std::string("connect: ") + std::strerror(err))
                               : ProbeResult::failure(connect_reason(err));
}

milliseconds until(Clock::time_point deadline) {
    return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

// The common shape of both probes: one timer slot, `done` called once after release().
class ProbeBase : public Probe {
protected:
    ProbeBase(EventLoop& loop, Done done) : loop_(loop), done_(std::move(done)) {}

    // Frees the socket / handle / timer; the probe then no longer hears from the loop.
    virtual void release() = 0;

    void finish(ProbeResult result) {
        release();
        Done done = std::move(done_);
        done(std::move(result));  // may retire this probe (deferred): touch no member after
    }

    // For results known inside start(): `done` must come from a later loop round.
    void finish_later(ProbeResult result) {
        loop_.cancel_timer(timer_);
        timer_ = loop_.add_timer(Clock::now(), [this, result = std::move(result)] {
            timer_ = 0;
            finish(result);
        });
    }

    EventLoop& loop_;
    EventLoop::TimerId timer_ = 0;

private:
    Done done_;
};

class TcpProbe final : public ProbeBase {
public:
    TcpProbe(EventLoop& loop, Done done) : ProbeBase(loop, std::move(done)) {}
    ~TcpProbe() override { release(); }

    void start(const Address& address, Clock::time_point deadline) {
        fd_ = socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd_ < 0) return finish_later(ProbeResult::local_error(std::string("socket: ") + std::strerror(errno)));
        if (connect(fd_, address.sockaddr_ptr(), address.length) == 0) {
            return finish_later(ProbeResult::success("connected"));
        }
        if (errno != EINPROGRESS) return finish_later(connect_failure(errno));
        if (Status st = loop_.watch(fd_, EPOLLOUT, [this](uint32_t) { on_writable(); }); !st.ok()) {
            return finish_later(ProbeResult::local_error(st.error().message));
        }
        timer_ = loop_.add_timer(deadline, [this] {
            timer_ = 0;
            finish(ProbeResult::failure("connect timeout"));
        });
    }

private:
    void on_writable() {
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
        finish(err == 0 ? ProbeResult::success("connected") : connect_failure(err));
    }

    void release() override {
        loop_.cancel_timer(timer_);
        timer_ = 0;
        if (fd_ >= 0) {
            loop_.unwatch(fd_);
            close(fd_);
            fd_ = -1;
        }
    }

    int fd_ = -1;
};

class HttpProbe final : public ProbeBase {
public:
    HttpProbe(EventLoop& loop, Done done) : ProbeBase(loop, std::move(done)) {}
    ~HttpProbe() override { release(); }

    void start(const policy::HealthCheck& check, const Address& address, const ProbeTimeouts& timeouts,
               Clock::time_point deadline) {
        deadline_ = deadline;
        response_timeout_ = timeouts.response;
        string_match_ = is_string_match(check);
        search_ = check.search_string;
        const milliseconds left = until(deadline);
        if (left.count() == 0) return finish_later(ProbeResult::failure("connect timeout"));
        easy_ = curl_easy_init();
        if (easy_ == nullptr) return finish_later(ProbeResult::local_error("curl_easy_init failed"));

        const bool https = is_https_check(check);
        std::string fqdn = check.fqdn;
        if (!fqdn.empty() && fqdn.back() == '.') fqdn.pop_back();
        std::string path = check.resource_path.empty() ? "/" : check.resource_path;
        if (path.front() != '/') path.insert(path.begin(), '/');
        const std::string port = std::to_string(address.port);
        // SNI needs the name in the URL; the connection still goes to the address we chose
        // (IPAddress, or the one resolved for this probe), as CONNECT_TO says. Without SNI
        // the URL names the address itself, and libcurl sends no server name for a literal.
        std::string url_host = address.url_host();
        if (https && check.enable_sni && !fqdn.empty()) {
            url_host = fqdn;
            connect_to_ = curl_slist_append(nullptr,
                                            (fqdn + ":" + port + ":" + address.url_host() + ":" + port).c_str());
            curl_easy_setopt(easy_, CURLOPT_CONNECT_TO, connect_to_);
        }
        const std::string url = std::string(https ? "https://" : "http://") + url_host + ":" + port + path;
        headers_ = curl_slist_append(nullptr, ("Host: " + http_host_header(check, address)).c_str());

        curl_easy_setopt(easy_, CURLOPT_URL, url.c_str());
        curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
        curl_easy_setopt(easy_, CURLOPT_USERAGENT, kUserAgent);
        curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(easy_, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
        curl_easy_setopt(easy_, CURLOPT_PATH_AS_IS, 1L);      // ResourcePath exactly as configured
        curl_easy_setopt(easy_, CURLOPT_NOPROXY, "*");        // probe the endpoint, not a proxy from the environment
        curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);        // we are one thread of many
        curl_easy_setopt(easy_, CURLOPT_FORBID_REUSE, 1L);    // every probe tests a fresh connection...
        curl_easy_setopt(easy_, CURLOPT_FRESH_CONNECT, 1L);   // ...and leaves no socket behind
        curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, 0L);  // Route 53 does not validate certificates
        curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, 0L);
        curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(timeouts.connect, left).count()));
        curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
        curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
        curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &HttpProbe::on_body);
        curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
        curl_easy_setopt(easy_, CURLOPT_PREREQFUNCTION, &HttpProbe::on_connected);
        curl_easy_setopt(easy_, CURLOPT_PREREQDATA, this);
        if (Status st = loop_.add_transfer(easy_, [this](CURLcode code) { on_done(code); }); !st.ok()) {
            return finish_later(ProbeResult::local_error(st.error().message));
        }
    }

private:
    // libcurl callback: keeps the first kMaxBodyBytes of the body, then stops the transfer
    // (the status is known by then; Route 53 reads no further).
    static size_t on_body(char* data, size_t size, size_t count, void* self) {
        auto* probe = static_cast<HttpProbe*>(self);
        const size_t n = size * count;
        probe->body_.append(data, std::min(n, kMaxBodyBytes - probe->body_.size()));
        if (probe->body_.size() < kMaxBodyBytes) return n;
        probe->body_full_ = true;
        return 0;  // CURLE_WRITE_ERROR, read as success in on_done()
    }

    // libcurl callback once the connection (TLS included) is up, before the request is
    // sent: from here Route 53 allows two seconds for the status. Only our own timer table
    // is touched, never libcurl.
    static int on_connected(void* self, char*, char*, int, int) {
        auto* probe = static_cast<HttpProbe*>(self);
        probe->connected_ = true;
        const Clock::time_point due = std::min(Clock::now() + probe->response_timeout_, probe->deadline_);
        probe->timer_ = probe->loop_.add_timer(due, [probe] {
            probe->timer_ = 0;
            probe->finish(ProbeResult::failure("response timeout"));
        });
        return CURL_PREREQFUNC_OK;
    }

    void on_done(CURLcode code) { finish(classify(code)); }

    ProbeResult classify(CURLcode code) {
        long status = 0;
        curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
        if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && body_full_)) {
            const std::string http = "HTTP " + std::to_string(status);
            if (status < 200 || status >= 400) return ProbeResult::failure(http);
            if (string_match_ && body_.find(search_) == std::string::npos)
                return ProbeResult::failure("string not found");
            return ProbeResult::success(http);
        }
        const std::string detail = error_[0] != '\0' ? error_ : curl_easy_strerror(code);
        switch (code) {
            case CURLE_OPERATION_TIMEDOUT:
                return ProbeResult::failure(connected_ ? "response timeout" : "connect timeout");
            case CURLE_COULDNT_CONNECT: {
                long err = 0;
                curl_easy_getinfo(easy_, CURLINFO_OS_ERRNO, &err);
                return err != 0 ? connect_failure(static_cast<int>(err))
                                : ProbeResult::failure("connect failed: " + detail);
            }
            case CURLE_SSL_CONNECT_ERROR:
            case CURLE_SSL_CERTPROBLEM:
            case CURLE_SSL_CIPHER:
            case CURLE_PEER_FAILED_VERIFICATION: return ProbeResult::failure("TLS handshake failed: " + detail);
            case CURLE_GOT_NOTHING: return ProbeResult::failure("empty reply");
            case CURLE_OUT_OF_MEMORY:
            case CURLE_FAILED_INIT: return ProbeResult::local_error(detail);
            default: return ProbeResult::failure(detail);
        }
    }

    void release() override {
        loop_.cancel_timer(timer_);
        timer_ = 0;
        if (easy_ != nullptr) {
            loop_.remove_transfer(easy_);  // no-op once the loop has finished it
            curl_easy_cleanup(easy_);
            easy_ = nullptr;
        }
        curl_slist_free_all(headers_);
        headers_ = nullptr;
        curl_slist_free_all(connect_to_);
        connect_to_ = nullptr;
    }

    CURL* easy_ = nullptr;
    curl_slist* headers_ = nullptr;
    curl_slist* connect_to_ = nullptr;
    char error_[CURL_ERROR_SIZE] = {};
    Clock::time_point deadline_;
    milliseconds response_timeout_{0};
    bool string_match_ = false;
    std::string search_;
    std::string body_;
    bool body_full_ = false;
    bool connected_ = false;
};

}  // namespace

std::string http_host_header(const policy::HealthCheck& check, const Address& address) {
    std::string host = check.fqdn;
    if (!host.empty() && host.back() == '.') host.pop_back();
    if (host.empty()) host = address.url_host();
    const uint16_t default_port = is_https_check(check) ? 443 : 80;
    if (check.port != 0 && check.port != default_port) host += ":" + std::to_string(check.port);
    return host;
}

std::unique_ptr<Probe> start_tcp_probe(EventLoop& loop, const Address& address, Clock::time_point deadline,
                                       Probe::Done done) {
    auto probe = std::make_unique<TcpProbe>(loop, std::move(done));
    probe->start(address, deadline);
    return probe;
}

std::unique_ptr<Probe> start_http_probe(EventLoop& loop, const policy::HealthCheck& check, const Address& address,
                                        const ProbeTimeouts& timeouts, Clock::time_point deadline, Probe::Done done) {
    auto probe = std::make_unique<HttpProbe>(loop, std::move(done));
    probe->start(check, address, timeouts, deadline);
    return probe;
}

}  // namespace fz::health
