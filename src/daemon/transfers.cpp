// Transfers: access from the configuration, history from the registry, NOTIFY on new serials.
#include "daemon/transfers.h"

#include <chrono>

#include "daemon/access.h"
#include "io/sockets/options.h"
#include "xfr/signed_query.h"
#include "xfr/source.h"

namespace fz::daemon {

Transfers::Transfers(const engine::Publisher& publisher, change::Registry& registry)
    : publisher_(publisher), registry_(registry), server_(publisher, xfr::TransferOptions{}) {}

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
    server_.configure(access);
    std::lock_guard lock(mu_);
    access_ = std::move(access);
    targets_ = std::move(targets);
    return Ok{};
}

size_t Transfers::answer_signed(const uint8_t* msg, size_t len, const engine::Peer& peer,
                                engine::Transport transport, uint8_t* out, size_t cap) {
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
}

void Transfers::stop() {
    server_.stop();
    notifier_.stop();
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
