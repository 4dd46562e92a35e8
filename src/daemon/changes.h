// The change path inside the daemon: the store, the registry over it, and the thread that
// turns accepted changes into published snapshots (changes that arrive while one is being
// built go into the next build together). The Route 53 API and RFC 2136 UPDATE submit
// to the registry; the daemon builds and publishes what it asks for.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "change/registry.h"
#include "common/result.h"
#include "loader/config.h"
#include "loader/loader.h"

namespace fz::daemon {

class ChangePath {
public:
    // What the daemon does for the change path.
    struct Host {
        // Builds a snapshot from the configuration and `view`, and publishes it (the
        // change path then marks the view's changes INSYNC). Logs and returns a failure.
        std::function<Status(const change::Registry::View& view)> rebuild;
        change::RegistryHooks hooks;  // health status and TestDNSAnswer (validate_* are set here)
    };

    // Opens the store (`config.store.path`; none: changes are refused) and loads it.
    // Errors name the store's file.
    static Result<std::unique_ptr<ChangePath>> open(const loader::Config& config, Host host);
    ~ChangePath();
    ChangePath(const ChangePath&) = delete;
    ChangePath& operator=(const ChangePath&) = delete;

    // Takes in a configuration (at start and on every reload): its zones with an update
    // ACL move into the store the first time they are seen; the other file zones are
    // listed as file-managed; the configuration is what later changes are checked
    // against. Errors name the zone's file.
    Status configure(const loader::Config& config);

    // What to build from now, as the loader takes it.
    change::Registry::View view() const { return registry_.view(); }
    static loader::StoredInputs inputs(const change::Registry::View& view);
    // The snapshot built from `view` is published.
    void published(const change::Registry::View& view);

    // Starts the rebuild thread (after the first snapshot is published).
    void start();
    void stop();

    change::Registry& registry() { return registry_; }
    bool has_store() const { return journal_ != nullptr; }
    uint64_t rebuilds() const;
    uint64_t rebuilds_failed() const;

private:
    ChangePath(std::unique_ptr<change::Journal> journal, change::RegistryOptions options, Host host);
    void rebuild_loop();
    // Whether `zone` would build, with the configuration last taken in.
    Status validate(const change::ZoneContent& zone) const;

    std::unique_ptr<change::Journal> journal_;
    change::Registry registry_;
    Host host_;

    mutable std::mutex config_mutex_;  // guards config_ (validate() runs on API threads)
    loader::Config config_;

    mutable std::mutex mutex_;  // guards what follows
    std::condition_variable cv_;
    bool dirty_ = false;
    uint64_t published_sequence_ = 0;  // of the last view published: nothing newer, nothing to build
    bool stopping_ = false;
    uint64_t rebuilds_ = 0;
    uint64_t rebuilds_failed_ = 0;
    std::thread thread_;
};

}  // namespace fz::daemon
