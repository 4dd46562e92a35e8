// Compiles a validated zone (ZoneSource) into an immutable ZoneImage.
#include "zone/compiler.h"

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/encoding.h"
#include "dns/name.h"
#include "dns/name_hash.h"
#include "dns/nsec3.h"
#include "dns/writer.h"
#include "zone/rrset_writer.h"

namespace fz::zone {
namespace {

struct BuildRRset;
// Routing policies: the policy RRset holds its members; an alias member its target.
struct RoutedParts {
    std::vector<BuildRRset> members;
    std::string alias_target;  // canonical wire name
    // A policy RRset's signed alias answers (AliasSignature): key, and RRSIGs at its owner.
    std::vector<std::pair<uint32_t, uint16_t>> answer_keys;
    std::vector<BuildRRset> answer_signatures;
    uint32_t answer_table = 0;  // offset of the PolicySignatures table
    // The NSEC or NSEC3 (with its RRSIGs) that proves NODATA for clients the policy has
    // no answer for, and its owner (PolicyRRsetSource::nodata_denial).
    std::unique_ptr<BuildRRset> nodata;
    std::string nodata_owner;
};

struct BuildRRset : PlainRRset {
    std::vector<uint32_t> additional;  // node indexes, resolved to offsets at layout time
    uint32_t offset = 0;
    bool policy = false;
    bool alias = false;
    uint32_t policy_id = 0;
    // Out of line: a 1M-record zone's plain RRsets would carry 56 empty bytes each.
    std::unique_ptr<RoutedParts> routed;
    // The RRSIGs of this name that cover this type (a pre-signed zone), written right
    // after it: what an answer with DO copies beside it.
    std::unique_ptr<BuildRRset> signatures;
    // An NSEC, NSEC3 or DS RRset of a signed zone: its ProofBlock, placed after the signatures.
    std::unique_ptr<std::vector<uint8_t>> proof;
    uint32_t proof_offset = 0;

    const std::vector<BuildRRset>& members() const {
        static const std::vector<BuildRRset> kNone;
        return routed ? routed->members : kNone;
    }
    RoutedParts& edit_routed() {
        if (!routed) routed = std::make_unique<RoutedParts>();
        return *routed;
    }
};

struct BuildNode {
    std::string name;  // canonical wire form
    uint16_t flags = 0;
    uint8_t labels = 0;
    uint32_t parent = UINT32_MAX;
    uint32_t wildcard = UINT32_MAX;
    uint32_t cut = UINT32_MAX;
    std::vector<BuildRRset> rrsets;
    uint32_t offset = 0;
};

// An NSEC3 RRset of the chain, before layout.
struct BuildNsec3 {
    std::array<uint8_t, dns::kNsec3HashLen> hash;
    uint32_t node;
};

class Compiler {
public:
    explicit Compiler(const ZoneSource& zone) : zone_(zone) {}

    Result<std::shared_ptr<const ZoneImage>> run() {
        apex_ = canonical_wire(zone_.origin);
        collect();
        auto st = collect_policies();
        if (!st) return st.error();
        add_ancestors();
        set_flags();
        build_rrsets();
        find_denial();
        make_proof_blocks();
        return layout();
    }

private:
    uint32_t node_for(std::string name) {
        uint32_t* slot = index_slot(name);
        if (*slot != 0) return *slot - 1;
        BuildNode n;
        n.name = std::move(name);
        n.labels = static_cast<uint8_t>(count_labels(n.name));
        nodes_.push_back(std::move(n));
        *slot = static_cast<uint32_t>(nodes_.size());
        if (nodes_.size() * 2 > index_.size()) grow_index();
        return static_cast<uint32_t>(nodes_.size() - 1);
    }

    // The node of a canonical name, or UINT32_MAX.
    uint32_t find_node(const std::string& name) {
        const uint32_t v = *index_slot(name);
        return v == 0 ? UINT32_MAX : v - 1;
    }

    // The name index: open addressing over node numbers + 1 (0: empty), 4 bytes a name
    // where a map of strings held a second copy of every name (about 90 bytes a name, a
    // sixth of a 1M-record compile's peak).
    uint32_t* index_slot(const std::string& name) {
        const size_t mask = index_.size() - 1;
        for (size_t i = std::hash<std::string_view>{}(name)&mask;; i = (i + 1) & mask) {
            if (index_[i] == 0 || nodes_[index_[i] - 1].name == name) return &index_[i];
        }
    }

