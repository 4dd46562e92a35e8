// Catalog zones read and written as the registry's zone content.
#include "daemon/catalog.h"

#include <map>
#include <set>

#include "dns/rrtype.h"

namespace fz::daemon {
namespace {

dns::Name child(const dns::Name& parent, std::string_view label) {
    dns::Name n = parent;
    n.prepend_label(label);
    return n;
}

policy::RecordSet record_set(const dns::Name& name, uint16_t type, std::string value) {
    policy::RecordSet rs;
    rs.name = name;
    rs.type = type;
    rs.ttl = 0;
    rs.values.push_back(std::move(value));
    return rs;
}

// The member PTR sets a produced catalog holds for `members`, by owner.
std::map<std::string, policy::RecordSet> member_sets(const dns::Name& origin, const std::vector<dns::Name>& members) {
    const dns::Name zones = child(origin, "zones");
    std::map<std::string, policy::RecordSet> out;
    for (const dns::Name& m : members) {
        policy::RecordSet rs = record_set(child(zones, member_label(m)), dns::type::PTR, m.lowered().to_text());
        out.emplace(rs.name.lowered().bytes(), std::move(rs));
    }
    return out;
}

}  // namespace

Result<CatalogMembers> read_catalog(const change::ZoneContent& catalog) {
    const dns::Name version = child(catalog.origin, "version");
    const dns::Name zones = child(catalog.origin, "zones");
    bool versioned = false;
    CatalogMembers out;
    std::set<std::string> seen;
    for (const policy::RecordSet& rs : catalog.record_sets) {
        if (rs.name == version && rs.type == dns::type::TXT) {
            versioned = rs.values.size() == 1 && (rs.values.front() == "\"2\"" || rs.values.front() == "2");
            continue;
        }
        if (rs.type != dns::type::PTR || rs.name.label_count() != zones.label_count() + 1 ||
            !(rs.name.parent() == zones)) {
            continue;
        }
        if (rs.values.size() != 1) {
            out.ignored.push_back(rs.name.to_text() + " holds " + std::to_string(rs.values.size()) +
                                  " PTR records, not one");
            continue;
        }
        auto member = dns::name_from_text(rs.values.front(), nullptr);
        if (!member) {
            out.ignored.push_back(rs.name.to_text() + ": bad member name " + rs.values.front());
            continue;
        }
        if (!seen.insert(member->lowered().bytes()).second) {
            out.ignored.push_back(rs.name.to_text() + " lists " + member->to_text() + " again");
            continue;
        }
        out.members.push_back(member->lowered());
    }
    if (!versioned) return make_error("", 0, "catalog " + catalog.origin.to_text() + " has no version \"2\" TXT");
    return out;
}

std::string member_label(const dns::Name& member) {
    // FNV-1a, 64 bits, over the lower-cased wire name: stable across runs and builds
    // (std::hash is not), and not a secret, so nothing stronger is needed.
    uint64_t h = 0xcbf29ce484222325ull;
    const dns::Name lowered = member.lowered();
    for (unsigned char c : lowered.bytes()) h = (h ^ c) * 0x100000001b3ull;
    static const char kHex[] = "0123456789abcdef";
    std::string label(16, '0');
    for (int i = 15; i >= 0; --i, h >>= 4) label[static_cast<size_t>(i)] = kHex[h & 15];
    return label;
}

change::ZoneContent produced_catalog(const dns::Name& origin, const std::vector<dns::Name>& members, uint32_t serial) {
    change::ZoneContent c;
    c.origin = origin;
    c.record_sets.push_back(record_set(origin, dns::type::SOA,
                                       "invalid. invalid. " + std::to_string(serial) + " 3600 600 2147483646 0"));
    c.record_sets.push_back(record_set(origin, dns::type::NS, "invalid."));
    c.record_sets.push_back(record_set(child(origin, "version"), dns::type::TXT, "\"2\""));
    for (auto& [owner, rs] : member_sets(origin, members)) c.record_sets.push_back(std::move(rs));
    c.sort();
    return c;
}

change::Batch catalog_batch(const change::ZoneContent& current, const std::vector<dns::Name>& members) {
    auto wanted = member_sets(current.origin, members);
    const dns::Name zones = child(current.origin, "zones");
    change::Batch batch;
    for (const policy::RecordSet& rs : current.record_sets) {
        if (rs.type != dns::type::PTR || !rs.name.is_subdomain_of(zones)) continue;
        auto it = wanted.find(rs.name.lowered().bytes());
        if (it != wanted.end() && it->second.values == rs.values) {
            wanted.erase(it);
            continue;
        }
        batch.changes.push_back({change::Action::kDelete, rs});
    }
    for (auto& [owner, rs] : wanted) batch.changes.push_back({change::Action::kCreate, std::move(rs)});
    return batch;
}

}  // namespace fz::daemon
