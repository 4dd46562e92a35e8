// Transfers: access from the configuration, history from the registry, NOTIFY on new serials.
#include "daemon/transfers.h"

#include <chrono>

#include <algorithm>
#include <cstring>
#include <set>

#include "common/log.h"
#include "daemon/access.h"
#include "daemon/catalog.h"
#include "daemon/transfer_apply.h"
#include "dns/message_reader.h"
#include "dns/rrtype.h"
#include "io/sockets/options.h"
#include "xfr/notify_in.h"
#include "xfr/signed_query.h"
#include "xfr/source.h"
#include "zone/rdata_text.h"

namespace fz::daemon {

Transfers::Transfers(const engine::Publisher& publisher, change::Registry& registry)
    : publisher_(publisher),
      registry_(registry),
      server_(publisher, xfr::TransferOptions{}),
      secondaries_([this](const dns::Name& zone, const xfr::Incoming& in,
                          const std::string& primary) { return apply(zone, in, primary); },
                   [&registry](const dns::Name& zone, bool expired) { registry.set_expired(zone, expired); }) {}

namespace {

// The SOA rdata of a stored zone's copy, or empty.
std::string stored_soa(const change::ZoneContent& z) {
    const policy::RecordSet* soa = z.soa();
    if (soa == nullptr || soa->values.empty()) return {};
    auto rd = zone::rdata_from_text(dns::type::SOA, soa->values.front(), z.origin);
    return rd ? std::move(rd.value()) : std::string();
}

}  // namespace

Status Transfers::apply(const dns::Name& zone, const xfr::Incoming& in, const std::string& primary) {
    Status st = apply_copy(zone, in, primary);
    if (!st) return st;
    bool catalog = false;
    {
        std::lock_guard lock(config_mu_);
        for (const auto& cc : config_.catalog.consume) catalog = catalog || cc.origin == zone;
    }
    if (catalog) catalog_changed(zone);
    return st;
}

Status Transfers::apply_copy(const dns::Name& zone, const xfr::Incoming& in, const std::string& primary) {
    if (in.kind == xfr::Incoming::Kind::kWhole) {
        auto content = content_of_transfer(zone, in.records);
        if (!content) return content.error();
        auto done = registry_.replace_zone(std::move(content.value()), "AXFR from " + primary);
        if (!done.ok()) return Error{"", 0, done.error().code + ": " + done.error().message};
        return Ok{};
    }
    for (const change::ZoneSummary& z : registry_.zones()) {
        if (z.file_managed || !z.origin.equals(zone)) continue;
        auto current = registry_.zone(z.id);
        if (current == nullptr) break;
        auto batch = batch_of_deltas(*current, in.deltas);
        if (!batch) return batch.error();
        batch->comment = "IXFR from " + primary;
        auto done = registry_.submit_transfer(z.id, *batch);
        if (!done.ok()) {
            std::string why = done.error().code + ": " + done.error().message;
            for (const auto& m : done.error().messages) why += "; " + m;
            return Error{"", 0, why};
        }
        return Ok{};
    }
    return Error{"", 0, "an IXFR for a zone with no copy in the store"};
}

Transfers::~Transfers() { stop(); }

Status Transfers::configure(const loader::Config& config) {
    std::lock_guard cl(config_mu_);
    config_ = config;
    members_.clear();
    for (const loader::CatalogConsumeConfig& cc : config.catalog.consume) {
        auto read = stored_members(cc.origin);
        if (read) members_[cc.origin.to_text()] = std::move(read->members);
    }
    return reconfigure();
}

Result<CatalogMembers> Transfers::stored_members(const dns::Name& catalog) const {
    for (const change::ZoneSummary& z : registry_.zones()) {
        if (z.file_managed || !z.origin.equals(catalog)) continue;
        if (auto content = registry_.zone(z.id)) return read_catalog(*content);
    }
    return CatalogMembers{};
}

loader::Config Transfers::with_catalog_zones(const loader::Config& config) const {
    loader::Config c = config;
    std::set<std::string> taken;
    for (const loader::ZoneConfig& z : c.zones) taken.insert(z.origin.lowered().bytes());
    if (config.catalog.produce) taken.insert(config.catalog.produce->origin.lowered().bytes());
    for (const loader::CatalogConsumeConfig& cc : config.catalog.consume) {
        auto m = members_.find(cc.origin.to_text());
        if (m == members_.end()) continue;
        for (const dns::Name& member : m->second) {
            if (!taken.insert(member.lowered().bytes()).second) continue;  // configured, or in another catalog
            c.zones.push_back(cc.secondary_zone(member));
        }
    }
    if (const auto& p = config.catalog.produce) {
        loader::ZoneConfig z;
        z.origin = p->origin;
        z.origin_text = p->origin.to_text();
        z.acl = p->acl;
        z.notify = p->notify;
        z.line = p->line;
        c.zones.push_back(std::move(z));
    }
    return c;
}

Status Transfers::reconfigure() {
    const loader::Config config = with_catalog_zones(config_);
    std::set<std::string> catalog_zones;
    for (size_t i = config_.zones.size(); i < config.zones.size(); ++i) {
        catalog_zones.insert(config.zones[i].origin.lowered().to_text());
    }
    registry_.set_catalog_zones(std::move(catalog_zones));
    auto access = std::make_shared<xfr::TransferAccess>();
    auto keys = make_keyring(config);
    if (!keys) return keys.error();
    access->keys = std::move(keys.value());
    auto rules = make_acl_rules(config);
    if (!rules) return rules.error();
    access->acl = change::Acl(std::move(rules.value()), zone_acl_ids(config));
    access->history = [this](const dns::Name& origin) {
        for (const change::ZoneSummary& z : registry_.zones()) {
            if (z.file_managed || !z.origin.equals(origin)) continue;
            auto h = registry_.history(z.id);
            if (h) return std::move(h.value());
        }
        return std::vector<change::HistoryEntry>{};
    };
    std::map<std::string, std::vector<xfr::NotifyTarget>> targets;
    for (const loader::ZoneConfig& z : config.zones) {
        for (const std::string& id : z.notify) {
            const loader::RemoteConfig* remote = config.find_remote(id);
            if (remote == nullptr) continue;  // the configuration's check refuses this
            const auto key = remote_key(*remote, access->keys);
            for (const ListenAddress& a : remote->addresses) {
                targets[z.origin.lowered().bytes()].push_back({remote->id, a, key});
            }
        }
    }
    std::vector<xfr::SecondaryZone> secondaries;
    std::map<std::string, std::vector<change::AclRule>> primary_rules;
    for (const loader::ZoneConfig& z : config.zones) {
        if (z.primaries.empty()) continue;
        xfr::SecondaryZone sz{z.origin.lowered(), {}};
        auto& rules = primary_rules[sz.origin.bytes()];
        for (const std::string& id : z.primaries) {
            const loader::RemoteConfig* remote = config.find_remote(id);
            if (remote == nullptr) continue;  // the configuration's check refuses this
            const auto key = remote_key(*remote, access->keys);
            for (const ListenAddress& a : remote->addresses) sz.primaries.push_back({remote->id, a, key});
            // A primary may NOTIFY its secondary (with its key, when it has one).
            auto r = make_remote_rule("primary " + remote->id, *remote, {"notify"});
            if (r) rules.push_back(std::move(r.value()));
        }
        secondaries.push_back(std::move(sz));
    }
    std::map<std::string, std::string> soas;
    for (const change::ZoneSummary& z : registry_.zones()) {
        if (z.file_managed || !registry_.secondary(z.origin)) continue;
        if (auto content = registry_.zone(z.id)) soas[z.origin.lowered().bytes()] = stored_soa(*content);
    }
    secondaries_.configure(std::move(secondaries), soas);
    server_.configure(access);
    std::lock_guard lock(mu_);
    primary_rules_ = std::move(primary_rules);
    access_ = std::move(access);
    targets_ = std::move(targets);
    return Ok{};
}

void Transfers::catalog_changed(const dns::Name& catalog) {
    std::lock_guard cl(config_mu_);
    const std::string key = catalog.to_text();
    auto read = stored_members(catalog);
    if (!read) {
        catalog_errors_.fetch_add(1, std::memory_order_relaxed);
        log::error("catalog not read: its members stay as they were",
                   log::kv("catalog", key) + " " + log::kv("error", read.error().message));
        return;
    }
    for (const std::string& why : read->ignored) {
        catalog_errors_.fetch_add(1, std::memory_order_relaxed);
        log::warning("catalog entry ignored", log::kv("catalog", key) + " " + log::kv("reason", why));
    }
    std::vector<dns::Name>& members = members_[key];
    if (members == read->members) return;
    // A member that is also a zone of the configuration stays the configuration's.
    auto configured = [this](const dns::Name& m) {
        return std::any_of(config_.zones.begin(), config_.zones.end(),
                           [&](const loader::ZoneConfig& z) { return z.origin == m; });
    };
    std::set<std::string> before, after;
    for (const dns::Name& m : members) before.insert(m.lowered().bytes());
    for (const dns::Name& m : read->members) after.insert(m.lowered().bytes());
    std::vector<dns::Name> removed;
    for (const dns::Name& m : members) {
        if (after.count(m.lowered().bytes()) == 0) removed.push_back(m);
    }
    for (const dns::Name& m : read->members) {
        if (before.count(m.lowered().bytes()) != 0) continue;
        if (configured(m)) {
            log::warning("catalog member is a configured zone: the configuration's stays",
                         log::kv("catalog", key) + " " + log::kv("zone", m.to_text()));
        } else {
            log::info("catalog member added", log::kv("catalog", key) + " " + log::kv("zone", m.to_text()));
        }
    }
    members = std::move(read->members);
    if (auto st = reconfigure(); !st) {
        log::error("catalog members not configured",
                   log::kv("catalog", key) + " " + log::kv("error", st.error().to_string()));
    }
    // Once no longer refreshed, a member that left goes from the store and from what is served.
    for (const dns::Name& m : removed) {
        if (configured(m)) continue;  // it was never the catalog's
        auto dropped = registry_.drop_zone_copy(m);
        if (!dropped.ok()) {
            log::error("catalog member's copy not removed",
                       log::kv("zone", m.to_text()) + " " + log::kv("error", dropped.error().message));
        } else {
            log::info("catalog member removed", log::kv("catalog", key) + " " + log::kv("zone", m.to_text()));
        }
    }
}

std::vector<CatalogStatus> Transfers::catalog_status() const {
    std::lock_guard cl(config_mu_);
    std::vector<CatalogStatus> out;
    for (const auto& cc : config_.catalog.consume) {
        auto m = members_.find(cc.origin.to_text());
        out.push_back({cc.origin.to_text(), "consumed", m == members_.end() ? 0 : m->second.size()});
    }
    if (const auto& p = config_.catalog.produce) {
        auto read = stored_members(p->origin);
        out.push_back({p->origin.to_text(), "produced", read ? read->members.size() : 0});
    }
    return out;
}

void Transfers::produce_catalog() {
    std::optional<loader::CatalogProduceConfig> produce;
    std::set<std::string> catalogs;
    {
        std::lock_guard cl(config_mu_);
        produce = config_.catalog.produce;
        for (const auto& cc : config_.catalog.consume) catalogs.insert(cc.origin.lowered().bytes());
    }
    if (!produce) return;
    catalogs.insert(produce->origin.lowered().bytes());
    std::vector<dns::Name> served = publisher_.with_current([&](const engine::Snapshot& snap) {
        std::vector<dns::Name> out;
        for (const auto& z : snap.zones) {
            dns::Name apex = dns::Name::from_wire(z->header().apex_name, z->header().apex_len).lowered();
            if (catalogs.count(apex.bytes()) == 0) out.push_back(std::move(apex));
        }
        return out;
    });
    std::string id;
    std::shared_ptr<const change::ZoneContent> current;
    for (const change::ZoneSummary& z : registry_.zones()) {
        if (z.file_managed || !z.origin.equals(produce->origin)) continue;
        id = z.id;
        current = registry_.zone(z.id);
    }
    const std::string fields = log::kv("catalog", produce->origin.to_text()) + " " +
                               log::kv("members", static_cast<long long>(served.size()));
    if (current == nullptr) {
        const auto now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        auto done = registry_.replace_zone(produced_catalog(produce->origin, served, static_cast<uint32_t>(now)),
                                           "catalog of the zones served");
        if (!done.ok()) {
            catalog_errors_.fetch_add(1, std::memory_order_relaxed);
            log::error("catalog not produced", fields + " " + log::kv("error", done.error().message));
            return;
        }
        log::info("catalog produced", fields);
        return;
    }
    change::Batch batch = catalog_batch(*current, served);
    if (batch.changes.empty()) return;
    batch.comment = "catalog of the zones served";
    auto done = registry_.submit_transfer(id, batch);
    if (!done.ok()) {
        catalog_errors_.fetch_add(1, std::memory_order_relaxed);
        log::error("catalog not updated", fields + " " + log::kv("error", done.error().message));
        return;
    }
    log::info("catalog updated", fields + " " + log::kv("changes", static_cast<long long>(batch.changes.size())));
}

size_t Transfers::answer_signed(const uint8_t* msg, size_t len, const engine::Peer& peer, engine::Transport transport,
                                uint8_t* out, size_t cap) {
    std::shared_ptr<const xfr::TransferAccess> access;
    {
        std::lock_guard lock(mu_);
        access = access_;
    }
    if (!access) return 0;
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (transport == engine::Transport::kUdp && io::is_transfer_query(msg, len)) {
        return xfr::respond_udp_ixfr(publisher_, *access, msg, len, peer, now, out, cap);
    }
    return xfr::answer_signed_query(publisher_, access->keys, msg, len, peer, transport, out, cap, now);
}

void Transfers::start() {
    server_.start();
    notifier_.start();
    secondaries_.start();
}

void Transfers::stop() {
    server_.stop();
    notifier_.stop();
    secondaries_.stop();
}

size_t Transfers::answer_notify(const uint8_t* msg, size_t len, const engine::Peer& peer, engine::Transport transport,
                                uint8_t* out, size_t cap) {
    std::shared_ptr<const xfr::TransferAccess> access;
    std::map<std::string, std::vector<change::AclRule>> rules;
    {
        std::lock_guard lock(mu_);
        access = access_;
        rules = primary_rules_;
    }
    if (!access) return 0;
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    xfr::NotifyVerdict verdict;
    const size_t n = xfr::answer_notify(
        *access, rules, [this](const dns::Name& zone) { return secondaries_.is_secondary(zone); }, msg, len, peer, now,
        out, cap, verdict);
    if (verdict.zone.empty()) return n;
    const std::string fields = log::kv("zone", verdict.zone) + " " +
                               log::kv("peer", change::peer_text(peer, transport)) +
                               (verdict.reason.empty() ? "" : " " + log::kv("reason", verdict.reason));
    if (verdict.accepted) {
        secondaries_.notified(*dns::name_from_text(verdict.zone, nullptr));
        log::info("notify accepted", fields);
    } else {
        log::warning("notify refused", fields);
    }
    return n;
}

void Transfers::published() {
    std::map<std::string, uint32_t> now = publisher_.with_current([](const engine::Snapshot& snap) {
        std::map<std::string, uint32_t> serials;
        for (const auto& z : snap.zones) {
            const zone::RRset* soa = z->soa();
            serials[std::string(reinterpret_cast<const char*>(z->header().apex_name), z->header().apex_len)] =
                xfr::soa_rdata_serial(soa->rdata() + 2, dns::load_u16(soa->rdata()));
        }
        return serials;
    });
    produce_catalog();
    std::lock_guard lock(mu_);
    for (const auto& [apex, serial] : now) {
        auto old = serials_.find(apex);
        if (old != serials_.end() && old->second == serial) continue;
        auto t = targets_.find(apex);
        if (t == targets_.end() || t->second.empty()) continue;
        notifier_.notify(dns::Name::from_wire(reinterpret_cast<const uint8_t*>(apex.data()), apex.size()), serial,
                         t->second);
    }
    serials_ = std::move(now);
}

}  // namespace fz::daemon
