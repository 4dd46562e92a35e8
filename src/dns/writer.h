// Response writer: appends names (with compression), fields and records to a message
// buffer, never past a size limit. Used by answer() on the hot path and by the zone
// compiler to pre-encode answer sections, so both compress names the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common/assert.h"
#include "common/bytes.h"
#include "dns/wire.h"

namespace fz::dns {

// How names sit in the rdata of a type whose names may be compressed (RFC 3597 section 4:
// only the RFC 1035 types; SRV, NAPTR, DNAME... keep their names uncompressed).
enum class RdataNames : uint8_t {
    kNone,      // opaque to compression
    kName,      // NS, CNAME, PTR: the rdata is one name
    kPrefName,  // MX: u16 preference then a name
    kSoa,       // SOA: two names then 20 bytes
};

inline RdataNames rdata_names(uint16_t t) {
    switch (t) {
        case type::NS:
        case type::CNAME:
        case type::PTR: return RdataNames::kName;
        case type::MX: return RdataNames::kPrefName;
        case type::SOA: return RdataNames::kSoa;
        default: return RdataNames::kNone;
    }
}

class Writer {
public:
    static constexpr size_t kMaxMarks = 48;
    static constexpr size_t kMaxPointer = 0x3fff;

    Writer(uint8_t* buf, size_t limit) : buf_(buf), limit_(limit) {}

    size_t size() const { return pos_; }
    size_t limit() const { return limit_; }
    uint8_t* data() { return buf_; }
    void set_limit(size_t limit) {
        FZ_ASSERT(limit >= pos_);  // never below what is written
        limit_ = limit;
    }
    // Rewinds to `pos` (a failed record), forgetting compression marks past it.
    void rewind(size_t pos) {
        FZ_ASSERT(pos <= pos_);
        pos_ = pos;
        while (mark_count_ > 0 && marks_[mark_count_ - 1] >= pos) --mark_count_;
    }
    void skip_to(size_t pos) {
        FZ_ASSERT(pos <= limit_);
        pos_ = pos;
    }

    bool put_bytes(const void* p, size_t n) {
        if (pos_ + n > limit_) return false;
        copy_bytes(buf_ + pos_, static_cast<const uint8_t*>(p), n);
        pos_ += n;
        return true;
    }
    // put_bytes() for what is often over 64 bytes (a proof block, an RRSIG): those by
    // copy_block().
    bool put_block(const void* p, size_t n) {
        if (pos_ + n > limit_) return false;
        if (n > 64) {
            copy_block(buf_ + pos_, static_cast<const uint8_t*>(p), n);
        } else {
            copy_bytes(buf_ + pos_, static_cast<const uint8_t*>(p), n);
        }
        pos_ += n;
        return true;
    }
    bool put_u16(uint16_t v) {
        if (pos_ + 2 > limit_) return false;
        store_u16(buf_ + pos_, v);
        pos_ += 2;
        return true;
    }
    bool put_u32(uint32_t v) {
        if (pos_ + 4 > limit_) return false;
        store_u32(buf_ + pos_, v);
        pos_ += 4;
        return true;
    }

    // Stops (or resumes) remembering the names written: the zone compiler builds blocks
    // whose only pointers go to names outside them, so the block can move.
    void set_marking(bool on) { marking_ = on; }

    // Remembers that a name starts at `pos` of the message (and each label after it,
    // up to the root or a pointer), so later names can point at its suffixes.
    void mark_name(size_t pos) {
        FZ_ASSERT(pos < limit_);  // a name in the buffer (the zone compiler copies some in itself)
        while (marking_ && pos <= kMaxPointer && mark_count_ < kMaxMarks) {
            uint8_t l = buf_[pos];
            if (l == 0 || (l & 0xc0) != 0) return;
            marks_[mark_count_++] = static_cast<uint16_t>(pos);
            pos += l + 1u;
        }
    }
    // Remembers one position only (a suffix of an already marked name need not be).
    void mark(size_t pos) {
        FZ_ASSERT(pos < limit_);
        if (marking_ && pos <= kMaxPointer && mark_count_ < kMaxMarks)
            marks_[mark_count_++] = static_cast<uint16_t>(pos);
    }
    size_t mark_count() const { return mark_count_; }
    uint16_t mark_at(size_t i) const {
        FZ_ASSERT(i < mark_count_);
        return marks_[i];
    }

    // Writes an uncompressed wire `name`, compressed against marked names when `compress`.
    bool put_name(const uint8_t* name, bool compress) {
        size_t s = 0;
        if (compress) {
            while (name[s] != 0) {
                for (size_t m = 0; m < mark_count_; ++m) {
                    if (equals_at(marks_[m], name + s)) return put_prefix_and_pointer(name, s, marks_[m]);
                }
                s += name[s] + 1u;
            }
        } else {
            while (name[s] != 0) s += name[s] + 1u;
        }
        size_t len = s + 1;
        if (pos_ + len > limit_) return false;
        size_t start = pos_;
        std::memcpy(buf_ + pos_, name, len);
        pos_ += len;
        if (compress) mark_name(start);
        return true;
    }

