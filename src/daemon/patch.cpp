// Changes served by patching the zone images they touch (zone/patch.h) instead of
// building the whole snapshot again: what keeps a change to a 1M-record zone within
// milliseconds. Anything the patcher does not take is built whole, as before.
#include <cstring>
#include <set>

#include "change/content.h"
#include "daemon/changes.h"
#include "daemon/daemon.h"
#include "dns/rrtype.h"
#include "engine/snapshot.h"
#include "zone/patch.h"
#include "zone/rdata_text.h"

namespace fz::daemon {
namespace {

// What the current snapshot is made of, copied out under the publisher's lock.
struct Served {
    engine::Options options;
    std::vector<std::shared_ptr<const zone::ZoneImage>> zones;
    std::shared_ptr<const policy::PolicySet> set;  // null: no policy tables
    policy::HealthVector health;
    policy::PolicyTables::AnswerSigner signer;  // a signed zone's multivalue answers
};

// The RRsets at `keys` as `after` has them, or why they cannot be patched. (Whether one
// was routed before is the patcher's to see: a routed RRset is marked in the image.)
Result<std::vector<zone::RRsetEdit>> edits_at(const change::ZoneContent& after,
                                              const std::vector<change::RecordSetKey>& keys) {
    std::vector<zone::RRsetEdit> edits;
    for (const change::RecordSetKey& key : keys) {
        if (!key.set_identifier.empty()) return Error{"", 0, "a routed record set changed"};
        const policy::RecordSet* now = after.find(key);
        if (now != nullptr && !now->is_simple()) return Error{"", 0, "a routed record set changed"};
        zone::RRsetEdit e;
        if (now == nullptr) {
            auto name = change::name_of(key);
            auto type = dns::type_from_text(key.type);
            if (!name || !type) return Error{"", 0, "a record set key that names no RRset"};
            e.owner = *name;
            e.type = *type;
            edits.push_back(std::move(e));
            continue;
        }
        e.owner = now->name;
        e.type = now->type;
        e.ttl = now->ttl;
        for (const std::string& v : now->values) {
            auto rd = zone::rdata_from_text(now->type, v, after.origin);
            if (!rd) return Error{"", 0, now->describe() + ": " + rd.error().message};
            e.rdatas.push_back(std::move(rd.value()));
        }
        edits.push_back(std::move(e));
    }
    return edits;
}

// Whether a routing policy's alias points at one of the RRsets the edits change (the
// policy layer checks that targets exist, and binds them).
bool aliased(const policy::PolicySet* set, const std::vector<zone::RRsetEdit>& edits) {
    if (set == nullptr) return false;
    std::set<std::pair<std::string, uint16_t>> changed;
    for (const auto& e : edits) changed.emplace(e.owner.lowered().bytes(), e.type);
    for (const policy::Policy& p : set->policies) {
        if (changed.count({p.name.lowered().bytes(), p.type}) != 0) return true;
        for (const policy::PolicyMember& m : p.members) {
            if (m.record.alias() && changed.count({m.record.alias()->dns_name.lowered().bytes(), p.type}) != 0)
                return true;
        }
    }
    return false;
}

int image_of(const std::vector<std::shared_ptr<const zone::ZoneImage>>& zones, const dns::Name& origin) {
    const std::string apex = origin.lowered().bytes();
    for (size_t i = 0; i < zones.size(); ++i) {
        const zone::ImageHeader& h = zones[i]->header();
        if (apex.size() == h.apex_len && std::memcmp(apex.data(), h.apex_name, h.apex_len) == 0)
            return static_cast<int>(i);
    }
    return -1;
}

// Whether another zone served lies inside `origin` and holds one of the edited names
// (the loader would put such a record set into that zone).
bool nested(const std::vector<std::shared_ptr<const zone::ZoneImage>>& zones, const dns::Name& origin,
            const std::vector<zone::RRsetEdit>& edits) {
    for (const auto& z : zones) {
        const dns::Name apex = dns::Name::from_wire(z->header().apex_name, z->header().apex_len);
        if (apex == origin || !apex.is_subdomain_of(origin)) continue;
        for (const auto& e : edits) {
            if (e.owner.is_subdomain_of(apex)) return true;
        }
    }
    return false;
}

}  // namespace

Daemon::ServedStore Daemon::ServedStore::of(const change::Registry::View& view) {
    ServedStore s;
    for (const auto& z : view.zones) s.zones.push_back(Zone{z, z->id, z->version});
    s.checks = checks_of(view);
    s.expired = view.expired;
    return s;
}

std::vector<std::pair<std::string, uint64_t>> Daemon::ServedStore::checks_of(const change::Registry::View& view) {
    std::vector<std::pair<std::string, uint64_t>> checks;
    for (const auto& hc : view.health_checks) checks.emplace_back(hc.check.id, hc.version);
    return checks;
}

Result<std::unique_ptr<engine::Snapshot>> Daemon::patched_snapshot(const change::Registry::View& view) {
    if (ServedStore::checks_of(view) != served_.checks || view.zones.size() != served_.zones.size())
        return Error{"", 0, "zones or health checks came or went"};
    if (view.expired != served_.expired) return Error{"", 0, "a secondary zone expired, or has a copy again"};
    Served cur = publisher_.with_current([](const engine::Snapshot& s) {
        Served out{s.options, s.zones, nullptr, {}, {}};
        if (s.policies) {
            out.set = s.policies->set_ptr();
            out.health = s.policies->health();
            out.signer = s.policies->answer_signer();
        }
        return out;
    });
    bool patched = false;
    for (size_t i = 0; i < view.zones.size(); ++i) {
        const ServedStore::Zone& served = served_.zones[i];
        const uint64_t version = served.version;
        const auto& after = view.zones[i];
        if (served.id != after->id) return Error{"", 0, "zones came or went"};
        if (served.content.lock() == after) continue;
        if (after->version <= version) return Error{"", 0, after->origin.to_text() + " was replaced"};
        auto keys = changes_->registry().touched_between(after->id, version, after->version);
        if (!keys) return Error{"", 0, after->origin.to_text() + ": the batches in between are not remembered"};
        auto edits = edits_at(*after, *keys);
        if (!edits) return edits.error();
        if (aliased(cur.set.get(), *edits)) return Error{"", 0, "a routing policy's name or alias target changed"};
        if (nested(cur.zones, after->origin, *edits)) return Error{"", 0, "a change lies in a nested zone"};
        int at = image_of(cur.zones, after->origin);
        if (at < 0) return Error{"", 0, after->origin.to_text() + " is not served"};
        const change::ZoneContent& now = *after;
        auto result = zone::patch_zone(*cur.zones[static_cast<size_t>(at)], *edits,
                                       [&now](const dns::Name& n) { return now.has_names_below(n); });
        if (!result.image) return Error{"", 0, after->origin.to_text() + ": " + result.why_not};
        cur.zones[static_cast<size_t>(at)] = std::move(result.image);
        patched = true;
    }
    if (!patched) return Error{"", 0, "nothing to patch"};
    auto snap = std::make_unique<engine::Snapshot>();
    snap->options = std::move(cur.options);
    snap->zones = std::move(cur.zones);
    // New tables over the same policy set: each snapshot's tables are its own (the
    // counter slots give each its half of the window counters).
    if (cur.set) {
        snap->policies = policy::PolicyTables::create(cur.set, std::move(cur.health));
        if (cur.signer) snap->policies->set_answer_signer(std::move(cur.signer));
    }
    auto st = snap->finish();
    if (!st) return st.error();
    return snap;
}

}  // namespace fz::daemon
