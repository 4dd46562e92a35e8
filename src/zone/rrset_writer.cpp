// How one plain RRset, and the negative-answer SOA block, are laid out in a zone image.
#include "zone/rrset_writer.h"

#include <algorithm>
#include <cstring>

#include "dns/writer.h"
#include "zone/image.h"

namespace fz::zone {

void canonical_rdata_order(std::vector<const std::string*>& rdatas) {
    std::sort(rdatas.begin(), rdatas.end(), [](const std::string* a, const std::string* b) {
        return std::lexicographical_compare(reinterpret_cast<const uint8_t*>(a->data()),
                                            reinterpret_cast<const uint8_t*>(a->data()) + a->size(),
                                            reinterpret_cast<const uint8_t*>(b->data()),
                                            reinterpret_cast<const uint8_t*>(b->data()) + b->size());
    });
    rdatas.erase(std::unique(rdatas.begin(), rdatas.end(),
                             [](const std::string* a, const std::string* b) { return *a == *b; }),
                 rdatas.end());
}

std::string additional_target(uint16_t type, std::string_view rdata) {
    size_t off;
    switch (type) {
        case dns::type::NS: off = 0; break;
        case dns::type::MX: off = 2; break;
        case dns::type::SRV: off = 6; break;
        default: return {};
    }
    if (rdata.size() <= off) return {};
    std::string name(rdata.substr(off));
    for (auto& c : name) c = static_cast<char>(dns::lower(static_cast<uint8_t>(c)));
    return name;
}

void encode_block(std::string_view owner, PlainRRset& s, uint8_t* tmp, size_t cap) {
    s.block.clear();
    s.marks.clear();
    dns::Writer w(tmp, cap);
    std::memcpy(tmp + dns::kHeaderSize, owner.data(), owner.size());
    size_t start = dns::kHeaderSize + owner.size() + 4;
    w.skip_to(start);
    w.mark_name(dns::kHeaderSize);
    size_t question_marks = w.mark_count();
    for (const std::string* rd : s.rdatas) {
        if (!w.put_record(dns::kHeaderSize, s.type, s.ttl, reinterpret_cast<const uint8_t*>(rd->data()),
                          static_cast<uint16_t>(rd->size()))) {
            return;  // larger than any message: only the generic path serves it
        }
    }
    s.block.assign(reinterpret_cast<const char*>(tmp + start), w.size() - start);
    for (size_t i = question_marks; i < w.mark_count(); ++i) {
        s.marks.push_back(static_cast<uint16_t>(w.mark_at(i) - start));
    }
}

size_t plain_rrset_size(const PlainRRset& s, size_t additional) {
    size_t rdata = 0;
    for (const std::string* rd : s.rdatas) rdata += 2 + rd->size();
    size_t sz = sizeof(RRset) + rdata + s.block.size() + 2 * s.marks.size();
    sz = align_up(sz, 4) + 4 * additional;
    return align_up(sz, 8);
}

size_t plain_rrset_size(const RRset& r) {
    return align_up(align_up(sizeof(RRset) + r.rdata_len + r.block_len + 2u * r.mark_count, 4) +
                        4u * r.additional_count,
                    8);
}

void write_plain_rrset(uint8_t* p, size_t owner_len, const PlainRRset& s, const uint32_t* additional,
                       size_t additional_count) {
    auto* r = reinterpret_cast<RRset*>(p);
    *r = RRset{};
    r->type = s.type;
    r->count = static_cast<uint16_t>(s.rdatas.size());
    r->ttl = s.ttl;
    r->flags = dns::rdata_names(s.type) != dns::RdataNames::kNone ? kRRsetCompressible : 0;
    r->additional_count = static_cast<uint16_t>(additional_count);
    r->mark_count = static_cast<uint16_t>(s.marks.size());
    r->owner_len = static_cast<uint16_t>(owner_len);
    uint8_t* q = p + sizeof(RRset);
    for (const std::string* rd : s.rdatas) {
        dns::store_u16(q, static_cast<uint16_t>(rd->size()));
        std::memcpy(q + 2, rd->data(), rd->size());
        q += 2 + rd->size();
    }
    r->rdata_len = static_cast<uint32_t>(q - (p + sizeof(RRset)));
    if (!s.block.empty()) std::memcpy(q, s.block.data(), s.block.size());
    r->block_len = static_cast<uint32_t>(s.block.size());
    q += s.block.size();
    if (!s.marks.empty()) std::memcpy(q, s.marks.data(), 2 * s.marks.size());
    auto* add = const_cast<uint32_t*>(r->additional());
    for (size_t i = 0; i < additional_count; ++i) add[i] = additional[i];
}

uint32_t negative_ttl(uint32_t ttl, const std::string& soa_rdata) {
    uint32_t minimum = dns::load_u32(reinterpret_cast<const uint8_t*>(soa_rdata.data()) + soa_rdata.size() - 4);
    return std::min(ttl, minimum);
}

void encode_negative_block(std::string_view apex, uint32_t ttl, const std::string& rd, std::vector<uint8_t>& block,
                           std::vector<uint16_t>& fixups) {
    block.clear();
    fixups.clear();
    std::vector<uint8_t> tmp(1024);
    dns::Writer w(tmp.data(), tmp.size());
    std::memcpy(tmp.data() + dns::kHeaderSize, apex.data(), apex.size());
    w.mark_name(dns::kHeaderSize);
    size_t start = dns::kHeaderSize + apex.size() + 4;
    w.skip_to(start);
    w.set_marking(false);
    w.put_record(dns::kHeaderSize, dns::type::SOA, negative_ttl(ttl, rd), reinterpret_cast<const uint8_t*>(rd.data()),
                 static_cast<uint16_t>(rd.size()));
    block.assign(tmp.data() + start, tmp.data() + w.size());
    // Pointers sit at: the owner, then wherever a name in the rdata ends in one.
    auto note = [&](size_t at) {
        uint16_t target = static_cast<uint16_t>(dns::load_u16(&block[at]) & 0x3fff);
        fixups.push_back(static_cast<uint16_t>(at));
        fixups.push_back(static_cast<uint16_t>(target - dns::kHeaderSize));
    };
    note(0);
    size_t p = 12;
    for (int name = 0; name < 2; ++name) {
        while (block[p] != 0 && (block[p] & 0xc0) != 0xc0) p += block[p] + 1u;
        if (block[p] == 0) {
            ++p;
        } else {
            note(p);
            p += 2;
        }
    }
}

std::vector<uint8_t> encode_proof_block(std::string_view apex, std::string_view owner, const PlainRRset& set,
                                        const PlainRRset& sigs) {
    std::vector<uint8_t> tmp(dns::kMaxMessage);
    dns::Writer w(tmp.data(), tmp.size());
    std::memcpy(tmp.data() + dns::kHeaderSize, apex.data(), apex.size());
    w.mark_name(dns::kHeaderSize);
    const size_t start = dns::kHeaderSize + apex.size();
    w.skip_to(start);
    w.set_marking(false);
    std::vector<uint16_t> fixups;
    uint16_t records = 0;
    for (const PlainRRset* part : {&set, &sigs}) {
        for (const std::string* rd : part->rdatas) {
            const auto* data = reinterpret_cast<const uint8_t*>(rd->data());
            const auto len = static_cast<uint16_t>(rd->size());
            const size_t at = w.size();
            bool ok;
            if (records == 0) {
                // The owner's labels, ending in a pointer into the apex (or all of it one).
                ok = w.put_name(reinterpret_cast<const uint8_t*>(owner.data()), true) && w.put_u16(part->type) &&
                     w.put_u16(dns::rrclass::IN) && w.put_u32(part->ttl) && w.put_u16(len) && w.put_bytes(data, len);
                size_t p = at;
                while (tmp[p] != 0 && (tmp[p] & 0xc0) != 0xc0) p += tmp[p] + 1u;
                if (ok && tmp[p] != 0) {
                    fixups.push_back(static_cast<uint16_t>(p - start));
                    fixups.push_back(static_cast<uint16_t>((dns::load_u16(&tmp[p]) & 0x3fff) - dns::kHeaderSize));
                }
            } else {
                ok = w.put_record(start, part->type, part->ttl, data, len);
                fixups.push_back(static_cast<uint16_t>(at - start));
                fixups.push_back(kProofLocal);
            }
            if (!ok) return {};
            ++records;
        }
    }
    const size_t len = w.size() - start;
    ProofBlock head{static_cast<uint16_t>(len), static_cast<uint16_t>(fixups.size() / 2), records, 0};
    std::vector<uint8_t> out(sizeof head + align_up(len, 2) + 2 * fixups.size());
    std::memcpy(out.data(), &head, sizeof head);
    std::memcpy(out.data() + sizeof head, tmp.data() + start, len);
    std::memcpy(out.data() + sizeof head + align_up(len, 2), fixups.data(), 2 * fixups.size());
    return out;
}

}  // namespace fz::zone
