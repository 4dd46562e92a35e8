// The daemon: owns the running server's parts (snapshot publication, socket server,
// data plane, health checker, control socket, metrics) and the operations on them
// (reload, stats, health, explain). fastzoned's main() only constructs and runs it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "common/result.h"
#include "control/config.h"
#include "control/counter_slots.h"
#include "engine/publisher.h"
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

namespace fz::control {

class ControlSocket;
class MetricsHttp;

class Daemon {
public:
    explicit Daemon(std::string config_path);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Loads everything and starts serving. Errors name the file and line, or the address.
    Status start();
    // Loads configuration and data and publishes the snapshot without serving (tools).
    Status load_only();
    // Blocks until SIGTERM/SIGINT, reloading on SIGHUP. Call start() first.
    void run();
    void stop();

    // Re-reads configuration, zones and Route 53 inputs; publishes the new snapshot only
    // when all of it is good. Returns a one-line summary, or the error (with file:line);
    // on error the running data stays as it was.
    Result<std::string> reload();

    // Text for fastzonectl.
    std::string status_text() const;
    std::string stats_text() const;
    std::string health_text() const;
    Result<std::string> explain_text(const std::string& args);
    // Prometheus text exposition format.
    std::string metrics_text() const;

    // Handles one control-socket command line.
    std::string handle_command(const std::string& line, bool& ok);

private:
    struct Totals;
    Totals totals() const;      // every worker's counters, multivalue windows as answers per member
    Totals raw_totals() const;  // every worker's counters as they are
    // Publishes `snap`, folding the window counts of the snapshot it replaces.
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

    std::string config_path_;
    Config config_;
    engine::Publisher publisher_;
    CounterSlots slots_;
    std::unique_ptr<io::SocketServer> sockets_;
    std::unique_ptr<io::dpdk::Dataplane> dataplane_;
    std::unique_ptr<ControlSocket> control_;
    std::unique_ptr<MetricsHttp> metrics_;
    std::unique_ptr<health::HealthChecker> health_;

    // Flips waiting to be applied: only the latest vector matters. The epoch names the
    // checker that reported it; a vector from a checker replaced by a reload is dropped.
    std::mutex apply_mutex_;
    std::condition_variable apply_cv_;
    std::optional<std::pair<uint64_t, std::vector<uint8_t>>> pending_health_;
    bool apply_stop_ = false;
    std::thread apply_thread_;
    uint64_t health_epoch_ = 0;  // guarded by reload_mutex_
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
    double last_reload_ms_ = 0;
    // Set by stop() (possibly from a command), read by run(): relaxed is enough, the
    // signal that wakes run() orders nothing else.
    std::atomic<bool> stopping_{false};
};

}  // namespace fz::control
