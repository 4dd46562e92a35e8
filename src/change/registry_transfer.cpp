// The registry's secondary zones: what transfers in bring, whole or as batches.
#include <utility>

#include "change/registry.h"
#include "change/registry_internal.h"

namespace fz::change {

using registry_internal::error;
using registry_internal::now_ms;
using registry_internal::store_error;

void Registry::set_secondary_zones(std::set<std::string> origins) {
    std::lock_guard lock(mu_);
    secondaries_ = std::move(origins);
}

bool Registry::secondary(const dns::Name& origin) const {
    std::lock_guard lock(mu_);
    return secondaries_.count(origin.lowered().to_text()) != 0;
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
            auto configured = options_.configured_ids.find(content.origin.lowered().to_text());
            content.id = configured != options_.configured_ids.end() ? configured->second
                                                                     : derived_zone_id(content.origin);
            content.created_ms = now_ms();
            content.version = 1;
        }
        content.sort();
        info = new_change(comment);
        HistoryEntry entry = history_entry(info, content.id);
        entry.serial_after = content.serial();
        entry.version = content.version;
        if (journal_ != nullptr) {
            auto st = journal_->put_zone(content, entry);
            if (!st) return store_error(st.error());
        }
        remember(info);
        const std::string id = content.id;
        // A fresh Zone: no remembered batches, so the next snapshot compiles it whole.
        zones_[id] = Zone{std::make_shared<const ZoneContent>(std::move(content)), false};
    }
    notify();
    return info;
}

Outcome<ChangeInfo> Registry::submit_transfer(const std::string& zone_id, const Batch& batch) {
    return submit_batch(zone_id, batch, true);
}

}  // namespace fz::change
