// The health checker: schedules probes on one event loop, counts results, derives CALCULATED
// checks, and reports flips (callback, log line, webhook).
#include "health/checker.h"

#include <optional>
#include <thread>
#include <unordered_map>

#include "common/clock.h"
#include "common/log.h"
#include "health/event_loop.h"
#include "health/probe.h"
#include "health/resolver.h"
#include "health/webhook.h"

namespace fz::health {
namespace {

using Clock = EventLoop::Clock;
using policy::HealthCheck;
using policy::HealthCheckSet;

// "2 of 3 children healthy, needs 2": the reason shown for a CALCULATED check.
std::string calculated_reason(const HealthCheck& check, const policy::HealthVector& health) {
    if (check.disabled) return "disabled";
    size_t healthy = 0;
    for (uint32_t c : check.children) healthy += c < health.size() && health[c] != 0;
    return std::to_string(healthy) + " of " + std::to_string(check.children.size()) + " children healthy, needs " +
           std::to_string(check.health_threshold);
}

std::string strip_dot(std::string name) {
    if (!name.empty() && name.back() == '.') name.pop_back();
    return name;
}

const char* state_name(bool healthy) { return healthy ? "healthy" : "unhealthy"; }

// "192.0.2.1:80", "[2001:db8::1]:443", or "www.example.com:80" until the name is resolved.
std::string configured_target(const HealthCheck& check) {
    if (!check.ip_address.empty()) {
        if (Result<Address> a = parse_address(check.ip_address, check.port); a.ok()) return a->to_string();
    }
    return strip_dot(check.fqdn) + ":" + std::to_string(check.port);
}

}  // namespace

// Everything that lives on the loop thread for one start()..stop().
class HealthChecker::Runner {
public:
    Runner(HealthChecker& owner, HealthCheckSet set, std::unique_ptr<EventLoop> loop)
        : owner_(owner), set_(std::move(set)), loop_(std::move(loop)) {}

    ~Runner() { stop(); }

    void start() {
        const Clock::time_point now = Clock::now();
        bool any_name = false;
        for (uint32_t i = 0; i < set_.checks.size(); ++i) {
            const HealthCheck& check = set_.checks[i];
            if (!is_endpoint_check(check) || check.disabled) continue;
            if (!probed_from(check, owner_.options_.region)) continue;
            Endpoint ep;
            ep.index = i;
            ep.interval = probe_interval(check);
            ep.timeouts = probe_timeouts(check);
            if (!check.ip_address.empty()) {
                if (Result<Address> a = parse_address(check.ip_address, check.port); a.ok()) ep.address = *a;
            }
            ep.target = configured_target(check);
            any_name |= !ep.address.has_value();
            endpoints_.push_back(std::move(ep));
        }
        if (any_name) resolver_ = std::make_unique<Resolver>(*loop_);
        if (!owner_.options_.webhook_url.empty())
            webhook_ = std::make_unique<WebhookSender>(*loop_, owner_.options_.webhook_url);
        // Staggered start: the k-th of m checks first probes k/m of the way into its own
        // interval, so that a thousand checks loaded together do not fire together.
        const size_t m = endpoints_.size();
        for (size_t e = 0; e < m; ++e) {
            Endpoint& ep = endpoints_[e];
            ep.due = now + std::chrono::duration_cast<Clock::duration>(ep.interval * static_cast<int64_t>(e) /
                                                                       static_cast<int64_t>(m));
            loop_->add_timer(ep.due, [this, e] { on_due(e); });
        }
        thread_ = std::thread([this] { loop_thread(); });
    }

    void stop() {
        if (!thread_.joinable()) return;
        loop_->request_stop();
        thread_.join();
        resolver_.reset();  // before the loop it posts to
    }

    bool on_loop_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

private:
    struct Endpoint {
        uint32_t index = 0;
        std::optional<Address> address;  // from IPAddress; empty: resolve FullyQualifiedDomainName per probe
        std::string target;
        std::chrono::milliseconds interval{1000};
        ProbeTimeouts timeouts{};
        Clock::time_point due;  // of the current (or next) probe
        Clock::time_point started;
        Clock::time_point deadline;
        bool resolving = false;       // the current attempt waits for an address
        bool lookup_pending = false;  // a lookup is queued or running for this check
        EventLoop::TimerId resolve_timer = 0;
        std::unique_ptr<Probe> probe;
    };

    void loop_thread() {
        loop_->run();
        // Sockets and libcurl handles belong to this thread: release them here.
        for (Endpoint& ep : endpoints_) ep.probe.reset();
        finished_.clear();
        webhook_.reset();
    }

