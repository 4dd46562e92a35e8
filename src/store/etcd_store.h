// The store of a fleet: change::Journal over etcd v3 (store.etcd), every key under one
// prefix. Layout, below the prefix:
//   zones/<id>                      the zone's metadata (origin, version, generation)
//   rs/<id>/<generation>/<key>      one record set (Route 53's JSON) per key
//   history/<id>/<version>          one history entry per applied change (IXFR's source)
//   signing/<id>                    the zone's DNSSEC keys
//   checks/<id>                     one health check
//
// Every write to a zone is one etcd transaction that compares the zone's metadata key with
// the modification revision this node last saw: when another node changed the zone in
// between, nothing is written and the change is refused (one of two racing changes wins).
// A zone written whole (an import, an AXFR) goes under a new generation of record-set
// keys, written first, which its metadata then names in one transaction: a reader sees the
// old zone or the new one, never a mix.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json_fwd.hpp>

#include "change/registry.h"
#include "store/etcd_client.h"

namespace fz::store {

struct EtcdStoreOptions {
    EtcdOptions etcd;
    std::string prefix = "/fastzone/";
    uint32_t history_limit = 1000;  // history entries kept per zone (the newest)
    // Record sets per transaction when a zone is written whole (etcd's --max-txn-ops, 128
    // by default, bounds every transaction; a batch of N changes needs about 2N + 3).
    size_t max_txn_ops = 128;
};

class EtcdStore final : public change::Journal {
public:
    // Connects (every endpoint is tried) and checks that the prefix can be read.
    static Result<std::unique_ptr<EtcdStore>> open(EtcdStoreOptions options);

    Result<change::StoredState> load() override;
    Status put_zone(const change::ZoneContent& zone, const change::HistoryEntry& entry) override;
    Status apply(const change::ZoneContent& after, const change::HistoryEntry& entry) override;
    Status delete_zone(const std::string& zone_id) override;
    Status put_signing(const std::string& zone_id, const change::ZoneSigning& signing) override;
    Status put_health_check(const change::HealthCheckRecord& check) override;
    Status delete_health_check(const std::string& id) override;
    Result<std::vector<change::HistoryEntry>> history(const std::string& zone_id) override;
    int64_t last_revision() const override { return revision(); }

    // The etcd revision of the last write this node made or the last change it took in.
    int64_t revision() const;

    // Watches the zones/ keys from the revision load() read, and hands every zone another
    // server changed to `on_remote` (read whole at the change's revision), on a thread of
    // its own, until stop_watch(). A broken stream is opened again from where it was; after
    // a compaction every zone is read again.
    void start_watch(std::function<void(change::RemoteZone)> on_remote,
                     std::function<void(change::RemoteHealthCheck)> on_remote_check);
    void stop_watch();
    ~EtcdStore() override;
    EtcdClient& client() { return client_; }
    const std::string& prefix() const { return options_.prefix; }
    // "etcd (endpoints) prefix /fastzone/": how errors and the status name the store.
    std::string describe() const;

private:
    explicit EtcdStore(EtcdStoreOptions options);

    struct ZoneMeta {
        std::string id, origin, caller_reference, comment;
        int64_t created_ms = 0;
        bool from_file = false;
        uint64_t version = 0;
        uint64_t generation = 0;
        int64_t mod_revision = 0;  // of zones/<id>, as last seen (0: not in etcd)
    };
    std::string zone_key(const std::string& id) const { return options_.prefix + "zones/" + id; }
    std::string sets_prefix(const std::string& id, uint64_t generation) const;
    std::string set_key(const std::string& id, uint64_t generation, const policy::RecordSet& rs) const;
    std::string history_key(const std::string& id, uint64_t version) const;
    static std::string meta_json(const ZoneMeta& m);
    Result<ZoneMeta> meta_of(const EtcdKeyValue& kv) const;
    Error error(const std::string& what, const std::string& why) const;
    // The compare that makes a write to `zone` fail when another node wrote it since.
    EtcdCompare unchanged(const ZoneMeta& m) const;
    // The zone as it was at `revision` (0: the newest).
    Result<change::ZoneContent> read_zone(const ZoneMeta& m, int64_t revision = 0);
    // A zone of `m` without its record sets.
    Result<change::ZoneContent> zone_header(const ZoneMeta& m) const;
    // Parses record sets' JSON values (rs/ keys) into `zone`.
    Status append_rows(change::ZoneContent& zone, const std::vector<std::string>& rows) const;
    // Every key under `first` at `revision`, a page at a time, handed to `take` in key order.
    Status scan(const std::string& first, int64_t revision, const std::function<Status(EtcdKeyValue&)>& take);
    // A checks/ value (its JSON) as a record.
    Result<change::HealthCheckRecord> check_record(const std::string& id, const nlohmann::json& j) const;
    // Watches <prefix><part> from the loaded revision, handing each event to `take`.
    void watch_loop(const std::string& part, const std::function<void(const EtcdEvent&)>& take);
    // One changed checks/ key: handed on unless this server wrote that version.
    void take_in_check(const EtcdEvent& event);
    // One changed zones/ key, seen by the watch: handed on unless this server wrote it.
    void take_in(const EtcdEvent& event);
    // After a compaction: every zone whose key moved past what this server holds, read again.
    void resync();
    // The ops that add `entry` to the history and prune what falls past the limit.
    void history_ops(const std::string& id, const change::HistoryEntry& entry, std::vector<EtcdOp>& ops) const;

    EtcdStoreOptions options_;
    EtcdClient client_;
    mutable std::mutex mu_;  // one write at a time; guards what follows
    std::map<std::string, ZoneMeta> zones_;
    int64_t revision_ = 0;
    std::function<void(change::RemoteZone)> on_remote_;
    std::function<void(change::RemoteHealthCheck)> on_remote_check_;
    std::map<std::string, std::string> checks_;  // checks/ values this server wrote or took in
    std::atomic<bool> stop_{false};
    std::thread watch_thread_, checks_thread_;
};

}  // namespace fz::store
