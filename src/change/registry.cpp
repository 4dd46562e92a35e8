// The registry: zones, health checks and changes, each accepted change journaled before
// it is acknowledged.
#include "change/registry.h"
#include "change/registry_internal.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "dns/rrtype.h"
#include "policy/health_check.h"

namespace fz::change {
namespace {

using registry_internal::error;
using registry_internal::now_ms;
using registry_internal::store_error;

// Route 53 keeps change records for a while; so do we, up to this many.
constexpr size_t kMaxChanges = 100000;

constexpr char kIdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

std::string random_id(char prefix) {
    static std::mt19937_64 rng{std::random_device{}()};
    std::string id(1, prefix);
    for (int i = 0; i < 13; ++i) id.push_back(kIdAlphabet[rng() % 36]);
    return id;
}

// Route 53's health check ids are UUIDs.
std::string random_uuid() {
    static std::mt19937_64 rng{std::random_device{}()};
    static constexpr char hex[] = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 32; ++i) {
        if (i == 8 || i == 12 || i == 16 || i == 20) id.push_back('-');
        unsigned nibble = static_cast<unsigned>(rng() % 16);
        if (i == 12) nibble = 4;                 // version 4
        if (i == 16) nibble = 8 | (nibble & 3);  // variant 10xx
        id.push_back(hex[nibble]);
    }
    return id;
}

// The record sets that left `before` and came in `after`, looked for at the keys a batch
// touched; a changed record set is in both.
void diff_keys(const ZoneContent& before, const ZoneContent& after, std::vector<RecordSetKey> keys,
               HistoryEntry& entry) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const RecordSetKey& k : keys) {
        const policy::RecordSet* a = before.find(k);
        const policy::RecordSet* b = after.find(k);
        if (a != nullptr && b != nullptr && same_record_set(*a, *b)) continue;
        if (a != nullptr) entry.removed.push_back(*a);
        if (b != nullptr) entry.added.push_back(*b);
    }
}

policy::RecordSet simple_set(const dns::Name& name, uint16_t type, uint32_t ttl, std::vector<std::string> values) {
    policy::RecordSet rs;
    rs.name = name;
    rs.type = type;
    rs.ttl = ttl;
    rs.values = std::move(values);
    return rs;
}

}  // namespace

Registry::Registry(RegistryOptions options, Journal* journal) : options_(std::move(options)), journal_(journal) {}

std::string Registry::derived_zone_id(const dns::Name& origin) {
    // FNV-1a over the lower-cased origin: stable across restarts and builds.
    uint64_t h = 14695981039346656037ull;
    for (char c : origin.lowered().to_text()) {
        h ^= static_cast<uint8_t>(c);
        h *= 1099511628211ull;
    }
    std::string id = "Z";
    for (int i = 0; i < 13; ++i) {
        id.push_back(kIdAlphabet[h % 36]);
        h /= 36;
        if (h == 0) h = 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(i);
    }
    return id;
}

Status Registry::open() {
    if (journal_ == nullptr) return Ok{};
    auto state = journal_->load();
    if (!state) return state.error();
    std::lock_guard lock(mu_);
    for (ZoneContent& z : state->zones) {
        std::string id = z.id;
        zones_[id] = Zone{std::make_shared<const ZoneContent>(std::move(z)), false};
    }
    for (HealthCheckRecord& hc : state->health_checks) checks_[hc.check.id] = std::move(hc);
    // The changes the store remembers are served since this start: GetChange finds them
    // INSYNC after a restart.
    for (const auto& [id, z] : zones_) {
        auto history = journal_->history(id);
        if (!history) return history.error();
        for (const HistoryEntry& e : *history) {
            if (e.change_id.empty()) continue;
            if (changes_.count(e.change_id) == 0) change_order_.push_back(e.change_id);
            ChangeState& c = changes_[e.change_id];
            c.info.id = e.change_id;
            c.info.status = ChangeStatus::kInsync;
            c.info.submitted_ms = e.submitted_ms;
            c.info.comment = e.comment;
        }
    }
    return Ok{};
}

void Registry::set_hooks(RegistryHooks hooks) {
    std::lock_guard lock(mu_);
    hooks_ = std::move(hooks);
}

void Registry::set_on_change(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    on_change_ = std::move(fn);
}

void Registry::notify() {
    std::function<void()> fn;
    {
        std::lock_guard lock(mu_);
        fn = on_change_;
    }
    if (fn) fn();
}

