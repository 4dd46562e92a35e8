// Zone-level validation a user expects from named-checkzone / kzonecheck: SOA and NS at
// the apex, CNAME and DNAME exclusivity (RFC 1034 3.6.2, RFC 2181 10.1, RFC 6672 2.4),
// nothing but glue below a delegation.
#include "zone/check.h"

#include <unordered_set>
#include <vector>

#include "dns/nsec3.h"
#include "dns/rrtype.h"
#include "dns/wire.h"

namespace fz::zone {
namespace {

constexpr int32_t kNone = -1;
constexpr uint16_t kMaxNsec3Iterations = 150;

// What one owner name holds: the first record of each kind that matters to the rules.
struct Node {
    int32_t record = kNone;  // any record at this name (to read the name back)
    int32_t first_cname = kNone;
    int32_t first_dname = kNone;
    int32_t first_ns = kNone;
    int32_t first_other = kNone;  // first record that may not sit beside a CNAME
    int8_t below = -1;            // cached: -1 unknown, 0 free, 1 below a cut or DNAME
    int32_t below_node = kNone;   // the delegation or DNAME node above it
};

// DNSSEC records live beside a CNAME (RFC 2181 10.1, RFC 4035 2.5).
bool may_sit_beside_cname(uint16_t type) { return type == dns::type::RRSIG || type == dns::type::NSEC; }

// Types allowed at a delegation point besides its NS RRset: DS and DNSSEC records the parent
// signs, and glue when a name server is named after the cut itself.
bool allowed_at_cut(uint16_t type) {
    switch (type) {
        case dns::type::NS:
        case dns::type::DS:
        case dns::type::RRSIG:
        case dns::type::NSEC:
        case dns::type::A:
        case dns::type::AAAA: return true;
        default: return false;
    }
}

uint64_t hash_name_ci(const uint8_t* p, size_t len) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; ++i) h = (h ^ dns::lower(p[i])) * 0x100000001b3ULL;
    return h ^ (h >> 31);
}

// Owner names -> nodes: open addressing over node indices, with a tag of high hash bits
// in each slot so that probes rarely touch a record that does not match.
class NodeTable {
public:
    explicit NodeTable(const std::vector<Record>& records) : records_(records) {
        size_t cap = 16;
        while (cap < records.size() * 2) cap <<= 1;
        slots_.assign(cap, Slot{});
        mask_ = cap - 1;
    }

    static uint64_t hash(const uint8_t* wire, size_t len) { return hash_name_ci(wire, len); }

    void prefetch(uint64_t h) const { __builtin_prefetch(&slots_[h & mask_]); }

    int32_t find(const uint8_t* wire, size_t len) const {
        uint64_t h = hash(wire, len);
        auto tag = static_cast<uint32_t>(h >> 32);
        for (size_t s = h & mask_; slots_[s].node != kNone; s = (s + 1) & mask_) {
            if (slots_[s].tag == tag && same(nodes_[slots_[s].node], wire, len)) return slots_[s].node;
        }
        return kNone;
    }

    // The node of `record`'s owner, whose hash is `h`; created on first sight.
    int32_t find_or_add(int32_t record, uint64_t h) {
        const dns::Name& owner = records_[record].owner;
        auto tag = static_cast<uint32_t>(h >> 32);
        size_t s = h & mask_;
        for (; slots_[s].node != kNone; s = (s + 1) & mask_) {
            if (slots_[s].tag == tag && same(nodes_[slots_[s].node], owner.data(), owner.size())) {
                return slots_[s].node;
            }
        }
        slots_[s] = Slot{static_cast<int32_t>(nodes_.size()), tag};
        nodes_.push_back(Node{});
        nodes_.back().record = record;
        return slots_[s].node;
    }

    Node& node(int32_t i) { return nodes_[i]; }
    const dns::Name& name_of(int32_t node) const { return records_[nodes_[node].record].owner; }

private:
    struct Slot {
        int32_t node = kNone;
        uint32_t tag = 0;
    };

