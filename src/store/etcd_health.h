// Health observations shared by a fleet on etcd: each server puts what its checker sees
// under <prefix>health/<check id>/<node>, attached to its fleet lease (so that a server
// that dies takes its observations with it), and watches the others'. The daemon
// aggregates them with Route 53's rule (health/aggregate.h).
//
// An observation is written when the state it reports changes (healthy or not, and the
// reason), not after every probe: a thousand checks probed every 10 s from ten servers
// would otherwise be a thousand writes a second for etcd's log.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/etcd_client.h"
#include "store/etcd_fleet.h"

namespace fz::store {

struct CheckObservation {
    std::string check_id;
    std::string node;
    bool healthy = true;  // the endpoint's state after FailureThreshold, before Inverted
    std::string reason;
    int64_t checked_ms = 0;  // when the result that set this state came in
    bool operator==(const CheckObservation&) const = default;
};

class EtcdHealth {
public:
    // `on_change` runs on the watch thread after the others' observations changed.
    EtcdHealth(EtcdClient& client, const EtcdFleet& fleet, std::string prefix, size_t max_txn_ops,
               std::function<void()> on_change);
    ~EtcdHealth();
    EtcdHealth(const EtcdHealth&) = delete;
    EtcdHealth& operator=(const EtcdHealth&) = delete;

    void start();
    void stop();

    // This server's observation of a check (from the checker's thread: never blocks on
    // etcd). Written when it differs from what was written last.
    void observe(const std::string& check_id, bool healthy, const std::string& reason, int64_t checked_ms);
    // The checks this server observes now: the observations of the others it wrote are
    // deleted.
    void retain(const std::set<std::string>& check_ids);

    // The other servers' observations.
    std::vector<CheckObservation> others() const;
    // Writes that failed since start (etcd away): they are tried again every second.
    uint64_t write_failures() const { return write_failures_.load(); }

private:
    void write_loop();
    void watch_loop();
    // Reads every observation (at start and after a compaction); the revision read.
    Result<int64_t> read_all();
    // One PUT or DELETE of the watch: true when the others' observations changed.
    bool take(const EtcdEvent& e);
    std::string key(const std::string& check_id) const;

    EtcdClient& client_;
    const EtcdFleet& fleet_;
    const std::string prefix_;  // <prefix>health/
    const size_t max_txn_ops_;
    std::function<void()> on_change_;

    mutable std::mutex mu_;  // guards what follows
    std::condition_variable cv_;
    std::map<std::string, CheckObservation> pending_;  // by check id: to be written
    std::set<std::string> pending_deletes_;
    std::map<std::string, CheckObservation> written_;  // by check id: in etcd under written_lease_
    int64_t written_lease_ = 0;
    std::map<std::string, CheckObservation> others_;  // by key
    bool stopping_ = false;

    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> write_failures_{0};
    std::thread writer_, watcher_;
};

}  // namespace fz::store
