// RFC 2136 prerequisites and updates over a zone's record sets, as one change batch.
#include "api/update_plan.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "dns/rrtype.h"
#include "dns/wire.h"
#include "policy/record_set.h"
#include "zone/rdata_text.h"

namespace fz::api {
namespace {

namespace rcode = dns::rcode;
namespace type = dns::type;
namespace rrclass = dns::rrclass;

constexpr size_t kNpos = std::string::npos;

// Lower-cases the labels of the name at `pos` of `r`; the offset after it, or kNpos.
size_t lower_name_at(std::string& r, size_t pos) {
    while (pos < r.size()) {
        const auto l = static_cast<uint8_t>(r[pos]);
        if (l == 0) return pos + 1;
        if (l > dns::kMaxLabel || pos + 1 + l > r.size()) return kNpos;
        for (size_t k = pos + 1; k <= pos + l; ++k) r[k] = static_cast<char>(dns::lower(static_cast<uint8_t>(r[k])));
        pos += l + 1u;
    }
    return kNpos;
}

// The form in which two rdatas of `type` compare: names inside lower-cased (RFC 4034 6.2,
// the types that carry names), other bytes as they are.
std::string canonical(uint16_t t, std::string r) {
    switch (t) {
        case type::NS:
        case type::CNAME:
        case type::PTR:
        case type::DNAME: lower_name_at(r, 0); break;
        case type::MX:
        case type::KX:
        case type::AFSDB:
            if (r.size() > 2) lower_name_at(r, 2);
            break;
        case type::SRV:
            if (r.size() > 6) lower_name_at(r, 6);
            break;
        case type::SOA: {
            const size_t p = lower_name_at(r, 0);
            if (p != kNpos) lower_name_at(r, p);
            break;
        }
        default: break;
    }
    return r;
}

// The serial of SOA rdata (two names, then serial), or nullopt.
std::optional<uint32_t> soa_serial(const std::string& r) {
    const auto* p = reinterpret_cast<const uint8_t*>(r.data());
    const size_t a = dns::wire_name_length(p, r.size());
    if (a == 0) return std::nullopt;
    const size_t b = dns::wire_name_length(p + a, r.size() - a);
    if (b == 0 || r.size() - a - b < 20) return std::nullopt;
    return dns::load_u32(p + a + b);
}

// RFC 1982: `a` is greater than `b` in serial arithmetic.
bool serial_greater(uint32_t a, uint32_t b) { return a != b && static_cast<uint32_t>(a - b) < 0x80000000u; }

std::string describe(const dns::Name& name, uint16_t t) { return name.to_text() + " " + policy::type_name(t); }

bool is_meta(uint16_t t) {
    return t == type::OPT || t == type::TSIG || t == type::TKEY || t == type::IXFR || t == type::AXFR ||
           t == type::MAILA || t == type::MAILB;
}

// Beside a CNAME only DNSSEC's own records may live (RFC 2181 10.1, RFC 4035 2.5).
bool allowed_beside_cname(uint16_t t) { return t == type::RRSIG || t == type::NSEC || t == type::NSEC3; }

struct Value {
    std::string canonical;
    std::string text;  // presentation form, as stored or as rdata_to_text prints the request's
};

// One name and type as the updates so far left it.
struct Working {
    dns::Name name;
    uint16_t type = 0;
    const policy::RecordSet* original = nullptr;  // the simple record set there before
    bool routing = false;                         // a routing-policy record set or alias owns it
    uint32_t ttl = 0;
    std::vector<Value> values;

    bool exists() const { return routing || !values.empty(); }
    bool has(const std::string& c) const {
        return std::any_of(values.begin(), values.end(), [&](const Value& v) { return v.canonical == c; });
    }
};

bool same_values(const std::vector<Value>& a, const std::vector<Value>& b) {
    if (a.size() != b.size()) return false;
    return std::all_of(a.begin(), a.end(), [&](const Value& v) {
        return std::any_of(b.begin(), b.end(), [&](const Value& w) { return w.canonical == v.canonical; });
    });
}

class Planner {
public:
    explicit Planner(const change::ZoneContent& zone) : zone_(zone) {}