    bool same(const Node& n, const uint8_t* wire, size_t len) const {
        const dns::Name& o = records_[n.record].owner;
        return o.size() == len && dns::wire_names_equal_ci(o.data(), wire, len);
    }

    const std::vector<Record>& records_;
    std::vector<Slot> slots_;
    std::vector<Node> nodes_;
    size_t mask_ = 0;
};

class Checker {
public:
    explicit Checker(const ZoneSource& zone) : zone_(zone), table_(zone.records) {}

    Status run();
    // The DNSSEC rules (check.h), after run() has filled the table.
    Status check_dnssec(std::vector<Error>* warnings);
    Status check_nsec3param(const Record& r, std::vector<Error>* warnings) const;

private:
    Error error(const Record& r, std::string message) const {
        return Error{zone_.file_of(r), r.line, std::move(message)};
    }
    std::string where(int32_t record) const {
        const Record& r = zone_.records[record];
        return dns::type_to_text(r.type) + " at line " + std::to_string(r.line);
    }
    // Whether `node` lies strictly below a delegation point or a DNAME owner of the zone;
    // the answer is cached on the node, since most zones have many records per name.
    bool below_cut_or_dname(int32_t node);

    const ZoneSource& zone_;
    NodeTable table_;
    bool has_cuts_or_dnames_ = false;
    std::vector<int32_t> node_of_;  // each record's node (run())
    int32_t first_rrsig_ = kNone;
    int32_t first_nsec3_ = kNone;
    int32_t apex_nsec3param_ = kNone;
};

bool Checker::below_cut_or_dname(int32_t index) {
    Node& n = table_.node(index);
    if (n.below >= 0) return n.below == 1;
    n.below = 0;
    const dns::Name& owner = table_.name_of(index);
    const dns::Name& apex = zone_.origin;
    const uint8_t* w = owner.data();
    // Walk the proper ancestors down to the apex: a DNAME at the apex still forbids every
    // name below it, while NS at the apex is the zone's own, not a cut.
    for (size_t off = w[0] + 1u; off < owner.size() && owner.size() - off >= apex.size(); off += w[off] + 1u) {
        int32_t above = table_.find(w + off, owner.size() - off);
        if (above == kNone) continue;
        const Node& a = table_.node(above);
        bool at_apex = owner.size() - off == apex.size();
        if (a.first_dname != kNone || (!at_apex && a.first_ns != kNone)) {
            n.below = 1;
            n.below_node = above;
            break;
        }
    }
    return n.below == 1;
}

