// The daemon: owns the running server's parts (snapshot publication, socket server, data
// plane, health checker, control socket, metrics endpoint) and its lifecycle: start,
// reload, health changes, stop. What it reports is read as one Totals (totals.h) and
// rendered by reports.h and metrics.h; control commands are parsed in commands.h.
// fastzoned's main() only constructs and runs it.
#pragma once

#include <csignal>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "change/registry.h"
#include "common/result.h"
#include "daemon/anycast.h"
#include "daemon/totals.h"
#include "daemon/transfers.h"
#include "engine/counter_slots.h"
#include "engine/publisher.h"
#include "loader/config.h"
#include "loader/loader.h"
#include "policy/tables.h"

namespace fz::io {
class SocketServer;
namespace dpdk {
class Dataplane;
}
}  // namespace fz::io

namespace fz::health {
class HealthChecker;
}

namespace fz::engine {
struct Snapshot;
}

namespace fz::store {
class EtcdHealth;
}

namespace fz::daemon {

class ChangePath;
class ControlSocket;
class MetricsHttp;

class Daemon {
public:
    // Sent to the process by the change path after it built a signed zone of the store
    // (a zone the API started to sign, new keys): run() computes the re-signing schedule
    // again, and rolls the store's ZSKs that are due. Sent by anyone else, it does no
    // more. main() blocks it with the others run() takes.
    static constexpr int kRescheduleSignal = SIGUSR2;

    explicit Daemon(std::string config_path);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Loads everything and starts serving. Errors name the file and line, or the address.
    Status start();
    // Blocks until SIGTERM/SIGINT (or request_stop()), reloading on SIGHUP. Call start() first.
    void run();
    // Makes run() return (from any thread, a control command among them).
    void request_stop();
    // Stops every part and joins its threads. Idempotent.
    void stop();

    // Re-reads configuration, zones and Route 53 inputs; publishes the new snapshot only
    // when all of it is good. Returns a one-line summary, or the error (with file:line);
    // on error the running data stays as it was.
    Result<std::string> reload();

    // Everything status, stats, health and metrics report, read now.
    Totals totals() const;
    // `fastzonectl explain` over the published snapshot: "NAME TYPE [--client IP] [--ecs PREFIX]".
    Result<std::string> explain(const std::string& args) const;

    const std::string& config_path() const { return config_path_; }

    // `fastzonectl import ORIGIN`: moves a configured zone into the store; from then on it
    // accepts changes and is served from the store.
    Result<std::string> import_zone(const std::string& origin);
    // `fastzonectl export ORIGIN [--json]`: any zone served, as a zone file or as Route 53
    // record-set JSON.
    Result<std::string> export_zone(const std::string& origin, bool json) const;
    // The change path (the API and UPDATE submit to its registry).
    ChangePath* change_path() { return changes_.get(); }

private:
    // Builds and publishes a snapshot of the configuration and `view` (the change path's
    // rebuild); a failure is logged and leaves the published snapshot as it was.
    Status rebuild_from(const change::Registry::View& view);
    // The published snapshot with the images of the zones `view` changed since
    // served_ patched (daemon/patch.cpp), or why a whole build is needed. Call with
    // reload_mutex_ held.
    Result<std::unique_ptr<engine::Snapshot>> patched_snapshot(const change::Registry::View& view);
    // What the change path asks of the running server: health observations, TestDNSAnswer.
    change::RegistryHooks registry_hooks();
    // (Re)starts the health checker when the set of checks changed (the configuration's,
    // and the API's by id and version); otherwise gives `snap` the running checker's
    // health. Call with reload_mutex_ held.
    Status refresh_health(engine::Snapshot& snap, const change::Registry::View& view);
    // Every worker's counters as they are, for every slot handed out (multivalue windows
    // not yet turned into answers, baselines of reused slots not taken away).
    void sum_counters(Totals& t) const;
    // Gives `snap` its counter slots (CounterSlots::assign), warning when some got none.
    void assign_slots(engine::Snapshot& snap);
    // The snapshot just published serves `view` of the store (served_), and, when it was
    // built whole as `built` reports, the file zones it compiled (file_zones_). Call with
    // reload_mutex_ held.
    void serving(const change::Registry::View& view, loader::LoadReport* built);
    // Publishes `snap`, folding the window counts of the snapshot it replaces and freeing
    // the counter slots it no longer uses.
    void publish(std::unique_ptr<engine::Snapshot> snap);
    // For rebuilds of policies in `snap` (the published snapshot): waits for the grace
    // period, folds the old versions' window counts (CounterSlots::fold), frees them.
    policy::PolicyTables::RetireFn retire_into_counts(const engine::Snapshot& snap);
    // (Re)starts the health checker for `snap`'s checks, carrying over the states of the
    // checks that still exist, and compiles `snap`'s policy tables with that health
    // (before it is published). Call with reload_mutex_ held.
    Status restart_health(engine::Snapshot& snap);
    // Applies flips reported by the checker (on its thread) from a thread of its own: a
    // flip waits for an RCU grace period, which the checker's probes must not.
    void apply_health_loop();
    // The health the policy tables of `set` read now (call with reload_mutex_ held): the
    // checker's own, or in a fleet the aggregate of every server's observations.
    policy::HealthVector current_health(const policy::HealthCheckSet& set) const;
    // The health may have changed (a flip here, another server's observation): wakes the
    // apply thread.
    void health_changed();
    // GetHealthCheckStatus: this server's observation and, in a fleet, the others'.
    std::vector<change::HealthObservation> health_observations(const std::string& id) const;
    // The checks' statuses into `t` (and in a fleet the checkers' tallies).
    void health_totals(Totals& t) const;
    // The fleet's health observations (store.etcd), or nullptr.
    store::EtcdHealth* fleet_health() const;
    // Draws fresh multivalue answer windows for the published snapshot.
    void redraw_windows();
    // Starts what listens: sockets, data plane, control socket, metrics endpoint.
    Status start_listeners();
    // The socket options with tcp_max_connections lowered to what the descriptor limit
    // leaves room for; logs the choice.
    io::SocketOptions sized_socket_options() const;
    // Starts the anycast announcement (anycast:, possibly none until a reload adds it):
    // the interface now, then once a second whether this server is serving current data.
    Status start_anycast();

