// Patching a compiled zone image with a few changed RRsets (see patch.h).
#include "zone/patch.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <string_view>

#include "dns/name_hash.h"
#include "dns/wire.h"
#include "dns/writer.h"
#include "zone/rrset_writer.h"

namespace fz::zone {
namespace {

std::string_view parent_of(std::string_view wire) { return wire.substr(static_cast<uint8_t>(wire[0]) + 1u); }

bool is_referrer_type(uint16_t t) { return t == dns::type::NS || t == dns::type::MX || t == dns::type::SRV; }

// Types whose meaning reaches other names (cuts, DNAME, DNSSEC chains): a whole compile.
bool structural(uint16_t t) {
    switch (t) {
        case dns::type::NS:
        case dns::type::DS:
        case dns::type::DNAME:
        case dns::type::RRSIG:
        case dns::type::NSEC:
        case dns::type::NSEC3:
        case dns::type::NSEC3PARAM:
        case dns::type::DNSKEY: return true;
        default: return false;
    }
}

size_t node_size(size_t refs, size_t name_len) { return sizeof(Node) + sizeof(RRsetRef) * refs + name_len; }

// The edits of one owner.
struct OwnerEdits {
    std::string name;  // canonical wire
    std::vector<const RRsetEdit*> edits;
};

class Patcher {
public:
    Patcher(const ZoneImage& base, const std::function<bool(const dns::Name&)>& has_descendants)
        : base_(base), has_descendants_(has_descendants) {}

    PatchResult run(const std::vector<RRsetEdit>& edits) {
        apex_.assign(reinterpret_cast<const char*>(base_.header().apex_name), base_.header().apex_len);
        std::map<std::string, OwnerEdits> owners;
        for (const RRsetEdit& e : edits) {
            std::string name = canonical_wire(e.owner);
            if (auto why = refused(name, e)) return PatchResult{nullptr, *why};
            OwnerEdits& o = owners[name];
            o.name = name;
            o.edits.push_back(&e);
        }
        if (base_.notes().garbage * 2 > base_.size()) return PatchResult{nullptr, "the image is half garbage"};
        // A signed zone's RRSIGs and denial chain would not cover the change.
        if (base_.header().dnssec != 0) return PatchResult{nullptr, "the zone is signed or expired"};
        // Every new name (and empty non-terminal) needs a free slot, and the table must
        // keep some: probing relies on reaching an empty one.
        size_t new_names = 0;
        for (const auto& [name, o] : owners) new_names += count_labels(name) - base_.header().apex_labels;
        if (base_.header().node_count + new_names > (base_.header().slot_mask + 1u) / 4u * 3u)
            return PatchResult{nullptr, "the name table would be too full"};
        allocate(owners);
        // Names with more labels first: a name that goes may take empty ancestors with it,
        // which must not have edits of their own still to come.
        std::vector<OwnerEdits*> order;
        order.reserve(owners.size());
        for (auto& [name, o] : owners) order.push_back(&o);
        std::stable_sort(order.begin(), order.end(), [](const OwnerEdits* a, const OwnerEdits* b) {
            return count_labels(a->name) > count_labels(b->name);
        });
        for (OwnerEdits* o : order) {
            if (auto why = apply(*o)) return PatchResult{nullptr, *why};
        }
        if (auto why = refresh_additional()) return PatchResult{nullptr, *why};
        auto* h = header();
        h->size = static_cast<uint32_t>(end_);
        h->node_count = node_count_;
        h->rrset_count = rrset_count_;
        h->record_count = record_count_;
        ImageNotes notes{std::move(referrers_), base_.notes().garbage + garbage_};
        return PatchResult{std::make_shared<const ZoneImage>(std::move(mem_), end_, std::move(notes)), {}};
    }

private:
    std::optional<std::string> refused(const std::string& name, const RRsetEdit& e) const {
        const std::string what = e.owner.to_text() + " type " + std::to_string(e.type);
        if (!e.owner.is_subdomain_of(dns::Name::from_wire(base_.header().apex_name, base_.header().apex_len)))
            return what + ": not in the zone";
        if (structural(e.type)) return what + ": the type reaches other names";
        if (name.size() >= 2 && name[0] == 1 && name[1] == '*') return what + ": a wildcard";
        if (e.type == dns::type::SOA && (name != apex_ || e.rdatas.size() != 1)) return what + ": not one apex SOA";
        if (e.rdatas.size() > UINT16_MAX) return what + ": over 65535 records";
        return std::nullopt;
    }

