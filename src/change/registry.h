// The registry: the change path's one source of truth while the server runs. It holds
// every zone (the store's, and the file-managed ones the configuration serves), the API's
// health checks and the changes, applies batches with Route 53's rules, writes each
// accepted change to the store (a Journal) before it answers, and tells the daemon when a
// new snapshot is due. Sources of change (the API, UPDATE) see it as a change::Service.
// Control plane: one mutex guards it; nothing here runs on the query path.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "change/batch.h"
#include "change/content.h"
#include "change/service.h"
#include "common/result.h"

namespace fz::change {

// One applied change as a zone's history keeps it: what IXFR serves next.
struct HistoryEntry {
    std::string change_id;
    std::string zone_id;
    int64_t submitted_ms = 0;
    std::string comment;
    uint32_t serial_before = 0;
    uint32_t serial_after = 0;
    uint64_t version = 0;                    // the zone's version after it
    std::vector<policy::RecordSet> removed;  // record sets as they were before
    std::vector<policy::RecordSet> added;    // and as they are after
};

// What the store gives back at start-up.
struct StoredState {
    std::vector<ZoneContent> zones;
    std::vector<HealthCheckRecord> health_checks;
};

// The durable store as the registry uses it. Each call is one transaction, durable when it
// returns Ok (it survives kill -9 and power loss); on error nothing of it was written and
// the error names the store's file.
class Journal {
public:
    virtual ~Journal() = default;
    virtual Result<StoredState> load() = 0;
    // A zone created or imported whole: its record sets replace any stored for its id.
    virtual Status put_zone(const ZoneContent& zone, const HistoryEntry& entry) = 0;
    // A batch applied to a stored zone: `after` is the zone now (metadata and version);
    // entry.removed / entry.added are the record sets that left and came (a replaced one is
    // in both).
    virtual Status apply(const ZoneContent& after, const HistoryEntry& entry) = 0;
    virtual Status delete_zone(const std::string& zone_id) = 0;
    // A zone's DNSSEC state (its keys, private parts included), replacing what was stored.
    virtual Status put_signing(const std::string& zone_id, const ZoneSigning& signing) = 0;
    virtual Status put_health_check(const HealthCheckRecord& check) = 0;
    virtual Status delete_health_check(const std::string& id) = 0;
    // A zone's history, oldest first.
    virtual Result<std::vector<HistoryEntry>> history(const std::string& zone_id) = 0;
    // A shared store's revision that the registry's content reflects (its last write, or
    // the last change of another server taken in); 0 for a store of one server.
    virtual int64_t last_revision() const { return 0; }
};

// A zone another server of the fleet changed, as the shared store saw it: its content now
// (nullopt: deleted). `adopt` tells the store that this server now holds that version (the
// registry calls it under its lock, so that a change made here is checked against the
// content it was applied to).
struct RemoteZone {
    std::string zone_id;
    std::optional<ZoneContent> content;
    std::function<void()> adopt;
};

// A health check another server of the fleet wrote (nullopt: deleted).
struct RemoteHealthCheck {
    std::string id;
    std::optional<HealthCheckRecord> record;
};

struct RegistryOptions {
    std::vector<std::string> name_servers;  // api.name_servers: the NS of zones created here
    SerialPolicy serial_policy = SerialPolicy::kIncrement;
    std::string checker_name = "fastzone";  // HealthObservation::checker
    // The zone ids the configuration declares (origin -> id); others get one derived from
    // the origin, stable across restarts.
    std::map<std::string, std::string> configured_ids;
};

// What the running server answers with for the API's GetHealthCheckStatus and
// TestDNSAnswer (the daemon fills these in; unset, the registry answers without them).
struct RegistryHooks {
    // Whether the record sets a batch adds to `zone` would build (their values as rdata):
    // a batch that fails is refused before it is journaled. The zone-wide rules are
    // apply_batch()'s.
    std::function<Status(const ZoneContent& zone, const std::vector<policy::RecordSet>& added)> validate_changes;
    // Whether this set of health checks is valid as a whole (the health-checks file's rules).
    std::function<Status(const std::vector<policy::HealthCheck>& checks)> validate_health_checks;
    std::function<std::vector<HealthObservation>(const std::string& check_id)> health_status;
    std::function<Outcome<DnsAnswerTest>(const ZoneContent& zone, const std::string& record_name,
                                         const std::string& record_type, const std::string& resolver_ip,
                                         const std::string& client_subnet_ip, std::optional<int> client_subnet_mask)>
        test_answer;
};

class Registry final : public Service {
public:
    // `journal` may be null: the registry then keeps everything in memory only.
    Registry(RegistryOptions options, Journal* journal);

    // Loads what the store holds. Call once, before anything else.
    Status open();
    void set_hooks(RegistryHooks hooks);
    // Called, outside the registry's lock, after each change that needs a new snapshot.
    void set_on_change(std::function<void()> fn);