    void grow_index() {
        std::vector<uint32_t> old = std::move(index_);
        index_.assign(std::max<size_t>(16, old.size() * 2), 0);
        const size_t mask = index_.size() - 1;
        for (uint32_t v : old) {
            if (v == 0) continue;
            const std::string& name = nodes_[v - 1].name;
            size_t i = std::hash<std::string_view>{}(name)&mask;
            while (index_[i] != 0) i = (i + 1) & mask;
            index_[i] = v;
        }
    }

    void collect() {
        size_t slots = 16;
        while (slots < 2 * (zone_.records.size() + 16)) slots <<= 1;
        index_.assign(slots, 0);
        nodes_.reserve(zone_.records.size() + 16);
        node_for(apex_);
        for (const Record& r : zone_.records) {
            BuildNode& n = nodes_[node_for(canonical_wire(r.owner))];
            BuildRRset* set = nullptr;
            for (auto& s : n.rrsets) {
                if (s.type == r.type) set = &s;
            }
            if (set == nullptr) {
                n.rrsets.push_back(BuildRRset{});
                set = &n.rrsets.back();
                set->type = r.type;
                set->ttl = r.ttl;  // the parser already warned about TTL mismatches
            }
            set->rdatas.push_back(&r.rdata);
        }
    }

    Status collect_policies() {
        for (const PolicyRRsetSource& p : zone_.policies) {
            BuildNode& n = nodes_[node_for(canonical_wire(p.owner))];
            for (const auto& s : n.rrsets) {
                if (s.type == p.type) {
                    return Error{zone_.files.empty() ? "" : zone_.files[0], 0,
                                 p.owner.to_text() + " has both zone-file records and a routing policy for one type"};
                }
            }
            BuildRRset set;
            set.type = p.type;
            set.policy = true;
            set.policy_id = p.policy;
            for (const PolicyMemberSource& m : p.members) {
                BuildRRset member;
                member.type = p.type;
                member.ttl = m.ttl;
                member.alias = m.alias;
                if (m.alias) member.edit_routed().alias_target = canonical_wire(m.alias_target);
                for (const std::string& rd : m.rdatas) member.rdatas.push_back(&rd);
                if (!m.signatures.empty()) {
                    member.signatures = std::make_unique<BuildRRset>();
                    member.signatures->type = dns::type::RRSIG;
                    member.signatures->ttl = m.ttl;
                    for (const std::string& sig : m.signatures) member.signatures->rdatas.push_back(&sig);
                }
                set.edit_routed().members.push_back(std::move(member));
            }
            for (const AliasAnswerSource& a : p.alias_answers) {
                BuildRRset sigs;
                sigs.type = dns::type::RRSIG;
                sigs.ttl = a.ttl;
                for (const std::string& sig : a.signatures) sigs.rdatas.push_back(&sig);
                set.edit_routed().answer_keys.emplace_back(a.policy, a.member);
                set.edit_routed().answer_signatures.push_back(std::move(sigs));
            }
            if (!p.nodata_signatures.empty()) {
                RoutedParts& r = set.edit_routed();
                r.nodata = std::make_unique<BuildRRset>();
                r.nodata->type = p.nodata_denial.type;
                r.nodata->ttl = p.nodata_denial.ttl;
                r.nodata->rdatas.push_back(&p.nodata_denial.rdata);
                r.nodata->signatures = std::make_unique<BuildRRset>();
                r.nodata->signatures->type = dns::type::RRSIG;
                r.nodata->signatures->ttl = p.nodata_denial.ttl;
                for (const std::string& sig : p.nodata_signatures) r.nodata->signatures->rdatas.push_back(&sig);
                r.nodata_owner = canonical_wire(p.nodata_denial.owner);
            }
            n.rrsets.push_back(std::move(set));
            ++policy_count_;
        }
        return Ok{};
    }