    ImageHeader* header() { return reinterpret_cast<ImageHeader*>(mem_.get()); }
    Node* node(uint32_t off) { return reinterpret_cast<Node*>(mem_.get() + off); }
    RRset* rrset(uint32_t off) { return reinterpret_cast<RRset*>(mem_.get() + off); }
    RRsetRef* refs(Node* n) { return reinterpret_cast<RRsetRef*>(n + 1); }
    Slot* slots() { return reinterpret_cast<Slot*>(mem_.get() + header()->slots); }

    // The copy of the base, with room for what the edits append (it grows if that was
    // too little; pointers into it are therefore taken again after every append()).
    void allocate(const std::map<std::string, OwnerEdits>& owners) {
        size_t extra = 4096;
        for (const auto& [name, o] : owners) {
            extra += 8 + node_size(64 + o.edits.size(), name.size());
            extra += (count_labels(name) + 1) * (8 + node_size(0, name.size()));  // empty non-terminals
            for (const RRsetEdit* e : o.edits) {
                size_t rd = 0;
                for (const auto& r : e->rdatas) rd += 2 + r.size();
                size_t bytes = 16 + sizeof(RRset) + 2 * rd + 32 * e->rdatas.size();  // rdata, block, marks
                extra += is_referrer_type(e->type) ? 2 * bytes : bytes;              // written again with targets
                if (e->type == dns::type::SOA) extra += 1024;                        // the negative block
            }
        }
        for (uint32_t off : base_.notes().referrers) {
            const Node* n = base_.node_at(off);
            for (uint16_t i = 0; i < n->rrset_count; ++i) {
                const RRset* r = base_.rrset_at(n->refs()[i].rrset);
                if (is_referrer_type(n->refs()[i].type)) extra += 8 + plain_rrset_size(*r) + 4u * r->count;
            }
        }
        capacity_ = base_.size() + extra;
        mem_ = make_huge_array<uint8_t>(capacity_);
        std::memcpy(mem_.get(), base_.base(), base_.size());
        end_ = align_up(base_.size(), 8);
        node_count_ = base_.header().node_count;
        rrset_count_ = base_.header().rrset_count;
        record_count_ = base_.header().record_count;
        referrers_ = base_.notes().referrers;
    }

    uint32_t append(size_t bytes) {
        end_ = align_up(end_, 8);
        if (end_ + bytes > capacity_) {
            size_t grown = std::max(capacity_ + capacity_ / 2, end_ + bytes);
            HugeArray<uint8_t> more = make_huge_array<uint8_t>(grown);
            std::memcpy(more.get(), mem_.get(), end_);
            mem_ = std::move(more);
            capacity_ = grown;
        }
        auto off = static_cast<uint32_t>(end_);
        std::memset(mem_.get() + end_, 0, bytes);
        end_ += bytes;
        return off;
    }

    uint32_t find(std::string_view name) {
        const uint64_t hash = dns::hash_name(reinterpret_cast<const uint8_t*>(name.data()));
        const uint32_t mask = header()->slot_mask;
        const uint32_t tag = ZoneImage::slot_tag(hash);
        Slot* table = slots();
        for (uint32_t i = ZoneImage::home_slot(hash, mask);; i = (i + 1) & mask) {
            if (table[i].node == 0) return 0;
            if (table[i].tag != tag) continue;
            Node* n = node(table[i].node);
            if (n->name_len == name.size() && std::memcmp(n->name(), name.data(), name.size()) == 0) {
                return table[i].node;
            }
        }
    }

    void insert_slot(std::string_view name, uint32_t off) {
        const uint64_t hash = dns::hash_name(reinterpret_cast<const uint8_t*>(name.data()));
        const uint32_t mask = header()->slot_mask;
        Slot* table = slots();
        for (uint32_t i = ZoneImage::home_slot(hash, mask);; i = (i + 1) & mask) {
            if (table[i].node == 0) {
                table[i] = Slot{ZoneImage::slot_tag(hash), off};
                return;
            }
        }
    }

    Slot* slot_of(std::string_view name, uint32_t off) {
        const uint64_t hash = dns::hash_name(reinterpret_cast<const uint8_t*>(name.data()));
        const uint32_t mask = header()->slot_mask;
        Slot* table = slots();
        for (uint32_t i = ZoneImage::home_slot(hash, mask);; i = (i + 1) & mask) {
            if (table[i].node == off) return &table[i];
            if (table[i].node == 0) return nullptr;
        }
    }

