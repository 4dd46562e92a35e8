// Wire -> text: one function per field kind; SVCB parameters and LOC have files of their own.
#include "zone/rdata_print.h"

#include <algorithm>
#include <cstring>

#include "common/encoding.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "zone/presentation.h"

namespace fz::zone {

bool RdataPrinter::name() {
    size_t n = dns::wire_name_length(p_ + pos_, left());
    if (n == 0) return false;
    out_ += dns::wire_name_to_text(p_ + pos_);
    pos_ += n;
    return true;
}

bool RdataPrinter::char_string() {
    uint8_t n;
    if (!u8(n) || left() < n) return false;
    append_quoted(out_, p_ + pos_, n);
    pos_ += n;
    return true;
}

bool RdataPrinter::bitmap() {
    int last_window = -1;
    bool first = true;
    while (left() > 0) {
        uint8_t window, n;
        if (!u8(window) || !u8(n) || n == 0 || n > 32 || left() < n || window <= last_window) return false;
        if (p_[pos_ + n - 1] == 0) return false;  // RFC 4034 4.1.2: trailing zero octets are omitted
        last_window = window;
        for (unsigned i = 0; i < n; ++i) {
            for (unsigned bit = 0; bit < 8; ++bit) {
                if (p_[pos_ + i] & (0x80 >> bit)) {
                    if (!first) out_.push_back(' ');
                    first = false;
                    out_ += dns::type_to_text(static_cast<uint16_t>(window * 256 + i * 8 + bit));
                }
            }
        }
        pos_ += n;
    }
    return true;
}

bool RdataPrinter::apl() {
    bool first = true;
    while (left() > 0) {
        uint16_t family;
        uint8_t prefix, flags;
        if (!u16(family) || !u8(prefix) || !u8(flags)) return false;
        size_t n = flags & 0x7f;
        size_t size = family == 1 ? 4 : family == 2 ? 16 : 0;
        if (size == 0 || n > size || left() < n || prefix > size * 8) return false;
        if (n > 0 && p_[pos_ + n - 1] == 0) return false;  // RFC 3123 4: no trailing zero octets
        uint8_t addr[16] = {};
        std::memcpy(addr, p_ + pos_, n);
        pos_ += n;
        if (!first) out_.push_back(' ');
        first = false;
        if (flags & 0x80) out_.push_back('!');
        out_ += std::to_string(family) + ":";
        if (size == 4) {
            append_ipv4(out_, addr);
        } else {
            append_ipv6(out_, addr);
        }
        out_ += "/" + std::to_string(prefix);
    }
    return true;
}

bool RdataPrinter::integer(size_t bytes) {
    if (left() < bytes) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i) v = (v << 8) | p_[pos_ + i];
    pos_ += bytes;
    out_ += std::to_string(v);
    return true;
}

bool RdataPrinter::rr_type() {
    uint16_t code;
    if (!u16(code)) return false;
    out_ += dns::type_to_text(code);
    return true;
}

bool RdataPrinter::signature_time() {
    uint32_t secs;
    if (!u32(secs)) return false;
    append_time(out_, secs);
    return true;
}

bool RdataPrinter::address(size_t bytes) {
    if (left() < bytes) return false;
    if (bytes == 4) {
        append_ipv4(out_, p_ + pos_);
    } else {
        append_ipv6(out_, p_ + pos_);
    }
    pos_ += bytes;
    return true;
}

bool RdataPrinter::char_strings() {
    if (!char_string()) return false;
    while (left() > 0) {
        out_.push_back(' ');
        if (!char_string()) return false;
    }
    return true;
}

bool RdataPrinter::hex_rest() {
    if (left() == 0) return false;
    append_hex(out_, p_ + pos_, left());
    pos_ = len_;
    return true;
}

bool RdataPrinter::base64_rest(bool required) {
    if (required && left() == 0) return false;
    append_base64(out_, p_ + pos_, left());
    pos_ = len_;
    return true;
}

bool RdataPrinter::bare_string() {
    append_quoted(out_, p_ + pos_, left());
    pos_ = len_;
    return true;
}

bool RdataPrinter::caa_tag() {
    uint8_t n;
    if (!u8(n) || n == 0 || left() < n) return false;
    const char* tag = reinterpret_cast<const char*>(p_ + pos_);
    if (!std::all_of(tag, tag + n, is_alnum)) return false;
    out_.append(tag, n);
    pos_ += n;
    return true;
}

bool RdataPrinter::salt() {
    uint8_t n;
    if (!u8(n) || left() < n) return false;
    if (n == 0) {
        out_.push_back('-');
    } else {
        append_hex(out_, p_ + pos_, n);
    }
    pos_ += n;
    return true;
}

bool RdataPrinter::hash32() {
    uint8_t n;
    if (!u8(n) || n == 0 || left() < n) return false;
    append_base32hex(out_, p_ + pos_, n);
    pos_ += n;
    return true;
}

bool RdataPrinter::eui(size_t groups) {
    if (left() < groups) return false;
    for (size_t g = 0; g < groups; ++g) {
        if (g > 0) out_.push_back('-');
        append_hex(out_, p_ + pos_ + g, 1);
    }
    pos_ += groups;
    return true;
}

bool RdataPrinter::ilnp64() {
    if (left() < 8) return false;
    for (size_t g = 0; g < 4; ++g) {
        if (g > 0) out_.push_back(':');
        append_hex(out_, p_ + pos_ + g * 2, 2);
    }
    pos_ += 8;
    return true;
}

bool RdataPrinter::gateway() {
    // The gateway type is the second byte of IPSECKEY rdata.
    switch (p_[1]) {
        case 0: out_.push_back('.'); return true;
        case 1: return address(4);
        case 2: return address(16);
        case 3: return name();
        default: return false;
    }
}

bool RdataPrinter::field(const FieldSpec& f) {
    switch (f.kind) {
        case Field::kU8:
        case Field::kAlgorithm: return integer(1);
        case Field::kU16:
        case Field::kCertType: return integer(2);
        case Field::kU32:
        case Field::kTimer: return integer(4);
        case Field::kType: return rr_type();
        case Field::kTime: return signature_time();
        case Field::kIPv4: return address(4);
        case Field::kIPv6: return address(16);
        case Field::kName: return name();
        case Field::kCharString: return char_string();
        case Field::kCharStrings: return char_strings();
        case Field::kHex: return hex_rest();
        case Field::kBase64: return base64_rest(true);
        case Field::kBase64Opt: return base64_rest(false);
        case Field::kString: return bare_string();
        case Field::kCaaTag: return caa_tag();
        case Field::kSalt: return salt();
        case Field::kHash32: return hash32();
        case Field::kBitmap: return bitmap();
        case Field::kEui48: return eui(6);
        case Field::kEui64: return eui(8);
        case Field::kIlnp64: return ilnp64();
        case Field::kGateway: return gateway();
        case Field::kSvcParams: return svc_params();
        case Field::kLoc: return loc();
        case Field::kApl: return apl();
    }
    return false;
}

}  // namespace fz::zone
