// change::Journal over etcd: one transaction per call, compared with the zone's revision.
#include "store/etcd_store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <set>

#include "change/content.h"
#include "common/log.h"
#include "policy/health_check.h"
#include "policy/record_set.h"
#include "store/codec.h"

namespace fz::store {
namespace {

using json = nlohmann::json;

// Record sets read from etcd a page at a time: the JSON of a million at once would cost
// gigabytes for a moment, as in the SQLite store.
constexpr int64_t kPageKeys = 4096;

EtcdOp put(std::string key, std::string value) {
    EtcdOp op;
    op.key = std::move(key);
    op.value = std::move(value);
    return op;
}

EtcdOp erase(std::string key, std::string range_end = "") {
    EtcdOp op;
    op.kind = EtcdOp::Kind::kDeleteRange;
    op.key = std::move(key);
    op.range_end = std::move(range_end);
    return op;
}

}  // namespace

EtcdStore::EtcdStore(EtcdStoreOptions options) : options_(std::move(options)), client_(options_.etcd) {
    if (options_.prefix.empty() || options_.prefix.back() != '/') options_.prefix += '/';
    if (options_.history_limit == 0) options_.history_limit = 1;
    if (options_.max_txn_ops < 8) options_.max_txn_ops = 8;
}

Result<std::unique_ptr<EtcdStore>> EtcdStore::open(EtcdStoreOptions options) {
    std::unique_ptr<EtcdStore> store(new EtcdStore(std::move(options)));
    auto r = store->client_.range(store->options_.prefix, etcd_prefix_end(store->options_.prefix), 0, 1);
    if (!r) return store->error("cannot read the store", r.error().message);
    store->revision_ = r->revision;
    return store;
}

std::string EtcdStore::describe() const { return client_.describe() + " prefix " + options_.prefix; }

Error EtcdStore::error(const std::string& what, const std::string& why) const {
    return Error{describe(), 0, "store: " + what + ": " + why};
}

int64_t EtcdStore::revision() const {
    std::lock_guard lock(mu_);
    return revision_;
}

std::string EtcdStore::sets_prefix(const std::string& id, uint64_t generation) const {
    return options_.prefix + "rs/" + id + "/" + std::to_string(generation) + "/";
}

std::string EtcdStore::set_key(const std::string& id, uint64_t generation, const policy::RecordSet& rs) const {
    const change::RecordSetKey k = change::key_of(rs);
    std::string key = sets_prefix(id, generation) + k.reversed_name;
    key += '\0';
    key += k.type;
    key += '\0';
    key += k.set_identifier;
    return key;
}

std::string EtcdStore::history_key(const std::string& id, uint64_t version) const {
    char v[24];
    std::snprintf(v, sizeof v, "%020" PRIu64, version);
    return options_.prefix + "history/" + id + "/" + v;
}

std::string EtcdStore::meta_json(const ZoneMeta& m) {
    return json{{"Id", m.id},           {"Origin", m.origin},        {"CallerReference", m.caller_reference},
                {"Comment", m.comment}, {"CreatedMs", m.created_ms}, {"FromFile", m.from_file},
                {"Version", m.version}, {"Generation", m.generation}}
        .dump();
}

Result<EtcdStore::ZoneMeta> EtcdStore::meta_of(const EtcdKeyValue& kv) const {
    const json j = json::parse(kv.value, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return error("key " + kv.key, "not a zone's JSON");
    ZoneMeta m;
    try {
        m.id = j.at("Id").get<std::string>();
        m.origin = j.at("Origin").get<std::string>();
        m.caller_reference = j.at("CallerReference").get<std::string>();
        m.comment = j.at("Comment").get<std::string>();
        m.created_ms = j.at("CreatedMs").get<int64_t>();
        m.from_file = j.at("FromFile").get<bool>();
        m.version = j.at("Version").get<uint64_t>();
        m.generation = j.at("Generation").get<uint64_t>();
    } catch (const json::exception& e) {
        return error("key " + kv.key, e.what());
    }
    m.mod_revision = kv.mod_revision;
    return m;
}

EtcdCompare EtcdStore::unchanged(const ZoneMeta& m) const {
    EtcdCompare c;
    c.key = zone_key(m.id);
    if (m.mod_revision == 0) {
        c.target = EtcdCompare::Target::kCreate;  // a new zone: the key must not exist yet
        c.number = 0;
    } else {
        c.target = EtcdCompare::Target::kMod;
        c.number = m.mod_revision;
    }
    return c;
}

void EtcdStore::history_ops(const std::string& id, const change::HistoryEntry& entry, std::vector<EtcdOp>& ops) const {
    change::HistoryEntry e = entry;
    e.zone_id = id;
    ops.push_back(put(history_key(id, e.version), history_json(e)));
    if (e.version > options_.history_limit) {
        ops.push_back(erase(history_key(id, 0), history_key(id, e.version - options_.history_limit + 1)));
    }
}

Result<change::HealthCheckRecord> EtcdStore::check_record(const std::string& id, const nlohmann::json& j) const {
    try {
        return health_check_of(id, j.value("CallerReference", ""), j.value("Version", uint64_t{0}),
                               j.at("Check").get<std::string>(), describe());
    } catch (const json::exception& e) {
        return error("health check " + id, std::string("not a health check's JSON: ") + e.what());
    }
}

Result<change::ZoneContent> EtcdStore::zone_header(const ZoneMeta& m) const {
    change::ZoneContent zone;
    zone.id = m.id;
    auto origin = dns::name_from_text(m.origin, nullptr);
    if (!origin) return error("zone " + m.id, "bad origin \"" + m.origin + "\"");
    zone.origin = *origin;
    zone.caller_reference = m.caller_reference;
    zone.comment = m.comment;
    zone.created_ms = m.created_ms;
    zone.from_file = m.from_file;
    zone.version = m.version;
    return zone;
}

Status EtcdStore::append_rows(change::ZoneContent& zone, const std::vector<std::string>& rows) const {
    if (rows.empty()) return Ok{};
    std::string text = "[\n";
    for (size_t i = 0; i < rows.size(); ++i) text += (i ? ",\n" : "") + rows[i];
    text += "\n]";
    auto sets = parse_rows(text, describe(), zone.origin, "zone " + zone.origin.to_text() + " (" + zone.id + ")");
    if (!sets) return sets.error();
    for (auto& rs : *sets) zone.record_sets.push_back(std::move(rs));
    return Ok{};
}

Status EtcdStore::scan(const std::string& first, int64_t revision, const std::function<Status(EtcdKeyValue&)>& take) {
    const std::string end = etcd_prefix_end(first);
    std::string from = first;
    while (true) {
        auto page = client_.range(from, end, revision, kPageKeys);
        if (!page) return error("cannot read " + first, page.error().message);
        for (EtcdKeyValue& kv : page->kvs) {
            if (auto st = take(kv); !st) return st;
        }
        if (!page->more || page->kvs.empty()) return Ok{};
        from = page->kvs.back().key + std::string(1, '\0');
    }
}

Result<change::ZoneContent> EtcdStore::read_zone(const ZoneMeta& m, int64_t revision) {
    auto zone = zone_header(m);
    if (!zone) return zone.error();
    std::vector<std::string> rows;
    auto st = scan(sets_prefix(m.id, m.generation), revision, [&](EtcdKeyValue& kv) -> Status {
        rows.push_back(std::move(kv.value));
        if (rows.size() < static_cast<size_t>(kPageKeys)) return Ok{};
        auto appended = append_rows(*zone, rows);
        rows.clear();
        return appended;
    });
    if (st) st = append_rows(*zone, rows);
    if (!st) return st.error();
    const std::string context = "zone " + m.origin + " (" + m.id + ")";
    auto signing = client_.range(options_.prefix + "signing/" + m.id, "", revision);
    if (!signing) return error("cannot read the DNSSEC keys of " + context, signing.error().message);
    if (!signing->kvs.empty()) {
        zone->signing = signing_of(signing->kvs.front().value);
        if (!zone->signing) return error(context, "the DNSSEC keys are not readable");
    }
    zone->sort();
    return zone;
}

Result<change::StoredState> EtcdStore::load() {
    std::lock_guard lock(mu_);
    change::StoredState state;
    const std::string zones_prefix = options_.prefix + "zones/";
    auto metas = client_.range(zones_prefix, etcd_prefix_end(zones_prefix));
    if (!metas) return error("cannot read the zones", metas.error().message);
    // Everything below is read at the revision of the zones' list: one consistent picture,
    // which the watch then takes up from.
    revision_ = metas->revision;
    zones_.clear();
    std::map<std::string, change::ZoneContent> zones;
    for (const EtcdKeyValue& kv : metas->kvs) {
        auto m = meta_of(kv);
        if (!m) return m.error();
        auto zone = zone_header(*m);
        if (!zone) return zone.error();
        zones.emplace(m->id, std::move(zone.value()));
        zones_[m->id] = std::move(m.value());
    }
    // Every zone's record sets in one paged scan of rs/, not one read per zone (a server
    // joining a fleet of 10k zones): keys sort by zone id and generation, so each zone's
    // rows come together; those of a generation its metadata does not name are skipped.
    const std::string rs_prefix = options_.prefix + "rs/";
    std::string current;  // "<id>/<generation>/" of the rows gathered
    change::ZoneContent* target = nullptr;
    std::vector<std::string> rows;
    auto flush = [&]() -> Status {
        Status st = target != nullptr ? append_rows(*target, rows) : Status(Ok{});
        rows.clear();
        return st;
    };
    auto st = scan(rs_prefix, revision_, [&](EtcdKeyValue& kv) -> Status {
        const std::string_view rest = std::string_view(kv.key).substr(rs_prefix.size());
        const size_t slash = rest.find('/');
        const size_t slash2 = slash == std::string_view::npos ? slash : rest.find('/', slash + 1);
        if (slash2 == std::string_view::npos) return error("key " + kv.key, "not a record set's key");
        if (rest.substr(0, slash2 + 1) != current || rows.size() >= static_cast<size_t>(kPageKeys)) {
            if (auto f = flush(); !f) return f;
            current = std::string(rest.substr(0, slash2 + 1));
            const std::string id(rest.substr(0, slash));
            auto meta = zones_.find(id);
            const bool named = meta != zones_.end() &&
                               rest.substr(slash + 1, slash2 - slash - 1) == std::to_string(meta->second.generation);
            target = named ? &zones.at(id) : nullptr;
        }
        if (target != nullptr) rows.push_back(std::move(kv.value));
        return Ok{};
    });
    if (st) st = flush();
    if (!st) return st.error();
    const std::string signing_prefix = options_.prefix + "signing/";
    st = scan(signing_prefix, revision_, [&](EtcdKeyValue& kv) -> Status {
        auto z = zones.find(kv.key.substr(signing_prefix.size()));
        if (z == zones.end()) return Ok{};  // a deleted zone's, left behind
        z->second.signing = signing_of(kv.value);
        if (!z->second.signing) return error("zone " + z->second.origin.to_text(), "the DNSSEC keys are not readable");
        return Ok{};
    });
    if (!st) return st.error();
    for (auto& [id, zone] : zones) {
        zone.sort();
        state.zones.push_back(std::move(zone));
    }
    const std::string checks_prefix = options_.prefix + "checks/";
    auto checks = client_.range(checks_prefix, etcd_prefix_end(checks_prefix), revision_);
    if (!checks) return error("cannot read the health checks", checks.error().message);
    for (const EtcdKeyValue& kv : checks->kvs) {
        const json j = json::parse(kv.value, nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("Check")) {
            return error("key " + kv.key, "not a health check's JSON");
        }
        const std::string id = kv.key.substr(checks_prefix.size());
        auto record = check_record(id, j);
        if (!record) return record.error();
        state.health_checks.push_back(std::move(record.value()));
        checks_[id] = kv.value;
    }
    return state;
}

Status EtcdStore::put_zone(const change::ZoneContent& zone, const change::HistoryEntry& entry) {
    std::lock_guard lock(mu_);
    const std::string what = "cannot write zone " + zone.origin.to_text();
    ZoneMeta m;
    auto known = zones_.find(zone.id);
    if (known != zones_.end()) m = known->second;
    const uint64_t old_generation = m.generation;
    const bool existed = m.mod_revision != 0;
    m.id = zone.id;
    m.origin = zone.origin.to_text();
    m.caller_reference = zone.caller_reference;
    m.comment = zone.comment;
    m.created_ms = zone.created_ms;
    m.from_file = zone.from_file;
    m.version = zone.version;
    m.generation = old_generation + 1;
    // The new generation's record sets first, a transaction at a time; nothing names them
    // until the metadata does.
    const std::string fresh = sets_prefix(zone.id, m.generation);
    std::vector<EtcdOp> ops;
    auto flush = [&]() -> Status {
        if (ops.empty()) return Ok{};
        auto r = client_.txn({}, ops);
        ops.clear();
        if (!r) return error(what, r.error().message);
        return Ok{};
    };
    if (auto st = client_.txn({}, {erase(fresh, etcd_prefix_end(fresh))}); !st) return error(what, st.error().message);
    for (const policy::RecordSet& rs : zone.record_sets) {
        ops.push_back(put(set_key(zone.id, m.generation, rs), policy::record_set_to_json(rs)));
        if (ops.size() == options_.max_txn_ops) {
            if (auto st = flush(); !st) return st;
        }
    }
    if (auto st = flush(); !st) return st;
    std::vector<EtcdOp> commit{put(zone_key(zone.id), meta_json(m))};
    if (existed) {
        const std::string old = sets_prefix(zone.id, old_generation);
        commit.push_back(erase(old, etcd_prefix_end(old)));
    }
    history_ops(zone.id, entry, commit);
    auto r = client_.txn({unchanged(m)}, commit);
    if (!r) return error(what, r.error().message);
    if (!r->succeeded) {
        (void)client_.txn({}, {erase(fresh, etcd_prefix_end(fresh))});
        return error(what, "zone " + zone.id + " was changed by another server meanwhile: nothing was written");
    }
    m.mod_revision = r->revision;
    revision_ = r->revision;
    zones_[zone.id] = std::move(m);
    return Ok{};
}

Status EtcdStore::apply(const change::ZoneContent& after, const change::HistoryEntry& entry) {
    std::lock_guard lock(mu_);
    const std::string what = "cannot apply change " + entry.change_id + " to zone " + after.origin.to_text();
    auto known = zones_.find(after.id);
    if (known == zones_.end()) return error(what, "the store holds no zone " + after.id + " for it");
    ZoneMeta m = known->second;
    m.version = after.version;
    m.comment = after.comment;
    std::vector<EtcdOp> ops{put(zone_key(after.id), meta_json(m))};
    // Removed first: a replaced record set is in both lists (etcd refuses two operations on
    // one key in a transaction, so a replaced one is only put).
    std::set<std::string> added;
    for (const policy::RecordSet& rs : entry.added) added.insert(set_key(after.id, m.generation, rs));
    for (const policy::RecordSet& rs : entry.removed) {
        const std::string key = set_key(after.id, m.generation, rs);
        if (added.count(key) == 0) ops.push_back(erase(key));
    }
    for (const policy::RecordSet& rs : entry.added) {
        ops.push_back(put(set_key(after.id, m.generation, rs), policy::record_set_to_json(rs)));
    }
    history_ops(after.id, entry, ops);
    auto r = client_.txn({unchanged(m)}, ops);
    if (!r) return error(what, r.error().message);
    if (!r->succeeded) {
        return error(what, "zone " + after.id + " was changed by another server meanwhile: nothing was written");
    }
    m.mod_revision = r->revision;
    revision_ = r->revision;
    known->second = std::move(m);
    return Ok{};
}

Status EtcdStore::delete_zone(const std::string& zone_id) {
    std::lock_guard lock(mu_);
    const std::string what = "cannot delete zone " + zone_id;
    auto known = zones_.find(zone_id);
    if (known == zones_.end()) return Ok{};
    std::vector<EtcdOp> ops{erase(zone_key(zone_id))};
    for (const char* part : {"rs/", "history/"}) {
        const std::string p = options_.prefix + part + zone_id + "/";
        ops.push_back(erase(p, etcd_prefix_end(p)));
    }
    ops.push_back(erase(options_.prefix + "signing/" + zone_id));
    auto r = client_.txn({unchanged(known->second)}, ops);
    if (!r) return error(what, r.error().message);
    if (!r->succeeded) return error(what, "zone " + zone_id + " was changed by another server meanwhile");
    revision_ = r->revision;
    zones_.erase(known);
    return Ok{};
}

Status EtcdStore::put_signing(const std::string& zone_id, const change::ZoneSigning& signing) {
    std::lock_guard lock(mu_);
    const std::string what = "cannot write the DNSSEC keys of zone " + zone_id;
    std::vector<EtcdOp> ops{put(options_.prefix + "signing/" + zone_id, signing_json(signing))};
    std::vector<EtcdCompare> compares;
    auto known = zones_.find(zone_id);
    if (known != zones_.end() && known->second.mod_revision != 0) {
        // The zone's key written again, unchanged, in the same transaction: the other
        // servers' watch of zones/ reads the zone whole at that revision, keys included.
        ops.push_back(put(zone_key(zone_id), meta_json(known->second)));
        compares.push_back(unchanged(known->second));
    }
    auto r = client_.txn(compares, ops);
    if (!r) return error(what, r.error().message);
    if (!r->succeeded) return error(what, "zone " + zone_id + " was changed by another server meanwhile");
    revision_ = r->revision;
    if (known != zones_.end() && known->second.mod_revision != 0) known->second.mod_revision = r->revision;
    return Ok{};
}

Status EtcdStore::put_health_check(const change::HealthCheckRecord& check) {
    std::lock_guard lock(mu_);
    const std::string value = json{{"CallerReference", check.caller_reference},
                                   {"Version", check.version},
                                   {"Check", policy::health_check_to_json(check.check)}}
                                  .dump();
    auto r = client_.txn({}, {put(options_.prefix + "checks/" + check.check.id, value)});
    if (!r) return error("cannot write health check " + check.check.id, r.error().message);
    revision_ = r->revision;
    checks_[check.check.id] = value;
    return Ok{};
}

Status EtcdStore::delete_health_check(const std::string& id) {
    std::lock_guard lock(mu_);
    auto r = client_.txn({}, {erase(options_.prefix + "checks/" + id)});
    if (!r) return error("cannot delete health check " + id, r.error().message);
    revision_ = r->revision;
    checks_.erase(id);
    return Ok{};
}

Result<std::vector<change::HistoryEntry>> EtcdStore::history(const std::string& zone_id) {
    std::string origin_text;
    {
        std::lock_guard lock(mu_);
        auto known = zones_.find(zone_id);
        if (known == zones_.end()) return std::vector<change::HistoryEntry>{};
        origin_text = known->second.origin;
    }
    auto origin = dns::name_from_text(origin_text, nullptr);
    if (!origin) return error("zone " + zone_id, "bad origin");
    const std::string p = options_.prefix + "history/" + zone_id + "/";
    auto r = client_.range(p, etcd_prefix_end(p));
    if (!r) return error("cannot read the history of zone " + zone_id, r.error().message);
    std::vector<change::HistoryEntry> out;
    for (const EtcdKeyValue& kv : r->kvs) {
        auto e = history_of(kv.value, *origin, describe());
        if (!e) return e.error();
        out.push_back(std::move(e.value()));
    }
    return out;
}

EtcdStore::~EtcdStore() { stop_watch(); }

void EtcdStore::start_watch(std::function<void(change::RemoteZone)> on_remote,
                            std::function<void(change::RemoteHealthCheck)> on_remote_check) {
    on_remote_ = std::move(on_remote);
    on_remote_check_ = std::move(on_remote_check);
    stop_ = false;
    watch_thread_ = std::thread([this] { watch_loop("zones/", [this](const EtcdEvent& e) { take_in(e); }); });
    checks_thread_ = std::thread([this] { watch_loop("checks/", [this](const EtcdEvent& e) { take_in_check(e); }); });
}

void EtcdStore::stop_watch() {
    stop_ = true;
    if (watch_thread_.joinable()) watch_thread_.join();
    if (checks_thread_.joinable()) checks_thread_.join();
}

void EtcdStore::take_in_check(const EtcdEvent& event) {
    const std::string checks_prefix = options_.prefix + "checks/";
    const std::string id = event.kv.key.substr(checks_prefix.size());
    {
        std::lock_guard lock(mu_);
        auto known = checks_.find(id);
        if (event.deleted ? known == checks_.end() : known != checks_.end() && known->second == event.kv.value) {
            return;  // written (or deleted) here, or taken in already
        }
        if (event.deleted) {
            checks_.erase(known);
        } else {
            checks_[id] = event.kv.value;
        }
        revision_ = std::max(revision_, event.kv.mod_revision);
    }
    if (event.deleted) {
        on_remote_check_(change::RemoteHealthCheck{id, std::nullopt});
        log::info("health check deleted by another server", log::kv("id", id));
        return;
    }
    const json j = json::parse(event.kv.value, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("Check")) {
        log::error("etcd holds a health check this server cannot read", log::kv("key", event.kv.key));
        return;
    }
    auto record = check_record(id, j);
    if (!record) {
        log::error("a health check another server wrote cannot be read", log::kv("error", record.error().message));
        return;
    }
    on_remote_check_(change::RemoteHealthCheck{id, std::move(record.value())});
    log::info("health check written by another server", log::kv("id", id));
}

void EtcdStore::watch_loop(const std::string& part, const std::function<void(const EtcdEvent&)>& take) {
    const std::string watched = options_.prefix + part;
    bool loaded = true;  // the first read is load()'s; one after a compaction reads the zones again
    client_.watch_from(
        watched, etcd_prefix_end(watched), watched,
        [&]() -> Result<int64_t> {
            if (!loaded && part == "zones/") resync();
            loaded = false;
            return revision();
        },
        [&](const std::vector<EtcdEvent>& events) {
            for (const EtcdEvent& e : events) {
                // Each zone is read whole: a response of a thousand zones would hold a stop
                // for as many reads.
                if (stop_) return;
                take(e);
            }
        },
        stop_);
}

void EtcdStore::take_in(const EtcdEvent& event) {
    const std::string id = event.kv.key.substr(options_.prefix.size() + std::string("zones/").size());
    if (event.deleted) {
        {
            std::lock_guard lock(mu_);
            if (zones_.count(id) == 0) return;  // deleted here
        }
        on_remote_(change::RemoteZone{id, std::nullopt, [this, id, rev = event.kv.mod_revision] {
                                          std::lock_guard lock(mu_);
                                          zones_.erase(id);
                                          revision_ = std::max(revision_, rev);
                                      }});
        log::info("zone deleted by another server", log::kv("zone_id", id));
        return;
    }
    auto meta = meta_of(event.kv);
    if (!meta) {
        log::error("etcd holds a zone key this server cannot read", log::kv("error", meta.error().message));
        return;
    }
    {
        std::lock_guard lock(mu_);
        auto known = zones_.find(id);
        if (known != zones_.end() && known->second.mod_revision >= meta->mod_revision) return;  // written here
    }
    auto zone = read_zone(*meta, meta->mod_revision);
    if (!zone) {
        log::error("a zone another server changed cannot be read", log::kv("error", zone.error().message));
        return;
    }
    const std::string origin = meta->origin;
    on_remote_(change::RemoteZone{id, std::move(zone.value()), [this, m = std::move(meta.value())] {
                                      std::lock_guard lock(mu_);
                                      ZoneMeta& held = zones_[m.id];
                                      if (held.mod_revision < m.mod_revision) held = m;
                                      revision_ = std::max(revision_, m.mod_revision);
                                  }});
    log::info("zone changed by another server", log::kv("zone", origin) + " " + log::kv("zone_id", id));
}

void EtcdStore::resync() {
    const std::string zones_prefix = options_.prefix + "zones/";
    auto metas = client_.range(zones_prefix, etcd_prefix_end(zones_prefix));
    if (!metas) {
        log::error("etcd: the zones cannot be read again", log::kv("error", metas.error().message));
        return;
    }
    std::set<std::string> present;
    for (const EtcdKeyValue& kv : metas->kvs) {
        present.insert(kv.key.substr(zones_prefix.size()));
        EtcdEvent e;
        e.kv = kv;
        take_in(e);
    }
    std::vector<std::string> gone;
    {
        std::lock_guard lock(mu_);
        for (const auto& [id, m] : zones_) {
            if (present.count(id) == 0) gone.push_back(id);
        }
        revision_ = std::max(revision_, metas->revision);
    }
    for (const std::string& id : gone) {
        EtcdEvent e;
        e.deleted = true;
        e.kv.key = zones_prefix + id;
        e.kv.mod_revision = metas->revision;
        take_in(e);
    }
}

}  // namespace fz::store