    // Linear probing's deletion: later entries of the probe run shift back into the gap,
    // so that every lookup still finds its name before the first empty slot.
    void erase_slot(std::string_view name, uint32_t off) {
        Slot* table = slots();
        const uint32_t mask = header()->slot_mask;
        Slot* s = slot_of(name, off);
        if (s == nullptr) return;
        auto i = static_cast<uint32_t>(s - table);
        table[i] = Slot{};
        for (uint32_t j = (i + 1) & mask; table[j].node != 0; j = (j + 1) & mask) {
            const uint32_t home = ZoneImage::home_slot(dns::hash_name(node(table[j].node)->name()), mask);
            const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (stays) continue;
            table[i] = table[j];
            table[j] = Slot{};
            i = j;
        }
    }

    // Rewrites the node at `off` with `new_refs` (in place when they fit, else as a new
    // node the table then points at). Returns its offset.
    uint32_t write_node(uint32_t off, std::string_view name, uint16_t flags, const std::vector<RRsetRef>& new_refs) {
        Node* old = off != 0 ? node(off) : nullptr;
        if (old != nullptr && new_refs.size() <= old->rrset_count) {
            garbage_ += sizeof(RRsetRef) * (old->rrset_count - new_refs.size());
            old->flags = flags;
            old->rrset_count = static_cast<uint16_t>(new_refs.size());
            std::copy(new_refs.begin(), new_refs.end(), refs(old));
            std::memmove(reinterpret_cast<uint8_t*>(refs(old) + new_refs.size()), name.data(), name.size());
            return off;
        }
        const Node was = old != nullptr ? *old : Node{};
        const std::string owner(name);  // `name` may point into the buffer append() moves
        uint32_t at = append(node_size(new_refs.size(), owner.size()));
        name = owner;
        Node* n = node(at);
        n->flags = flags;
        n->name_len = static_cast<uint8_t>(name.size());
        n->label_count = static_cast<uint8_t>(count_labels(name));
        n->rrset_count = static_cast<uint16_t>(new_refs.size());
        if (old != nullptr) {
            n->wildcard = was.wildcard;
            n->cut = was.cut;
            garbage_ += node_size(was.rrset_count, was.name_len);
            slot_of(name, off)->node = at;
            if (off == header()->apex) header()->apex = at;
            for (uint32_t& r : referrers_) {
                if (r == off) r = at;
            }
        } else {
            insert_slot(name, at);
            ++node_count_;
        }
        std::copy(new_refs.begin(), new_refs.end(), refs(n));
        std::memcpy(reinterpret_cast<uint8_t*>(refs(n) + new_refs.size()), name.data(), name.size());
        return at;
    }

    uint32_t write_plain(std::string_view owner, const PlainRRset& s, const std::vector<uint32_t>& additional) {
        uint32_t at = append(plain_rrset_size(s, additional.size()));
        write_plain_rrset(mem_.get() + at, owner.size(), s, additional.data(), additional.size());
        return at;
    }

    // Takes the name out of the table (its bytes stay, without RRsets, for additional
    // lists that still point at them until refresh_additional()).
    void remove_node(std::string_view name, uint32_t off) {
        Node* n = node(off);
        garbage_ += node_size(n->rrset_count, n->name_len);
        n->rrset_count = 0;
        n->flags = kNodeEmpty;
        std::memmove(reinterpret_cast<uint8_t*>(refs(n)), name.data(), name.size());
        erase_slot(name, off);
        --node_count_;
        referrers_.erase(std::remove(referrers_.begin(), referrers_.end(), off), referrers_.end());
    }