    // A zone the configuration serves from its files, as the registry lists it.
    struct FileZone {
        std::shared_ptr<const ZoneContent> zone;  // id and origin; no record sets when `load` is set
        size_t record_sets = 0;                   // its count, when `load` is set
        // Reads the record sets from the files when the API asks for them, so that a large
        // file zone is not held twice (once compiled, once as record sets).
        std::function<Result<ZoneContent>()> load;
    };
    // The zones the configuration serves from files (not in the store): listed and read,
    // refused for changes. Replaced on each reload.
    void set_file_zones(std::vector<FileZone> zones);
    void set_file_zones(std::vector<std::shared_ptr<const ZoneContent>> zones);
    // The configured health-checks file's checks (read-only through the API).
    void set_file_health_checks(std::vector<policy::HealthCheck> checks);
    // Moves a zone into the store (fastzonectl import, or a configured zone with an update
    // ACL seen for the first time): from then on the store's content is served and
    // changes are accepted. If the store already holds the origin, nothing happens and its
    // stored summary is returned.
    Outcome<ZoneSummary> import_zone(ZoneContent content);
    bool stored(const dns::Name& origin) const;

    // What the next snapshot serves from the store, and the sequence number of the last
    // change it includes.
    struct View {
        uint64_t sequence = 0;
        std::vector<std::shared_ptr<const ZoneContent>> zones;
        std::vector<HealthCheckRecord> health_checks;  // the API's (not the file's)
        std::set<std::string> expired;                 // secondary zones past their SOA expire (origin text)
        int64_t store_revision = 0;                    // Journal::last_revision() the view reflects
    };
    View view() const;
    // The daemon published a snapshot built from a View with this sequence: every change
    // up to it is INSYNC (in a fleet, once every server serves its revision too).
    void published(uint64_t sequence);
    // A fleet: the lowest store revision every live server serves. A change is INSYNC
    // when it is published here and its revision is at or below this.
    void set_fleet_revision(int64_t revision);
    // The sequence of the last View published.
    uint64_t published_sequence() const;

    // Waits until the change is INSYNC (or unknown), at most `timeout_ms`; true if it is.
    // UPDATE answers once its change is served, as BIND and Knot do.
    bool wait_insync(const std::string& change_id, int timeout_ms) const;

    // The keys of the record sets that may differ between versions `from` and `to` of a
    // stored zone, if the registry still remembers every batch in between (the last
    // kTouchedBatches): the daemon patches the served image with just those.
    std::optional<std::vector<RecordSetKey>> touched_between(const std::string& zone_id, uint64_t from,
                                                             uint64_t to) const;
    static constexpr size_t kTouchedBatches = 256;

    // A zone's history (the store's), oldest first; empty without a store.
    Result<std::vector<HistoryEntry>> history(const std::string& zone_id) const;

    // Service.
    std::vector<ZoneSummary> zones() const override;
    std::shared_ptr<const ZoneContent> zone(const std::string& id) const override;
    std::optional<ZoneSummary> summary(const std::string& id) const override;
    std::vector<std::string> name_servers() const override;
    Outcome<CreatedZone> create_zone(const dns::Name& origin, const std::string& caller_reference,
                                     const std::string& comment) override;
    Outcome<ChangeInfo> delete_zone(const std::string& id) override;
    Outcome<ChangeInfo> submit(const std::string& zone_id, const Batch& batch) override;
    Outcome<ChangeInfo> change(const std::string& change_id) const override;
    std::vector<HealthCheckRecord> health_checks() const override;
    std::optional<HealthCheckRecord> health_check(const std::string& id) const override;
    Outcome<HealthCheckRecord> create_health_check(const std::string& caller_reference,
                                                   policy::HealthCheck check) override;
    Outcome<HealthCheckRecord> update_health_check(const std::string& id, std::optional<uint64_t> expected_version,
                                                   policy::HealthCheck check) override;
    Outcome<bool> delete_health_check(const std::string& id) override;
    Outcome<std::vector<HealthObservation>> health_check_status(const std::string& id) const override;
    Outcome<DnsAnswerTest> test_dns_answer(const std::string& zone_id, const std::string& record_name,
                                           const std::string& record_type, const std::string& resolver_ip,
                                           const std::string& client_subnet_ip,
                                           std::optional<int> client_subnet_mask) const override;

    Outcome<std::pair<KeySigningKeyInfo, ChangeInfo>> create_key_signing_key(const std::string& zone_id,
                                                                             const std::string& caller_reference,
                                                                             const std::string& name,
                                                                             const std::string& kms_arn,
                                                                             bool active) override;
    Outcome<ChangeInfo> set_key_signing_key_status(const std::string& zone_id, const std::string& name,
                                                   bool active) override;
    Outcome<ChangeInfo> delete_key_signing_key(const std::string& zone_id, const std::string& name) override;
    Outcome<ChangeInfo> set_dnssec(const std::string& zone_id, bool enabled) override;
    Outcome<DnssecStatus> dnssec(const std::string& zone_id) const override;

    // Starts a pre-publish rollover of each signing zone's ZSK that has signed for
    // `lifetime` less `prepublish` (dnssec::roll_zsk_if_due over the store's keys), each
    // journaled. Returns the earliest time one will be due (0: none), and sets `rolled`
    // when one started (a new snapshot is then due; notified too).
    Result<int64_t> roll_zsks(int64_t now, int64_t lifetime, int64_t prepublish, int64_t retire, bool* rolled);

