// Change batches applied to a zone's content, with Route 53's rules.
#include "change/batch.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <optional>
#include <set>

#include "dns/rrtype.h"
#include "dns/wire.h"

namespace fz::change {
namespace {

// RFC 1982: is `a` greater than `b` in serial number arithmetic?
bool serial_greater(uint32_t a, uint32_t b) { return a != b && static_cast<uint32_t>(a - b) < 0x80000000u; }

// The SOA value with its serial (the third field) replaced.
std::string with_serial(const std::string& soa, uint32_t serial) {
    size_t start = 0;
    for (int field = 0; field < 2; ++field) {
        start = soa.find_first_not_of(' ', start);
        start = soa.find(' ', start);
        if (start == std::string::npos) return soa;
    }
    start = soa.find_first_not_of(' ', start);
    if (start == std::string::npos) return soa;
    size_t end = soa.find(' ', start);
    return soa.substr(0, start) + std::to_string(serial) + (end == std::string::npos ? "" : soa.substr(end));
}

std::string canonical(const policy::RecordSet& rs) {
    policy::RecordSet copy = rs;
    copy.line = 0;
    std::sort(copy.values.begin(), copy.values.end());
    copy.name = copy.name.lowered();
    return policy::record_set_to_json(copy);
}

// The batch applied as an overlay over the zone's sorted record sets: only the keys the
// batch touches are held apart, so that a change to a 1M-record zone costs its own size
// plus one copy of the result, not a rebuild of every record set.
class Applier {
public:
    Applier(const ZoneContent& zone, BatchErrors& errors) : zone_(zone), errors_(errors) {}

    void change(const Change& c) {
        const policy::RecordSet& rs = c.record_set;
        const RecordSetKey key = key_of(rs);
        if (!rs.name.is_subdomain_of(zone_.origin)) {
            fail("RRSet with DNS name " + rs.name.to_text() + " is not permitted in zone " + zone_.origin.to_text());
            return;
        }
        const policy::RecordSet* current = find(key);
        switch (c.action) {
            case Action::kCreate:
                if (current != nullptr) {
                    fail("Tried to create resource record set " + describe_for_route53(rs) + " but it already exists");
                    return;
                }
                overlay_[key] = rs;
                return;
            case Action::kDelete:
                if (current == nullptr) {
                    fail("Tried to delete resource record set " + describe_for_route53(rs) + " but it was not found");
                    return;
                }
                if (!same_record_set(*current, rs)) {
                    fail("Tried to delete resource record set " + describe_for_route53(rs) +
                         " but the values provided do not match the current values");
                    return;
                }
                if (rs.name == zone_.origin && (rs.type == dns::type::SOA || rs.type == dns::type::NS)) {
                    fail(rs.type == dns::type::SOA ? "A HostedZone must contain exactly one SOA record."
                                                   : "A HostedZone must contain at least one NS record for the "
                                                     "zone itself.");
                    return;
                }
                overlay_[key] = std::nullopt;
                return;
            case Action::kUpsert: overlay_[key] = rs; return;
        }
    }

    // The checks of the result, at the names the batch touched (the rest is as it was, and
    // was checked when it came).
    void check_zone() {
        std::set<std::string> names;
        for (const auto& [key, rs] : overlay_) names.insert(key.reversed_name);
        for (const std::string& name : names) {
            std::vector<const policy::RecordSet*> sets = at_name(name);
            const policy::RecordSet* cname = nullptr;
            for (const auto* rs : sets) {
                if (rs->type == dns::type::CNAME) cname = rs;
            }
            if (cname != nullptr &&
                std::any_of(sets.begin(), sets.end(), [](const auto* rs) { return rs->type != dns::type::CNAME; })) {
                fail("RRSet of type CNAME with DNS name " + cname->name.to_text() +
                     " is not permitted as it conflicts with other records with the same DNS name in zone " +
                     zone_.origin.to_text());
            }
            if (cname != nullptr && cname->name == zone_.origin) {
                fail("RRSet of type CNAME with DNS name " + cname->name.to_text() +
                     " is not permitted at apex in zone " + zone_.origin.to_text());
            }
            check_routing(sets);
        }
        if (find(key_of(zone_.origin, dns::type::SOA)) == nullptr) {
            fail("A HostedZone must contain exactly one SOA record.");
        }
        if (find(key_of(zone_.origin, dns::type::NS)) == nullptr) {
            fail("A HostedZone must contain at least one NS record for the zone itself.");
        }
    }

    // The zone with the overlay applied: its record sets share every chunk the batch
    // did not touch with the zone's.
    ZoneContent result(SerialPolicy policy, int64_t now) {
        ZoneContent out = zone_;
        out.version = zone_.version + 1;
        for (const auto& [key, rs] : overlay_) {
            if (rs) {
                out.record_sets.upsert(*rs);
            } else {
                out.record_sets.erase(key);
            }
        }
        const policy::RecordSet* soa = out.soa();
        if (soa != nullptr && !soa->values.empty()) {
            const uint32_t old = zone_.serial();
            const uint32_t given = soa_serial(soa->values.front());
            if (!serial_greater(given, old)) {
                policy::RecordSet raised = *soa;
                raised.values.front() = with_serial(raised.values.front(), next_serial(old, policy, now));
                out.record_sets.upsert(std::move(raised));
            }
        }
        return out;
    }