    std::optional<std::string> apply(const OwnerEdits& o) {
        const std::string& name = o.name;
        const dns::Name owner = o.edits.front()->owner;
        uint32_t off = find(name);
        std::vector<RRsetRef> current;
        uint16_t flags = 0;
        if (off != 0) {
            Node* n = node(off);
            flags = n->flags;
            if (flags & (kNodeBelowCut | kNodeDelegation | kNodeDname | kNodeWildcard))
                return owner.to_text() + ": at or below a zone cut or DNAME";
            current.assign(refs(n), refs(n) + n->rrset_count);
        } else {
            for (std::string_view p = parent_of(name); p.size() >= apex_.size(); p = parent_of(p)) {
                uint32_t a = find(p);
                if (a == 0) continue;
                if (node(a)->flags & (kNodeBelowCut | kNodeDelegation | kNodeDname))
                    return owner.to_text() + ": below a zone cut or DNAME";
                break;
            }
        }
        for (const RRsetEdit* e : o.edits) {
            auto it = std::find_if(current.begin(), current.end(),
                                   [&](const RRsetRef& r) { return r.type == e->type; });
            if (it != current.end()) {
                if (it->flags & (kRRsetPolicy | kRRsetAlias)) return owner.to_text() + ": under a routing policy";
                const RRset* old = rrset(it->rrset);
                garbage_ += plain_rrset_size(*old);
                record_count_ -= old->count;
                --rrset_count_;
                current.erase(it);
            }
            if (e->rdatas.empty()) continue;
            PlainRRset s;
            s.type = e->type;
            s.ttl = e->ttl;
            for (const std::string& rd : e->rdatas) s.rdatas.push_back(&rd);
            canonical_rdata_order(s.rdatas);
            encode_block(name, s, tmp_.data(), tmp_.size());
            RRsetRef ref{};
            ref.type = e->type;
            ref.flags = dns::rdata_names(e->type) != dns::RdataNames::kNone ? kRRsetCompressible : 0;
            ref.rrset = write_plain(name, s, {});  // additional targets: refresh_additional()
            current.insert(std::upper_bound(current.begin(), current.end(), ref,
                                            [](const RRsetRef& a, const RRsetRef& b) { return a.type < b.type; }),
                           ref);
            ++rrset_count_;
            record_count_ += static_cast<uint32_t>(s.rdatas.size());
            if (e->type == dns::type::SOA) set_soa(ref.rrset, e->ttl, e->rdatas.front());
            if (is_referrer_type(e->type)) pending_referrers_.push_back(name);
        }
        bool cname = false, others = false;
        for (const RRsetRef& r : current) (r.type == dns::type::CNAME ? cname : others) = true;
        if (cname && others) return owner.to_text() + ": a CNAME beside other data";
        flags = static_cast<uint16_t>((flags & ~(kNodeEmpty | kNodeCname)) | (current.empty() ? kNodeEmpty : 0) |
                                      (cname ? kNodeCname : 0));
        if (name == apex_) {
            if (current.empty()) return std::string("the apex would have no RRsets");
            write_node(off, name, flags, current);
            return std::nullopt;
        }
        if (current.empty()) {
            if (off == 0) return std::nullopt;  // deleting what was not there
            if (has_descendants_(owner)) {
                write_node(off, name, flags, current);  // now an empty non-terminal
                return std::nullopt;
            }
            remove_node(name, off);
            remove_empty_ancestors(owner);
            return std::nullopt;
        }
        const bool fresh = off == 0;
        write_node(off, name, flags, current);
        if (fresh) add_empty_ancestors(name);
        return std::nullopt;
    }

    void add_empty_ancestors(std::string_view name) {
        for (std::string_view p = parent_of(name); p.size() > apex_.size(); p = parent_of(p)) {
            if (find(p) != 0) return;
            write_node(0, p, kNodeEmpty, {});
        }
    }

    void remove_empty_ancestors(const dns::Name& owner) {
        for (dns::Name p = owner.parent(); p.size() > apex_.size(); p = p.parent()) {
            std::string name = canonical_wire(p);
            uint32_t off = find(name);
            if (off == 0 || node(off)->rrset_count != 0 || has_descendants_(p)) return;
            remove_node(name, off);
        }
    }

    void set_soa(uint32_t at, uint32_t ttl, const std::string& rdata) {
        std::vector<uint8_t> block;
        std::vector<uint16_t> fixups;
        encode_negative_block(apex_, ttl, rdata, block, fixups);
        ImageHeader* h = header();
        garbage_ += align_up(h->negative_block_len, 2) + 4u * h->negative_fixups;
        uint32_t neg = append(align_up(block.size(), 2) + 2 * fixups.size());
        std::memcpy(mem_.get() + neg, block.data(), block.size());
        std::memcpy(mem_.get() + neg + align_up(block.size(), 2), fixups.data(), 2 * fixups.size());
        h = header();
        h->soa = at;
        h->negative_ttl = negative_ttl(ttl, rdata);
        h->negative_block = neg;
        h->negative_block_len = static_cast<uint16_t>(block.size());
        h->negative_fixups = static_cast<uint16_t>(fixups.size() / 2);
    }

    // The A/AAAA targets of one RRset's records, as node offsets (what the compiler finds).
    std::vector<uint32_t> targets_of(const RRset* r, uint16_t type) {
        std::vector<uint32_t> out;
        const uint8_t* p = r->rdata();
        for (uint16_t i = 0; i < r->count; ++i) {
            uint16_t len = dns::load_u16(p);
            const std::string key = additional_target(type, {reinterpret_cast<const char*>(p + 2), len});
            p += 2 + len;
            if (key.empty()) continue;
            uint32_t at = find(key);
            if (at == 0) continue;
            Node* n = node(at);
            bool has_addr = false;
            for (uint16_t k = 0; k < n->rrset_count; ++k) {
                has_addr |= refs(n)[k].type == dns::type::A || refs(n)[k].type == dns::type::AAAA;
            }
            if (has_addr && std::find(out.begin(), out.end(), at) == out.end()) out.push_back(at);
        }
        return out;
    }