    // Zones fastzone is a secondary of (zones[].primaries, canonical origin text): their
    // content is what transfers bring, through replace_zone() and submit_transfer(); the
    // API and UPDATE may not change them.
    void set_secondary_zones(std::set<std::string> origins);
    // The zones catalogs bring (the members of consumed catalogs, and the catalog fastzone
    // produces): kept by transfers as the secondaries are, set apart from the configuration's.
    void set_catalog_zones(std::set<std::string> origins);
    bool secondary(const dns::Name& origin) const;
    // A change another server made to a zone (a fleet's store): the zone's content is
    // replaced (built whole next), or the zone goes.
    void apply_remote(RemoteZone zone);
    void apply_remote(RemoteHealthCheck check);
    // A catalog member left its catalog: its copy goes from the store and from what is
    // served. False when there was none.
    Outcome<bool> drop_zone_copy(const dns::Name& origin);
    // A secondary zone went past its SOA expire (it is then answered SERVFAIL), or got a
    // copy again: a new snapshot is due.
    void set_expired(const dns::Name& origin, bool expired);
    // A secondary zone's copy, replaced whole (an AXFR; created the first time). Its
    // history entry replaces the zone whole, so IXFR out starts again from it.
    Outcome<ChangeInfo> replace_zone(ZoneContent content, const std::string& comment);
    // A batch an IXFR brings to a secondary zone: applied as submit() applies one. Its
    // SOA change carries the primary's serial.
    Outcome<ChangeInfo> submit_transfer(const std::string& zone_id, const Batch& batch);

    // A zone id derived from the origin: "Z" and 13 characters of [A-Z0-9].
    static std::string derived_zone_id(const dns::Name& origin);

private:
    struct ChangeState {
        ChangeInfo info;
        uint64_t sequence = 0;
        int64_t store_revision = 0;  // the shared store's revision of its write (0: none)
    };
    // Marks INSYNC every change published here and served by the whole fleet.
    void mark_insync_locked();
    struct Zone {
        std::shared_ptr<const ZoneContent> content;
        bool file_managed = false;
        size_t record_sets = 0;                     // file zones read on demand: their count
        std::function<Result<ZoneContent>()> load;  // set: content holds no record sets
        // The keys each recent batch touched, by the version it made (oldest first).
        std::deque<std::pair<uint64_t, std::vector<RecordSetKey>>> touched;
    };

    // A change's id and time; remember() lists it (with the next sequence number) once the
    // store has it, so that a refused write leaves no trace. Call both with mu_ held.
    ChangeInfo new_change(const std::string& comment) const;
    void remember(const ChangeInfo& info);
    static HistoryEntry history_entry(const ChangeInfo& info, const std::string& zone_id);
    const Zone* find_zone(const std::string& id) const;  // call with mu_ held
    std::optional<ZoneSummary> summary_locked(const std::string& id) const;
    // The id a new zone of `origin` gets: the configured one, else derived from the origin.
    std::string new_zone_id_locked(const dns::Name& origin) const;
    // Journals `content` (id, creation time and version set) as one whole-zone change and
    // keeps it in place of any earlier copy.
    Outcome<ChangeInfo> keep_whole_locked(ZoneContent content, const std::string& comment);
    bool health_check_in_use(const std::string& id) const;  // call with mu_ held
    // The checks with `changed` added or replaced, validated as a whole; call with mu_ held.
    Status check_health_checks(const HealthCheckRecord* changed, const std::string& removed) const;
    void notify();
    // A new ZoneSigning for zone `id` (a stored one) journaled and taken, with a change
    // for it; `edit` changes the copy or refuses. Call without mu_ held.
    Outcome<ChangeInfo> submit_batch(const std::string& zone_id, const Batch& batch, bool transfer);
    Outcome<ChangeInfo> change_signing(const std::string& id, const std::string& comment,
                                       const std::function<std::optional<ServiceError>(ZoneSigning&)>& edit);

    RegistryOptions options_;
    Journal* journal_;
    RegistryHooks hooks_;
    std::function<void()> on_change_;

    mutable std::mutex mu_;
    mutable std::condition_variable published_cv_;     // notified by published()
    std::map<std::string, Zone> zones_;                // by id
    std::map<std::string, HealthCheckRecord> checks_;  // the API's and the file's, by id
    std::map<std::string, ChangeState> changes_;       // by id
    std::deque<std::string> change_order_;             // their ids, oldest first
    std::map<std::string, std::string> creations_;     // zone id -> the change that created it
    uint64_t sequence_ = 0;
    uint64_t published_ = 0;
    int64_t fleet_revision_ = INT64_MAX;   // no fleet: every published change is INSYNC
    std::set<std::string> secondaries_;    // origins (lower-cased text) transfers keep
    std::set<std::string> catalog_zones_;  // the same, brought by catalogs
    bool kept_by_transfers(const std::string& origin) const {
        return secondaries_.count(origin) != 0 || catalog_zones_.count(origin) != 0;
    }
    std::set<std::string> expired_;  // of those, the ones past their expire
};

}  // namespace fz::change