    // Every name between a node and the apex exists in the tree: the ones without data
    // are empty non-terminals (NODATA, not NXDOMAIN; RFC 4592 section 2.2.2).
    void add_ancestors() {
        for (uint32_t i = 0; i < nodes_.size(); ++i) {
            if (nodes_[i].name.size() <= apex_.size()) continue;
            std::string parent = nodes_[i].name.substr(static_cast<uint8_t>(nodes_[i].name[0]) + 1u);
            uint32_t p = node_for(std::move(parent));  // may grow nodes_: index, never reference
            nodes_[i].parent = p;
        }
    }

    void set_flags() {
        for (auto& n : nodes_) {
            bool apex = n.name.size() == apex_.size();
            if (apex) n.flags |= kNodeApex;
            if (n.rrsets.empty()) n.flags |= kNodeEmpty;
            if (n.name.size() >= 2 && n.name[0] == 1 && n.name[1] == '*') n.flags |= kNodeWildcard;
            for (const auto& s : n.rrsets) {
                if (s.type == dns::type::NS && !apex) n.flags |= kNodeDelegation;
                if (s.type == dns::type::DNAME) n.flags |= kNodeDname;
                if (s.type == dns::type::CNAME) n.flags |= kNodeCname;
            }
        }
        for (uint32_t i = 0; i < nodes_.size(); ++i) {
            if ((nodes_[i].flags & kNodeWildcard) && nodes_[i].parent != UINT32_MAX) {
                nodes_[nodes_[i].parent].flags |= kNodeWildcardChild;
                nodes_[nodes_[i].parent].wildcard = i;
            }
        }
        // Parents before children, so each node can inherit its parent's cut.
        std::vector<uint32_t> order(nodes_.size());
        for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(),
                         [&](uint32_t a, uint32_t b) { return nodes_[a].labels < nodes_[b].labels; });
        for (uint32_t i : order) {
            BuildNode& n = nodes_[i];
            if (n.parent == UINT32_MAX) continue;
            const BuildNode& p = nodes_[n.parent];
            if (p.flags & kNodeBelowCut) {
                n.cut = p.cut;  // keep the topmost cut
                n.flags |= kNodeBelowCut;
            } else if (p.flags & (kNodeDelegation | kNodeDname)) {
                n.cut = n.parent;
                n.flags |= kNodeBelowCut;
            }
        }
    }

    // The plain (not routed) RRset of `type` at `n`, or nullptr.
    static const BuildRRset* rrset_of(const BuildNode& n, uint16_t type) {
        for (const auto& s : n.rrsets) {
            if (s.type == type && !s.policy) return &s;
        }
        return nullptr;
    }

    // Splits the RRSIG RRset of `n` by covered type onto the plain RRsets they cover.
    static void attach_signatures(BuildNode& n) {
        const BuildRRset* sigs = rrset_of(n, dns::type::RRSIG);
        if (sigs == nullptr) return;
        for (auto& s : n.rrsets) {
            if (s.policy || s.type == dns::type::RRSIG) continue;
            for (const std::string* rd : sigs->rdatas) {
                if (rd->size() < 2 || dns::load_u16(reinterpret_cast<const uint8_t*>(rd->data())) != s.type) continue;
                if (!s.signatures) {
                    s.signatures = std::make_unique<BuildRRset>();
                    s.signatures->type = dns::type::RRSIG;
                    s.signatures->ttl = s.ttl;  // an RRSIG's TTL is its RRset's (RFC 4034 section 3)
                }
                s.signatures->rdatas.push_back(rd);
            }
        }
    }

    void build_rrsets() {
        std::vector<uint8_t> tmp(dns::kMaxMessage + 1024);
        for (auto& n : nodes_) {
            // Canonical order of types keeps ANY answers and images deterministic.
            std::sort(n.rrsets.begin(), n.rrsets.end(),
                      [](const BuildRRset& a, const BuildRRset& b) { return a.type < b.type; });
            attach_signatures(n);
            for (auto& s : n.rrsets) {
                if (s.policy) {
                    for (auto& m : s.edit_routed().members) {
                        if (m.alias) continue;
                        prepare(n, m, tmp);
                        if (m.signatures) prepare(n, *m.signatures, tmp);
                    }
                    for (auto& sigs : s.edit_routed().answer_signatures) prepare(n, sigs, tmp);
                    if (RoutedParts& r = s.edit_routed(); r.nodata) {
                        encode_block(r.nodata_owner, *r.nodata, tmp.data(), tmp.size());
                        canonical_rdata_order(r.nodata->signatures->rdatas);
                        encode_block(r.nodata_owner, *r.nodata->signatures, tmp.data(), tmp.size());
                    }
                } else {
                    prepare(n, s, tmp);
                    if (s.signatures) prepare(n, *s.signatures, tmp);
                }
            }
        }
    }