    UpdatePlan run(const UpdateMessage& msg) {
        if (check_prerequisites(msg) && prescan(msg)) {
            for (const auto& rr : msg.updates) {
                if (!apply(rr)) break;
            }
        }
        if (plan_.rcode == rcode::NOERROR) diff();
        return std::move(plan_);
    }

private:
    using Key = std::pair<std::string, uint16_t>;  // lower-cased wire name, type

    bool fail(uint16_t code, std::string reason) {
        plan_.rcode = code;
        plan_.reason = std::move(reason);
        return false;
    }
    bool refuse_routing(const Working& w) {
        return fail(rcode::REFUSED, describe(w.name, w.type) +
                                        " is served by a routing policy (set identifier or alias): change it "
                                        "through the API");
    }

    // The record sets of `name`: contiguous in the content's order (reversed name first).
    struct Range {
        change::RecordSetList::const_iterator first, last;
        auto begin() const { return first; }
        auto end() const { return last; }
    };
    Range at_name(const dns::Name& name) const {
        const std::string rn = change::reversed_name(name);
        const auto& all = zone_.record_sets;
        const auto first = std::lower_bound(all.begin(), all.end(), rn,
                                            [](const policy::RecordSet& rs, const std::string& k) {
                                                return change::reversed_name(rs.name) < k;
                                            });
        auto last = first;
        while (last != all.end() && change::reversed_name(last->name) == rn) ++last;
        return Range{first, last};
    }

    Working& get(const dns::Name& name, uint16_t t) {
        Key key{name.lowered().bytes(), t};
        auto it = work_.find(key);
        if (it != work_.end()) return it->second;
        Working w;
        w.name = name.lowered();
        w.type = t;
        for (const auto& rs : at_name(name)) {
            if (rs.type != t) continue;
            if (!rs.is_simple()) {
                w.routing = true;
                continue;
            }
            w.original = &rs;
            w.name = rs.name;
            w.ttl = rs.ttl;
            w.values = stored_values(rs);
        }
        return work_.emplace(std::move(key), std::move(w)).first->second;
    }

    bool rrset_exists(const dns::Name& name, uint16_t t) { return get(name, t).exists(); }

    // The types at `name` that exist now.
    std::vector<uint16_t> types_at(const dns::Name& name) {
        std::vector<uint16_t> types;
        for (const auto& rs : at_name(name)) types.push_back(rs.type);
        const std::string lc = name.lowered().bytes();
        for (auto it = work_.lower_bound({lc, 0}); it != work_.end() && it->first.first == lc; ++it) {
            types.push_back(it->first.second);
        }
        std::sort(types.begin(), types.end());
        types.erase(std::unique(types.begin(), types.end()), types.end());
        std::erase_if(types, [&](uint16_t t) { return !rrset_exists(name, t); });
        return types;
    }

