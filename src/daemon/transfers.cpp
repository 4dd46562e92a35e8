// Transfers: access from the configuration, history from the registry, NOTIFY on new serials.
#include "daemon/transfers.h"

#include <chrono>

#include <algorithm>
#include <cstring>

#include "common/log.h"
#include "daemon/access.h"
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

// The TSIG key a remote names, from the keyring.
std::optional<dns::TsigKey> remote_key(const loader::RemoteConfig& remote, const dns::TsigKeyring& keys) {
    if (remote.key.empty()) return std::nullopt;
    std::string name = remote.key;
    if (name.back() != '.') name += '.';
    auto n = dns::name_from_text(name, nullptr);
    if (!n) return std::nullopt;
    const dns::TsigKey* k = keys.find(n->lowered());
    return k != nullptr ? std::optional<dns::TsigKey>(*k) : std::nullopt;
}

// The SOA rdata of a stored zone's copy, or empty.
std::string stored_soa(const change::ZoneContent& z) {
    const policy::RecordSet* soa = z.soa();
    if (soa == nullptr || soa->values.empty()) return {};
    auto rd = zone::rdata_from_text(dns::type::SOA, soa->values.front(), z.origin);
    return rd ? std::move(rd.value()) : std::string();
}

}  // namespace

Status Transfers::apply(const dns::Name& zone, const xfr::Incoming& in, const std::string& primary) {
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
            std::optional<dns::TsigKey> key;
            if (!remote->key.empty()) {
                std::string name = remote->key;
                if (name.back() != '.') name += '.';
                auto n = dns::name_from_text(name, nullptr);
                if (n) {
                    if (const dns::TsigKey* k = access->keys.find(n->lowered())) key = *k;
                }
            }
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
            loader::Config one;
            one.path = config.path;
            one.keys = config.keys;
            one.remotes = {*remote};
            one.acl = {loader::AclConfig{"primary " + remote->id, {remote->id}, {}, {}, {"notify"}, 0}};
            auto r = make_acl_rules(one);
            if (r) rules.insert(rules.end(), r->begin(), r->end());
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
