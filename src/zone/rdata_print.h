// Wire -> text: the printer of one record's rdata, field by field along the type's layout.
// Private to src/zone; the API is rdata_to_text in rdata_text.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "dns/wire.h"
#include "zone/rdata_layout.h"

namespace fz::zone {

// Prints the wire rdata at `p` into `out`; run() once. The member functions of the SVCB
// parameters and of LOC are defined in svc_params.cpp and loc.cpp.
class RdataPrinter {
public:
    RdataPrinter(const uint8_t* p, size_t len, std::string& out) : p_(p), len_(len), out_(out) {}

    // False when the rdata is malformed for its type (the caller falls back to \#).
    bool run(const Layout& lay) {
        for (size_t i = 0; i < lay.count; ++i) {
            size_t mark = out_.size();
            if (i > 0) out_.push_back(' ');
            if (!field(lay.fields[i])) return false;
            if (i > 0 && out_.size() == mark + 1) out_.resize(mark);  // an empty optional field
        }
        return pos_ == len_;
    }

private:
    size_t left() const { return len_ - pos_; }
    bool u8(uint8_t& v) {
        if (left() < 1) return false;
        v = p_[pos_++];
        return true;
    }
    bool u16(uint16_t& v) {
        if (left() < 2) return false;
        v = dns::load_u16(p_ + pos_);
        pos_ += 2;
        return true;
    }
    bool u32(uint32_t& v) {
        if (left() < 4) return false;
        v = dns::load_u32(p_ + pos_);
        pos_ += 4;
        return true;
    }

    // One function per kind of field (Field in rdata_layout.h), which field() picks: each
    // reads its bytes and appends their text, or returns false when they are malformed.
    bool field(const FieldSpec& f);
    bool integer(size_t bytes);  // kU8, kU16, kU32 and the numbers with mnemonics
    bool rr_type();              // kType
    bool signature_time();       // kTime
    bool address(size_t bytes);  // kIPv4, kIPv6
    bool name();
    bool char_string();
    bool char_strings();
    bool hex_rest();
    bool base64_rest(bool required);  // kBase64, kBase64Opt
    bool bare_string();               // kString
    bool caa_tag();
    bool salt();
    bool hash32();
    bool bitmap();
    bool eui(size_t groups);  // kEui48, kEui64
    bool ilnp64();
    bool gateway();
    bool svc_params();  // svc_params.cpp
    bool loc();         // loc.cpp
    bool apl();

    const uint8_t* p_;
    size_t len_;
    std::string& out_;
    size_t pos_ = 0;
};

}  // namespace fz::zone
