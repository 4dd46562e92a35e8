// The change path inside the daemon: the store, the registry over it, and the thread that
// turns accepted changes into published snapshots (changes that arrive while one is being
// built go into the next build together). The Route 53 API and RFC 2136 UPDATE submit
// to the registry; the daemon builds and publishes what it asks for.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api/server.h"
#include "api/update.h"
#include "change/registry.h"
#include "common/result.h"
#include "loader/config.h"
#include "loader/loader.h"
#include "store/etcd_fleet.h"
#include "store/etcd_health.h"
#include "store/etcd_store.h"
#include "store/fleet_journal.h"

namespace fz::daemon {

class ChangePath {
public:
    // What the daemon does for the change path.
    struct Host {
        // Builds a snapshot from the configuration and `view`, and publishes it (the
        // change path then marks the view's changes INSYNC). Logs and returns a failure.
        std::function<Status(const change::Registry::View& view)> rebuild;
        change::RegistryHooks hooks;  // health status and TestDNSAnswer (validate_* are set here)
        // In a fleet: another server's health observations changed (on the watch's thread).
        std::function<void()> health_changed;
    };

    // Opens the store (`config.store.path`; none: changes are refused) and loads it.
    // Errors name the store's file.
    static Result<std::unique_ptr<ChangePath>> open(const loader::Config& config, Host host);
    ~ChangePath();
    ChangePath(const ChangePath&) = delete;
    ChangePath& operator=(const ChangePath&) = delete;

    // Takes in a configuration (at start and on every reload): its zones with an update
    // ACL move into the store the first time they are seen; the other file zones are
    // listed as file-managed; its keys and ACL rules are what UPDATE is checked against.
    // Errors name the zone's file.
    Status configure(const loader::Config& config);

    // What to build from now, as the loader takes it.
    change::Registry::View view() const { return registry_.view(); }
    static loader::StoredInputs inputs(const change::Registry::View& view);
    // The snapshot built from `view` is published.
    void published(const change::Registry::View& view);
    // The fleet's members (store.etcd); empty without a fleet.
    std::optional<store::FleetView> fleet() const;
    // The fleet's health observations (store.etcd), or nullptr.
    store::EtcdHealth* fleet_health() const { return fleet_health_ptr_.load(); }
    // This server's name in the fleet; empty without one (or before it joined).
    std::string node_name() const {
        store::EtcdFleet* fleet = fleet_ptr_.load();
        return fleet != nullptr ? fleet->name() : std::string();
    }

    // Starts the rebuild thread (after the first snapshot is published) and the Route 53
    // API (api.listen). Errors name the address or the file.
    Status start(const loader::Config& config);
    void stop();

    // Answers an RFC 2136 UPDATE (the socket server's UpdateHandler), with the keys and
    // ACL of the configuration last taken in.
    size_t handle_update(const uint8_t* msg, size_t len, const engine::Peer& peer, engine::Transport transport,
                         uint8_t* out, size_t cap);
    // UPDATE's counters (zero before the first configure()).
    api::UpdateCounters update_counters() const;
    // The API's port (0: no API).
    uint16_t api_port() const { return api_ ? api_->port() : 0; }

    change::Registry& registry() { return registry_; }
    bool has_store() const { return journal_ != nullptr; }
    uint64_t rebuilds() const;
    uint64_t rebuilds_failed() const;

private:
    ChangePath(std::unique_ptr<change::Journal> journal, change::RegistryOptions options, Host host);
    void rebuild_loop();
    // Whether the record sets a batch adds to `zone` would build.
    Status validate(const change::ZoneContent& zone, const std::vector<policy::RecordSet>& added) const;

    // The keys and ACL rules UPDATE checks against, replaced whole by configure(); a
    // handler in flight keeps the one it started with.
    struct UpdateState {
        dns::TsigKeyring keys;
        std::unique_ptr<api::UpdateProcessor> processor;
    };
    static Result<std::shared_ptr<UpdateState>> make_update_state(const loader::Config& config,
                                                                  change::Service& service);

    std::unique_ptr<change::Journal> journal_;
    // A fleet (store.etcd): journal_, and what join_fleet() starts once etcd answers (at
    // open(), or on the reconnect thread when the local copy was served first). The daemon's
    // threads read the fleet through the atomic pointers, set last.
    store::FleetJournal* fleet_journal_ = nullptr;
    std::unique_ptr<store::EtcdFleet> fleet_;
    std::unique_ptr<store::EtcdHealth> fleet_health_;  // after fleet_: it publishes under its lease
    std::atomic<store::EtcdFleet*> fleet_ptr_{nullptr};
    std::atomic<store::EtcdHealth*> fleet_health_ptr_{nullptr};
    std::thread reconnect_;
    // Watches, fleet membership and health observations, on etcd.
    void join_fleet(const loader::Config& config);
    // While the local copy is served: tries etcd every second; once it answers, replaces
    // the copy's content with etcd's and joins the fleet.
    void reconnect_loop(loader::Config config);
    change::Registry registry_;
    Host host_;

    mutable std::mutex update_mutex_;  // guards update_ (read on the update threads)
    std::shared_ptr<UpdateState> update_;
    std::vector<std::shared_ptr<UpdateState>> retired_updates_;  // counters carried below
    std::unique_ptr<api::ApiServer> api_;
    // Each file zone's record-set count for the API's listing, with the identities of the
    // files it was counted from: a reload reads again only the files that changed.
    struct FileCount {
        std::optional<loader::FileIdentity> zone_file;
        std::optional<loader::FileIdentity> record_sets_file;
        size_t count = 0;
    };
    std::map<std::string, FileCount> file_counts_;  // by origin (configure() only)

    mutable std::mutex mutex_;  // guards what follows
    std::condition_variable cv_;
    bool dirty_ = false;
    bool stopping_ = false;
    uint64_t rebuilds_ = 0;
    uint64_t rebuilds_failed_ = 0;
    std::thread thread_;
};

}  // namespace fz::daemon