    // The keys the batch touched (in key order).
    std::vector<RecordSetKey> touched() const {
        std::vector<RecordSetKey> keys;
        for (const auto& [key, rs] : overlay_) keys.push_back(key);
        return keys;
    }

private:
    void fail(std::string message) { errors_.messages.push_back(std::move(message)); }

    // The record set with this key after the changes so far, or null.
    const policy::RecordSet* find(const RecordSetKey& key) const {
        auto o = overlay_.find(key);
        if (o != overlay_.end()) return o->second ? &*o->second : nullptr;
        return zone_.find(key);
    }

    // Every record set at one (reversed) name after the changes so far.
    std::vector<const policy::RecordSet*> at_name(const std::string& name) const {
        std::vector<const policy::RecordSet*> out;
        const RecordSetKey first{name, "", ""};
        auto it = std::lower_bound(zone_.record_sets.begin(), zone_.record_sets.end(), first,
                                   [](const policy::RecordSet& rs, const RecordSetKey& k) { return key_of(rs) < k; });
        for (; it != zone_.record_sets.end(); ++it) {
            RecordSetKey key = key_of(*it);
            if (key.reversed_name != name) break;
            if (overlay_.count(key) == 0) out.push_back(&*it);
        }
        for (auto o = overlay_.lower_bound(first); o != overlay_.end() && o->first.reversed_name == name; ++o) {
            if (o->second) out.push_back(&*o->second);
        }
        return out;
    }

    // One name and type: one simple record set, or record sets of one routing policy.
    void check_routing(const std::vector<const policy::RecordSet*>& sets) {
        std::map<uint16_t, std::vector<const policy::RecordSet*>> by_type;
        for (const auto* rs : sets) by_type[rs->type].push_back(rs);
        for (const auto& [type, group] : by_type) {
            if (group.size() < 2) continue;
            const policy::RecordSet& first = *group.front();
            for (const auto* rs : group) {
                if (rs->set_identifier.empty() || first.set_identifier.empty()) {
                    fail("RRSet with DNS name " + first.name.to_text() + ", type " + dns::type_to_text(type) +
                         " cannot be created because a record set with the same name and type exists without a "
                         "SetIdentifier (routing policies cannot be mixed with a simple record set)");
                    break;
                }
                if (rs->kind != first.kind) {
                    fail("RRSet with DNS name " + first.name.to_text() + ", type " + dns::type_to_text(type) +
                         ", SetIdentifier " + rs->set_identifier + " cannot be created because a " +
                         policy::routing_kind_name(first.kind) +
                         " record set with the same name and type exists (one routing policy per name and type)");
                    break;
                }
            }
        }
    }

    const ZoneContent& zone_;
    BatchErrors& errors_;
    std::map<RecordSetKey, std::optional<policy::RecordSet>> overlay_;  // nullopt: deleted
};

}  // namespace

const char* action_name(Action a) {
    switch (a) {
        case Action::kCreate: return "CREATE";
        case Action::kDelete: return "DELETE";
        case Action::kUpsert: return "UPSERT";
    }
    return "?";
}

uint32_t next_serial(uint32_t old, SerialPolicy policy, int64_t now) {
    uint32_t candidate = old + 1;  // wraps as RFC 1982 allows
    if (policy == SerialPolicy::kUnixtime) {
        candidate = static_cast<uint32_t>(now);
    } else if (policy == SerialPolicy::kDateserial) {
        time_t t = static_cast<time_t>(now);
        tm g;
        gmtime_r(&t, &g);
        candidate = static_cast<uint32_t>((g.tm_year + 1900) * 1000000 + (g.tm_mon + 1) * 10000 + g.tm_mday * 100);
    }
    return serial_greater(candidate, old) ? candidate : old + 1;
}

std::string describe_for_route53(const policy::RecordSet& rs) {
    std::string out = "[name='" + rs.name.to_text() + "', type='" + dns::type_to_text(rs.type) + "'";
    if (!rs.set_identifier.empty()) out += ", set-identifier='" + rs.set_identifier + "'";
    return out + "]";
}

bool same_record_set(const policy::RecordSet& a, const policy::RecordSet& b) { return canonical(a) == canonical(b); }

ZoneContent apply_batch(const ZoneContent& zone, const Batch& batch, SerialPolicy policy, int64_t now,
                        BatchErrors& errors, std::vector<RecordSetKey>* touched) {
    Applier applier(zone, errors);
    for (const Change& c : batch.changes) applier.change(c);
    if (!errors.empty()) return {};
    applier.check_zone();
    if (!errors.empty()) return {};
    if (touched != nullptr) {
        *touched = applier.touched();
        touched->push_back(key_of(zone.origin, dns::type::SOA));  // its serial rises
    }
    return applier.result(policy, now);
}

}  // namespace fz::change