    // Sorts and de-duplicates the records, pre-encodes the block, finds additional targets.
    void prepare(const BuildNode& n, BuildRRset& s, std::vector<uint8_t>& tmp) {
        canonical_rdata_order(s.rdatas);
        encode_block(n.name, s, tmp.data(), tmp.size());
        for (const std::string* rd : s.rdatas) {
            const std::string key = additional_target(s.type, *rd);
            if (key.empty()) continue;
            const uint32_t found = find_node(key);
            if (found == UINT32_MAX) continue;
            const BuildNode& target = nodes_[found];
            bool has_addr = false;
            for (const auto& ts : target.rrsets) {
                has_addr |= ts.type == dns::type::A || ts.type == dns::type::AAAA;
            }
            if (has_addr && std::find(s.additional.begin(), s.additional.end(), found) == s.additional.end()) {
                s.additional.push_back(found);
            }
        }
    }

    static size_t rrset_size(const BuildRRset& s) {
        if (s.policy) {
            size_t sz = align_up(sizeof(RRset) + 4 * s.members().size(), 8);
            for (const auto& m : s.members()) sz += rrset_size(m) + (m.signatures ? rrset_size(*m.signatures) : 0);
            const auto& answers = s.routed->answer_signatures;
            if (!answers.empty() || s.routed->nodata) sz += align_up(8 + sizeof(AliasSignature) * answers.size(), 8);
            for (const auto& a : answers) sz += rrset_size(a);
            if (const auto& d = s.routed->nodata) {
                sz += rrset_size(*d) + rrset_size(*d->signatures) + align_up(d->proof ? d->proof->size() : 0, 8);
            }
            return sz;
        }
        if (s.alias) return align_up(sizeof(RRset) + s.routed->alias_target.size(), 8);
        return plain_rrset_size(s, s.additional.size());
    }

    // Gives `s` (its signatures and policy members with it) its offset at or after `off`;
    // returns the offset past it.
    static size_t place(BuildRRset& s, size_t off) {
        off = align_up(off, 8);
        s.offset = static_cast<uint32_t>(off);
        off += rrset_size(s);
        if (s.signatures) {
            off = align_up(off, 8);
            s.signatures->offset = static_cast<uint32_t>(off);
            off += rrset_size(*s.signatures);
        }
        if (s.proof) {
            off = align_up(off, 8);
            s.proof_offset = static_cast<uint32_t>(off);
            off += s.proof->size();
        }
        if (s.policy) {
            size_t m_off = s.offset + align_up(sizeof(RRset) + 4 * s.members().size(), 8);
            for (auto& m : s.edit_routed().members) {
                m.offset = static_cast<uint32_t>(m_off);
                m_off += rrset_size(m);
                if (m.signatures) {  // a member's RRSIGs right after it, as for any RRset
                    m.signatures->offset = static_cast<uint32_t>(m_off);
                    m_off += rrset_size(*m.signatures);
                }
            }
            RoutedParts& r = s.edit_routed();
            if (!r.answer_signatures.empty() || r.nodata) {
                r.answer_table = static_cast<uint32_t>(m_off);
                m_off += align_up(8 + sizeof(AliasSignature) * r.answer_signatures.size(), 8);
                for (auto& a : r.answer_signatures) {
                    a.offset = static_cast<uint32_t>(m_off);
                    m_off += rrset_size(a);
                }
            }
            if (r.nodata) {
                r.nodata->offset = static_cast<uint32_t>(m_off);
                m_off += rrset_size(*r.nodata);
                r.nodata->signatures->offset = static_cast<uint32_t>(m_off);
                m_off += rrset_size(*r.nodata->signatures);
                r.nodata->proof_offset = static_cast<uint32_t>(m_off);
            }
        }
        return off;
    }

