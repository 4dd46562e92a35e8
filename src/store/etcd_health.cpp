// Health observations on etcd: a writer thread that puts this server's under its lease,
// and a watch of everyone's.
#include "store/etcd_health.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <optional>

#include "common/log.h"

namespace fz::store {
namespace {

using json = nlohmann::json;

std::optional<CheckObservation> parse_observation(const EtcdKeyValue& kv) {
    const json j = json::parse(kv.value, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    CheckObservation o;
    try {
        o.check_id = j.at("Check").get<std::string>();
        o.node = j.at("Node").get<std::string>();
        o.healthy = j.at("Healthy").get<bool>();
        o.reason = j.value("Reason", std::string());
        o.checked_ms = j.value("CheckedMs", int64_t{0});
    } catch (const json::exception&) {
        return std::nullopt;  // not one of ours
    }
    return o;
}

bool same_state(const CheckObservation& a, const CheckObservation& b) {
    return a.healthy == b.healthy && a.reason == b.reason;
}

}  // namespace

EtcdHealth::EtcdHealth(EtcdClient& client, const EtcdFleet& fleet, std::string prefix, size_t max_txn_ops,
                       std::function<void()> on_change)
    : client_(client),
      fleet_(fleet),
      prefix_(std::move(prefix) + "health/"),
      max_txn_ops_(std::max<size_t>(max_txn_ops, 1)),
      on_change_(std::move(on_change)) {}

EtcdHealth::~EtcdHealth() { stop(); }

void EtcdHealth::start() {
    writer_ = std::thread([this] { write_loop(); });
    watcher_ = std::thread([this] { watch_loop(); });
}

void EtcdHealth::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    stop_ = true;
    cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    if (watcher_.joinable()) watcher_.join();
}

std::string EtcdHealth::key(const std::string& check_id) const { return prefix_ + check_id + "/" + fleet_.name(); }

void EtcdHealth::observe(const std::string& check_id, bool healthy, const std::string& reason, int64_t checked_ms) {
    CheckObservation o{check_id, fleet_.name(), healthy, reason, checked_ms};
    {
        std::lock_guard lock(mu_);
        auto p = pending_.find(check_id);
        if (p != pending_.end()) {
            if (same_state(p->second, o)) return;
        } else if (auto w = written_.find(check_id); w != written_.end() && same_state(w->second, o)) {
            return;
        }
        pending_[check_id] = std::move(o);
        pending_deletes_.erase(check_id);
    }
    cv_.notify_all();
}

void EtcdHealth::retain(const std::set<std::string>& check_ids) {
    {
        std::lock_guard lock(mu_);
        for (const auto& [id, o] : written_) {
            if (check_ids.count(id) == 0) pending_deletes_.insert(id);
        }
        std::erase_if(pending_, [&](const auto& p) { return check_ids.count(p.first) == 0; });
    }
    cv_.notify_all();
}

std::vector<CheckObservation> EtcdHealth::others() const {
    std::lock_guard lock(mu_);
    std::vector<CheckObservation> out;
    out.reserve(others_.size());
    for (const auto& [k, o] : others_) out.push_back(o);
    return out;
}

void EtcdHealth::write_loop() {
    bool failing = false;
    std::unique_lock lock(mu_);
    while (!stopping_) {
        const int64_t lease = fleet_.lease();
        if (lease != 0 && lease != written_lease_) {
            // What was written under the old lease went with it: all of it again.
            for (const auto& [id, o] : written_) pending_.try_emplace(id, o);
            written_.clear();
            written_lease_ = lease;
        }
        if (lease == 0 || (pending_.empty() && pending_deletes_.empty())) {
            // No lease yet (the fleet registers first) or nothing to write.
            cv_.wait_for(lock, std::chrono::seconds(1));
            continue;
        }
        std::vector<EtcdOp> ops;
        std::vector<CheckObservation> puts;
        std::vector<std::string> deletes;
        for (const std::string& id : pending_deletes_) {
            if (ops.size() == max_txn_ops_) break;
            EtcdOp op;
            op.kind = EtcdOp::Kind::kDeleteRange;
            op.key = key(id);
            ops.push_back(std::move(op));
            deletes.push_back(id);
        }
        for (const auto& [id, o] : pending_) {
            if (ops.size() == max_txn_ops_) break;
            EtcdOp op;
            op.key = key(id);
            op.value = json{{"Check", o.check_id},
                            {"Node", o.node},
                            {"Healthy", o.healthy},
                            {"Reason", o.reason},
                            {"CheckedMs", o.checked_ms}}
                           .dump();
            op.lease = lease;
            ops.push_back(std::move(op));
            puts.push_back(o);
        }
        lock.unlock();
        auto r = client_.txn({}, ops);
        lock.lock();
        if (!r) {
            ++write_failures_;
            if (!failing) {
                log::warning("fleet: health observations not written, tried again every second",
                             log::kv("error", r.error().message));
            }
            failing = true;
            cv_.wait_for(lock, std::chrono::seconds(1));
            continue;
        }
        if (failing) log::info("fleet: health observations written again");
        failing = false;
        for (const std::string& id : deletes) {
            pending_deletes_.erase(id);
            written_.erase(id);
        }
        for (const CheckObservation& o : puts) {
            auto p = pending_.find(o.check_id);
            if (p != pending_.end() && p->second == o) pending_.erase(p);  // not observed again meanwhile
            written_[o.check_id] = o;
        }
    }
}

Result<int64_t> EtcdHealth::read_all() {
    auto r = client_.range(prefix_, etcd_prefix_end(prefix_));
    if (!r) return r.error();
    std::map<std::string, CheckObservation> all;
    for (const EtcdKeyValue& kv : r->kvs) {
        auto o = parse_observation(kv);
        if (o && o->node != fleet_.name()) all[kv.key] = std::move(*o);
    }
    std::lock_guard lock(mu_);
    others_ = std::move(all);
    return r->revision;
}

bool EtcdHealth::take(const EtcdEvent& e) {
    if (e.deleted) {
        std::lock_guard lock(mu_);
        return others_.erase(e.kv.key) != 0;
    }
    auto o = parse_observation(e.kv);
    if (!o) {
        log::warning("fleet: a health observation this server cannot read", log::kv("key", e.kv.key));
        return false;
    }
    if (o->node == fleet_.name()) return false;  // this server's own
    std::lock_guard lock(mu_);
    auto [it, added] = others_.try_emplace(e.kv.key, *o);
    if (!added) {
        if (it->second == *o) return false;
        it->second = std::move(*o);
    }
    return true;
}

void EtcdHealth::watch_loop() {
    client_.watch_from(
        prefix_, etcd_prefix_end(prefix_), "health observations",
        [this]() -> Result<int64_t> {
            auto revision = read_all();
            if (revision && on_change_) on_change_();
            return revision;
        },
        [this](const std::vector<EtcdEvent>& events) {
            bool changed = false;
            for (const EtcdEvent& e : events) changed |= take(e);
            if (changed && on_change_) on_change_();
        },
        stop_);
}

}  // namespace fz::store
