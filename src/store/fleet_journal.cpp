// A fleet server's journal: etcd, or the local copy until etcd answers; and the copy's
// writer.
#include "store/fleet_journal.h"

#include <set>

#include "common/log.h"

namespace fz::store {

FleetJournal::FleetJournal(std::unique_ptr<EtcdStore> etcd, std::unique_ptr<SqliteStore> copy, std::string copy_path)
    : etcd_(std::move(etcd)), copy_(std::move(copy)), copy_path_(std::move(copy_path)) {
    etcd_ptr_ = etcd_.get();
    if (copy_) copier_ = std::thread([this] { copy_loop(); });
}

FleetJournal::~FleetJournal() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (copier_.joinable()) copier_.join();
}

void FleetJournal::connect(std::unique_ptr<EtcdStore> etcd) {
    etcd_ = std::move(etcd);
    etcd_ptr_ = etcd_.get();
}

Result<EtcdStore*> FleetJournal::writable() const {
    if (EtcdStore* e = etcd_ptr_.load()) return e;
    return Error{copy_path_, 0,
                 "etcd could not be read when this server started: it serves its local copy, and takes "
                 "changes once etcd answers"};
}

template <typename Call>
Status FleetJournal::write(const Call& call) const {
    auto e = writable();
    if (!e) return e.error();
    return call(**e);
}

Result<change::StoredState> FleetJournal::load() {
    if (EtcdStore* e = etcd()) return e->load();
    return copy_->load();
}

Status FleetJournal::put_zone(const change::ZoneContent& zone, const change::HistoryEntry& entry) {
    return write([&](EtcdStore& e) { return e.put_zone(zone, entry); });
}

Status FleetJournal::apply(const change::ZoneContent& after, const change::HistoryEntry& entry) {
    return write([&](EtcdStore& e) { return e.apply(after, entry); });
}

Status FleetJournal::delete_zone(const std::string& zone_id) {
    return write([&](EtcdStore& e) { return e.delete_zone(zone_id); });
}

Status FleetJournal::put_signing(const std::string& zone_id, const change::ZoneSigning& signing) {
    return write([&](EtcdStore& e) { return e.put_signing(zone_id, signing); });
}

Status FleetJournal::put_health_check(const change::HealthCheckRecord& check) {
    return write([&](EtcdStore& e) { return e.put_health_check(check); });
}

Status FleetJournal::delete_health_check(const std::string& id) {
    return write([&](EtcdStore& e) { return e.delete_health_check(id); });
}

Result<std::vector<change::HistoryEntry>> FleetJournal::history(const std::string& zone_id) {
    if (EtcdStore* e = etcd()) return e->history(zone_id);
    return copy_->history(zone_id);
}

int64_t FleetJournal::last_revision() const {
    EtcdStore* e = etcd();
    return e != nullptr ? e->revision() : 0;
}

void FleetJournal::save(change::Registry::View view) {
    if (!copy_) return;
    {
        std::lock_guard lock(mu_);
        pending_ = std::move(view);
    }
    cv_.notify_all();
}

void FleetJournal::copy_loop() {
    std::unique_lock lock(mu_);
    while (true) {
        cv_.wait(lock, [&] { return stopping_ || pending_.has_value(); });
        if (stopping_) return;
        change::Registry::View view = std::move(*pending_);
        pending_.reset();
        lock.unlock();
        write_copy(view);
        lock.lock();
    }
}

void FleetJournal::write_copy(const change::Registry::View& view) {
    if (!known_) {
        // What a previous run left in the copy: zones and checks it held are rewritten or
        // deleted below.
        auto held = copy_->load();
        if (!held) {
            log::error("fleet: the local copy cannot be read", log::kv("error", held.error().to_string()));
            return;
        }
        for (const auto& z : held->zones) copied_zones_[z.id];
        for (const auto& c : held->health_checks) copied_checks_[c.check.id] = 0;
        known_ = true;
    }
    size_t written = 0;
    std::set<std::string> present;
    auto failed = [&](const Status& st) {
        if (st) return false;
        log::error("fleet: the local copy was not written", log::kv("error", st.error().to_string()));
        return true;
    };
    for (const auto& zone : view.zones) {
        present.insert(zone->id);
        auto it = copied_zones_.find(zone->id);
        if (it != copied_zones_.end() && it->second.lock() == zone) continue;
        if (failed(copy_->put_zone(*zone, change::HistoryEntry{.change_id = "CLOCALCOPY", .version = zone->version})))
            return;
        if (zone->signing && failed(copy_->put_signing(zone->id, *zone->signing))) return;
        copied_zones_[zone->id] = zone;
        ++written;
    }
    for (auto it = copied_zones_.begin(); it != copied_zones_.end();) {
        if (present.count(it->first) != 0) {
            ++it;
            continue;
        }
        if (failed(copy_->delete_zone(it->first))) return;
        it = copied_zones_.erase(it);
        ++written;
    }
    std::set<std::string> checks;
    for (const auto& c : view.health_checks) {
        checks.insert(c.check.id);
        auto it = copied_checks_.find(c.check.id);
        if (it != copied_checks_.end() && it->second == c.version) continue;
        if (failed(copy_->put_health_check(c))) return;
        copied_checks_[c.check.id] = c.version;
        ++written;
    }
    for (auto it = copied_checks_.begin(); it != copied_checks_.end();) {
        if (checks.count(it->first) != 0) {
            ++it;
            continue;
        }
        if (failed(copy_->delete_health_check(it->first))) return;
        it = copied_checks_.erase(it);
        ++written;
    }
    if (written != 0) {
        log::info("fleet: local copy written",
                  log::kv("path", copy_path_) + " " + log::kv("zones_and_checks", static_cast<long long>(written)));
    }
}

}  // namespace fz::store
