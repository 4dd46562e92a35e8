// Health flip events: JSON shape and asynchronous webhook POSTs through libcurl.
#include "health/webhook.h"

#include <nlohmann/json.hpp>

#include <ctime>

#include "common/log.h"

namespace fz::health {
namespace {

constexpr size_t kMaxInFlight = 8;
constexpr size_t kMaxQueued = 1000;
constexpr long kConnectTimeoutMs = 4000;
constexpr long kTimeoutMs = 10000;

std::string iso8601(int64_t unix_ms) {
    const time_t seconds = static_cast<time_t>(unix_ms / 1000);
    tm t{};
    gmtime_r(&seconds, &t);
    char out[96];  // room for any int the compiler can imagine in each field
    std::snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                  t.tm_hour, t.tm_min, t.tm_sec, static_cast<int>(unix_ms % 1000));
    return out;
}

size_t discard(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

std::string flip_event_json(const CheckStatus& s, bool old_healthy, int64_t now_ms) {
    const nlohmann::json event = {
        {"event", "health_check_flip"},
        {"check_id", s.id},
        {"type", policy::health_check_type_name(s.type)},
        {"old_state", old_healthy ? "healthy" : "unhealthy"},
        {"new_state", s.healthy ? "healthy" : "unhealthy"},
        {"reason", s.last_reason},
        {"target", s.target},
        {"time", iso8601(now_ms)},
        {"time_unix_ms", now_ms},
        {"flips", s.flips},
        {"inverted", s.inverted},
        {"disabled", s.disabled},
    };
    // Invalid UTF-8 in a reason (a server's TLS error text) is replaced, not thrown.
    return event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct WebhookSender::Post {
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    std::string body;
    char error[CURL_ERROR_SIZE] = {};

    ~Post() {
        if (easy != nullptr) curl_easy_cleanup(easy);
        curl_slist_free_all(headers);
    }
};

WebhookSender::WebhookSender(EventLoop& loop, std::string url) : loop_(loop), url_(std::move(url)) {}

WebhookSender::~WebhookSender() {
    for (auto& [raw, post] : in_flight_) loop_.remove_transfer(post->easy);
    const size_t abandoned = in_flight_.size() + queued_.size();
    if (abandoned != 0) {
        dropped_ += abandoned;
        fz::log::warning("health webhook events dropped at stop",
                         fz::log::kv("url", url_) + " " + fz::log::kv("count", static_cast<long long>(abandoned)));
    }
}

void WebhookSender::send(std::string json) {
    if (queued_.size() >= kMaxQueued) {
        queued_.pop_front();
        ++dropped_;
        fz::log::warning("health webhook queue full, oldest event dropped", fz::log::kv("url", url_));
    }
    queued_.push_back(std::move(json));
    start_next();
}

void WebhookSender::start_next() {
    while (in_flight_.size() < kMaxInFlight && !queued_.empty()) {
        auto post = std::make_unique<Post>();
        post->body = std::move(queued_.front());
        queued_.pop_front();
        post->easy = curl_easy_init();
        if (post->easy == nullptr) {
            ++failed_;
            fz::log::warning("health webhook post failed",
                             fz::log::kv("url", url_) + " " + fz::log::kv("error", "curl_easy_init failed"));
            continue;
        }
        post->headers = curl_slist_append(nullptr, "Content-Type: application/json");
        CURL* e = post->easy;
        curl_easy_setopt(e, CURLOPT_URL, url_.c_str());
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, post->headers);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, post->body.c_str());
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(post->body.size()));
        curl_easy_setopt(e, CURLOPT_USERAGENT, "fastzone-health-check/1");
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);  // no idle connection left behind at stop
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, kTimeoutMs);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &discard);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, post->error);
        Post* raw = post.get();
        if (Status st = loop_.add_transfer(e, [this, raw](CURLcode code) { on_done(raw, code); }); !st.ok()) {
            ++failed_;
            fz::log::warning("health webhook post failed",
                             fz::log::kv("url", url_) + " " + fz::log::kv("error", st.error().message));
            continue;
        }
        in_flight_.emplace(raw, std::move(post));
    }
}

void WebhookSender::on_done(Post* raw, CURLcode code) {
    auto it = in_flight_.find(raw);
    if (it == in_flight_.end()) return;
    std::unique_ptr<Post> post = std::move(it->second);
    in_flight_.erase(it);
    long status = 0;
    curl_easy_getinfo(post->easy, CURLINFO_RESPONSE_CODE, &status);
    if (code == CURLE_OK && status >= 200 && status < 300) {
        ++sent_;
    } else {
        ++failed_;
        const std::string error = code != CURLE_OK ? (post->error[0] != '\0' ? post->error : curl_easy_strerror(code))
                                                   : "HTTP " + std::to_string(status);
        fz::log::warning("health webhook post failed", fz::log::kv("url", url_) + " " + fz::log::kv("error", error));
    }
    start_next();
}

}  // namespace fz::health
