// The change history as IXFR deltas.
#include "xfr/ixfr.h"

#include <set>
#include <tuple>

#include "dns/wire.h"
#include "zone/rdata_text.h"

namespace fz::xfr {
namespace {

// The records of a simple record set; false when it is routed or a value does not parse.
bool records_of(const policy::RecordSet& rs, const dns::Name& origin, std::vector<Record>& out, std::string& why) {
    if (!rs.is_simple()) {
        why = "a routing-policy or alias record set changed (" + rs.describe() + ")";
        return false;
    }
    const std::string owner = rs.name.lowered().bytes();
    for (const std::string& v : rs.values) {
        auto rd = zone::rdata_from_text(rs.type, v, origin);
        if (!rd) {
            why = rs.describe() + ": " + rd.error().message;
            return false;
        }
        out.push_back({owner, rs.type, rs.ttl, std::move(rd.value())});
    }
    return true;
}

// The entry's SOA as it was (`after` false) or as it became.
std::optional<Record> entry_soa(const change::HistoryEntry& e, const dns::Name& origin, bool after) {
    const auto& sets = after ? e.added : e.removed;
    for (const auto& rs : sets) {
        if (rs.type != dns::type::SOA || !rs.name.equals(origin) || rs.values.size() != 1) continue;
        std::vector<Record> r;
        std::string why;
        if (!records_of(rs, origin, r, why)) return std::nullopt;
        return r.front();
    }
    return std::nullopt;
}

// A replaced record set is in both lists whole: the records it kept, TTL and all, need
// neither removing nor adding (a secondary may refuse to remove what it is given again).
void drop_common(Delta& d) {
    using Key = std::tuple<std::string, uint16_t, uint32_t, std::string>;
    auto key = [](const Record& r) { return Key{r.owner, r.type, r.ttl, r.rdata}; };
    std::set<Key> removed, both;
    for (const Record& r : d.removed) removed.insert(key(r));
    for (const Record& r : d.added) {
        if (removed.count(key(r)) != 0) both.insert(key(r));
    }
    if (both.empty()) return;
    std::erase_if(d.removed, [&](const Record& r) { return both.count(key(r)) != 0; });
    std::erase_if(d.added, [&](const Record& r) { return both.count(key(r)) != 0; });
}

}  // namespace

std::optional<std::vector<Delta>> ixfr_deltas(const std::vector<change::HistoryEntry>& history, const dns::Name& origin,
                                              uint32_t from, std::string& why) {
    // The last entry that starts from `from`: a serial the zone went through twice (after
    // a re-import) counts from its latest passage.
    size_t start = history.size();
    for (size_t i = history.size(); i-- > 0;) {
        if (history[i].serial_before == from && entry_soa(history[i], origin, false)) {
            start = i;
            break;
        }
    }
    if (start == history.size()) {
        why = "the history does not reach back to serial " + std::to_string(from);
        return std::nullopt;
    }
    std::vector<Delta> out;
    uint32_t serial = from;
    for (size_t i = start; i < history.size(); ++i) {
        const change::HistoryEntry& e = history[i];
        if (e.serial_before != serial) {
            why = "the history has a gap after serial " + std::to_string(serial);
            return std::nullopt;
        }
        auto before = entry_soa(e, origin, false);
        auto after = entry_soa(e, origin, true);
        if (!before || !after) {
            why = "change " + e.change_id + " replaced the zone whole";
            return std::nullopt;
        }
        Delta d{std::move(*before), {}, std::move(*after), {}};
        for (const auto& rs : e.removed) {
            if (rs.type == dns::type::SOA && rs.name.equals(origin)) continue;
            if (!records_of(rs, origin, d.removed, why)) return std::nullopt;
        }
        for (const auto& rs : e.added) {
            if (rs.type == dns::type::SOA && rs.name.equals(origin)) continue;
            if (!records_of(rs, origin, d.added, why)) return std::nullopt;
        }
        drop_common(d);
        serial = e.serial_after;
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace fz::xfr
