// A zone in Route 53's model: record sets in Route 53's order.
#include "change/content.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "dns/rrtype.h"
#include "dns/wire.h"

namespace fz::change {

namespace {

// "www.example.com." <-> "com.example.www.": the labels of a name's text in reverse.
std::string reverse_labels(const std::string& dotted) {
    if (dotted == ".") return dotted;
    std::string text = dotted;
    if (!text.empty() && text.back() == '.') text.pop_back();
    // Split on unescaped dots (a label may hold "\." in presentation form).
    std::vector<std::string> labels;
    std::string label;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
            label += text.substr(i, 2);
            ++i;
        } else if (text[i] == '.') {
            labels.push_back(std::move(label));
            label.clear();
        } else {
            label += text[i];
        }
    }
    labels.push_back(std::move(label));
    std::string out;
    for (auto it = labels.rbegin(); it != labels.rend(); ++it) out += *it + ".";
    return out;
}

}  // namespace

std::string reversed_name(const dns::Name& name) { return reverse_labels(name.lowered().to_text()); }

Result<dns::Name> name_of(const RecordSetKey& key) {
    return dns::name_from_text(reverse_labels(key.reversed_name), nullptr);
}

RecordSetKey key_of(const dns::Name& name, uint16_t type, const std::string& set_identifier) {
    return RecordSetKey{reversed_name(name), dns::type_to_text(type), set_identifier};
}

RecordSetKey key_of(const policy::RecordSet& rs) { return key_of(rs.name, rs.type, rs.set_identifier); }

const policy::RecordSet* ZoneContent::find(const RecordSetKey& key) const { return record_sets.find(key); }

bool ZoneContent::has_names_below(const dns::Name& name) const {
    // In key order a name's descendants follow it, each reversed name starting with its.
    const std::string prefix = reversed_name(name);
    auto it = std::partition_point(record_sets.begin(), record_sets.end(),
                                   [&](const policy::RecordSet& rs) { return reversed_name(rs.name) <= prefix; });
    return it != record_sets.end() && reversed_name(it->name).compare(0, prefix.size(), prefix) == 0;
}

const policy::RecordSet* ZoneContent::soa() const { return find(key_of(origin, dns::type::SOA)); }

uint32_t ZoneContent::serial() const {
    const policy::RecordSet* s = soa();
    return s == nullptr || s->values.empty() ? 0 : soa_serial(s->values.front());
}

uint32_t soa_serial(const std::string& v) {
    // "mname rname serial refresh retry expire minimum": the third field.
    size_t pos = 0;
    for (int field = 0; field < 2; ++field) {
        pos = v.find_first_not_of(' ', pos);
        pos = v.find(' ', pos);
        if (pos == std::string::npos) return 0;
    }
    return static_cast<uint32_t>(std::strtoul(v.c_str() + pos, nullptr, 10));
}

void ZoneContent::sort() { record_sets.sort(); }

std::string to_zone_file(const ZoneContent& zone) {
    std::string out = "$ORIGIN " + zone.origin.to_text() + "\n";
    size_t routed = 0;
    auto emit = [&](const policy::RecordSet& rs) {
        for (const std::string& v : rs.values) {
            out += rs.name.to_text() + "\t" + std::to_string(rs.ttl) + "\tIN\t" + dns::type_to_text(rs.type) + "\t" +
                   v + "\n";
        }
    };
    if (const policy::RecordSet* soa = zone.soa()) emit(*soa);
    for (const policy::RecordSet& rs : zone.record_sets) {
        if (!rs.is_simple()) {
            ++routed;
            continue;
        }
        if (rs.type == dns::type::SOA && rs.name == zone.origin) continue;
        emit(rs);
    }
    if (routed != 0) {
        out += "; " + std::to_string(routed) +
               " record sets with a routing policy or an alias are not shown: export them as JSON\n";
    }
    return out;
}

std::string to_record_sets_json(const ZoneContent& zone) {
    std::string out = "{\"ResourceRecordSets\": [";
    for (size_t i = 0; i < zone.record_sets.size(); ++i) {
        out += (i == 0 ? "\n  " : ",\n  ") + policy::record_set_to_json(zone.record_sets[i]);
    }
    return out + "\n]}\n";
}

const ZoneKey* ZoneSigning::find(const std::string& name) const {
    for (const ZoneKey& k : keys) {
        if (k.name == name) return &k;
    }
    return nullptr;
}

ZoneKey* ZoneSigning::find(const std::string& name) {
    return const_cast<ZoneKey*>(static_cast<const ZoneSigning&>(*this).find(name));
}

bool ZoneSigning::active_ksk() const {
    return std::any_of(keys.begin(), keys.end(), [](const ZoneKey& k) { return k.ksk && k.active; });
}

}  // namespace fz::change