void Registry::set_file_zones(std::vector<std::shared_ptr<const ZoneContent>> zones) {
    std::vector<FileZone> files;
    for (auto& z : zones) files.push_back(FileZone{std::move(z), 0, {}});
    set_file_zones(std::move(files));
}

void Registry::set_file_zones(std::vector<FileZone> zones) {
    std::lock_guard lock(mu_);
    std::erase_if(zones_, [](const auto& kv) { return kv.second.file_managed; });
    for (auto& f : zones) {
        bool in_store = std::any_of(zones_.begin(), zones_.end(),
                                    [&](const auto& kv) { return kv.second.content->origin == f.zone->origin; });
        if (in_store) continue;
        std::string id = f.zone->id;
        zones_[id] = Zone{std::move(f.zone), true, f.record_sets, std::move(f.load)};
    }
}

void Registry::set_file_health_checks(std::vector<policy::HealthCheck> checks) {
    std::lock_guard lock(mu_);
    std::erase_if(checks_, [](const auto& kv) { return kv.second.from_file; });
    for (auto& c : checks) {
        HealthCheckRecord r;
        r.check = std::move(c);
        r.from_file = true;
        checks_[r.check.id] = std::move(r);
    }
}

bool Registry::stored(const dns::Name& origin) const {
    std::lock_guard lock(mu_);
    return std::any_of(zones_.begin(), zones_.end(),
                       [&](const auto& kv) { return !kv.second.file_managed && kv.second.content->origin == origin; });
}

ChangeInfo Registry::new_change(const std::string& comment) const {
    ChangeInfo info;
    do {
        info.id = random_id('C');
    } while (changes_.count(info.id) != 0);
    info.submitted_ms = now_ms();
    info.comment = comment;
    return info;
}

void Registry::remember(const ChangeInfo& info) {
    // Forget the oldest change already answered with (first in, first out: constant time
    // at 200 batches a second, where a scan for the lowest sequence cost a millisecond).
    while (changes_.size() >= kMaxChanges && !change_order_.empty()) {
        changes_.erase(change_order_.front());
        change_order_.pop_front();
    }
    changes_[info.id] = ChangeState{info, ++sequence_, journal_ != nullptr ? journal_->last_revision() : 0};
    change_order_.push_back(info.id);
}

HistoryEntry Registry::history_entry(const ChangeInfo& info, const std::string& zone_id) {
    HistoryEntry entry;
    entry.change_id = info.id;
    entry.zone_id = zone_id;
    entry.submitted_ms = info.submitted_ms;
    entry.comment = info.comment;
    return entry;
}

const Registry::Zone* Registry::find_zone(const std::string& id) const {
    auto it = zones_.find(id);
    return it == zones_.end() ? nullptr : &it->second;
}

Outcome<ZoneSummary> Registry::import_zone(ZoneContent content) {
    std::string id;
    {
        std::lock_guard lock(mu_);
        for (const auto& [zid, z] : zones_) {
            if (!z.file_managed && z.content->origin == content.origin) return *summary_locked(zid);
        }
        if (content.id.empty()) content.id = new_zone_id_locked(content.origin);
        if (content.created_ms == 0) content.created_ms = now_ms();
        content.version = std::max<uint64_t>(content.version, 1);
        id = content.id;
        const std::string comment = "import of " + content.origin.to_text();
        auto kept = keep_whole_locked(std::move(content), comment);
        if (!kept.ok()) return kept.error();
    }
    notify();
    std::lock_guard lock(mu_);
    return *summary_locked(id);
}

std::string Registry::new_zone_id_locked(const dns::Name& origin) const {
    auto configured = options_.configured_ids.find(origin.lowered().to_text());
    return configured != options_.configured_ids.end() ? configured->second : derived_zone_id(origin);
}

Outcome<ChangeInfo> Registry::keep_whole_locked(ZoneContent content, const std::string& comment) {
    content.sort();
    ChangeInfo info = new_change(comment);
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
    return info;
}

Registry::View Registry::view() const {
    std::lock_guard lock(mu_);
    View v;
    v.sequence = sequence_;
    for (const auto& [id, z] : zones_) {
        if (!z.file_managed) v.zones.push_back(z.content);
    }
    for (const auto& [id, hc] : checks_) {
        if (!hc.from_file) v.health_checks.push_back(hc);
    }
    v.expired = expired_;
    v.store_revision = journal_ != nullptr ? journal_->last_revision() : 0;
    return v;
}

