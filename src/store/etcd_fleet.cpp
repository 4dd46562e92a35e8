// Fleet membership on etcd: a lease kept alive, the served revision put under it, the
// members listed every second.
#include "store/etcd_fleet.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

#include "common/clock.h"
#include "common/log.h"

namespace fz::store {

EtcdFleet::EtcdFleet(EtcdClient& client, std::string prefix, std::string name, int64_t lease_ttl_s,
                     std::function<void(const FleetView&)> on_view)
    : client_(client),
      prefix_(std::move(prefix)),
      name_(std::move(name)),
      ttl_s_(std::max<int64_t>(lease_ttl_s, 2)),
      on_view_(std::move(on_view)),
      started_ms_(unix_ms()) {}

EtcdFleet::~EtcdFleet() { stop(); }

void EtcdFleet::start() {
    thread_ = std::thread([this] { loop(); });
}

void EtcdFleet::stop() {
    {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (lease_ != 0) (void)client_.lease_revoke(lease_);  // the key goes with it
}

void EtcdFleet::set_served(int64_t revision) {
    {
        std::lock_guard lock(mu_);
        if (revision <= served_) return;
        served_ = revision;
    }
    cv_.notify_all();
}

FleetView EtcdFleet::view() const {
    std::lock_guard lock(mu_);
    return view_;
}

Status EtcdFleet::register_self() {
    int64_t served;
    {
        std::lock_guard lock(mu_);
        served = served_;
    }
    if (lease_ == 0) {
        auto lease = client_.lease_grant(ttl_s_);
        if (!lease) return lease.error();
        lease_ = *lease;
    }
    EtcdOp put;
    put.key = prefix_ + "nodes/" + name_;
    put.value = nlohmann::json{{"Name", name_}, {"Revision", served}, {"StartedMs", started_ms_}}.dump();
    put.lease = lease_;
    auto r = client_.txn({}, {put});
    if (!r) return r.error();
    std::lock_guard lock(mu_);
    registered_ = served;
    return Ok{};
}

void EtcdFleet::loop() {
    const std::string nodes_prefix = prefix_ + "nodes/";
    auto last_keepalive = std::chrono::steady_clock::now() - std::chrono::hours(1);
    std::string last_error;
    std::unique_lock lock(mu_);
    while (!stopping_) {
        const bool changed = served_ != registered_;
        lock.unlock();
        Status st = Ok{};
        const auto now = std::chrono::steady_clock::now();
        // Kept alive at a third of the TTL; the served revision put as soon as it moves.
        if (lease_ != 0 && now - last_keepalive >= std::chrono::seconds(ttl_s_) / 3) {
            st = client_.lease_keep_alive(lease_);
            if (!st) lease_ = 0;  // expired (a long stall): registered again below
            last_keepalive = now;
        }
        if (st && (changed || lease_ == 0)) {
            st = register_self();
            if (st) last_keepalive = now;
        }
        FleetView v;
        {
            std::lock_guard held(mu_);
            v.last_contact_ms = view_.last_contact_ms;
        }
        auto list = client_.range(nodes_prefix, etcd_prefix_end(nodes_prefix));
        if (list) {
            if (v.last_contact_ms != 0 && !view_ok_) {
                log::info("fleet: etcd answers again",
                          log::kv("away_s", static_cast<long long>((unix_ms() - v.last_contact_ms) / 1000)));
            }
            view_ok_ = true;
            v.last_contact_ms = unix_ms();
            v.ok = true;
            v.store_revision = list->revision;
            for (const EtcdKeyValue& kv : list->kvs) {
                const auto j = nlohmann::json::parse(kv.value, nullptr, false);
                if (j.is_discarded() || !j.is_object()) continue;
                FleetNode n;
                try {
                    n.name = j.value("Name", kv.key.substr(nodes_prefix.size()));
                    n.revision = j.value("Revision", int64_t{0});
                    n.started_ms = j.value("StartedMs", int64_t{0});
                } catch (const nlohmann::json::exception&) {
                    continue;  // not one of ours: left out of the list
                }
                n.self = n.name == name_;
                v.nodes.push_back(std::move(n));
            }
        } else {
            v.error = list.error().message;
            if (view_ok_) {
                // Logged once: the snapshot served stays, and is stale from the last contact.
                log::warning("fleet: etcd unreachable, serving the last data it gave",
                             log::kv("error", v.error) + " " +
                                 log::kv("last_contact_ms", static_cast<long long>(v.last_contact_ms)));
            }
            view_ok_ = false;
        }
        if (!st && st.error().message != last_error) {
            log::warning("fleet: this server's registration failed", log::kv("error", st.error().message));
        }
        last_error = st ? std::string() : st.error().message;
        if (on_view_) on_view_(v);
        lock.lock();
        view_ = std::move(v);
        cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_ || served_ != registered_; });
    }
}

}  // namespace fz::store
