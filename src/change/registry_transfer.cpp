// The registry's secondary zones: what transfers in bring, whole or as batches.
#include <algorithm>
#include <utility>

#include "change/registry.h"
#include "change/registry_internal.h"

namespace fz::change {

using registry_internal::now_ms;
using registry_internal::store_error;

void Registry::set_secondary_zones(std::set<std::string> origins) {
    std::lock_guard lock(mu_);
    secondaries_ = std::move(origins);
}

void Registry::set_catalog_zones(std::set<std::string> origins) {
    std::lock_guard lock(mu_);
    catalog_zones_ = std::move(origins);
}

bool Registry::secondary(const dns::Name& origin) const {
    std::lock_guard lock(mu_);
    return kept_by_transfers(origin.lowered().to_text());
}

void Registry::apply_remote(RemoteZone zone) {
    {
        std::lock_guard lock(mu_);
        if (zone.content) {
            const std::string id = zone.zone_id;
            zone.content->sort();
            zones_[id] = Zone{std::make_shared<const ZoneContent>(std::move(*zone.content)), false};
        } else {
            zones_.erase(zone.zone_id);
        }
        ++sequence_;
        if (zone.adopt) zone.adopt();
    }
    notify();
}

void Registry::apply_remote(RemoteHealthCheck check) {
    {
        std::lock_guard lock(mu_);
        auto known = checks_.find(check.id);
        if (known != checks_.end() && known->second.from_file) return;  // the file's stays
        if (check.record) {
            checks_[check.id] = std::move(*check.record);
        } else if (known != checks_.end()) {
            checks_.erase(known);
        } else {
            return;
        }
        ++sequence_;
    }
    notify();
}

Outcome<bool> Registry::drop_zone_copy(const dns::Name& origin) {
    {
        std::lock_guard lock(mu_);
        auto it = std::find_if(zones_.begin(), zones_.end(), [&](const auto& e) {
            return !e.second.file_managed && e.second.content->origin == origin;
        });
        if (it == zones_.end()) return false;
        if (journal_ != nullptr) {
            auto st = journal_->delete_zone(it->first);
            if (!st) return store_error(st.error());
        }
        remember(new_change("catalog member " + origin.to_text() + " removed"));
        zones_.erase(it);
    }
    notify();
    return true;
}

void Registry::set_expired(const dns::Name& origin, bool expired) {
    {
        std::lock_guard lock(mu_);
        const std::string key = origin.lowered().to_text();
        if (expired ? !expired_.insert(key).second : expired_.erase(key) == 0) return;
        ++sequence_;  // a view that differs: the next build takes it
    }
    notify();
}

Outcome<ChangeInfo> Registry::replace_zone(ZoneContent content, const std::string& comment) {
    ChangeInfo info;
    {
        std::lock_guard lock(mu_);
        const Zone* old = nullptr;
        for (const auto& [id, z] : zones_) {
            if (!z.file_managed && z.content->origin == content.origin) old = &z;
        }
        if (old != nullptr) {
            content.id = old->content->id;
            content.created_ms = old->content->created_ms;
            content.version = old->content->version + 1;
        } else {
            content.id = new_zone_id_locked(content.origin);
            content.created_ms = now_ms();
            content.version = 1;
        }
        auto kept = keep_whole_locked(std::move(content), comment);
        if (!kept.ok()) return kept.error();
        info = kept.value();
    }
    notify();
    return info;
}

Outcome<ChangeInfo> Registry::submit_transfer(const std::string& zone_id, const Batch& batch) {
    return submit_batch(zone_id, batch, true);
}

}  // namespace fz::change