void Registry::published(uint64_t sequence) {
    {
        std::lock_guard lock(mu_);
        if (sequence <= published_) return;
        published_ = sequence;
        mark_insync_locked();
    }
    published_cv_.notify_all();
}

void Registry::set_fleet_revision(int64_t revision) {
    std::lock_guard lock(mu_);
    fleet_revision_ = revision;
    mark_insync_locked();
}

void Registry::mark_insync_locked() {
    for (auto& [id, c] : changes_) {
        if (c.sequence <= published_ && c.store_revision <= fleet_revision_) c.info.status = ChangeStatus::kInsync;
    }
}

uint64_t Registry::published_sequence() const {
    std::lock_guard lock(mu_);
    return published_;
}

bool Registry::wait_insync(const std::string& change_id, int timeout_ms) const {
    std::unique_lock lock(mu_);
    return published_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
        auto it = changes_.find(change_id);
        return it == changes_.end() || it->second.sequence <= published_;
    });
}

Result<std::vector<HistoryEntry>> Registry::history(const std::string& zone_id) const {
    if (journal_ == nullptr) return std::vector<HistoryEntry>{};
    return journal_->history(zone_id);
}

std::optional<ZoneSummary> Registry::summary_locked(const std::string& id) const {
    const Zone* z = find_zone(id);
    if (z == nullptr) return std::nullopt;
    ZoneSummary s;
    s.id = id;
    s.origin = z->content->origin;
    s.caller_reference = z->content->caller_reference;
    s.comment = z->content->comment;
    s.record_set_count = z->load ? z->record_sets : z->content->record_sets.size();
    s.file_managed = z->file_managed;
    return s;
}

std::vector<ZoneSummary> Registry::zones() const {
    std::lock_guard lock(mu_);
    std::vector<ZoneSummary> out;
    for (const auto& [id, z] : zones_) out.push_back(*summary_locked(id));
    std::sort(out.begin(), out.end(), [](const ZoneSummary& a, const ZoneSummary& b) {
        return std::pair(reversed_name(a.origin), a.id) < std::pair(reversed_name(b.origin), b.id);
    });
    return out;
}

std::shared_ptr<const ZoneContent> Registry::zone(const std::string& id) const {
    std::function<Result<ZoneContent>()> load;
    std::shared_ptr<const ZoneContent> content;
    {
        std::lock_guard lock(mu_);
        const Zone* z = find_zone(id);
        if (z == nullptr) return nullptr;
        if (!z->load) return z->content;
        load = z->load;
        content = z->content;
    }
    // Read from the files outside the lock: a large zone takes a while.
    auto loaded = load();
    if (!loaded) return content;  // the files changed under us and do not parse: what is known
    loaded->id = content->id;
    return std::make_shared<const ZoneContent>(std::move(loaded.value()));
}

std::optional<ZoneSummary> Registry::summary(const std::string& id) const {
    std::lock_guard lock(mu_);
    return summary_locked(id);
}

std::vector<std::string> Registry::name_servers() const { return options_.name_servers; }