Status Checker::run() {
    const auto& recs = zone_.records;
    const dns::Name& apex = zone_.origin;
    // Hashes first, so the table slots can be prefetched a few records ahead: in a large
    // zone nearly every probe is a cache miss.
    std::vector<uint64_t> hashes(recs.size());
    for (size_t i = 0; i < recs.size(); ++i) hashes[i] = NodeTable::hash(recs[i].owner.data(), recs[i].owner.size());
    constexpr size_t kPrefetchDistance = 8;
    std::vector<int32_t>& node_of = node_of_;
    node_of.resize(recs.size());
    for (size_t i = 0; i < recs.size(); ++i) {
        if (i + kPrefetchDistance < recs.size()) table_.prefetch(hashes[i + kPrefetchDistance]);
        auto r = static_cast<int32_t>(i);
        // Records of one name usually follow each other: skip the lookup then.
        bool same_as_previous = i > 0 && hashes[i] == hashes[i - 1] && recs[i].owner.equals(recs[i - 1].owner);
        int32_t id = same_as_previous ? node_of[i - 1] : table_.find_or_add(r, hashes[i]);
        node_of[i] = id;
        Node& n = table_.node(id);
        uint16_t type = recs[i].type;
        if (type == dns::type::CNAME) {
            if (n.first_cname == kNone) n.first_cname = r;
        } else if (!may_sit_beside_cname(type)) {
            if (n.first_other == kNone) n.first_other = r;
        }
        if (type == dns::type::DNAME && n.first_dname == kNone) {
            n.first_dname = r;
            has_cuts_or_dnames_ = true;
        }
        if (type == dns::type::NS && n.first_ns == kNone) {
            n.first_ns = r;
            if (!recs[i].owner.equals(apex)) has_cuts_or_dnames_ = true;
        }
        if (type == dns::type::RRSIG && first_rrsig_ == kNone) first_rrsig_ = r;
        if (type == dns::type::NSEC3 && first_nsec3_ == kNone) first_nsec3_ = r;
        if (type == dns::type::NSEC3PARAM && recs[i].owner.equals(apex) && apex_nsec3param_ == kNone)
            apex_nsec3param_ = r;
    }

    int32_t first_soa = kNone;
    bool apex_ns = false;
    for (size_t i = 0; i < recs.size(); ++i) {
        const Record& rec = recs[i];
        auto r = static_cast<int32_t>(i);
        Node& n = table_.node(node_of[i]);
        bool at_apex = rec.owner.equals(apex);
        // Texts for messages, built only when a rule fails.
        auto owner_text = [&] { return rec.owner.to_text(); };
        auto type_text = [&] { return dns::type_to_text(rec.type); };

        if (rec.rclass != dns::rrclass::IN) {
            return error(rec, "class " + dns::class_to_text(rec.rclass) + " record at " + owner_text() +
                                  ": only class IN is served");
        }
        if (!rec.owner.is_subdomain_of(apex)) {
            return error(rec, "owner " + owner_text() + " is outside zone " + apex.to_text());
        }
        if (rec.type == dns::type::SOA) {
            if (!at_apex) {
                return error(rec, "SOA record at " + owner_text() + " is not at the zone apex " + apex.to_text());
            }
            if (first_soa != kNone) {
                return error(rec, "more than one SOA record at the zone apex (first at line " +
                                      std::to_string(recs[first_soa].line) + ")");
            }
            first_soa = r;
        }
        if (rec.type == dns::type::NS && at_apex) apex_ns = true;

        if (rec.type == dns::type::CNAME) {
            if (at_apex) return error(rec, "CNAME at the zone apex " + owner_text() + " is not allowed");
            if (n.first_cname < r) {
                return error(rec, "more than one CNAME at " + owner_text() + " (first at line " +
                                      std::to_string(recs[n.first_cname].line) + ")");
            }
            if (n.first_other != kNone && n.first_other < r) {
                return error(rec, "CNAME at " + owner_text() + " beside other data (" + where(n.first_other) + ")");
            }
        } else if (!may_sit_beside_cname(rec.type) && n.first_cname != kNone && n.first_cname < r) {
            return error(rec, type_text() + " at " + owner_text() + " beside a CNAME (line " +
                                  std::to_string(recs[n.first_cname].line) + ")");
        }
        if (rec.type == dns::type::DNAME && n.first_dname < r) {
            return error(rec, "more than one DNAME at " + owner_text() + " (first at line " +
                                  std::to_string(recs[n.first_dname].line) + ")");
        }

        if (!has_cuts_or_dnames_) continue;
        if (!at_apex && n.first_ns != kNone && !allowed_at_cut(rec.type)) {
            return error(rec, type_text() + " record at " + owner_text() +
                                  " is occluded by the delegation to its NS records (line " +
                                  std::to_string(recs[n.first_ns].line) + "): only DS and glue may sit there");
        }
        if (below_cut_or_dname(node_of[i])) {
            const Node& above = table_.node(n.below_node);
            std::string above_name = table_.name_of(n.below_node).to_text();
            if (above.first_dname != kNone) {
                return error(rec, owner_text() + " is below the DNAME at " + above_name + " (line " +
                                      std::to_string(recs[above.first_dname].line) + "): no names may exist there");
            }
            if (rec.type != dns::type::A && rec.type != dns::type::AAAA) {
                return error(rec, type_text() + " record at " + owner_text() + " is occluded by the delegation at " +
                                      above_name + " (line " + std::to_string(recs[above.first_ns].line) +
                                      "): only glue (A/AAAA) may sit below it");
            }
        }
    }

    std::string file = zone_.files.empty() ? std::string() : zone_.files[0];
    if (first_soa == kNone) return Error{file, 0, "no SOA record at the zone apex " + apex.to_text()};
    if (!apex_ns) return Error{file, 0, "no NS records at the zone apex " + apex.to_text()};
    return Ok{};
}

