// One response being built by answer(): header, question, RRsets, the OPT, and the
// client a routing policy asks about. Part of answer.cpp, the only file to include it:
// its class stays in that file's unnamed namespace, so that GCC inlines it there as
// when it was written in it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "common/assert.h"
#include "common/bytes.h"
#include "dns/query.h"
#include "dns/writer.h"
#include "engine/answer.h"
#include "engine/snapshot.h"
#include "policy/client.h"

namespace fz::engine {
namespace {

using dns::Writer;
using zone::RRset;

constexpr size_t kOptSize = 11;  // an OPT RR without options

// One response being built.
class Responder {
public:
    Responder(const Snapshot& snap, const dns::Query& q, const uint8_t* query, const Peer& peer, uint8_t* out,
              size_t limit)
        : snap_(snap), q_(q), query_(query), peer_(peer), w_(out, limit) {}

    // Who the answer is for: the EDNS Client Subnet when present (RFC 7871), else the
    // packet's source. Computed on first use: only routing policies need it.
    const policy::ClientInfo& client() {
        if (!client_ready_) {
            client_ready_ = true;
            new (&client_) policy::ClientInfo;
            // Both are zero past their prefix: the parser rejects ECS addresses that are
            // not (FORMERR), and a packet's own address is taken whole.
            if (q_.edns.ecs) {
                if (q_.edns.subnet.family == 1) [[likely]] {
                    policy::set_client_ipv4(client_, q_.edns.subnet.address, q_.edns.subnet.source_prefix);
                } else {
                    policy::set_client(client_, policy::Family::kIpv6, q_.edns.subnet.address,
                                       q_.edns.subnet.source_prefix, true);
                }
            } else if (peer_.family == 4) {
                policy::set_client_ipv4(client_, peer_.address, 32);
            } else if (peer_.family == 6) {
                policy::set_client(client_, policy::Family::kIpv6, peer_.address, 128, true);
            }
        }
        return client_;
    }

    // client(), looked up in the table that `binding`'s first decision reads. Made here, the
    // lookup runs alongside the loads that reach the compiled policy (tables, version,
    // kind, table), where inside decide() it waited for them: 4 ns of a data-plane
    // geolocation answer (dpdk_lcore_bench).
    const policy::ClientInfo& client(const PolicyBinding& binding) {
        client();
        if (!client_.known()) return client_;
        if (binding.early.geo != nullptr) {
            look_up_early(*binding.early.geo);
        } else if (binding.early.latency != nullptr) {
            look_up_early(*binding.early.latency);
        } else if (binding.early.cidr != nullptr) {
            look_up_early(*binding.early.cidr);
        }
        return client_;
    }

    Writer& writer() { return w_; }
    uint16_t rcode = dns::rcode::NOERROR;
    bool aa = false;
    bool tc = false;
    uint16_t counts[3] = {0, 0, 0};  // answer, authority, additional

    void put_header() {
        uint8_t* p = w_.data();
        dns::store_u16(p, q_.id);
        // QR, the query's opcode, RD and CD echoed; AA/TC/RCODE set in finish().
        uint16_t flags = dns::flag::QR | (q_.flags & (dns::flag::OPCODE_MASK | dns::flag::RD | dns::flag::CD));
        dns::store_u16(p + 2, flags);
        std::memset(p + 4, 0, 8);
        w_.skip_to(dns::kHeaderSize);
    }

    // Echoes the question byte for byte (0x20 case preserved) and marks its name.
    void put_question() {
        size_t qlen = q_.question_end - dns::kHeaderSize;
        w_.put_bytes(query_ + dns::kHeaderSize, qlen);
        FZ_ASSERT(w_.size() == q_.question_end);  // reserve_opt() leaves room for the question
        dns::store_u16(w_.data() + 4, 1);
        w_.mark_name(dns::kHeaderSize);
    }

    // Writes an RRset in `section` with its owner at `owner_pos`. Returns false (and
    // sets TC unless `optional`) when it does not fit; nothing partial is left.
    bool put_rrset(int section, size_t owner_pos, const RRset* set, bool use_block, bool optional) {
        FZ_ASSERT(section >= 0 && section < 3);
        size_t start = w_.size();
        if (use_block && set->block_len != 0) {
            // Ready-made section: valid only right after a question naming this owner.
            if (w_.put_bytes(set->block(), set->block_len)) {
                for (uint16_t i = 0; i < set->mark_count; ++i) w_.mark(start + set->mark(i));
                counts[section] = static_cast<uint16_t>(counts[section] + set->count);
                return true;
            }
            return fail(start, optional);
        }
        const uint8_t* rd = set->rdata();
        for (uint16_t i = 0; i < set->count; ++i) {
            uint16_t len = dns::load_u16(rd);
            if (!w_.put_record(owner_pos, set->type, set->ttl, rd + 2, len)) return fail(start, optional);
            rd += 2 + len;
        }
        counts[section] = static_cast<uint16_t>(counts[section] + set->count);
        return true;
    }