    // RFC 2136 3.2.5.
    bool check_prerequisites(const UpdateMessage& msg) {
        std::map<Key, std::pair<dns::Name, std::vector<std::string>>> required;  // value-dependent (3.2.3)
        for (const auto& rr : msg.prerequisites) {
            const std::string what = describe(rr.name, rr.type);
            if (rr.ttl != 0) return fail(rcode::FORMERR, "prerequisite " + what + " with a TTL");
            if (!rr.name.is_subdomain_of(zone_.origin))
                return fail(rcode::NOTZONE, "prerequisite " + what + " outside the zone");
            if (rr.rclass == rrclass::ANY || rr.rclass == rrclass::NONE) {
                if (!rr.rdata.empty()) return fail(rcode::FORMERR, "prerequisite " + what + " with rdata");
                const bool any = rr.type == type::ANY;
                const bool exists = any ? !types_at(rr.name).empty() : rrset_exists(rr.name, rr.type);
                if (rr.rclass == rrclass::ANY && !exists) {
                    plan_.prerequisite_failed = true;
                    return any ? fail(rcode::NXDOMAIN, "prerequisite: name " + rr.name.to_text() + " is not in use")
                               : fail(rcode::NXRRSET, "prerequisite: RRset " + what + " does not exist");
                }
                if (rr.rclass == rrclass::NONE && exists) {
                    plan_.prerequisite_failed = true;
                    return any ? fail(rcode::YXDOMAIN, "prerequisite: name " + rr.name.to_text() + " is in use")
                               : fail(rcode::YXRRSET, "prerequisite: RRset " + what + " exists");
                }
            } else if (rr.rclass == msg.zone_class && rr.type != type::ANY && !is_meta(rr.type)) {
                auto& entry = required[{rr.name.lowered().bytes(), rr.type}];
                entry.first = rr.name;
                const std::string c = canonical(rr.type, rr.rdata);
                if (std::find(entry.second.begin(), entry.second.end(), c) == entry.second.end())
                    entry.second.push_back(c);
            } else {
                return fail(rcode::FORMERR, "prerequisite " + what + " of class " + dns::class_to_text(rr.rclass));
            }
        }
        for (const auto& [key, entry] : required) {
            Working& w = get(entry.first, key.second);
            if (w.routing) return refuse_routing(w);
            const bool same = w.values.size() == entry.second.size() &&
                              std::all_of(entry.second.begin(), entry.second.end(),
                                          [&](const auto& c) { return w.has(c); });
            if (!same) {
                plan_.prerequisite_failed = true;
                return fail(rcode::NXRRSET, "prerequisite: RRset " + describe(entry.first, key.second) +
                                                " does not hold exactly the values given");
            }
        }
        return true;
    }

    // RFC 2136 3.4.1.3.
    bool prescan(const UpdateMessage& msg) {
        for (const auto& rr : msg.updates) {
            const std::string what = "update " + describe(rr.name, rr.type);
            if (!rr.name.is_subdomain_of(zone_.origin)) return fail(rcode::NOTZONE, what + " outside the zone");
            if (rr.rclass == msg.zone_class) {
                if (rr.type == type::ANY || is_meta(rr.type)) return fail(rcode::FORMERR, what + ": not a type to add");
                if (rr.ttl > zone::kMaxTtl) return fail(rcode::FORMERR, what + ": TTL over 2^31-1");
                const auto* p = reinterpret_cast<const uint8_t*>(rr.rdata.data());
                if (!zone::rdata_is_valid(rr.type, p, rr.rdata.size()) ||
                    (rr.rdata.empty() && zone::has_presentation_format(rr.type))) {
                    return fail(rcode::FORMERR, what + ": malformed rdata");
                }
            } else if (rr.rclass == rrclass::ANY) {
                if (rr.ttl != 0 || !rr.rdata.empty() || (is_meta(rr.type))) {
                    return fail(rcode::FORMERR, what + ": a delete with a TTL, rdata or a meta type");
                }
            } else if (rr.rclass == rrclass::NONE) {
                if (rr.ttl != 0 || rr.type == type::ANY || is_meta(rr.type)) {
                    return fail(rcode::FORMERR, what + ": a delete with a TTL or a meta type");
                }
            } else {
                return fail(rcode::FORMERR, what + " of class " + dns::class_to_text(rr.rclass));
            }
        }
        return true;
    }