Outcome<CreatedZone> Registry::create_zone(const dns::Name& origin, const std::string& caller_reference,
                                           const std::string& comment) {
    if (caller_reference.empty()) return error("InvalidInput", "CallerReference is required");
    if (options_.name_servers.empty()) {
        return error("InvalidInput", "no delegation set: the configuration's api.name_servers is empty");
    }
    std::vector<dns::Name> ns;
    for (const std::string& text : options_.name_servers) {
        auto n = dns::name_from_text(text, nullptr);
        if (!n) return error("InvalidInput", "api.name_servers: bad name '" + text + "'");
        ns.push_back(*n);
    }
    CreatedZone created;
    {
        std::lock_guard lock(mu_);
        for (const auto& [id, z] : zones_) {
            if (z.content->caller_reference == caller_reference && !caller_reference.empty()) {
                if (z.content->origin != origin) {
                    return error("HostedZoneAlreadyExists",
                                 "A hosted zone has already been created with the specified caller reference.");
                }
                created.zone = z.content;
                auto created_by = creations_.find(id);
                auto first = created_by == creations_.end() ? changes_.end() : changes_.find(created_by->second);
                if (first != changes_.end()) {
                    created.change = first->second.info;
                } else {
                    created.change.id = random_id('C');
                    created.change.status = ChangeStatus::kInsync;
                    created.change.submitted_ms = z.content->created_ms;
                }
                created.name_servers = options_.name_servers;
                return created;
            }
            if (z.content->origin == origin) {
                return error("ConflictingDomainExists", "The hosted zone " + origin.to_text() +
                                                            " is already served by this server (zone " + id + ")");
            }
        }
        ZoneContent content;
        do {
            content.id = random_id('Z');
        } while (zones_.count(content.id) != 0);
        content.origin = origin;
        content.caller_reference = caller_reference;
        content.comment = comment;
        content.created_ms = now_ms();
        content.version = 1;
        // Route 53's defaults: SOA TTL 900 with refresh 7200, retry 900, expire 1209600,
        // negative TTL 86400; NS TTL 172800.
        std::string soa = ns.front().to_text() + " hostmaster." + origin.to_text() + " 1 7200 900 1209600 86400";
        if (origin.to_text() == ".") soa = ns.front().to_text() + " hostmaster. 1 7200 900 1209600 86400";
        std::vector<std::string> ns_values;
        for (const auto& n : ns) ns_values.push_back(n.to_text());
        content.record_sets.push_back(simple_set(origin, dns::type::SOA, 900, {soa}));
        content.record_sets.push_back(simple_set(origin, dns::type::NS, 172800, ns_values));
        content.sort();

        const ChangeInfo info = new_change(comment);
        HistoryEntry entry = history_entry(info, content.id);
        entry.serial_after = content.serial();
        entry.version = content.version;
        entry.added.assign(content.record_sets.begin(), content.record_sets.end());
        if (journal_ != nullptr) {
            auto st = journal_->put_zone(content, entry);
            if (!st) return store_error(st.error());
        }
        remember(info);
        creations_[content.id] = info.id;
        created.zone = std::make_shared<const ZoneContent>(std::move(content));
        created.change = info;
        created.name_servers = options_.name_servers;
        zones_[created.zone->id] = Zone{created.zone, false};
    }
    notify();
    return created;
}

Outcome<ChangeInfo> Registry::delete_zone(const std::string& id) {
    ChangeInfo info;
    {
        std::lock_guard lock(mu_);
        const Zone* z = find_zone(id);
        if (z == nullptr) return error("NoSuchHostedZone", "No hosted zone found with ID: " + id);
        if (z->file_managed) {
            return error("InvalidInput", "hosted zone " + id + " (" + z->content->origin.to_text() +
                                             ") is served from the configuration's zone file; remove it there");
        }
        for (const auto& rs : z->content->record_sets) {
            bool apex_soa_ns = rs.name == z->content->origin &&
                               (rs.type == dns::type::SOA || rs.type == dns::type::NS) && rs.is_simple();
            if (!apex_soa_ns) {
                return error("HostedZoneNotEmpty",
                             "The hosted zone contains resource record sets in addition to the default NS and SOA "
                             "resource record sets. Before you can delete the hosted zone, you must delete the "
                             "additional resource record sets.");
            }
        }
        if (journal_ != nullptr) {
            auto st = journal_->delete_zone(id);
            if (!st) return store_error(st.error());
        }
        info = new_change("delete " + id);
        remember(info);
        zones_.erase(id);
    }
    notify();
    return info;
}

Outcome<ChangeInfo> Registry::submit(const std::string& zone_id, const Batch& batch) {
    return submit_batch(zone_id, batch, false);
}