    // put_rrset() of an RRSIG RRset (with DO): its block or records are long, written by
    // put_block() and put_rrsig(); unsigned answers keep put_rrset() as it was.
    bool put_signature_rrset(int section, size_t owner_pos, const RRset* set, bool use_block) {
        const size_t start = w_.size();
        if (use_block && set->block_len != 0) {
            if (!w_.put_block(set->block(), set->block_len)) return fail(start, false);
            for (uint16_t i = 0; i < set->mark_count; ++i) w_.mark(start + set->mark(i));
        } else {
            const uint8_t* rd = set->rdata();
            for (uint16_t i = 0; i < set->count; ++i) {
                const uint16_t len = dns::load_u16(rd);
                if (!w_.put_rrsig(owner_pos, set->ttl, rd + 2, len)) return fail(start, false);
                rd += 2 + len;
            }
        }
        counts[section] = static_cast<uint16_t>(counts[section] + set->count);
        return true;
    }

    // Takes back what was written since `start`, when `section` held `before` records: false.
    bool take_back(int section, size_t start, uint16_t before) {
        w_.rewind(start);
        counts[section] = before;
        return false;
    }

    // Writes `count` RRSIG records at `owner_pos` in the answer section from a list of
    // [u16 length][rdata], each at the original TTL its rdata holds; all or nothing.
    bool put_signatures(size_t owner_pos, const uint8_t* list, uint8_t count) {
        const size_t start = w_.size();
        for (uint8_t i = 0; i < count; ++i) {
            const uint16_t len = dns::load_u16(list);
            if (len < 8 || !w_.put_rrsig(owner_pos, dns::load_u32(list + 6), list + 2, len)) return fail(start, false);
            list += 2 + len;
        }
        counts[0] = static_cast<uint16_t>(counts[0] + count);
        return true;
    }

    // Writes `count` one-record blocks of `stride` bytes, block i being number members[i]
    // of `blocks`, as one RRset of the answer section (PolicyBinding::block_stride). Like
    // put_rrset with a block: valid right after a question naming the owner.
    bool put_blocks(const uint8_t* blocks, uint32_t stride, const uint16_t* members, uint8_t count) {
        const size_t start = w_.size();
        const size_t need = size_t{stride} * count;
        if (start + need > w_.limit()) return fail(start, false);
        uint8_t* out = w_.data() + start;
        // The common strides as constants: each copy is then two or four moves.
        if (stride == 16) {
            for (uint8_t i = 0; i < count; ++i) std::memcpy(out + 16 * i, blocks + 16 * size_t{members[i]}, 16);
        } else if (stride == 28) {
            for (uint8_t i = 0; i < count; ++i) std::memcpy(out + 28 * i, blocks + 28 * size_t{members[i]}, 28);
        } else {
            for (uint8_t i = 0; i < count; ++i)
                copy_bytes(out + stride * i, blocks + stride * size_t{members[i]}, stride);
        }
        w_.skip_to(start + need);
        counts[0] = static_cast<uint16_t>(counts[0] + count);
        return true;
    }

    // Writes an RRset whose owner is written out (compressed) rather than a pointer.
    bool put_rrset_named(int section, const uint8_t* owner, const RRset* set, uint32_t ttl, bool optional) {
        FZ_ASSERT(section >= 0 && section < 3);
        size_t start = w_.size();
        const uint8_t* rd = set->rdata();
        size_t owner_pos = SIZE_MAX;
        for (uint16_t i = 0; i < set->count; ++i) {
            uint16_t len = dns::load_u16(rd);
            if (owner_pos == SIZE_MAX || owner_pos > Writer::kMaxPointer) {
                size_t here = w_.size();
                if (!w_.put_name(owner, true)) return fail(start, optional);
                owner_pos = here;
                // The owner is now in the message: the rest of the record follows it.
                if (!put_rr_tail(set->type, ttl, rd + 2, len)) return fail(start, optional);
            } else if (!w_.put_record(owner_pos, set->type, ttl, rd + 2, len)) {
                return fail(start, optional);
            }
            rd += 2 + len;
        }
        counts[section] = static_cast<uint16_t>(counts[section] + set->count);
        return true;
    }