    void on_due(size_t e) {
        Endpoint& ep = endpoints_[e];
        const Clock::time_point now = Clock::now();
        // Keep the cadence of the schedule, not of the results; if the loop was held up past
        // a whole interval, start again from now rather than firing the missed probes.
        ep.due += ep.interval;
        if (ep.due <= now) ep.due = now + ep.interval;
        loop_->add_timer(ep.due, [this, e] { on_due(e); });
        if (ep.probe || ep.resolving) return;  // the budget ends before the interval: only after a stall
        const HealthCheck& check = set_.checks[ep.index];
        ep.started = now;
        ep.deadline = now + ep.timeouts.budget;
        if (ep.address) return launch(e, *ep.address);
        ep.resolving = true;
        ep.resolve_timer = loop_->add_timer(ep.deadline, [this, e] {
            endpoints_[e].resolving = false;
            endpoints_[e].resolve_timer = 0;
            record(e, ProbeResult::failure("resolve timeout"));
        });
        // One lookup per check at a time: while a slow one is outstanding, this attempt
        // takes its answer if it comes in time, rather than queueing another behind it.
        if (ep.lookup_pending) return;
        ep.lookup_pending = true;
        resolver_->resolve(strip_dot(check.fqdn), check.port, ep.deadline,
                           [this, e](Result<Address> a) { on_resolved(e, std::move(a)); });
    }

    void on_resolved(size_t e, Result<Address> address) {
        Endpoint& ep = endpoints_[e];
        ep.lookup_pending = false;
        if (!ep.resolving) return;  // this attempt has timed out already
        ep.resolving = false;
        loop_->cancel_timer(ep.resolve_timer);
        ep.resolve_timer = 0;
        if (!address.ok()) return record(e, ProbeResult::failure(address.error().message));
        ep.target = strip_dot(set_.checks[ep.index].fqdn) + " -> " + address->to_string();
        launch(e, *address);
    }

    void launch(size_t e, const Address& address) {
        Endpoint& ep = endpoints_[e];
        const HealthCheck& check = set_.checks[ep.index];
        auto done = [this, e](const ProbeResult& r) { on_probe_done(e, r); };
        if (check.type == policy::HealthCheckType::kTcp) {
            ep.probe = start_tcp_probe(*loop_, address, std::min(ep.deadline, Clock::now() + ep.timeouts.connect),
                                       done);
        } else {
            ep.probe = start_http_probe(*loop_, check, address, ep.timeouts, ep.deadline, done);
        }
    }

    void on_probe_done(size_t e, const ProbeResult& result) {
        Endpoint& ep = endpoints_[e];
        // The probe's method is still on the stack: destroy it after this round.
        if (ep.probe) {
            finished_.push_back(std::move(ep.probe));
            if (finished_.size() == 1) loop_->defer([this] { finished_.clear(); });
        }
        record(e, result);
    }

    // Counts one result; on a flip updates the vector, CALCULATED checks, and tells everyone.
    void record(size_t e, const ProbeResult& result) {
        const Endpoint& ep = endpoints_[e];
        const uint32_t i = ep.index;
        const HealthCheck& check = set_.checks[i];
        const std::string check_fields = fz::log::kv("check", check.id) + " " + fz::log::kv("target", ep.target);
        if (!result.counted) {
            fz::log::warning("health probe not counted", check_fields + " " + fz::log::kv("error", result.reason));
            return;
        }
        const int64_t now_ms = fz::unix_ms();
        const auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - ep.started);
        CheckStatus after;
        policy::HealthVector health;
        std::vector<uint32_t> changed;
        std::vector<CheckStatus> changed_status;
        {
            std::lock_guard<std::mutex> lock(owner_.mutex_);
            CheckStatus& s = owner_.statuses_[i];
            s.target = ep.target;
            if (apply_result(check, s, result, now_ms, static_cast<uint32_t>(duration.count()))) {
                health = owner_.health_;
                health[i] = s.healthy ? 1 : 0;
                policy::derive_calculated_health(set_, health);
                for (uint32_t j = 0; j < set_.checks.size(); ++j) {
                    const HealthCheck& c = set_.checks[j];
                    CheckStatus& cs = owner_.statuses_[j];
                    if (c.type == policy::HealthCheckType::kCalculated && !c.disabled) {
                        cs.has_result = true;
                        cs.last_ok = health[j] != c.inverted;
                        cs.last_reason = calculated_reason(c, health);
                        cs.last_result_ms = now_ms;
                    }
                    if (health[j] == owner_.health_[j]) continue;
                    cs.healthy = health[j] != 0;
                    ++cs.flips;
                    cs.last_change_ms = now_ms;
                    changed.push_back(j);
                    changed_status.push_back(cs);
                }
                owner_.health_ = health;
            }
            after = s;
        }
        // The result callback comes last, so that whoever sees a result also sees its flip.
        if (!changed.empty()) report_flips(health, changed, changed_status, now_ms);
        if (owner_.options_.on_result) owner_.options_.on_result(i, after);
    }

