// HealthChecker: runs every check of a Route 53 HealthCheckSet from one event-loop thread,
// applies FailureThreshold/Inverted/Disabled/CALCULATED rules and reports each flip.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "health/status.h"
#include "policy/health_check.h"

namespace fz::health {

class HealthChecker {
public:
    // After a change of health: the whole new vector (one entry per check index, CALCULATED
    // ones derived) and the indexes that changed, children before parents.
    using FlipCallback = std::function<void(const policy::HealthVector& health, std::span<const uint32_t> changed)>;
    // After every counted probe result, with the check's status after it (metrics, tests);
    // after the flip it caused, if any, has been reported.
    using ResultCallback = std::function<void(uint32_t index, const CheckStatus& status)>;

    struct Options {
        // Both run on the checker's thread, without any lock of the checker held (they may
        // call health() and statuses()); keep them short, every probe waits for them: hand
        // a wait for an RCU grace period to another thread. Never call stop() from them.
        FlipCallback on_flip;
        ResultCallback on_result;
        // When set (http:// or https://), every flip of a check is POSTed as one JSON event
        // (flip_event_json() in health/webhook.h), asynchronously.
        std::string webhook_url;
        // The checker region this server stands for (health.region): an endpoint check
        // whose Regions list leaves it out is not probed here. Empty: every check.
        std::string region;
    };

    explicit HealthChecker(Options options = {});
    ~HealthChecker();  // stop()
    HealthChecker(const HealthChecker&) = delete;
    HealthChecker& operator=(const HealthChecker&) = delete;

    // Starts probing every enabled endpoint check of `set`, first probes spread over each
    // check's interval. `carried` are the statuses of a previous checker (statuses() after its
    // stop()): a check with the same Id keeps its state, counters and history; the others
    // start healthy. health() holds the starting vector as soon as this returns: compile the
    // policy tables of a reload with it. Errors: already running, bad webhook URL, no epoll.
    Status start(policy::HealthCheckSet set, std::span<const CheckStatus> carried = {});

    // Stops the thread; when it returns, no callback is running or will run, and every
    // probe socket is closed. Idempotent. statuses() and health() keep the final values.
    void stop();
    bool running() const;

    // Thread-safe snapshots.
    policy::HealthVector health() const;
    std::vector<CheckStatus> statuses() const;  // index-aligned with the set's checks
    CheckStatus status(uint32_t index) const;

private:
    class Runner;
    friend class Runner;

    Options options_;
    mutable std::mutex mutex_;
    // Guarded by mutex_; written by the runner's thread (and start()), read by anyone.
    std::vector<CheckStatus> statuses_;
    policy::HealthVector health_;
    std::unique_ptr<Runner> runner_;  // owned by the caller's thread: start()/stop() only
};

}  // namespace fz::health
