// Health flip events as JSON, POSTed to an operator's webhook (the role CloudWatch alarms
// play for Route 53) through the checker's event loop, never holding up a probe.
#pragma once

#include <curl/curl.h>

#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include "health/event_loop.h"
#include "health/status.h"

namespace fz::health {

// {"event":"health_check_flip","check_id":...,"type":"HTTP","old_state":"healthy",
//  "new_state":"unhealthy","reason":"HTTP 500","target":...,"time":"2024-05-01T12:00:00.123Z",
//  "time_unix_ms":...,"flips":3,"inverted":false,"disabled":false}; `status` is the check
// after the flip.
std::string flip_event_json(const CheckStatus& status, bool old_healthy, int64_t now_ms);

class WebhookSender {
public:
    // Loop thread only. `url` must be http:// or https:// (certificates are verified: this is
    // the operator's own service, not an endpoint under test).
    WebhookSender(EventLoop& loop, std::string url);
    ~WebhookSender();  // abandons posts still queued or in flight, counting them as dropped
    WebhookSender(const WebhookSender&) = delete;
    WebhookSender& operator=(const WebhookSender&) = delete;

    // Queues one POST; a few run at a time, the rest wait, and beyond kMaxQueued the oldest
    // is dropped with a warning. Failures (no answer in 10 s, a status outside 2xx) are logged.
    void send(std::string json);

    uint64_t sent() const { return sent_; }  // answered 2xx
    uint64_t failed() const { return failed_; }
    uint64_t dropped() const { return dropped_; }

private:
    struct Post;
    void start_next();
    void on_done(Post* post, CURLcode code);

    EventLoop& loop_;
    std::string url_;
    std::deque<std::string> queued_;
    std::unordered_map<Post*, std::unique_ptr<Post>> in_flight_;
    uint64_t sent_ = 0, failed_ = 0, dropped_ = 0;
};

}  // namespace fz::health
