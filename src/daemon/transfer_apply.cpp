// Transfers in as zone content and as change batches.
#include "daemon/transfer_apply.h"

#include <algorithm>
#include <map>

#include "dns/rrtype.h"
#include "zone/check.h"
#include "zone/rdata_text.h"

namespace fz::daemon {
namespace {

std::string value_of(const xfr::Record& r) { return zone::rdata_to_text(r.type, r.rdata); }

dns::Name owner_of(const xfr::Record& r) {
    return dns::Name::from_wire(reinterpret_cast<const uint8_t*>(r.owner.data()), r.owner.size());
}

}  // namespace

Result<change::ZoneContent> content_of_transfer(const dns::Name& zone, const std::vector<xfr::Record>& records) {
    zone::ZoneSource src;
    src.origin = zone;
    src.files.push_back("transfer of " + zone.to_text());
    src.records.reserve(records.size());
    for (const xfr::Record& r : records) {
        zone::Record rec;
        rec.owner = owner_of(r);
        rec.type = r.type;
        rec.ttl = r.ttl;
        rec.rdata = r.rdata;
        src.records.push_back(std::move(rec));
    }
    auto st = zone::check_zone(src);
    if (!st) return st.error();
    change::ZoneContent content;
    content.origin = zone;
    std::map<std::pair<std::string, uint16_t>, size_t> at;  // (owner, type) -> record set index
    std::vector<policy::RecordSet> sets;
    for (const xfr::Record& r : records) {
        auto [it, fresh] = at.emplace(std::make_pair(r.owner, r.type), sets.size());
        if (fresh) {
            policy::RecordSet rs;
            rs.name = owner_of(r);
            rs.type = r.type;
            rs.ttl = r.ttl;
            sets.push_back(std::move(rs));
        }
        sets[it->second].values.push_back(value_of(r));
    }
    for (auto& rs : sets) content.record_sets.push_back(std::move(rs));
    return content;
}

Result<change::Batch> batch_of_deltas(const change::ZoneContent& current, const std::vector<xfr::Delta>& deltas) {
    struct Touched {
        const policy::RecordSet* before = nullptr;
        policy::RecordSet after;
    };
    std::map<change::RecordSetKey, Touched> touched;
    auto entry = [&](const xfr::Record& r) -> Touched& {
        const dns::Name owner = owner_of(r);
        const change::RecordSetKey key = change::key_of(owner, r.type);
        auto [it, fresh] = touched.try_emplace(key);
        if (fresh) {
            it->second.before = current.find(key);
            if (it->second.before != nullptr) {
                it->second.after = *it->second.before;
            } else {
                it->second.after.name = owner;
                it->second.after.type = r.type;
                it->second.after.ttl = r.ttl;
            }
        }
        return it->second;
    };
    for (const xfr::Delta& d : deltas) {
        for (const xfr::Record& r : d.removed) {
            Touched& t = entry(r);
            auto& values = t.after.values;
            auto it = std::find(values.begin(), values.end(), value_of(r));
            if (it == values.end()) {
                return make_error("", 0,
                                  "the IXFR removes " + owner_of(r).to_text() + " " + dns::type_to_text(r.type) + " " +
                                      value_of(r) + ", which our copy does not hold");
            }
            values.erase(it);
        }
        for (const xfr::Record& r : d.added) {
            Touched& t = entry(r);
            if (std::find(t.after.values.begin(), t.after.values.end(), value_of(r)) == t.after.values.end()) {
                t.after.values.push_back(value_of(r));
            }
            t.after.ttl = r.ttl;
        }
    }
    change::Batch batch;
    for (auto& [key, t] : touched) {
        if (t.after.values.empty()) {
            if (t.before != nullptr) batch.changes.push_back({change::Action::kDelete, *t.before});
        } else if (t.before == nullptr || t.before->values != t.after.values || t.before->ttl != t.after.ttl) {
            batch.changes.push_back({change::Action::kUpsert, std::move(t.after)});
        }
    }
    // The new SOA, with the primary's serial (the SOA records are not in the deltas' lists).
    const xfr::Record& soa = deltas.back().soa_after;
    policy::RecordSet rs;
    rs.name = owner_of(soa);
    rs.type = dns::type::SOA;
    rs.ttl = soa.ttl;
    rs.values.push_back(value_of(soa));
    batch.changes.push_back({change::Action::kUpsert, std::move(rs)});
    return batch;
}

}  // namespace fz::daemon
