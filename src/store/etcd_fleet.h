// This server as a member of a fleet on etcd: registered under <prefix>nodes/<name> with a
// lease, its value the store revision its published snapshot serves; and the list of the
// live members, from which the lowest served revision (what INSYNC waits for) and each
// one's lag are worked out. A member that stops revokes its lease; one that dies is gone
// when its lease expires (node.lease_ttl).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/etcd_client.h"

namespace fz::store {

struct FleetNode {
    std::string name;
    int64_t revision = 0;  // the store revision it serves
    int64_t started_ms = 0;
    bool self = false;
};

struct FleetView {
    std::vector<FleetNode> nodes;  // the live ones, by name
    int64_t store_revision = 0;    // etcd's newest, when the list was read
    bool ok = false;               // the list could be read (etcd answered)
    std::string error;             // why not, when !ok
    // Unix ms of the last read etcd answered (0: none yet): while etcd is away the data
    // served is that of then, and stale since.
    int64_t last_contact_ms = 0;
};

class EtcdFleet {
public:
    // `on_view` is called after each read of the list (every second), on the fleet's thread.
    EtcdFleet(EtcdClient& client, std::string prefix, std::string name, int64_t lease_ttl_s,
              std::function<void(const FleetView&)> on_view);
    ~EtcdFleet();
    EtcdFleet(const EtcdFleet&) = delete;
    EtcdFleet& operator=(const EtcdFleet&) = delete;

    void start();
    // Revokes the lease: the others see this server leave at once.
    void stop();
    // The store revision this server's published snapshot now serves.
    void set_served(int64_t revision);
    FleetView view() const;
    const std::string& name() const { return name_; }
    // The lease this server's keys live under (0: none yet, or lost and not granted again):
    // what it publishes besides its registration (its health observations) goes under it
    // too, so that all of it leaves the fleet together.
    int64_t lease() const { return lease_.load(); }

private:
    void loop();
    Status register_self();

    EtcdClient& client_;
    const std::string prefix_, name_;
    const int64_t ttl_s_;
    std::function<void(const FleetView&)> on_view_;
    const int64_t started_ms_;
    mutable std::mutex mu_;  // guards what follows
    std::condition_variable cv_;
    int64_t served_ = 0, registered_ = -1;
    std::atomic<int64_t> lease_{0};  // written by the fleet's thread (and stop())
    bool view_ok_ = true;            // the last read of the list succeeded (the fleet's thread only)
    FleetView view_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace fz::store
