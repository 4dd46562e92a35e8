// Change batches applied to a zone's content, with Route 53's rules.
#include "change/batch.h"

#include <algorithm>
#include <ctime>
#include <map>
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

class Applier {
public:
    Applier(const ZoneContent& zone, BatchErrors& errors) : zone_(zone), errors_(errors) {
        for (const auto& rs : zone.record_sets) sets_.emplace(key_of(rs), rs);
    }

    void change(const Change& c) {
        const policy::RecordSet& rs = c.record_set;
        const RecordSetKey key = key_of(rs);
        if (!rs.name.is_subdomain_of(zone_.origin)) {
            fail("RRSet with DNS name " + rs.name.to_text() + " is not permitted in zone " + zone_.origin.to_text());
            return;
        }
        auto it = sets_.find(key);
        switch (c.action) {
            case Action::kCreate:
                if (it != sets_.end()) {
                    fail("Tried to create resource record set " + describe_for_route53(rs) + " but it already exists");
                    return;
                }
                sets_.emplace(key, rs);
                return;
            case Action::kDelete:
                if (it == sets_.end()) {
                    fail("Tried to delete resource record set " + describe_for_route53(rs) + " but it was not found");
                    return;
                }
                if (!same_record_set(it->second, rs)) {
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
                sets_.erase(it);
                return;
            case Action::kUpsert:
                if (it != sets_.end()) {
                    it->second = rs;
                } else {
                    sets_.emplace(key, rs);
                }
                return;
        }
    }

    // The checks of the whole result.
    void check_zone() {
        std::map<std::string, std::vector<const policy::RecordSet*>> by_name;  // reversed name -> sets
        for (const auto& [key, rs] : sets_) by_name[key.reversed_name].push_back(&rs);
        for (const auto& [name, sets] : by_name) {
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
        if (!sets_.count(key_of(zone_.origin, dns::type::SOA))) {
            fail("A HostedZone must contain exactly one SOA record.");
        }
        if (!sets_.count(key_of(zone_.origin, dns::type::NS))) {
            fail("A HostedZone must contain at least one NS record for the zone itself.");
        }
    }

    ZoneContent result(SerialPolicy policy, int64_t now) {
        ZoneContent out = zone_;
        out.record_sets.clear();
        for (auto& [key, rs] : sets_) out.record_sets.push_back(std::move(rs));  // std::map: key order
        out.version = zone_.version + 1;
        auto soa_key = key_of(zone_.origin, dns::type::SOA);
        for (auto& rs : out.record_sets) {
            if (key_of(rs) != soa_key || rs.values.empty()) continue;
            const uint32_t old = zone_.serial();
            ZoneContent probe;
            probe.origin = zone_.origin;
            probe.record_sets = {rs};
            const uint32_t given = probe.serial();
            if (!serial_greater(given, old))
                rs.values.front() = with_serial(rs.values.front(), next_serial(old, policy, now));
        }
        return out;
    }

private:
    void fail(std::string message) { errors_.messages.push_back(std::move(message)); }

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
    std::map<RecordSetKey, policy::RecordSet> sets_;
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
                        BatchErrors& errors) {
    Applier applier(zone, errors);
    for (const Change& c : batch.changes) applier.change(c);
    if (!errors.empty()) return {};
    applier.check_zone();
    if (!errors.empty()) return {};
    return applier.result(policy, now);
}

}  // namespace fz::change
