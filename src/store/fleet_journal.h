// The journal of a server in a fleet: etcd (EtcdStore), with a local copy of what this
// server serves (an SQLite store, store.etcd.local_copy). The copy is written after each
// publish, on a thread of its own; a server that starts while etcd cannot be read loads
// the copy instead and serves it at once, refusing changes (ServiceUnavailable) until
// connect() hands it etcd.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "change/registry.h"
#include "store/etcd_store.h"
#include "store/sqlite_store.h"

namespace fz::store {

class FleetJournal final : public change::Journal {
public:
    // `etcd` null: etcd could not be read at start, and `copy` (then required) is served.
    FleetJournal(std::unique_ptr<EtcdStore> etcd, std::unique_ptr<SqliteStore> copy, std::string copy_path);
    ~FleetJournal() override;

    // etcd answers: from now on every call goes to it (call once, after the registry took
    // in etcd's content).
    void connect(std::unique_ptr<EtcdStore> etcd);
    // Null while the copy is served.
    EtcdStore* etcd() const { return etcd_ptr_.load(); }
    // Writes what `view` holds into the copy (what differs from what it last wrote), soon,
    // on the copy's thread; only the latest view waiting is written. No-op without a copy.
    void save(change::Registry::View view);

    Result<change::StoredState> load() override;
    Status put_zone(const change::ZoneContent& zone, const change::HistoryEntry& entry) override;
    Status apply(const change::ZoneContent& after, const change::HistoryEntry& entry) override;
    Status delete_zone(const std::string& zone_id) override;
    Status put_signing(const std::string& zone_id, const change::ZoneSigning& signing) override;
    Status put_health_check(const change::HealthCheckRecord& check) override;
    Status delete_health_check(const std::string& id) override;
    Result<std::vector<change::HistoryEntry>> history(const std::string& zone_id) override;
    int64_t last_revision() const override;

private:
    // The store writes go to, or the error that refuses them.
    Result<EtcdStore*> writable() const;
    // `call` on etcd, or the refusal.
    template <typename Call>
    Status write(const Call& call) const;
    void copy_loop();
    // Brings the copy to `view`. Call on the copy's thread.
    void write_copy(const change::Registry::View& view);

    std::unique_ptr<EtcdStore> etcd_;  // set once (constructor or connect())
    std::atomic<EtcdStore*> etcd_ptr_{nullptr};
    std::unique_ptr<SqliteStore> copy_;
    const std::string copy_path_;

    std::mutex mu_;  // guards what follows
    std::condition_variable cv_;
    std::optional<change::Registry::View> pending_;
    bool stopping_ = false;
    // What the copy holds (the copy's thread only): each zone's content as written, each
    // check's version; `known` false until the copy's own zones were listed once.
    std::map<std::string, std::weak_ptr<const change::ZoneContent>> copied_zones_;
    std::map<std::string, uint64_t> copied_checks_;
    bool known_ = false;
    std::thread copier_;
};

}  // namespace fz::store