    // A pre-signed zone's DNSSEC shape: signed when it holds RRSIGs; its denial chain is
    // that of the apex NSEC3PARAM's parameters when it has one, else the NSEC chain.
    void find_denial() {
        bool nsec = false;
        for (const auto& n : nodes_) {
            if (rrset_of(n, dns::type::RRSIG) != nullptr) dnssec_ |= kImageSigned;
            nsec |= rrset_of(n, dns::type::NSEC) != nullptr;
        }
        const BuildRRset* param = rrset_of(nodes_[find_node(apex_)], dns::type::NSEC3PARAM);
        if (param != nullptr && !param->rdatas.empty()) find_nsec3_chain(*param->rdatas.front());
        if (!nsec3_.empty()) {
            dnssec_ |= kImageNsec3;
            return;
        }
        if (!nsec) return;
        dnssec_ |= kImageNsec;
        for (uint32_t i = 0; i < nodes_.size(); ++i) {
            if (rrset_of(nodes_[i], dns::type::NSEC) != nullptr) nsec_chain_.push_back(i);
        }
        std::sort(nsec_chain_.begin(), nsec_chain_.end(), [&](uint32_t a, uint32_t b) {
            return dns::canonical_compare_wire(wire(nodes_[a].name), wire(nodes_[b].name)) < 0;
        });
    }

    // The authority-section form of every RRset a denial or a referral may carry.
    void make_proof_blocks() {
        if ((dnssec_ & (kImageNsec | kImageNsec3)) == 0) return;
        for (auto& n : nodes_) {
            if (n.flags & kNodeBelowCut) continue;
            for (auto& s : n.rrsets) {
                const bool proves = s.type == dns::type::NSEC || s.type == dns::type::NSEC3 || s.type == dns::type::DS;
                if (!proves || s.policy || !s.signatures) continue;
                auto block = encode_proof_block(apex_, n.name, s, *s.signatures);
                if (!block.empty()) s.proof = std::make_unique<std::vector<uint8_t>>(std::move(block));
            }
            for (auto& s : n.rrsets) {
                if (!s.policy || !s.routed->nodata) continue;
                BuildRRset& d = *s.routed->nodata;
                auto block = encode_proof_block(apex_, s.routed->nodata_owner, d, *d.signatures);
                if (!block.empty()) d.proof = std::make_unique<std::vector<uint8_t>>(std::move(block));
            }
        }
    }

    static const uint8_t* wire(const std::string& name) { return reinterpret_cast<const uint8_t*>(name.data()); }

    // The NSEC3 RRsets made with the NSEC3PARAM's algorithm, iterations and salt
    // (RFC 5155 4: a server uses those), owned by a hash label under the apex.
    void find_nsec3_chain(const std::string& param) {
        if (param.size() < 5 || static_cast<uint8_t>(param[0]) != dns::kNsec3AlgSha1) return;
        const size_t salt_len = static_cast<uint8_t>(param[4]);
        if (param.size() != 5 + salt_len) return;
        nsec3_iterations_ = dns::load_u16(wire(param) + 2);
        nsec3_salt_ = param.substr(5);
        const uint32_t apex = find_node(apex_);
        for (uint32_t i = 0; i < nodes_.size(); ++i) {
            const BuildNode& n = nodes_[i];
            const BuildRRset* s = rrset_of(n, dns::type::NSEC3);
            if (s == nullptr || n.parent != apex) continue;
            bool same_params = false;
            for (const std::string* rd : s->rdatas) {
                same_params |= rd->size() >= 5 && rd->compare(0, 1, param, 0, 1) == 0 &&
                               rd->compare(2, 3 + salt_len, param, 2, 3 + salt_len) == 0;
            }
            std::string hash;
            const auto label = static_cast<uint8_t>(n.name[0]);
            if (!same_params || !base32hex_decode(std::string_view(n.name).substr(1, label), hash) ||
                hash.size() != dns::kNsec3HashLen) {
                continue;
            }
            BuildNsec3 e{};
            std::memcpy(e.hash.data(), hash.data(), dns::kNsec3HashLen);
            e.node = i;
            nsec3_.push_back(e);
        }
        std::sort(nsec3_.begin(), nsec3_.end(),
                  [](const BuildNsec3& a, const BuildNsec3& b) { return a.hash < b.hash; });
    }

