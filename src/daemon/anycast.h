// Anycast announcement: the service addresses kept on a dummy interface while this server
// serves current data, for a routing daemon (BIRD's `protocol direct`) to announce over BGP,
// and taken away on stop, on a data-plane fault, or when the data is stale (docs/anycast.md).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "loader/config.h"

struct nl_sock;

namespace fz::daemon {

// What says whether this server may be announced, read once a second.
struct AnycastInputs {
    bool listening = false;       // the listeners started
    bool stopping = false;        // stop() or a signal to stop came
    std::string dataplane_fault;  // Dataplane::fault(): "" when healthy or without a data plane
    bool fleet = false;           // store.etcd: the data is current only while etcd answers
    int64_t last_contact_ms = 0;  // unix ms of etcd's last answer (0: none yet)
};

struct AnycastVerdict {
    bool serving = false;
    std::string reason;  // "serving", "stopping", "data stale for 31 s (etcd unreachable)", ...
};

// Serving, or why not, at `now_ms` (unix ms) with a staleness limit of `stale_limit_s`.
AnycastVerdict anycast_verdict(const AnycastInputs& in, int64_t now_ms, uint32_t stale_limit_s);

// For status and metrics.
struct AnycastState {
    bool configured = false;
    bool announced = false;
    std::string reason;        // of the last change (announced or withdrawn)
    int64_t since_ms = 0;      // unix ms of the last change
    uint64_t withdrawals = 0;  // announced -> withdrawn
    std::string interface;
    std::vector<std::string> addresses;
    std::string error;  // the last netlink failure not yet recovered from; "" when none
};

class Anycast {
public:
    // Each announce() gives the addresses this lifetime again: a fastzoned killed or hung
    // loses them (and its route) this long after its last refresh.
    static constexpr uint32_t kLifetimeSeconds = 5;

    // nullopt: nothing is announced until reconfigure() gives addresses.
    explicit Anycast(std::optional<loader::AnycastConfig> config);
    ~Anycast();
    Anycast(const Anycast&) = delete;
    Anycast& operator=(const Anycast&) = delete;

    // Opens the netlink socket, creates the interface when missing and sets it up. Errors
    // (not root, no dummy driver) name the interface.
    Status start();
    // Serving: adds the addresses, or gives them their lifetime again; not serving:
    // deletes them. Logs each change once, with `why`.
    void announce(bool serving, const std::string& why);
    // From now on, once a second on a thread of its own until stop(): reads `inputs`,
    // decides with anycast_verdict() and announces.
    void keep_announcing(std::function<AnycastInputs()> inputs);
    // A reload's configuration, applied at the next announce(): addresses no longer
    // listed are deleted, a new interface is set up (the old one removed if we made it).
    void reconfigure(std::optional<loader::AnycastConfig> config);
    // Stops the thread, deletes the addresses, and the interface if start() created it.
    // Idempotent.
    void stop();

    AnycastState state() const;

private:
    // All with mu_ held.
    Status ensure_interface();
    Status set_address(const std::string& text, bool add);
    void withdraw_all();
    void remove_interface();
    void apply_pending();
    void note_error(const std::string& failure);  // logs a new failure once, and the recovery
    void change(bool announced, const std::string& why);

    mutable std::mutex mu_;
    std::optional<loader::AnycastConfig> config_;
    std::optional<std::optional<loader::AnycastConfig>> pending_;  // from reconfigure()
    nl_sock* sock_ = nullptr;
    int ifindex_ = 0;       // 0: the interface is not set up (yet, or any more)
    bool created_ = false;  // we made the interface: stop() removes it
    bool decided_ = false;  // announce() ran once (the first call applies its state whatever it is)
    bool announced_ = false;
    bool stopped_ = false;
    std::string reason_ = "not started";
    int64_t since_ms_ = 0;
    uint64_t withdrawals_ = 0;
    std::string error_;

    std::condition_variable cv_;  // wakes the thread for stop()
    std::thread thread_;
};

}  // namespace fz::daemon