    // Appends the OPT RR (and NSID / ECS options) when the query had EDNS.
    void put_opt(uint16_t ext_rcode_high) {
        if (!q_.edns.present) return;
        size_t opt_len = opt_size();
        w_.set_limit(w_.size() + opt_len);  // space was reserved up front
        uint8_t* p = w_.data() + w_.size();
        p[0] = 0;
        dns::store_u16(p + 1, dns::type::OPT);
        dns::store_u16(p + 3, snap_.options.udp_max_payload);
        p[5] = static_cast<uint8_t>(ext_rcode_high);
        p[6] = 0;  // version 0
        dns::store_u16(p + 7, q_.edns.do_bit ? dns::kEdnsDoBit : 0);
        size_t rd = 0;
        uint8_t* o = p + 11;
        if (send_nsid()) {
            dns::store_u16(o, dns::edns::NSID);
            dns::store_u16(o + 2, static_cast<uint16_t>(snap_.options.nsid.size()));
            std::memcpy(o + 4, snap_.options.nsid.data(), snap_.options.nsid.size());
            o += 4 + snap_.options.nsid.size();
            rd += 4 + snap_.options.nsid.size();
        }
        if (q_.edns.ecs) {
            // Echo the client subnet with our scope (RFC 7871 7.2.1): 0 = valid for all.
            size_t addr = (q_.edns.subnet.source_prefix + 7u) / 8u;
            dns::store_u16(o, dns::edns::CLIENT_SUBNET);
            dns::store_u16(o + 2, static_cast<uint16_t>(4 + addr));
            dns::store_u16(o + 4, q_.edns.subnet.family);
            o[6] = q_.edns.subnet.source_prefix;
            // A decision made on an IPv4 address carried inside the IPv6 one (mapped,
            // 6to4, Teredo) has an IPv4 width: tell it back in IPv6 bits.
            uint8_t scope = ecs_scope;
            if (scope != 0 && q_.edns.subnet.family == 2 && client_ready_ && client_.family == policy::Family::kIpv4) {
                scope = static_cast<uint8_t>(std::min(128, scope + client_.embedded_offset));
            }
            o[7] = scope;
            std::memcpy(o + 8, q_.edns.subnet.address, addr);
            rd += 8 + addr;
        }
        dns::store_u16(p + 9, static_cast<uint16_t>(rd));
        w_.skip_to(w_.size() + kOptSize + rd);
        ++counts[2];
    }

    // Keeps room for the OPT record within `limit` so that it always fits (RFC 6891 7: OPT
    // is never dropped).
    void reserve_opt(size_t limit) {
        size_t opt = opt_size();
        // A long NSID (up to 255 bytes) and a long question do not both fit a 512-byte
        // answer: the NSID, which a server may leave out (RFC 5001 2.3), goes.
        if (opt > limit - q_.question_end) [[unlikely]]
            opt = without_nsid();
        w_.set_limit(limit - std::min(limit - dns::kHeaderSize, opt));
    }

    size_t opt_size() const {
        if (!q_.edns.present) return 0;
        size_t n = kOptSize;
        if (send_nsid()) n += 4 + snap_.options.nsid.size();
        if (q_.edns.ecs) n += 8 + (q_.edns.subnet.source_prefix + 7u) / 8u;
        return n;
    }

    size_t finish() {
        uint8_t* p = w_.data();
        uint16_t flags = dns::load_u16(p + 2);
        if (aa) flags |= dns::flag::AA;
        if (tc) flags |= dns::flag::TC;
        flags |= rcode & 0xf;
        dns::store_u16(p + 2, flags);
        dns::store_u16(p + 6, counts[0]);
        dns::store_u16(p + 8, counts[1]);
        put_opt(static_cast<uint16_t>(rcode >> 4));
        dns::store_u16(p + 10, counts[2]);
        return w_.size();
    }

    uint8_t ecs_scope = 0;

private:
    [[gnu::cold, gnu::noinline]] size_t without_nsid() {
        omit_nsid_ = true;
        return opt_size();
    }
    bool send_nsid() const { return q_.edns.nsid && !omit_nsid_ && !snap_.options.nsid.empty(); }

    bool put_rr_tail(uint16_t rtype, uint32_t ttl, const uint8_t* rdata, uint16_t len) {
        size_t start = w_.size();
        if (!w_.put_u16(rtype) || !w_.put_u16(dns::rrclass::IN) || !w_.put_u32(ttl) || !w_.put_u16(0)) return false;
        if (!w_.put_rdata(rtype, rdata, len)) return false;
        dns::store_u16(w_.data() + start + 8, static_cast<uint16_t>(w_.size() - start - 10));
        return true;
    }

    bool fail(size_t start, bool optional) {
        w_.rewind(start);
        if (!optional) tc = true;
        return false;
    }

    const Snapshot& snap_;
    const dns::Query& q_;
    const uint8_t* query_;
    const Peer& peer_;
    Writer w_;
    template <typename Table>
    void look_up_early(const Table& table) {
        if (client_.early_table == &table) return;
        client_.early = table.lookup(client_);
        client_.early_table = &table;
    }

    // Constructed by client() on first use: most answers never need it, and initialising
    // it with every Responder cost static answers 6 instructions (callgrind).
    union {
        policy::ClientInfo client_;
    };
    bool client_ready_ = false;
    bool omit_nsid_ = false;
};

}  // namespace
}  // namespace fz::engine
