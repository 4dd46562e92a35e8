// Shared by the health checker tests: building check sets, and recording every result and
// flip a HealthChecker reports so that tests can assert on their order, not on sleeps.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "health/checker.h"
#include "policy/health_check.h"

namespace fz::health::testing {

using namespace std::chrono_literals;

// Long enough for a loaded 2-core machine; a passing test never waits for it.
inline constexpr std::chrono::seconds kPatience{25};

inline std::string check(const std::string& id, const std::string& config) {
    return "{\"Id\": \"" + id + "\", \"HealthCheckConfig\": {" + config + "}}";
}

// A set from check() items; an empty set (and a test failure) if it does not parse.
inline policy::HealthCheckSet check_set(const std::vector<std::string>& items) {
    std::string text = "{\"HealthChecks\": [\n";
    for (size_t i = 0; i < items.size(); ++i) text += (i ? ",\n" : "") + items[i];
    auto r = policy::parse_health_checks_text(text + "\n]}", "checks.json");
    if (!r.ok()) {
        ADD_FAILURE() << r.error().to_string();
        return {};
    }
    return std::move(r.value());
}

class Recorder {
public:
    struct Result {
        CheckStatus status;
        std::chrono::steady_clock::time_point at;
    };
    struct Flip {
        policy::HealthVector health;
        std::vector<uint32_t> changed;
        std::chrono::steady_clock::time_point at;
    };

    HealthChecker::Options options(std::string webhook_url = {}) {
        HealthChecker::Options o;
        o.webhook_url = std::move(webhook_url);
        o.on_result = [this](uint32_t index, const CheckStatus& s) {
            std::lock_guard<std::mutex> lock(mutex_);
            results_[index].push_back(Result{s, std::chrono::steady_clock::now()});
            changed_.notify_all();
        };
        o.on_flip = [this](const policy::HealthVector& health, std::span<const uint32_t> changed) {
            std::lock_guard<std::mutex> lock(mutex_);
            flips_.push_back(Flip{health, {changed.begin(), changed.end()}, std::chrono::steady_clock::now()});
            changed_.notify_all();
        };
        return o;
    }

    std::vector<Result> results(uint32_t index) {
        std::lock_guard<std::mutex> lock(mutex_);
        return results_[index];
    }
    size_t count(uint32_t index) {
        std::lock_guard<std::mutex> lock(mutex_);
        return results_[index].size();
    }
    std::vector<Flip> flips() {
        std::lock_guard<std::mutex> lock(mutex_);
        return flips_;
    }

    // Waits until `ready()` holds (evaluated without the lock held) or kPatience passes.
    bool wait_until(const std::function<bool()>& ready, std::chrono::seconds patience = kPatience) {
        const auto give_up = std::chrono::steady_clock::now() + patience;
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            lock.unlock();
            const bool ok = ready();
            lock.lock();
            if (ok) return true;
            if (changed_.wait_until(lock, std::min(give_up, std::chrono::steady_clock::now() + 50ms)) ==
                    std::cv_status::timeout &&
                std::chrono::steady_clock::now() >= give_up) {
                return false;
            }
        }
    }

    // Waits for `n` more results of check `index` than it has now.
    bool wait_results(uint32_t index, size_t n) {
        const size_t target = count(index) + n;
        return wait_until([&] { return count(index) >= target; });
    }

    // The second result of `index` from now: the first may come from a probe that was
    // already under way when the test changed the server.
    std::optional<CheckStatus> settled_result(uint32_t index) {
        const size_t first = count(index);
        if (!wait_until([&] { return count(index) >= first + 2; })) return std::nullopt;
        return results(index)[first + 1].status;
    }

    // Waits until the last result of `index` reports `healthy`.
    bool wait_state(uint32_t index, bool healthy) {
        return wait_until([&] {
            std::lock_guard<std::mutex> lock(mutex_);
            const auto& r = results_[index];
            return !r.empty() && r.back().status.healthy == healthy;
        });
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<uint32_t, std::vector<Result>> results_;
    std::vector<Flip> flips_;
};

}  // namespace fz::health::testing
