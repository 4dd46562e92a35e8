// The daemon's change path: store, registry, rebuild thread.
#include "daemon/changes.h"

#include <algorithm>

#include "common/log.h"
#include "policy/health_check.h"
#include "store/sqlite_store.h"

namespace fz::daemon {
namespace {

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

}  // namespace

Result<std::unique_ptr<ChangePath>> ChangePath::open(const loader::Config& config, Host host) {
    std::unique_ptr<change::Journal> journal;
    if (!config.store.path.empty()) {
        auto store = store::SqliteStore::open(config.store.path);
        if (!store) return store.error();
        log::info("store", log::kv("path", (*store)->path()));
        journal = std::move(store.value());
    }
    std::unique_ptr<ChangePath> path(new ChangePath(std::move(journal), registry_options(config), std::move(host)));
    auto st = path->registry_.open();
    if (!st) return st.error();
    return path;
}

ChangePath::ChangePath(std::unique_ptr<change::Journal> journal, change::RegistryOptions options, Host host)
    : journal_(std::move(journal)), registry_(std::move(options), journal_.get()), host_(std::move(host)) {
    change::RegistryHooks hooks = host_.hooks;
    hooks.validate_zone = [this](const change::ZoneContent& zone) { return validate(zone); };
    hooks.validate_health_checks = validate_health_checks;
    registry_.set_hooks(std::move(hooks));
    registry_.set_on_change([this] {
        std::lock_guard lock(mutex_);
        dirty_ = true;
        cv_.notify_one();
    });
}

ChangePath::~ChangePath() { stop(); }

Status ChangePath::configure(const loader::Config& config) {
    {
        std::lock_guard lock(config_mutex_);
        config_ = config;
    }
    std::vector<std::shared_ptr<const change::ZoneContent>> file_zones;
    for (const loader::ZoneConfig& zc : config.zones) {
        const bool updatable = config.zone_allows(zc, "update");
        if (registry_.stored(zc.origin)) continue;
        // A zone file is read a second time, into record sets, only where someone reads
        // them: the API lists file zones, UPDATE moves its zones into the store.
        if (!updatable && !config.api.listen) continue;
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
        file_zones.push_back(std::make_shared<const change::ZoneContent>(std::move(content.value())));
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
    return in;
}

Status ChangePath::validate(const change::ZoneContent& zone) const {
    loader::Config config;
    {
        std::lock_guard lock(config_mutex_);
        config = config_;
    }
    // The zone alone, with the configuration's policy inputs (GeoIP, CIDR collections,
    // latency, health checks) and the API's health checks.
    config.zones.clear();
    loader::StoredInputs in;
    in.zones.push_back(std::make_shared<const change::ZoneContent>(zone));
    for (const auto& hc : registry_.view().health_checks) in.health_checks.push_back(hc.check);
    auto snap = loader::build_snapshot(config, in, nullptr);
    if (!snap) return snap.error();
    return Ok{};
}

void ChangePath::published(const change::Registry::View& view) {
    registry_.published(view.sequence);
    std::lock_guard lock(mutex_);
    published_sequence_ = std::max(published_sequence_, view.sequence);
}

void ChangePath::start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { rebuild_loop(); });
}

void ChangePath::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_one();
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
        {
            std::lock_guard lock(mutex_);
            if (view.sequence <= published_sequence_) continue;  // a reload published it already
        }
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