    bool add(const UpdateRecord& rr) {
        const bool apex = rr.name.equals(zone_.origin);
        if (rr.type == type::CNAME) {
            const auto types = types_at(rr.name);
            if (std::any_of(types.begin(), types.end(),
                            [](uint16_t t) { return t != type::CNAME && !allowed_beside_cname(t); })) {
                return true;  // ignored: other data is there (3.4.2.2)
            }
        } else if (!allowed_beside_cname(rr.type) && rrset_exists(rr.name, type::CNAME)) {
            return true;  // ignored: a CNAME is there
        }
        const std::string c = canonical(rr.type, rr.rdata);
        Working& w = get(rr.name, rr.type);
        if (w.routing) return refuse_routing(w);
        if (rr.type == type::SOA) {
            if (!apex || w.values.empty()) return true;  // only the apex's SOA may change
            const auto now = soa_serial(w.values.front().canonical);
            const auto next = soa_serial(c);
            if (!now || !next || !serial_greater(*next, *now)) return true;  // an older serial: ignored
        }
        Value v{c, zone::rdata_to_text(rr.type, rr.rdata)};
        if (rr.type == type::SOA || rr.type == type::CNAME) {
            w.values.assign(1, std::move(v));  // one of them per name: replaced
        } else if (!w.has(c)) {
            w.values.push_back(std::move(v));
        }
        w.ttl = rr.ttl;  // the RRset takes the TTL last given (RFC 2181 5.2: one TTL per RRset), as BIND does
        return true;
    }

    bool remove(const UpdateRecord& rr) {
        const bool apex = rr.name.equals(zone_.origin);
        if (rr.rclass == rrclass::ANY) {
            std::vector<uint16_t> types{rr.type};
            if (rr.type == type::ANY) types = types_at(rr.name);
            for (const uint16_t t : types) {
                if (apex && (t == type::SOA || t == type::NS)) continue;  // never the apex SOA and NS (3.4.2.3)
                Working& w = get(rr.name, t);
                if (w.routing) return refuse_routing(w);
                w.values.clear();
            }
            return true;
        }
        if (rr.type == type::SOA) return true;  // 3.4.2.4: never deleted
        Working& w = get(rr.name, rr.type);
        if (w.routing) return refuse_routing(w);
        const std::string c = canonical(rr.type, rr.rdata);
        if (apex && rr.type == type::NS && w.values.size() == 1 && w.has(c)) return true;  // the last apex NS stays
        std::erase_if(w.values, [&](const Value& v) { return v.canonical == c; });
        return true;
    }

    // RFC 2136 3.4.2.
    bool apply(const UpdateRecord& rr) {
        return rr.rclass == rrclass::ANY || rr.rclass == rrclass::NONE ? remove(rr) : add(rr);
    }

    // The changes that take the content to the working state.
    void diff() {
        for (const auto& [key, w] : work_) {
            if (w.routing) continue;
            std::vector<std::string> texts;
            for (const auto& v : w.values) texts.push_back(v.text);
            if (w.original == nullptr) {
                if (w.values.empty()) continue;
                policy::RecordSet rs;
                rs.name = w.name;
                rs.type = w.type;
                rs.ttl = w.ttl;
                rs.values = std::move(texts);
                plan_.batch.changes.push_back({change::Action::kCreate, std::move(rs)});
                continue;
            }
            if (w.values.empty()) {
                plan_.batch.changes.push_back({change::Action::kDelete, *w.original});
            } else if (!same_values(w.values, stored_values(*w.original)) || w.ttl != w.original->ttl) {
                policy::RecordSet rs = *w.original;
                rs.ttl = w.ttl;
                rs.values = std::move(texts);
                plan_.batch.changes.push_back({change::Action::kUpsert, std::move(rs)});
            }
        }
    }

    // A stored record set's values, parsed for comparison. The store holds only values
    // that parsed; one that does not is kept as it is and compares unequal to everything.
    std::vector<Value> stored_values(const policy::RecordSet& rs) const {
        std::vector<Value> out;
        for (const auto& v : rs.values) {
            auto wire = zone::rdata_from_text(rs.type, v, zone_.origin);
            out.push_back({wire ? canonical(rs.type, *wire) : "\x01stored:" + v, v});
        }
        return out;
    }

    const change::ZoneContent& zone_;
    std::map<Key, Working> work_;
    UpdatePlan plan_;
};

}  // namespace

UpdatePlan plan_update(const change::ZoneContent& zone, const UpdateMessage& msg) { return Planner(zone).run(msg); }

}  // namespace fz::api