    // The chain entry whose hash is `hash` or, with `cover`, the one before it (a ring).
    uint32_t nsec3_for(const std::string& name, bool cover) const {
        BuildNsec3 key{};
        dns::nsec3_hash(wire(name), name.size(), wire(nsec3_salt_), nsec3_salt_.size(), nsec3_iterations_,
                        key.hash.data());
        auto it = std::upper_bound(nsec3_.begin(), nsec3_.end(), key,
                                   [](const BuildNsec3& a, const BuildNsec3& b) { return a.hash < b.hash; });
        const BuildNsec3& at = it == nsec3_.begin() ? nsec3_.back() : *(it - 1);
        if (!cover && at.hash != key.hash) return 0;
        return nodes_[at.node].offset;
    }

    // Nsec3Links of a node: worked out once here, where a query would hash twice more.
    Nsec3Links nsec3_links(const BuildNode& n) const {
        if ((n.flags & kNodeBelowCut) || rrset_of(n, dns::type::NSEC3) != nullptr) return {};
        std::string wildcard = std::string("\1*", 2) + n.name;
        if (wildcard.size() > dns::kMaxNameWire) return {nsec3_for(n.name, false), 0};
        return {nsec3_for(n.name, false), nsec3_for(wildcard, true)};
    }

    size_t node_bytes(const BuildNode& n) const {
        return sizeof(Node) + sizeof(RRsetRef) * n.rrsets.size() + n.name.size() +
               ((dnssec_ & kImageNsec3) ? sizeof(Nsec3Links) : 0);
    }