Status Checker::check_dnssec(std::vector<Error>* warnings) {
    const auto& recs = zone_.records;
    if (first_nsec3_ != kNone && apex_nsec3param_ == kNone) {
        return error(recs[first_nsec3_], "NSEC3 records without an NSEC3PARAM at the zone apex " +
                                             zone_.origin.to_text() +
                                             ": the chain's hash parameters are unknown, so no denial of existence "
                                             "can be proven (add the NSEC3PARAM the signer made, or sign again)");
    }
    if (apex_nsec3param_ != kNone) {
        auto st = check_nsec3param(recs[apex_nsec3param_], warnings);
        if (!st) return st;
    }
    if (first_rrsig_ == kNone || warnings == nullptr) return Ok{};
    // Which types each name holds, then every RRSIG's covered type against them.
    std::unordered_set<uint64_t> held;
    held.reserve(recs.size());
    for (size_t i = 0; i < recs.size(); ++i) {
        if (recs[i].type != dns::type::RRSIG) held.insert(static_cast<uint64_t>(node_of_[i]) << 16 | recs[i].type);
    }
    size_t orphans = 0;
    for (size_t i = 0; i < recs.size(); ++i) {
        const Record& r = recs[i];
        if (r.type != dns::type::RRSIG || r.rdata.size() < 2) continue;
        const uint16_t covered = dns::load_u16(reinterpret_cast<const uint8_t*>(r.rdata.data()));
        if (held.count(static_cast<uint64_t>(node_of_[i]) << 16 | covered) != 0) continue;
        // One warning per orphan up to a few, then their number: a zone signed with the
        // wrong file may have thousands.
        if (++orphans <= 5) {
            warnings->push_back(error(r, "RRSIG at " + r.owner.to_text() + " covers " + dns::type_to_text(covered) +
                                             ", but there is no " + dns::type_to_text(covered) +
                                             " RRset there: the signature is never served"));
        }
    }
    if (orphans > 5) {
        warnings->push_back(Error{
            zone_.files.empty() ? std::string() : zone_.files[0], 0,
            std::to_string(orphans - 5) + " more RRSIG records cover RRsets the zone does not have"});
    }
    return Ok{};
}

// RFC 9276: SHA-1, no extra iterations, no salt. Over 150 iterations validators treat the
// zone as insecure (RFC 9276 3.2), and every NXDOMAIN with DO would cost this server that
// many hashes: an error. Fewer, or a salt, work but buy nothing: a warning.
Status Checker::check_nsec3param(const Record& r, std::vector<Error>* warnings) const {
    const auto* rd = reinterpret_cast<const uint8_t*>(r.rdata.data());
    if (r.rdata.size() < 5 || rd[0] != dns::kNsec3AlgSha1) {
        return error(r, "NSEC3PARAM with hash algorithm " + std::to_string(r.rdata.empty() ? 0 : rd[0]) +
                            ": only 1 (SHA-1) is defined (RFC 5155 11)");
    }
    const uint16_t iterations = dns::load_u16(rd + 2);
    if (iterations > kMaxNsec3Iterations) {
        return error(r, "NSEC3PARAM with " + std::to_string(iterations) + " iterations: over " +
                            std::to_string(kMaxNsec3Iterations) +
                            " validators treat the zone as insecure (RFC 9276 3.2); sign again with 0");
    }
    if ((iterations > 0 || rd[4] > 0) && warnings != nullptr) {
        warnings->push_back(error(r, "NSEC3PARAM with " + std::to_string(iterations) + " iterations and a salt of " +
                                         std::to_string(rd[4]) +
                                         " bytes: RFC 9276 asks for 0 and none, which cost less and protect as much"));
    }
    return Ok{};
}

}  // namespace

Status check_zone(const ZoneSource& zone, std::vector<Error>* warnings) {
    Checker checker(zone);
    auto st = checker.run();
    if (!st) return st;
    return checker.check_dnssec(warnings);
}

}  // namespace fz::zone