Outcome<ChangeInfo> Registry::submit_batch(const std::string& zone_id, const Batch& batch, bool transfer) {
    ChangeInfo info;
    {
        std::lock_guard lock(mu_);
        const Zone* z = find_zone(zone_id);
        if (z == nullptr) return error("NoSuchHostedZone", "No hosted zone found with ID: " + zone_id);
        if (!transfer && kept_by_transfers(z->content->origin.lowered().to_text())) {
            return error("InvalidInput", "hosted zone " + zone_id + " (" + z->content->origin.to_text() +
                                             ") is a secondary: its data comes from its primaries, change it there");
        }
        if (z->file_managed) {
            return error("InvalidInput", "hosted zone " + zone_id + " (" + z->content->origin.to_text() +
                                             ") is managed by its zone file; import it into the store first "
                                             "(fastzonectl import " +
                                             z->content->origin.to_text() + ")");
        }
        if (batch.changes.empty()) return error("InvalidInput", "the change batch has no changes");
        for (const Change& c : batch.changes) {
            const std::string& hc = c.record_set.health_check_id();
            if (!hc.empty() && checks_.count(hc) == 0) {
                return error("NoSuchHealthCheck", "No health check exists with the specified ID " + hc);
            }
        }
        const ZoneContent& before = *z->content;
        BatchErrors errors;
        auto seconds =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        std::vector<RecordSetKey> touched;
        ZoneContent after = apply_batch(before, batch, options_.serial_policy, seconds, errors, &touched);
        if (!errors.empty()) {
            ServiceError e = error("InvalidChangeBatch", errors.messages.front());
            e.messages = errors.messages;
            return e;
        }
        info = new_change(batch.comment);
        HistoryEntry entry = history_entry(info, zone_id);
        diff_keys(before, after, touched, entry);
        if (hooks_.validate_changes) {
            auto st = hooks_.validate_changes(after, entry.added);
            if (!st) {
                ServiceError e = error("InvalidChangeBatch", st.error().message);
                e.messages = {st.error().message};
                return e;
            }
        }
        entry.serial_before = before.serial();
        entry.serial_after = after.serial();
        entry.version = after.version;
        if (journal_ != nullptr) {
            auto st = journal_->apply(after, entry);
            if (!st) return store_error(st.error());
        }
        remember(info);
        Zone& stored = zones_[zone_id];
        stored.touched.emplace_back(after.version, std::move(touched));
        if (stored.touched.size() > kTouchedBatches) stored.touched.pop_front();
        stored.content = std::make_shared<const ZoneContent>(std::move(after));
    }
    notify();
    return info;
}

std::optional<std::vector<RecordSetKey>> Registry::touched_between(const std::string& zone_id, uint64_t from,
                                                                   uint64_t to) const {
    std::lock_guard lock(mu_);
    const Zone* z = find_zone(zone_id);
    if (z == nullptr || from > to) return std::nullopt;
    std::vector<RecordSetKey> keys;
    uint64_t next = from + 1;
    for (const auto& [version, touched] : z->touched) {
        if (version <= from || version > to) continue;
        if (version != next) return std::nullopt;  // a batch in between is forgotten
        keys.insert(keys.end(), touched.begin(), touched.end());
        ++next;
    }
    if (next != to + 1) return std::nullopt;
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
}

Outcome<ChangeInfo> Registry::change(const std::string& change_id) const {
    std::lock_guard lock(mu_);
    auto it = changes_.find(change_id);
    if (it == changes_.end()) return error("NoSuchChange", "A change with the specified change ID does not exist.");
    return it->second.info;
}

std::vector<HealthCheckRecord> Registry::health_checks() const {
    std::lock_guard lock(mu_);
    std::vector<HealthCheckRecord> out;
    for (const auto& [id, hc] : checks_) out.push_back(hc);
    return out;
}

std::optional<HealthCheckRecord> Registry::health_check(const std::string& id) const {
    std::lock_guard lock(mu_);
    auto it = checks_.find(id);
    if (it == checks_.end()) return std::nullopt;
    return it->second;
}

bool Registry::health_check_in_use(const std::string& id) const {
    for (const auto& [zid, z] : zones_) {
        for (const auto& rs : z.content->record_sets) {
            if (rs.health_check_id() == id) return true;
        }
    }
    for (const auto& [cid, hc] : checks_) {
        const auto& kids = hc.check.child_ids;
        if (std::find(kids.begin(), kids.end(), id) != kids.end()) return true;
    }
    return false;
}

Status Registry::check_health_checks(const HealthCheckRecord* changed, const std::string& removed) const {
    if (!hooks_.validate_health_checks) return Ok{};
    std::vector<policy::HealthCheck> all;
    for (const auto& [id, hc] : checks_) {
        if (id == removed || (changed != nullptr && id == changed->check.id)) continue;
        all.push_back(hc.check);
    }
    if (changed != nullptr) all.push_back(changed->check);
    return hooks_.validate_health_checks(all);
}