    Result<std::shared_ptr<const ZoneImage>> layout() {
        size_t slot_count = 16;
        while (slot_count < nodes_.size() * 2) slot_count <<= 1;
        size_t off = align_up(sizeof(ImageHeader), 64);
        size_t slots_off = off;
        off += slot_count * sizeof(Slot);
        // Nodes in hash-table order would not help locality; keep source order, with each
        // node's RRsets right after it so one lookup touches adjacent lines.
        for (auto& n : nodes_) {
            off = align_up(off, 8);
            n.offset = static_cast<uint32_t>(off);
            off += node_bytes(n);
            for (auto& s : n.rrsets) off = place(s, off);
        }
        off = align_up(off, 8);
        size_t policies_off = off;
        off += 8 * policy_count_;
        make_negative_block();
        size_t negative_off = off;
        off += align_up(negative_block_.size(), 2) + 4 * negative_fixups_.size() / 2;
        off = align_up(off, 8);
        const size_t denial_off = off;
        off += sizeof(NsecEntry) * nsec_chain_.size() + sizeof(Nsec3Entry) * nsec3_.size();
        if (off > UINT32_MAX) return Error{zone_.files.empty() ? "" : zone_.files[0], 0, "zone image over 4 GiB"};
        for (const auto& n : nodes_) {
            for (const auto& s : n.rrsets) {
                if (s.rdatas.size() > UINT16_MAX || s.members().size() > UINT16_MAX) {
                    return Error{zone_.files.empty() ? "" : zone_.files[0], 0, "RRset with more than 65535 records"};
                }
            }
        }

        size_t size = off;
        HugeArray<uint8_t> mem = make_huge_array<uint8_t>(size);
        uint8_t* base = mem.get();
        auto* h = reinterpret_cast<ImageHeader*>(base);
        h->magic = kImageMagic;
        h->size = static_cast<uint32_t>(size);
        h->slots = static_cast<uint32_t>(slots_off);
        h->slot_mask = static_cast<uint32_t>(slot_count - 1);
        h->node_count = static_cast<uint32_t>(nodes_.size());
        h->apex_len = static_cast<uint8_t>(apex_.size());
        h->apex_labels = static_cast<uint8_t>(count_labels(apex_));
        std::memcpy(h->apex_name, apex_.data(), apex_.size());
        h->policy_count = policy_count_;
        h->policies = static_cast<uint32_t>(policies_off);
        h->negative_block = static_cast<uint32_t>(negative_off);
        h->negative_block_len = static_cast<uint16_t>(negative_block_.size());
        h->negative_fixups = static_cast<uint16_t>(negative_fixups_.size() / 2);
        std::memcpy(base + negative_off, negative_block_.data(), negative_block_.size());
        std::memcpy(base + negative_off + align_up(negative_block_.size(), 2), negative_fixups_.data(),
                    2 * negative_fixups_.size());
        write_denial(h, base, denial_off);
        auto* policy_list = reinterpret_cast<uint32_t*>(base + policies_off);
        auto* slots = reinterpret_cast<Slot*>(base + slots_off);

        uint32_t rrset_count = 0, record_count = 0;
        ImageNotes notes;
        for (auto& n : nodes_) {
            auto* node = reinterpret_cast<Node*>(base + n.offset);
            node->flags = n.flags;
            node->name_len = static_cast<uint8_t>(n.name.size());
            node->label_count = n.labels;
            node->rrset_count = static_cast<uint16_t>(n.rrsets.size());
            node->wildcard = n.wildcard == UINT32_MAX ? 0 : nodes_[n.wildcard].offset;
            node->cut = n.cut == UINT32_MAX ? 0 : nodes_[n.cut].offset;
            auto* refs = reinterpret_cast<RRsetRef*>(node + 1);
            std::memcpy(const_cast<uint8_t*>(node->name()), n.name.data(), n.name.size());
            if (dnssec_ & kImageNsec3) {
                const Nsec3Links links = nsec3_links(n);
                std::memcpy(const_cast<uint8_t*>(node->name()) + n.name.size(), &links, sizeof links);
            }
            for (size_t i = 0; i < n.rrsets.size(); ++i) {
                const BuildRRset& s = n.rrsets[i];
                refs[i].type = s.type;
                refs[i].flags = s.policy                                             ? kRRsetPolicy
                                : dns::rdata_names(s.type) != dns::RdataNames::kNone ? kRRsetCompressible
                                                                                     : 0;
                refs[i].rrset = s.offset;
                write_rrset(base, n.name, s);
                ++rrset_count;
                record_count += static_cast<uint32_t>(s.rdatas.size());
                if (s.policy) {
                    *policy_list++ = s.policy_id;
                    *policy_list++ = s.offset;
                    for (const auto& m : s.members()) record_count += static_cast<uint32_t>(m.rdatas.size());
                }
                if (n.flags & kNodeApex) {
                    if (s.type == dns::type::SOA) {
                        h->soa = s.offset;
                        h->negative_ttl = negative_ttl(s.ttl, *s.rdatas.front());
                    }
                }
            }
            if (n.flags & kNodeApex) h->apex = n.offset;
            if (std::any_of(n.rrsets.begin(), n.rrsets.end(), [](const BuildRRset& s) {
                    return s.type == dns::type::NS || s.type == dns::type::MX || s.type == dns::type::SRV;
                })) {
                notes.referrers.push_back(n.offset);
            }
            uint64_t hash = dns::hash_name(reinterpret_cast<const uint8_t*>(n.name.data()));
            for (uint32_t i = ZoneImage::home_slot(hash, h->slot_mask);; i = (i + 1) & h->slot_mask) {
                if (slots[i].node == 0) {
                    slots[i].tag = ZoneImage::slot_tag(hash);
                    slots[i].node = n.offset;
                    break;
                }
            }
        }
        h->rrset_count = rrset_count;
        h->record_count = record_count;
        return std::make_shared<const ZoneImage>(std::move(mem), size, std::move(notes));
    }

    void write_denial(ImageHeader* h, uint8_t* base, size_t at) const {
        h->dnssec = dnssec_;
        h->denial = static_cast<uint32_t>(at);
        h->denial_count = static_cast<uint32_t>(nsec_chain_.size() + nsec3_.size());
        h->nsec3_iterations = nsec3_iterations_;
        h->nsec3_salt_len = static_cast<uint8_t>(nsec3_salt_.size());
        std::memcpy(h->nsec3_salt, nsec3_salt_.data(), nsec3_salt_.size());
        auto* chain = reinterpret_cast<NsecEntry*>(base + at);
        const size_t apex_labels = count_labels(apex_);
        for (uint32_t i : nsec_chain_) {
            if (!nsec_sort_key(wire(nodes_[i].name), apex_labels, &chain->key_high, &chain->key_low))
                h->dnssec |= kImageNsecNoKeys;
            chain++->node = nodes_[i].offset;
        }
        auto* entries = reinterpret_cast<Nsec3Entry*>(base + at);
        for (const BuildNsec3& e : nsec3_) {
            std::memcpy(entries->hash, e.hash.data(), dns::kNsec3HashLen);
            entries++->node = nodes_[e.node].offset;
        }
    }