    // Writes a compression pointer to `target`.
    bool put_pointer(size_t target) {
        FZ_ASSERT(target <= kMaxPointer);  // else it would spill into the pointer's tag bits
        return put_u16(static_cast<uint16_t>(0xc000 | target));
    }

    // Writes one record: owner as a pointer to `owner_pos`, then TYPE, CLASS IN, TTL and
    // the rdata, compressing the names inside it where the type allows.
    // An RRSIG record at `owner_pos`: its rdata as it is (the signer's name is never
    // compressed, RFC 4034 3.1.7), by put_block().
    bool put_rrsig(size_t owner_pos, uint32_t ttl, const uint8_t* rdata, uint16_t rdlen) {
        FZ_ASSERT(owner_pos <= kMaxPointer);
        if (pos_ + 12 + rdlen > limit_) return false;
        store_u16(buf_ + pos_, static_cast<uint16_t>(0xc000 | owner_pos));
        store_u16(buf_ + pos_ + 2, type::RRSIG);
        store_u16(buf_ + pos_ + 4, rrclass::IN);
        store_u32(buf_ + pos_ + 6, ttl);
        store_u16(buf_ + pos_ + 10, rdlen);
        pos_ += 12;
        return put_block(rdata, rdlen);
    }
    bool put_record(size_t owner_pos, uint16_t rtype, uint32_t ttl, const uint8_t* rdata, uint16_t rdlen) {
        FZ_ASSERT(owner_pos <= kMaxPointer);
        size_t start = pos_;
        if (pos_ + 12 > limit_) return false;
        store_u16(buf_ + pos_, static_cast<uint16_t>(0xc000 | owner_pos));
        store_u16(buf_ + pos_ + 2, rtype);
        store_u16(buf_ + pos_ + 4, rrclass::IN);
        store_u32(buf_ + pos_ + 6, ttl);
        pos_ += 12;
        if (!put_rdata(rtype, rdata, rdlen)) {
            rewind(start);
            return false;
        }
        store_u16(buf_ + start + 10, static_cast<uint16_t>(pos_ - start - 12));
        return true;
    }

    // Writes rdata, compressing names where the type allows.
    bool put_rdata(uint16_t rtype, const uint8_t* rdata, uint16_t rdlen) {
        switch (rdata_names(rtype)) {
            case RdataNames::kNone: return put_bytes(rdata, rdlen);
            case RdataNames::kName: return put_name(rdata, true);
            case RdataNames::kPrefName: return put_bytes(rdata, 2) && put_name(rdata + 2, true);
            case RdataNames::kSoa: {
                size_t n1 = name_len(rdata);
                size_t n2 = name_len(rdata + n1);
                FZ_ASSERT(n1 + n2 <= rdlen);  // the zone compiler checked the SOA rdata
                return put_name(rdata, true) && put_name(rdata + n1, true) &&
                       put_bytes(rdata + n1 + n2, rdlen - n1 - n2);
            }
        }
        return false;
    }

    // True when the (possibly compressed) name at message offset `pos` equals the
    // uncompressed `name`, ignoring ASCII case.
    [[gnu::noinline]] bool equals_at(size_t pos, const uint8_t* name) const {
        FZ_ASSERT(pos < pos_);  // a marked name
        for (int hops = 0; hops < 64;) {
            uint8_t l = buf_[pos];
            if ((l & 0xc0) == 0xc0) {
                pos = static_cast<size_t>(((l & 0x3f) << 8) | buf_[pos + 1]);
                ++hops;
                continue;
            }
            if (l != *name) return false;
            if (l == 0) return true;
            for (size_t i = 1; i <= l; ++i) {
                // Names mostly meet in the same case: fold only bytes that differ (17
                // instructions a byte folding both, 5 now; callgrind, referrals).
                const uint8_t a = buf_[pos + i];
                const uint8_t b = name[i];
                if (a != b && lower(a) != lower(b)) return false;
            }
            pos += l + 1u;
            name += l + 1u;
        }
        return false;
    }

    static size_t name_len(const uint8_t* name) {
        size_t s = 0;
        while (name[s] != 0) s += name[s] + 1u;
        return s + 1;
    }

private:
    bool put_prefix_and_pointer(const uint8_t* name, size_t prefix, size_t target) {
        if (pos_ + prefix + 2 > limit_) return false;
        size_t start = pos_;
        std::memcpy(buf_ + pos_, name, prefix);
        pos_ += prefix;
        store_u16(buf_ + pos_, static_cast<uint16_t>(0xc000 | target));
        pos_ += 2;
        if (prefix > 0) mark_name(start);
        return true;
    }

    uint8_t* buf_;
    size_t limit_;
    size_t pos_ = 0;
    uint16_t marks_[kMaxMarks];
    size_t mark_count_ = 0;
    bool marking_ = true;
};

}  // namespace fz::dns