Outcome<HealthCheckRecord> Registry::create_health_check(const std::string& caller_reference,
                                                         policy::HealthCheck check) {
    if (caller_reference.empty()) return error("InvalidInput", "CallerReference is required");
    HealthCheckRecord rec;
    {
        std::lock_guard lock(mu_);
        for (const auto& [id, hc] : checks_) {
            if (hc.caller_reference != caller_reference) continue;
            // Route 53: the same reference with other settings is an error, not the old check.
            policy::HealthCheck asked = check;
            asked.id = hc.check.id;
            if (policy::health_check_to_json(asked) != policy::health_check_to_json(hc.check)) {
                return error("HealthCheckAlreadyExists",
                             "A health check has already been created with the specified caller reference "
                             "and different settings.");
            }
            return hc;
        }
        do {
            check.id = random_uuid();
        } while (checks_.count(check.id) != 0);
        for (const std::string& child : check.child_ids) {
            if (checks_.count(child) == 0)
                return error("NoSuchHealthCheck", "No health check exists with the ID " + child);
        }
        rec.check = std::move(check);
        rec.caller_reference = caller_reference;
        rec.version = 1;
        auto valid = check_health_checks(&rec, {});
        if (!valid) return error("InvalidInput", valid.error().message);
        if (journal_ != nullptr) {
            auto st = journal_->put_health_check(rec);
            if (!st) return store_error(st.error());
        }
        checks_[rec.check.id] = rec;
        ++sequence_;
    }
    notify();
    return rec;
}

Outcome<HealthCheckRecord> Registry::update_health_check(const std::string& id,
                                                         std::optional<uint64_t> expected_version,
                                                         policy::HealthCheck check) {
    HealthCheckRecord rec;
    {
        std::lock_guard lock(mu_);
        auto it = checks_.find(id);
        if (it == checks_.end()) return error("NoSuchHealthCheck", "No health check exists with the ID " + id);
        if (it->second.from_file) {
            return error("InvalidInput", "health check " + id + " comes from the configuration's health-checks file");
        }
        if (expected_version && *expected_version != it->second.version) {
            return error("HealthCheckVersionMismatch",
                         "The value of HealthCheckVersion in the request doesn't match the value of "
                         "HealthCheckVersion in the health check.");
        }
        rec = it->second;
        check.id = id;
        rec.check = std::move(check);
        ++rec.version;
        auto valid = check_health_checks(&rec, {});
        if (!valid) return error("InvalidInput", valid.error().message);
        if (journal_ != nullptr) {
            auto st = journal_->put_health_check(rec);
            if (!st) return store_error(st.error());
        }
        it->second = rec;
        ++sequence_;
    }
    notify();
    return rec;
}

Outcome<bool> Registry::delete_health_check(const std::string& id) {
    {
        std::lock_guard lock(mu_);
        auto it = checks_.find(id);
        if (it == checks_.end()) return error("NoSuchHealthCheck", "No health check exists with the ID " + id);
        if (it->second.from_file) {
            return error("InvalidInput", "health check " + id + " comes from the configuration's health-checks file");
        }
        if (health_check_in_use(id)) {
            return error("HealthCheckInUse", "The health check with ID " + id +
                                                 " is still referenced from one or more resource record sets.");
        }
        if (journal_ != nullptr) {
            auto st = journal_->delete_health_check(id);
            if (!st) return store_error(st.error());
        }
        checks_.erase(it);
        ++sequence_;
    }
    notify();
    return true;
}

Outcome<std::vector<HealthObservation>> Registry::health_check_status(const std::string& id) const {
    std::function<std::vector<HealthObservation>(const std::string&)> fn;
    {
        std::lock_guard lock(mu_);
        if (checks_.count(id) == 0) return error("NoSuchHealthCheck", "No health check exists with the ID " + id);
        fn = hooks_.health_status;
    }
    if (fn) return fn(id);
    return std::vector<HealthObservation>{};
}

Outcome<DnsAnswerTest> Registry::test_dns_answer(const std::string& zone_id, const std::string& record_name,
                                                 const std::string& record_type, const std::string& resolver_ip,
                                                 const std::string& client_subnet_ip,
                                                 std::optional<int> client_subnet_mask) const {
    std::shared_ptr<const ZoneContent> z;
    decltype(hooks_.test_answer) fn;
    {
        std::lock_guard lock(mu_);
        const Zone* found = find_zone(zone_id);
        if (found == nullptr) return error("NoSuchHostedZone", "No hosted zone found with ID: " + zone_id);
        z = found->content;
        fn = hooks_.test_answer;
    }
    if (!fn) return error("InvalidInput", "TestDNSAnswer needs a running server");
    return fn(*z, record_name, record_type, resolver_ip, client_subnet_ip, client_subnet_mask);
}

}  // namespace fz::change