    void report_flips(const policy::HealthVector& health, const std::vector<uint32_t>& changed,
                      const std::vector<CheckStatus>& changed_status, int64_t now_ms) {
        for (const CheckStatus& cs : changed_status) {
            const bool old = !cs.healthy;
            fz::log::write(
                cs.healthy ? fz::log::Level::kInfo : fz::log::Level::kWarning, "health check flipped",
                fz::log::kv("check", cs.id) + " " + fz::log::kv("type", policy::health_check_type_name(cs.type)) + " " +
                    fz::log::kv("old", state_name(old)) + " " + fz::log::kv("new", state_name(cs.healthy)) + " " +
                    fz::log::kv("reason", cs.inverted ? cs.last_reason + " (inverted)" : cs.last_reason) + " " +
                    fz::log::kv("target", cs.target) + " " + fz::log::kv("flips", static_cast<long long>(cs.flips)));
            if (webhook_) webhook_->send(flip_event_json(cs, old, now_ms));
        }
        if (owner_.options_.on_flip) owner_.options_.on_flip(health, changed);
    }

    HealthChecker& owner_;
    const HealthCheckSet set_;
    std::unique_ptr<EventLoop> loop_;
    std::unique_ptr<Resolver> resolver_;
    std::unique_ptr<WebhookSender> webhook_;
    std::vector<Endpoint> endpoints_;
    std::vector<std::unique_ptr<Probe>> finished_;  // probes whose `done` ran this round
    std::thread thread_;
};

HealthChecker::HealthChecker(Options options) : options_(std::move(options)) {}

HealthChecker::~HealthChecker() { stop(); }

Status HealthChecker::start(HealthCheckSet set, std::span<const CheckStatus> carried) {
    if (runner_) return Error{set.file, 0, "health checker already running"};
    const std::string& url = options_.webhook_url;
    if (!url.empty() && url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
        return Error{"", 0, "webhook URL \"" + url + "\" must start with http:// or https://"};
    }
    Result<std::unique_ptr<EventLoop>> loop = EventLoop::create();
    if (!loop.ok()) return loop.error();

    std::unordered_map<std::string, const CheckStatus*> previous;
    for (const CheckStatus& s : carried) previous.emplace(s.id, &s);
    std::vector<CheckStatus> statuses;
    policy::HealthVector health(set.checks.size(), 1);
    size_t kept = 0;
    for (uint32_t i = 0; i < set.checks.size(); ++i) {
        const HealthCheck& check = set.checks[i];
        auto it = previous.find(check.id);
        kept += it != previous.end();
        statuses.push_back(it != previous.end() ? carried_status(check, *it->second) : fresh_status(check));
        if (is_endpoint_check(check) && !check.disabled && !probed_from(check, options_.region)) {
            const uint64_t flips = statuses.back().flips;
            statuses.back() = fresh_status(check);
            statuses.back().flips = flips;
            statuses.back().probed_here = false;
            statuses.back().last_reason = "not probed from region " + options_.region;
        }
        if (is_endpoint_check(check)) statuses.back().target = configured_target(check);
        health[i] = statuses.back().healthy ? 1 : 0;
    }
    policy::derive_calculated_health(set, health);
    for (uint32_t i = 0; i < set.checks.size(); ++i) {
        if (is_endpoint_check(set.checks[i])) continue;
        statuses[i].healthy = health[i] != 0;
        statuses[i].last_reason = calculated_reason(set.checks[i], health);
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        statuses_ = std::move(statuses);
        health_ = std::move(health);
    }
    fz::log::info("health checker started", fz::log::kv("file", set.file) + " " +
                                                fz::log::kv("checks", static_cast<long long>(set.checks.size())) + " " +
                                                fz::log::kv("carried_over", static_cast<long long>(kept)));
    runner_ = std::make_unique<Runner>(*this, std::move(set), std::move(loop.value()));
    runner_->start();
    return Ok{};
}

void HealthChecker::stop() {
    if (!runner_) return;
    if (runner_->on_loop_thread()) {
        // A thread cannot join itself; the owner's next stop() or the destructor will.
        fz::log::error("HealthChecker::stop() called from its own callback: ignored");
        return;
    }
    runner_->stop();
    runner_.reset();
}

bool HealthChecker::running() const { return runner_ != nullptr; }

policy::HealthVector HealthChecker::health() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return health_;
}

std::vector<CheckStatus> HealthChecker::statuses() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return statuses_;
}

CheckStatus HealthChecker::status(uint32_t index) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return index < statuses_.size() ? statuses_[index] : CheckStatus{};
}

}  // namespace fz::health