    // The SOA of negative answers (see ImageHeader::negative_block).
    void make_negative_block() {
        const BuildRRset* soa = rrset_of(nodes_[find_node(apex_)], dns::type::SOA);
        if (soa == nullptr || soa->rdatas.empty()) return;
        encode_negative_block(apex_, soa->ttl, *soa->rdatas.front(), negative_block_, negative_fixups_);
    }

    void write_rrset(uint8_t* base, const std::string& owner, const BuildRRset& s) const {
        uint8_t* p = base + s.offset;
        auto* r = reinterpret_cast<RRset*>(p);
        if (s.policy || s.alias) {
            r->type = s.type;
            r->owner_len = static_cast<uint16_t>(owner.size());
            if (s.policy) {
                r->flags = kRRsetPolicy;
                r->policy = s.policy_id;
                r->count = static_cast<uint16_t>(s.members().size());
                r->rdata_len = static_cast<uint32_t>(4 * s.members().size());
                r->signatures = s.routed->answer_table;  // 0 without signed alias answers
                auto* offs = reinterpret_cast<uint32_t*>(p + sizeof(RRset));
                for (size_t i = 0; i < s.members().size(); ++i) {
                    offs[i] = s.members()[i].offset;
                    write_rrset(base, owner, s.members()[i]);
                }
                write_policy_signatures(base, owner, *s.routed);
            } else {
                r->flags = kRRsetAlias;
                r->rdata_len = static_cast<uint32_t>(s.routed->alias_target.size());
                std::memcpy(p + sizeof(RRset), s.routed->alias_target.data(), s.routed->alias_target.size());
            }
            return;
        }
        std::vector<uint32_t> additional;
        for (uint32_t node : s.additional) additional.push_back(nodes_[node].offset);
        write_plain_rrset(p, owner.size(), s, additional.data(), additional.size());
        if (s.signatures) {
            r->signatures = s.signatures->offset;
            write_rrset(base, owner, *s.signatures);
        }
        if (s.proof) {
            r->proof = s.proof_offset;
            std::memcpy(base + s.proof_offset, s.proof->data(), s.proof->size());
        }
    }

    void write_policy_signatures(uint8_t* base, const std::string& owner, const RoutedParts& r) const {
        if (r.answer_table == 0) return;
        const auto count = static_cast<uint32_t>(r.answer_signatures.size());
        const uint32_t nodata = r.nodata && r.nodata->proof ? r.nodata->offset : 0;
        std::memcpy(base + r.answer_table, &nodata, 4);
        std::memcpy(base + r.answer_table + 4, &count, 4);
        if (nodata != 0) write_rrset(base, r.nodata_owner, *r.nodata);  // with its RRSIGs and proof block
        auto* e = reinterpret_cast<AliasSignature*>(base + r.answer_table + 8);
        for (uint32_t i = 0; i < count; ++i) {
            e[i] = AliasSignature{r.answer_keys[i].first, r.answer_keys[i].second, r.answer_signatures[i].offset};
            write_rrset(base, owner, r.answer_signatures[i]);
        }
    }

    const ZoneSource& zone_;
    std::string apex_;
    std::vector<BuildNode> nodes_;
    std::vector<uint32_t> index_;  // see index_slot()
    uint32_t policy_count_ = 0;
    std::vector<uint8_t> negative_block_;
    std::vector<uint16_t> negative_fixups_;  // pairs: offset in block, apex-relative target
    uint8_t dnssec_ = 0;                     // kImage* flags
    std::vector<uint32_t> nsec_chain_;       // nodes with an NSEC, in canonical order
    std::vector<BuildNsec3> nsec3_;          // the NSEC3 chain, in hash order
    uint16_t nsec3_iterations_ = 0;
    std::string nsec3_salt_;
};

}  // namespace

Result<std::shared_ptr<const ZoneImage>> compile_zone(const ZoneSource& zone) { return Compiler(zone).run(); }

}  // namespace fz::zone
