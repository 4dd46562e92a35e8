// The daemon's health checks: the checker that runs them, the health the policy tables
// read (this server's own, or in a fleet the aggregate of every server's observations),
// applying its changes, and the observations the API reports.
#include <chrono>
#include <set>

#include "common/log.h"
#include "daemon/changes.h"
#include "daemon/daemon.h"
#include "engine/snapshot.h"
#include "health/aggregate.h"
#include "health/checker.h"

namespace fz::daemon {
namespace {

// The checks a snapshot runs, as a value to compare: a change of any of them (or of their
// number) restarts the checker, anything else keeps it running.
std::string health_signature(const engine::Snapshot& snap, const change::Registry::View& view) {
    std::string sig;
    if (snap.policies) sig += std::to_string(snap.policies->set().health_checks.checks.size());
    for (const auto& hc : view.health_checks) sig += "|" + hc.check.id + "@" + std::to_string(hc.version);
    return sig;
}

health::ObservationMap observation_map(const std::vector<store::CheckObservation>& all) {
    health::ObservationMap out;
    for (const store::CheckObservation& o : all) {
        out[o.check_id].push_back(health::Observation{o.node, o.healthy, o.reason, o.checked_ms});
    }
    return out;
}

// Publishes a status of this server's checker to the fleet, when it is a result of a
// check probed here.
void observe(store::EtcdHealth& fleet, const health::CheckStatus& s) {
    if (!s.has_result || !s.probed_here || s.type == policy::HealthCheckType::kCalculated || s.disabled) return;
    fleet.observe(s.id, s.observed_healthy(), s.last_reason, s.last_result_ms);
}

}  // namespace

store::EtcdHealth* Daemon::fleet_health() const { return changes_ ? changes_->fleet_health() : nullptr; }

Status Daemon::refresh_health(engine::Snapshot& snap, const change::Registry::View& view) {
    std::string sig = health_signature(snap, view);
    if (!health_signature_.empty() && sig == health_signature_ && health_ && snap.policies) {
        // The same checks in the same order: the running checker's state applies as it is.
        snap.policies->update_health(current_health(snap.policies->set().health_checks),
                                     [](policy::PolicyTables::Retired) {});
        return Ok{};
    }
    auto st = restart_health(snap);
    if (st) health_signature_ = std::move(sig);
    return st;
}

Status Daemon::restart_health(engine::Snapshot& snap) {
    std::vector<health::CheckStatus> carried;
    if (health_) {
        health_->stop();
        carried = health_->statuses();
    }
    store::EtcdHealth* fleet = fleet_health();
    if (!snap.policies || snap.policies->set().health_checks.checks.empty()) {
        health_.reset();
        if (fleet != nullptr) fleet->retain({});
        return Ok{};
    }
    health::HealthChecker::Options o;
    o.webhook_url = config_.health_webhook;
    o.region = config_.health.region;
    o.on_flip = [this](const policy::HealthVector&, std::span<const uint32_t>) { health_changed(); };
    // Looked up at each result: a server that started on its local copy joins the fleet later.
    o.on_result = [this](uint32_t, const health::CheckStatus& s) {
        if (store::EtcdHealth* f = fleet_health()) observe(*f, s);
    };
    auto checker = std::make_unique<health::HealthChecker>(std::move(o));
    auto st = checker->start(snap.policies->set().health_checks, carried);
    if (!st) return st.error();
    health_ = std::move(checker);
    if (fleet != nullptr) {
        // What this server observes now: the carried-over states at once, and no more
        // observations of checks it no longer runs.
        std::set<std::string> ids;
        for (const health::CheckStatus& s : health_->statuses()) {
            if (s.probed_here) ids.insert(s.id);
            observe(*fleet, s);
        }
        fleet->retain(ids);
    }
    // The snapshot is not published yet: nothing reads its tables, so the versions the
    // carried-over health replaces can be freed at once.
    snap.policies->update_health(current_health(snap.policies->set().health_checks),
                                 [](policy::PolicyTables::Retired) {});
    return Ok{};
}

policy::HealthVector Daemon::current_health(const policy::HealthCheckSet& set) const {
    if (!health_) return policy::initial_health(set);
    store::EtcdHealth* fleet = fleet_health();
    if (fleet == nullptr) return health_->health();
    return health::aggregate_health(set, health_->statuses(), observation_map(fleet->others()),
                                    config_.health.aggregate_threshold);
}

void Daemon::health_changed() {
    std::lock_guard<std::mutex> lock(apply_mutex_);
    health_dirty_ = true;
    apply_cv_.notify_one();
}

void Daemon::apply_health_loop() {
    const auto redraw_every = std::chrono::seconds(policy::PolicyTables::kRedrawSeconds);
    auto next_redraw = std::chrono::steady_clock::now() + redraw_every;
    while (true) {
        {
            std::unique_lock<std::mutex> lock(apply_mutex_);
            const bool woken = apply_cv_.wait_until(lock, next_redraw, [this] { return apply_stop_ || health_dirty_; });
            if (apply_stop_) return;
            if (!woken) {
                // Fresh multivalue answer windows (PolicyTables::redraw), freed after a grace period.
                lock.unlock();
                next_redraw = std::chrono::steady_clock::now() + redraw_every;
                redraw_windows();
                continue;
            }
            health_dirty_ = false;
        }
        // The health now, of the checker running now: the snapshot published was built for
        // its checks (a reload restarts both under this lock).
        std::lock_guard<std::mutex> lock(reload_mutex_);
        if (!health_) continue;
        // Rebuilds only the policies using the changed checks and swaps their pointers; the
        // old versions are freed after a grace period (this thread is no RCU reader).
        publisher_.with_current([&](const engine::Snapshot& s) {
            if (!s.policies) return 0;
            policy::HealthVector health = current_health(s.policies->set().health_checks);  // derived
            if (health == s.policies->health()) return 0;
            s.policies->update_health(std::move(health), retire_into_counts(s));
            ++health_updates_;
            return 0;
        });
    }
}

std::vector<change::HealthObservation> Daemon::health_observations(const std::string& id) const {
    std::vector<change::HealthObservation> out;
    std::lock_guard<std::mutex> lock(reload_mutex_);
    if (!health_) return out;
    const std::string self = changes_ && !changes_->node_name().empty() ? changes_->node_name()
                             : config_.server.identity.empty()          ? std::string("fastzone")
                                                                        : config_.server.identity;
    for (const health::CheckStatus& s : health_->statuses()) {
        if (s.id != id || !s.probed_here) continue;
        change::HealthObservation o;
        o.checker = self;
        o.checked_ms = s.last_result_ms;
        o.healthy = s.observed_healthy();
        o.reason = s.has_result ? s.last_reason : "no result yet: healthy until the first probe";
        out.push_back(std::move(o));
    }
    if (store::EtcdHealth* fleet = fleet_health()) {
        // The others' as they last changed (an observation is written when its state does).
        for (const store::CheckObservation& c : fleet->others()) {
            if (c.check_id == id) out.push_back(change::HealthObservation{c.node, c.checked_ms, c.healthy, c.reason});
        }
    }
    return out;
}

void Daemon::health_totals(Totals& t) const {
    if (!health_) return;
    t.health = health_->statuses();
    store::EtcdHealth* fleet = fleet_health();
    if (fleet == nullptr) return;
    // In a fleet: what the policies see is the aggregate, and each check says how many
    // checkers report on it.
    const health::ObservationMap others = observation_map(fleet->others());
    std::vector<health::Tally> tallies;
    const policy::HealthVector health = publisher_.with_current([&](const engine::Snapshot& s) {
        return s.policies ? s.policies->health() : policy::HealthVector();
    });
    for (size_t i = 0; i < t.health->size(); ++i) {
        health::CheckStatus& c = (*t.health)[i];
        auto it = others.find(c.id);
        tallies.push_back(health::tally(c, it == others.end() ? nullptr : &it->second));
        if (i < health.size()) c.healthy = health[i] != 0;
    }
    t.health_checkers = std::move(tallies);
    t.health_threshold = config_.health.aggregate_threshold;
}

}  // namespace fz::daemon
