// The daemon's change path: store, registry, rebuild thread.
#include "daemon/changes.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <set>

#include "common/log.h"
#include "daemon/access.h"
#include "policy/health_check.h"
#include "store/etcd_store.h"
#include "store/fleet_journal.h"
#include "store/sqlite_store.h"
#include "zone/rdata_text.h"

namespace fz::daemon {
namespace {

// How long an UPDATE's answer waits for its change to be served.
constexpr int kUpdateServedWaitMs = 10000;

change::RegistryOptions registry_options(const loader::Config& config) {
    change::RegistryOptions o;
    o.name_servers = config.api.name_servers;
    o.serial_policy = config.store.serial_policy;
    o.checker_name = config.server.identity.empty() ? "fastzone" : config.server.identity;
    for (const loader::ZoneConfig& z : config.zones) {
        if (!z.hosted_zone_id.empty()) o.configured_ids[z.origin.lowered().to_text()] = z.hosted_zone_id;
    }
    return o;
}

// The health checks as one health-checks document, validated by the file's own parser.
Status validate_health_checks(const std::vector<policy::HealthCheck>& checks) {
    std::string doc = "{\"HealthChecks\": [";
    for (size_t i = 0; i < checks.size(); ++i) doc += (i ? "," : "") + policy::health_check_to_json(checks[i]);
    doc += "]}";
    auto set = policy::parse_health_checks_text(doc, "health checks");
    if (!set) return Error{"", 0, set.error().message};
    return Ok{};
}

store::EtcdStoreOptions etcd_options(const loader::EtcdConfig& e) {
    store::EtcdStoreOptions o;
    o.etcd.endpoints = e.endpoints;
    o.etcd.username = e.username;
    o.etcd.password = e.password;
    o.etcd.ca_file = e.ca_file;
    o.etcd.cert_file = e.cert_file;
    o.etcd.key_file = e.key_file;
    o.prefix = e.prefix;
    o.max_txn_ops = e.max_txn_ops;
    return o;
}

// etcd, with the local copy when configured; the copy alone when etcd cannot be read.
Result<std::unique_ptr<store::FleetJournal>> open_fleet_journal(const loader::EtcdConfig& e) {
    auto etcd = store::EtcdStore::open(etcd_options(e));
    std::unique_ptr<store::SqliteStore> copy;
    if (!e.local_copy.empty()) {
        auto c = store::SqliteStore::open(e.local_copy);
        if (!c) return c.error();
        copy = std::move(c.value());
    }
    if (!etcd && !copy) return etcd.error();
    if (etcd) {
        log::info("store", log::kv("etcd", (*etcd)->describe()) + " " +
                               log::kv("revision", static_cast<long long>((*etcd)->revision())) + " " +
                               log::kv("local_copy", e.local_copy.empty() ? "none" : e.local_copy));
    } else {
        log::warning("etcd cannot be read: serving the local copy, changes refused until etcd answers",
                     log::kv("error", etcd.error().to_string()) + " " + log::kv("local_copy", e.local_copy));
    }
    return std::make_unique<store::FleetJournal>(etcd ? std::move(etcd.value()) : nullptr, std::move(copy),
                                                 e.local_copy);
}

}  // namespace

Result<std::unique_ptr<ChangePath>> ChangePath::open(const loader::Config& config, Host host) {
    std::unique_ptr<change::Journal> journal;
    store::FleetJournal* fleet_journal = nullptr;
    if (const auto& e = config.store.etcd) {
        auto store = open_fleet_journal(*e);
        if (!store) return store.error();
        fleet_journal = store->get();
        journal = std::move(store.value());
    } else if (!config.store.path.empty()) {
        auto store = store::SqliteStore::open(config.store.path);
        if (!store) return store.error();
        log::info("store", log::kv("path", (*store)->path()));
        journal = std::move(store.value());
    }
    std::unique_ptr<ChangePath> path(new ChangePath(std::move(journal), registry_options(config), std::move(host)));
    auto st = path->registry_.open();
    if (!st) return st.error();
    if (fleet_journal != nullptr) {
        path->fleet_journal_ = fleet_journal;
        if (fleet_journal->etcd() != nullptr) {
            path->join_fleet(config);
        } else {
            path->reconnect_ = std::thread([p = path.get(), config] { p->reconnect_loop(config); });
        }
    }
    return path;
}

void ChangePath::join_fleet(const loader::Config& config) {
    store::EtcdStore* etcd = fleet_journal_->etcd();
    // The other servers' changes come in from here on (the load read up to now).
    etcd->start_watch([registry = &registry_](change::RemoteZone z) { registry->apply_remote(std::move(z)); },
                      [registry = &registry_](change::RemoteHealthCheck c) { registry->apply_remote(std::move(c)); });
    std::string name = config.node.name;
    if (name.empty()) {
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        name = host;
    }
    fleet_ = std::make_unique<store::EtcdFleet>(etcd->client(), etcd->prefix(), name, config.node.lease_ttl,
                                                [registry = &registry_](const store::FleetView& v) {
                                                    if (!v.ok || v.nodes.empty()) return;
                                                    int64_t lowest = INT64_MAX;
                                                    for (const auto& n : v.nodes) lowest = std::min(lowest, n.revision);
                                                    registry->set_fleet_revision(lowest);
                                                });
    fleet_->start();
    fleet_health_ = std::make_unique<store::EtcdHealth>(etcd->client(), *fleet_, etcd->prefix(),
                                                        config.store.etcd->max_txn_ops, [this] {
                                                            if (host_.health_changed) host_.health_changed();
                                                        });
    fleet_health_->start();
    // Published last: the daemon's threads find the fleet once all of it runs.
    fleet_ptr_ = fleet_.get();
    fleet_health_ptr_ = fleet_health_.get();
    log::info("fleet",
              log::kv("node", name) + " " + log::kv("lease_ttl_s", static_cast<long long>(config.node.lease_ttl)));
}

void ChangePath::reconnect_loop(loader::Config config) {
    const store::EtcdStoreOptions options = etcd_options(*config.store.etcd);
    while (true) {
        {
            std::unique_lock lock(mutex_);
            if (cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) return;
        }
        auto etcd = store::EtcdStore::open(options);
        if (!etcd) continue;
        auto state = (*etcd)->load();
        if (!state) {
            log::warning("etcd answers but its zones cannot be read", log::kv("error", state.error().to_string()));
            continue;
        }
        // The copy's content replaced by etcd's, zone by zone, before changes are taken:
        // the watch then goes on from the revision read.
        const change::Registry::View held = registry_.view();
        std::set<std::string> zones, checks;
        for (auto& z : state->zones) {
            zones.insert(z.id);
            const std::string id = z.id;
            registry_.apply_remote(change::RemoteZone{id, std::move(z), nullptr});
        }
        for (const auto& z : held.zones) {
            if (zones.count(z->id) == 0) registry_.apply_remote(change::RemoteZone{z->id, std::nullopt, nullptr});
        }
        for (auto& c : state->health_checks) {
            checks.insert(c.check.id);
            const std::string id = c.check.id;
            registry_.apply_remote(change::RemoteHealthCheck{id, std::move(c)});
        }
        for (const auto& c : held.health_checks) {
            if (checks.count(c.check.id) == 0)
                registry_.apply_remote(change::RemoteHealthCheck{c.check.id, std::nullopt});
        }
        fleet_journal_->connect(std::move(etcd.value()));
        log::info("etcd answers: the local copy is replaced by etcd's data, and changes are taken again",
                  log::kv("zones", static_cast<long long>(zones.size())));
        join_fleet(config);
        return;
    }
}

ChangePath::ChangePath(std::unique_ptr<change::Journal> journal, change::RegistryOptions options, Host host)
    : journal_(std::move(journal)), registry_(std::move(options), journal_.get()), host_(std::move(host)) {
    change::RegistryHooks hooks = host_.hooks;
    hooks.validate_changes = [this](const change::ZoneContent& zone, const std::vector<policy::RecordSet>& added) {
        return validate(zone, added);
    };
    hooks.validate_health_checks = validate_health_checks;
    registry_.set_hooks(std::move(hooks));
    registry_.set_on_change([this] {
        std::lock_guard lock(mutex_);
        dirty_ = true;
        cv_.notify_one();
    });
}

ChangePath::~ChangePath() { stop(); }

Result<std::shared_ptr<ChangePath::UpdateState>> ChangePath::make_update_state(const loader::Config& config,
                                                                               change::Service& service) {
    auto state = std::make_shared<UpdateState>();
    auto keys = make_keyring(config);
    if (!keys) return keys.error();
    state->keys = std::move(keys.value());
    auto rules = make_acl_rules(config);
    if (!rules) return rules.error();
    api::UpdateOptions options;
    options.zone_acls = zone_acl_ids(config);
    state->processor = std::make_unique<api::UpdateProcessor>(service, state->keys, std::move(rules.value()), options);
    return state;
}

size_t ChangePath::handle_update(const uint8_t* msg, size_t len, const engine::Peer& peer, engine::Transport transport,
                                 uint8_t* out, size_t cap) {
    std::shared_ptr<UpdateState> state;
    {
        std::lock_guard lock(update_mutex_);
        state = update_;
    }
    if (!state) return 0;
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    api::UpdateReport report;
    size_t n = state->processor->process(msg, len, api::UpdatePeer{peer, transport}, out, cap, now, &report);
    // Answered once the change is served, as BIND and Knot answer: a client that asks right
    // after its NOERROR sees its change. (The change is durable already; a build slower
    // than this still answers, and the change follows.)
    if (!report.change_id.empty()) (void)registry_.wait_insync(report.change_id, kUpdateServedWaitMs);
    return n;
}

api::UpdateCounters ChangePath::update_counters() const {
    std::lock_guard lock(update_mutex_);
    api::UpdateCounters sum;
    auto add = [&](const api::UpdateCounters& c) {
        for (const auto& f : api::kUpdateCounterFields) sum.*f.field += c.*f.field;
    };
    for (const auto& r : retired_updates_) add(r->processor->counters());
    if (update_) add(update_->processor->counters());
    return sum;
}

Status ChangePath::configure(const loader::Config& config) {
    auto update = make_update_state(config, registry_);
    if (!update) return update.error();
    {
        std::lock_guard lock(update_mutex_);
        // The old state stays alive for its counters (and for handlers still in it).
        if (update_) retired_updates_.push_back(std::move(update_));
        update_ = std::move(update.value());
    }
    std::vector<change::Registry::FileZone> file_zones;
    // Listed with its count; its record sets are read again when the API asks for them.
    auto list = [&file_zones](const loader::ZoneConfig& zc, size_t count) {
        auto stub = std::make_shared<change::ZoneContent>();
        stub->id = zc.hosted_zone_id.empty() ? change::Registry::derived_zone_id(zc.origin) : zc.hosted_zone_id;
        stub->origin = zc.origin;
        stub->from_file = true;
        file_zones.push_back(change::Registry::FileZone{std::move(stub), count,
                                                        [zc] { return loader::zone_content(zc); }});
    };
    std::set<std::string> secondaries;
    for (const loader::ZoneConfig& zc : config.zones) {
        if (!zc.primaries.empty()) secondaries.insert(zc.origin.lowered().to_text());
    }
    registry_.set_secondary_zones(std::move(secondaries));
    for (const loader::ZoneConfig& zc : config.zones) {
        if (!zc.primaries.empty()) continue;  // a secondary's data comes by transfer
        const bool updatable = config.zone_allows(zc, "update");
        if (registry_.stored(zc.origin)) continue;
        // A zone file is read a second time, into record sets, only where someone reads
        // them: the API lists file zones, UPDATE moves its zones into the store.
        if (!updatable && !config.api.listen) continue;
        FileCount counted{loader::file_identity(zc.file),
                          zc.record_sets.empty() ? std::nullopt : loader::file_identity(zc.record_sets), 0};
        auto known = file_counts_.find(zc.origin_text);
        if (!updatable && known != file_counts_.end() && counted.zone_file &&
            known->second.zone_file == counted.zone_file &&
            known->second.record_sets_file == counted.record_sets_file) {
            list(zc, known->second.count);
            continue;
        }
        auto content = loader::zone_content(zc);
        if (!content) return content.error();
        if (content->id.empty()) content->id = change::Registry::derived_zone_id(zc.origin);
        if (updatable) {
            auto imported = registry_.import_zone(std::move(content.value()));
            if (!imported.ok()) return Error{zc.file, 0, imported.error().message};
            log::info("zone moved into the store: it accepts updates",
                      log::kv("zone", zc.origin_text) + " " + log::kv("file", zc.file));
            continue;
        }
        counted.count = content->record_sets.size();
        file_counts_[zc.origin_text] = counted;
        list(zc, counted.count);
    }
    registry_.set_file_zones(std::move(file_zones));
    if (!config.health_checks.empty()) {
        auto set = policy::parse_health_checks_file(config.health_checks);
        if (!set) return set.error();
        registry_.set_file_health_checks(std::move(set->checks));
    } else {
        registry_.set_file_health_checks({});
    }
    return Ok{};
}

loader::StoredInputs ChangePath::inputs(const change::Registry::View& view) {
    loader::StoredInputs in;
    in.zones = view.zones;
    for (const auto& hc : view.health_checks) in.health_checks.push_back(hc.check);
    in.expired = view.expired;
    return in;
}

Status ChangePath::validate(const change::ZoneContent& zone, const std::vector<policy::RecordSet>& added) const {
    // Only what the batch brings: the zone rules over the whole result are apply_batch()'s,
    // and a whole build per batch would cost a 1M-record zone seconds.
    for (const policy::RecordSet& rs : added) {
        for (const std::string& v : rs.values) {
            auto rd = zone::rdata_from_text(rs.type, v, zone.origin);
            if (!rd) return Error{"", 0, rs.describe() + ": bad value '" + v + "': " + rd.error().message};
        }
    }
    return Ok{};
}

Status ChangePath::start(const loader::Config& config) {
    {
        std::lock_guard lock(mutex_);
        if (thread_.joinable()) return Ok{};
        stopping_ = false;
        thread_ = std::thread([this] { rebuild_loop(); });
    }
    if (!config.api.listen) return Ok{};
    api::ApiOptions o;
    o.listen = *config.api.listen;
    o.credentials_file = config.api.credentials;
    o.tls_certificate = config.api.tls_certificate;
    o.tls_key = config.api.tls_key;
    api_ = std::make_unique<api::ApiServer>(std::move(o), registry_);
    auto st = api_->start();
    if (!st) return st.error();
    log::info("route 53 api", log::kv("listen", config.api.listen->text) + " " +
                                  log::kv("tls", config.api.tls_certificate.empty() ? "no" : "yes"));
    return Ok{};
}

void ChangePath::published(const change::Registry::View& view) {
    registry_.published(view.sequence);
    if (store::EtcdFleet* fleet = fleet_ptr_.load()) fleet->set_served(view.store_revision);
    if (fleet_journal_ != nullptr) fleet_journal_->save(view);
}

std::optional<store::FleetView> ChangePath::fleet() const {
    store::EtcdFleet* fleet = fleet_ptr_.load();
    if (fleet == nullptr) return std::nullopt;
    return fleet->view();
}

void ChangePath::stop() {
    if (api_) api_->stop();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (reconnect_.joinable()) reconnect_.join();  // before what it would start
    if (fleet_health_) fleet_health_->stop();
    if (fleet_) fleet_->stop();
    if (fleet_journal_ != nullptr && fleet_journal_->etcd() != nullptr) fleet_journal_->etcd()->stop_watch();
    if (thread_.joinable()) thread_.join();
}

void ChangePath::rebuild_loop() {
    while (true) {
        {
            std::unique_lock lock(mutex_);
            cv_.wait(lock, [this] { return stopping_ || dirty_; });
            if (stopping_) return;
            dirty_ = false;
        }
        // Every change accepted until now is in this view; later ones set dirty_ again and
        // go into the next build together.
        change::Registry::View view = registry_.view();
        if (view.sequence <= registry_.published_sequence()) continue;  // a reload published it already
        Status st = host_.rebuild(view);
        std::lock_guard lock(mutex_);
        ++rebuilds_;
        if (!st) ++rebuilds_failed_;
    }
}

uint64_t ChangePath::rebuilds() const {
    std::lock_guard lock(mutex_);
    return rebuilds_;
}

uint64_t ChangePath::rebuilds_failed() const {
    std::lock_guard lock(mutex_);
    return rebuilds_failed_;
}

}  // namespace fz::daemon