    // Points every NS, MX and SRV RRset's additional list at the nodes that hold its
    // targets' addresses now (nodes moved, gained or lost addresses, or went).
    std::optional<std::string> refresh_additional() {
        for (const std::string& name : pending_referrers_) {
            uint32_t off = find(name);
            if (off != 0 && std::find(referrers_.begin(), referrers_.end(), off) == referrers_.end())
                referrers_.push_back(off);
        }
        std::vector<uint32_t> keep;
        for (uint32_t off : referrers_) {
            bool any = false;
            for (uint16_t i = 0; i < node(off)->rrset_count; ++i) {
                const RRsetRef ref = refs(node(off))[i];  // node(off) again: append() may move it
                if (!is_referrer_type(ref.type)) continue;
                any = true;
                if (ref.flags & kRRsetAlias) continue;
                if (ref.flags & kRRsetPolicy) {
                    const RRset* p = rrset(ref.rrset);
                    for (uint16_t m = 0; m < p->count; ++m) {
                        RRset* member = rrset(p->members()[m]);
                        if (member->flags & kRRsetAlias) continue;
                        if (!retarget_in_place(member, targets_of(member, ref.type)))
                            return std::string("a routed RRset's additional targets changed in number");
                    }
                    continue;
                }
                RRset* r = rrset(ref.rrset);
                std::vector<uint32_t> targets = targets_of(r, ref.type);
                if (retarget_in_place(r, targets)) continue;
                const uint32_t moved = rewrite_with_targets(ref.rrset, off, targets);
                refs(node(off))[i].rrset = moved;
            }
            if (any) keep.push_back(off);
        }
        referrers_ = std::move(keep);
        return std::nullopt;
    }

    static bool retarget_in_place(RRset* r, const std::vector<uint32_t>& targets) {
        if (targets.size() != r->additional_count) return false;
        auto* add = const_cast<uint32_t*>(r->additional());
        std::copy(targets.begin(), targets.end(), add);
        return true;
    }

    // The RRset again, with another number of additional targets: its rdata, block and
    // marks copied as they are.
    uint32_t rewrite_with_targets(uint32_t rrset_off, uint32_t node_off, const std::vector<uint32_t>& targets) {
        const RRset* r = rrset(rrset_off);
        const Node* n = node(node_off);
        std::vector<std::string> rdatas;
        const uint8_t* p = r->rdata();
        for (uint16_t i = 0; i < r->count; ++i) {
            uint16_t len = dns::load_u16(p);
            rdatas.emplace_back(reinterpret_cast<const char*>(p + 2), len);
            p += 2 + len;
        }
        PlainRRset s;
        s.type = r->type;
        s.ttl = r->ttl;
        for (const auto& rd : rdatas) s.rdatas.push_back(&rd);
        s.block.assign(reinterpret_cast<const char*>(r->block()), r->block_len);
        for (uint16_t i = 0; i < r->mark_count; ++i) s.marks.push_back(r->mark(i));
        garbage_ += plain_rrset_size(*r);
        const uint32_t signatures = r->signatures;
        std::string owner(reinterpret_cast<const char*>(n->name()), n->name_len);
        const uint32_t at = write_plain(owner, s, targets);
        rrset(at)->signatures = signatures;  // the RRSIGs cover the same records
        return at;
    }

    const ZoneImage& base_;
    const std::function<bool(const dns::Name&)>& has_descendants_;
    std::string apex_;
    HugeArray<uint8_t> mem_;
    size_t capacity_ = 0;
    size_t end_ = 0;
    size_t garbage_ = 0;
    uint32_t node_count_ = 0;
    uint32_t rrset_count_ = 0;
    uint32_t record_count_ = 0;
    std::vector<uint32_t> referrers_;
    std::vector<std::string> pending_referrers_;                                // owners given NS/MX/SRV RRsets
    std::vector<uint8_t> tmp_ = std::vector<uint8_t>(dns::kMaxMessage + 1024);  // encode_block()'s scratch
};

}  // namespace

PatchResult patch_zone(const ZoneImage& base, const std::vector<RRsetEdit>& edits,
                       const std::function<bool(const dns::Name&)>& has_descendants) {
    return Patcher(base, has_descendants).run(edits);
}

}  // namespace fz::zone
