// Wire -> text along the layout of the type; SVCB parameters and LOC have files of their own.
#include "zone/rdata_print.h"

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

bool RdataPrinter::field(const FieldSpec& f) {
    uint8_t b;
    uint16_t s;
    uint32_t w;
    switch (f.kind) {
        case Field::kU8:
        case Field::kAlgorithm:
            if (!u8(b)) return false;
            out_ += std::to_string(b);
            return true;
        case Field::kU16:
        case Field::kCertType:
            if (!u16(s)) return false;
            out_ += std::to_string(s);
            return true;
        case Field::kU32:
        case Field::kTimer:
            if (!u32(w)) return false;
            out_ += std::to_string(w);
            return true;
        case Field::kType:
            if (!u16(s)) return false;
            out_ += dns::type_to_text(s);
            return true;
        case Field::kTime:
            if (!u32(w)) return false;
            append_time(out_, w);
            return true;
        case Field::kIPv4:
            if (left() < 4) return false;
            append_ipv4(out_, p_ + pos_);
            pos_ += 4;
            return true;
        case Field::kIPv6:
            if (left() < 16) return false;
            append_ipv6(out_, p_ + pos_);
            pos_ += 16;
            return true;
        case Field::kName:
            return name();
        case Field::kCharString:
            return char_string();
        case Field::kCharStrings:
            if (!char_string()) return false;
            while (left() > 0) {
                out_.push_back(' ');
                if (!char_string()) return false;
            }
            return true;
        case Field::kHex:
            if (left() == 0) return false;
            append_hex(out_, p_ + pos_, left());
            pos_ = len_;
            return true;
        case Field::kBase64:
            if (left() == 0) return false;
            [[fallthrough]];
        case Field::kBase64Opt:
            append_base64(out_, p_ + pos_, left());
            pos_ = len_;
            return true;
        case Field::kString:
            append_quoted(out_, p_ + pos_, left());
            pos_ = len_;
            return true;
        case Field::kCaaTag: {
            if (!u8(b) || b == 0 || left() < b) return false;
            for (size_t i = 0; i < b; ++i) {
                char c = static_cast<char>(p_[pos_ + i]);
                if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
            }
            out_.append(reinterpret_cast<const char*>(p_ + pos_), b);
            pos_ += b;
            return true;
        }
        case Field::kSalt:
            if (!u8(b) || left() < b) return false;
            if (b == 0) {
                out_.push_back('-');
            } else {
                append_hex(out_, p_ + pos_, b);
            }
            pos_ += b;
            return true;
        case Field::kHash32:
            if (!u8(b) || b == 0 || left() < b) return false;
            append_base32hex(out_, p_ + pos_, b);
            pos_ += b;
            return true;
        case Field::kBitmap:
            return bitmap();
        case Field::kEui48:
        case Field::kEui64: {
            size_t groups = f.kind == Field::kEui48 ? 6 : 8;
            if (left() < groups) return false;
            for (size_t g = 0; g < groups; ++g) {
                if (g > 0) out_.push_back('-');
                append_hex(out_, p_ + pos_ + g, 1);
            }
            pos_ += groups;
            return true;
        }
        case Field::kIlnp64:
            if (left() < 8) return false;
            for (size_t g = 0; g < 4; ++g) {
                if (g > 0) out_.push_back(':');
                append_hex(out_, p_ + pos_ + g * 2, 2);
            }
            pos_ += 8;
            return true;
        case Field::kGateway: {
            // The gateway type is the second byte of IPSECKEY rdata.
            uint8_t gateway_type = p_[1];
            if (gateway_type == 0) {
                out_.push_back('.');
                return true;
            }
            if (gateway_type == 1) {
                if (left() < 4) return false;
                append_ipv4(out_, p_ + pos_);
                pos_ += 4;
                return true;
            }
            if (gateway_type == 2) {
                if (left() < 16) return false;
                append_ipv6(out_, p_ + pos_);
                pos_ += 16;
                return true;
            }
            if (gateway_type == 3) return name();
            return false;
        }
        case Field::kSvcParams:
            return svc_params();
        case Field::kLoc:
            return loc();
        case Field::kApl:
            return apl();
    }
    return false;
}

}  // namespace fz::zone