    std::string config_path_;
    loader::Config config_;
    uint64_t fd_limit_ = 0;  // RLIMIT_NOFILE's soft limit, raised at start
    engine::Publisher publisher_;
    engine::CounterSlots slots_;
    std::unique_ptr<io::SocketServer> sockets_;
    std::unique_ptr<io::dpdk::Dataplane> dataplane_;
    std::unique_ptr<ControlSocket> control_;
    std::unique_ptr<MetricsHttp> metrics_;
    std::unique_ptr<health::HealthChecker> health_;
    std::unique_ptr<ChangePath> changes_;
    std::unique_ptr<Transfers> transfers_;  // after changes_: it reads the registry
    // Kept from start() to stop(), across reloads; its thread reads sockets_, dataplane_
    // and changes_, and stop() stops it first.
    std::unique_ptr<Anycast> anycast_;
    std::string health_signature_;  // the checks health_ runs: refresh_health() compares it
    // What the published snapshot serves of the store (reload_mutex_): each stored zone
    // (weakly: holding the View would keep a superseded copy of every stored zone alive)
    // with its id and version, the API's health checks' ids and versions.
    struct ServedStore {
        struct Zone {
            std::weak_ptr<const change::ZoneContent> content;
            std::string id;
            uint64_t version = 0;
        };
        std::vector<Zone> zones;
        std::vector<std::pair<std::string, uint64_t>> checks;
        std::set<std::string> expired;
        static ServedStore of(const change::Registry::View& view);
        static std::vector<std::pair<std::string, uint64_t>> checks_of(const change::Registry::View& view);
    };
    ServedStore served_;
    // The published snapshot's images of unchanged-file zones, for the next build to take
    // again (reload_mutex_).
    std::vector<loader::CompiledFileZone> file_zones_;

    // Set when the health may have changed: the apply thread computes it again then.
    std::mutex apply_mutex_;
    std::condition_variable apply_cv_;
    bool health_dirty_ = false;
    bool apply_stop_ = false;
    std::thread apply_thread_;
    uint64_t health_updates_ = 0;
    uint64_t redraws_ = 0;  // PolicyTables::redraw() runs that drew new windows

    mutable std::mutex reload_mutex_;  // one reload (or health update) at a time
    uint64_t generation_ = 0;
    uint64_t reloads_ok_ = 0;
    uint64_t reloads_failed_ = 0;
    bool last_reload_ok_ = true;
    std::string last_reload_error_;
    std::chrono::system_clock::time_point started_at_;
    std::chrono::system_clock::time_point last_reload_at_;
    // When the zones fastzone signs are signed again (run() reloads then): the soonest
    // signature_validity - signature_refresh after the last good load. Main thread only.
    std::optional<std::chrono::steady_clock::time_point> resign_at_;
    void schedule_resigning(bool loaded);
    // Set by request_stop() (possibly from a command), read by run(): relaxed is enough,
    // the signal that wakes run() orders nothing else.
    std::atomic<bool> stopping_{false};
};

}  // namespace fz::daemon
