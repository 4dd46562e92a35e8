// Text -> wire: one function per field kind; SVCB parameters and LOC have files of their own.
#include "zone/rdata_parse.h"

#include <algorithm>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/text.h"
#include "zone/presentation.h"
#include "zone/rdata_text.h"

namespace fz::zone {
namespace {

struct Mnemonic {
    std::string_view text;
    uint16_t code;
};

// DNSSEC algorithm mnemonics (IANA "DNS Security Algorithm Numbers").
constexpr Mnemonic kAlgorithms[] = {
    {"RSAMD5", 1},
    {"DH", 2},
    {"DSA", 3},
    {"RSASHA1", 5},
    {"DSA-NSEC3-SHA1", 6},
    {"RSASHA1-NSEC3-SHA1", 7},
    {"RSASHA256", 8},
    {"RSASHA512", 10},
    {"ECC-GOST", 12},
    {"ECDSAP256SHA256", 13},
    {"ECDSAP384SHA384", 14},
    {"ED25519", 15},
    {"ED448", 16},
    {"PRIVATEDNS", 253},
    {"PRIVATEOID", 254},
};

// CERT type mnemonics (RFC 4398 2.1).
constexpr Mnemonic kCertTypes[] = {
    {"PKIX", 1}, {"SPKI", 2},   {"PGP", 3},     {"IPKIX", 4}, {"ISPKI", 5},
    {"IPGP", 6}, {"ACPKIX", 7}, {"IACPKIX", 8}, {"URI", 253}, {"OID", 254},
};

// A number up to `max`, or one of the `known` mnemonics in any case.
std::optional<uint32_t> code_from_text(std::string_view text, uint64_t max, std::span<const Mnemonic> known) {
    uint64_t v = 0;
    if (parse_decimal(text, max, v)) return static_cast<uint32_t>(v);
    for (const Mnemonic& m : known) {
        if (equals_ci(text, m.text)) return m.code;
    }
    return std::nullopt;
}

// The values of the fields that RdataParser::coded() reads, each from one plain token.
std::optional<uint32_t> timer_value(std::string_view t) { return duration_from_text(t, 0xffffffffU); }
std::optional<uint32_t> algorithm_value(std::string_view t) { return code_from_text(t, 255, kAlgorithms); }
std::optional<uint32_t> cert_type_value(std::string_view t) { return code_from_text(t, 65535, kCertTypes); }
std::optional<uint32_t> type_value(std::string_view t) { return dns::type_from_text(t); }
std::optional<uint32_t> time_value(std::string_view t) {
    uint32_t secs;
    if (!parse_time(t, secs)) return std::nullopt;
    return secs;
}

// The low `bytes` bytes of `v`, most significant first.
void put_uint(std::string& out, uint64_t v, unsigned bytes) {
    for (unsigned shift = 8 * bytes; shift > 0;) {
        shift -= 8;
        out.push_back(static_cast<char>(v >> shift));
    }
}

}  // namespace

const Token* RdataParser::take(const FieldSpec& f) {
    if (at_end()) {
        if (tokens_.empty()) {
            fail(line_, "missing rdata for " + type_name());
        } else {
            fail(tokens_.back().line, "missing " + std::string(f.name) + " in " + type_name() + " rdata");
        }
        return nullptr;
    }
    return &tokens_[pos_++];
}

const Token* RdataParser::take_plain(const FieldSpec& f) {
    const Token* t = take(f);
    if (t != nullptr && t->quoted) {
        fail(t->line, "bad " + std::string(f.name) + " \"" + std::string(t->text) + "\" in " + type_name() +
                          " rdata: a quoted string is not allowed here");
        return nullptr;
    }
    return t;
}

bool RdataParser::number(const FieldSpec& f, uint64_t max, uint64_t& v) {
    const Token* t = take_plain(f);
    if (t == nullptr) return false;
    if (!parse_decimal(t->text, max, v)) {
        return fail(t->line, "bad " + std::string(f.name) + " '" + std::string(t->text) + "' in " + type_name() +
                                 " rdata (expected 0.." + std::to_string(max) + ")");
    }
    return true;
}

bool RdataParser::name(const FieldSpec& f) {
    const Token* t = take_plain(f);
    if (t == nullptr) return false;
    uint8_t wire[dns::kMaxNameWire];
    size_t len = name_to_wire(t->text, origin_, wire);
    if (len == 0) {
        auto why = dns::name_from_text(t->text, &origin_);
        std::string reason = why.ok() ? "not a valid domain name" : why.error().message;
        return fail(t->line, "bad " + std::string(f.name) + " '" + std::string(t->text) + "' in " + type_name() +
                                 " rdata: " + reason);
    }
    out_.append(reinterpret_cast<const char*>(wire), len);
    return true;
}

bool RdataParser::append_char_string(const Token& t) {
    size_t len_pos = out_.size();
    out_.push_back('\0');
    if (!unescape(t.text, out_)) {
        return fail(t.line, "bad escape in " + type_name() + " string '" + std::string(t.text) + "'");
    }
    size_t len = out_.size() - len_pos - 1;
    if (len > 255) return fail(t.line, type_name() + " string longer than 255 bytes");
    out_[len_pos] = static_cast<char>(len);
    return true;
}

bool RdataParser::hex_rest(const FieldSpec& f, bool required) {
    if (required && at_end()) return take(f) != nullptr;
    HexDecoder hex(out_);  // hex may be split anywhere by blanks
    uint32_t line = 0;
    for (; !at_end(); ++pos_) {
        const Token& t = tokens_[pos_];
        line = t.line;
        if (t.quoted || !hex.add(t.text)) return bad(t, f);
    }
    if (!hex.complete())
        return fail(line, "odd number of hex digits in " + std::string(f.name) + " of " + type_name() + " rdata");
    return true;
}

bool RdataParser::base64_rest(const FieldSpec& f, bool required) {
    if (required && at_end()) return take(f) != nullptr;
    if (at_end()) return true;
    scratch_.clear();
    uint32_t line = tokens_[pos_].line;
    for (; !at_end(); ++pos_) {
        const Token& t = tokens_[pos_];
        if (t.quoted) return bad(t, f);
        scratch_.append(t.text);
    }
    if (!base64_decode(scratch_, out_)) {
        return fail(line, "bad base64 in " + std::string(f.name) + " of " + type_name() + " rdata");
    }
    return true;
}

bool RdataParser::bitmap() {
    std::vector<uint16_t> types;
    for (; !at_end(); ++pos_) {
        const Token& t = tokens_[pos_];
        auto code = t.quoted ? std::nullopt : dns::type_from_text(t.text);
        if (!code) return fail(t.line, "unknown type '" + std::string(t.text) + "' in " + type_name() + " type bitmap");
        types.push_back(*code);
    }
    append_type_bitmap(out_, std::move(types));
    return true;
}

bool RdataParser::gateway(const FieldSpec& f) {
    const Token* t = take_plain(f);
    if (t == nullptr) return false;
    uint8_t gateway_type = static_cast<uint8_t>(out_[start_ + 1]);  // the second byte of IPSECKEY rdata
    uint8_t buf[16];
    switch (gateway_type) {
        case 0:
            if (t->text != ".") return fail(t->line, "IPSECKEY gateway must be '.' when the gateway type is 0");
            return true;
        case 1:
            if (!parse_ipv4(t->text, buf)) return bad(*t, f);
            out_.append(reinterpret_cast<const char*>(buf), 4);
            return true;
        case 2:
            if (!parse_ipv6(t->text, buf)) return bad(*t, f);
            out_.append(reinterpret_cast<const char*>(buf), 16);
            return true;
        case 3: --pos_; return name(f);
        default: return fail(t->line, "unknown IPSECKEY gateway type " + std::to_string(gateway_type));
    }
}

bool RdataParser::apl() {
    for (; !at_end(); ++pos_) {
        const Token& t = tokens_[pos_];
        std::string_view s = t.text;
        bool negate = !s.empty() && s[0] == '!';
        if (negate) s.remove_prefix(1);
        size_t colon = s.find(':');
        size_t slash = s.rfind('/');
        uint64_t family = 0, prefix = 0;
        uint8_t addr[16];
        size_t addr_len = 0;
        if (t.quoted || colon == std::string_view::npos || slash == std::string_view::npos || slash < colon ||
            !parse_decimal(s.substr(0, colon), 65535, family) || !parse_decimal(s.substr(slash + 1), 255, prefix)) {
            return fail(t.line, "bad APL item '" + std::string(t.text) + "'");
        }
        std::string_view address = s.substr(colon + 1, slash - colon - 1);
        if (family == 1 && prefix <= 32 && parse_ipv4(address, addr)) {
            addr_len = 4;
        } else if (family == 2 && prefix <= 128 && parse_ipv6(address, addr)) {
            addr_len = 16;
        } else {
            return fail(t.line, "bad APL item '" + std::string(t.text) + "'");
        }
        while (addr_len > 0 && addr[addr_len - 1] == 0) --addr_len;  // RFC 3123 4: no trailing zeros
        put_u16(out_, static_cast<uint16_t>(family));
        out_.push_back(static_cast<char>(prefix));
        out_.push_back(static_cast<char>((negate ? 0x80 : 0) | addr_len));
        out_.append(reinterpret_cast<const char*>(addr), addr_len);
    }
    return true;
}

bool RdataParser::integer(const FieldSpec& f, unsigned bytes) {
    uint64_t v = 0;
    if (!number(f, (uint64_t{1} << (8 * bytes)) - 1, v)) return false;
    put_uint(out_, v, bytes);
    return true;
}

bool RdataParser::coded(const FieldSpec& f, unsigned bytes, std::optional<uint32_t> (*value_of)(std::string_view)) {
    const Token* t = take_plain(f);
    if (t == nullptr) return false;
    std::optional<uint32_t> v = value_of(t->text);
    if (!v) return bad(*t, f);
    put_uint(out_, *v, bytes);
    return true;
}

bool RdataParser::address(const FieldSpec& f) {
    const Token* t = take_plain(f);
    if (t == nullptr) return false;
    uint8_t addr[16];
    bool v4 = f.kind == Field::kIPv4;
    if (!(v4 ? parse_ipv4(t->text, addr) : parse_ipv6(t->text, addr))) {
        return fail(t->line, "bad " + std::string(f.name) + " '" + std::string(t->text) + "'");
    }
    out_.append(reinterpret_cast<const char*>(addr), v4 ? 4 : 16);
    return true;
}

bool RdataParser::char_string(const FieldSpec& f) {
    const Token* t = take(f);
    return t != nullptr && append_char_string(*t);
}

bool RdataParser::char_strings(const FieldSpec& f) {
    const Token* t = take(f);
    if (t == nullptr || !append_char_string(*t)) return false;
    for (; !at_end(); ++pos_) {
        if (!append_char_string(tokens_[pos_])) return false;
    }
    return true;
}

bool RdataParser::bare_string(const FieldSpec& f) {
    const Token* t = take(f);
    if (t == nullptr) return false;
    if (!unescape(t->text, out_)) {
        return fail(t->line, "bad escape in " + type_name() + " " + f.name + " '" + std::string(t->text) + "'");
    }
    return true;
}

bool RdataParser::caa_tag(const FieldSpec& f) {
    const Token* t = take_plain(f);
    if (t == nullptr) return false;
    if (t->text.empty() || t->text.size() > 255 || !std::all_of(t->text.begin(), t->text.end(), is_alnum)) {
        return fail(t->line, "bad CAA tag '" + std::string(t->text) + "' (letters and digits only)");
    }
    out_.push_back(static_cast<char>(t->text.size()));
    out_.append(t->text);
    return true;
}

bool RdataParser::salt(const FieldSpec& f) {
    const Token* t = take_plain(f);
    if (t == nullptr) return false;
    size_t len_pos = out_.size();
    out_.push_back('\0');
    if (t->text == "-") return true;
    if (t->text.size() > 510 || !hex_decode(t->text, out_)) return bad(*t, f);
    out_[len_pos] = static_cast<char>(t->text.size() / 2);
    return true;
}

bool RdataParser::hash32(const FieldSpec& f) {
    const Token* t = take_plain(f);
    if (t == nullptr) return false;
    size_t len_pos = out_.size();
    out_.push_back('\0');
    if (t->text.empty() || !base32hex_decode(t->text, out_)) return bad(*t, f);
    size_t len = out_.size() - len_pos - 1;
    if (len == 0 || len > 255) return bad(*t, f);
    out_[len_pos] = static_cast<char>(len);
    return true;
}

bool RdataParser::eui(const FieldSpec& f) {
    const Token* t = take_plain(f);
    if (t == nullptr) return false;
    size_t groups = f.kind == Field::kEui48 ? 6 : 8;
    if (t->text.size() != groups * 3 - 1) return bad(*t, f);
    for (size_t g = 0; g < groups; ++g) {
        size_t i = g * 3;
        int hi = hex_digit_value(t->text[i]), lo = hex_digit_value(t->text[i + 1]);
        if (hi < 0 || lo < 0 || (g + 1 < groups && t->text[i + 2] != '-')) return bad(*t, f);
        out_.push_back(static_cast<char>((hi << 4) | lo));
    }
    return true;
}

bool RdataParser::ilnp64(const FieldSpec& f) {
    const Token* t = take_plain(f);
    if (t == nullptr) return false;
    std::string_view s = t->text;
    for (int g = 0; g < 4; ++g) {
        size_t end = g < 3 ? s.find(':') : s.size();
        if (end == std::string_view::npos || end == 0 || end > 4) return bad(*t, f);
        unsigned v16 = 0;
        for (size_t i = 0; i < end; ++i) {
            int h = hex_digit_value(s[i]);
            if (h < 0) return bad(*t, f);
            v16 = (v16 << 4) | static_cast<unsigned>(h);
        }
        put_u16(out_, static_cast<uint16_t>(v16));
        s.remove_prefix(g < 3 ? end + 1 : end);
    }
    return true;
}

bool RdataParser::field(const FieldSpec& f) {
    switch (f.kind) {
        case Field::kU8: return integer(f, 1);
        case Field::kU16: return integer(f, 2);
        case Field::kU32: return integer(f, 4);
        case Field::kTimer: return coded(f, 4, timer_value);
        case Field::kAlgorithm: return coded(f, 1, algorithm_value);
        case Field::kCertType: return coded(f, 2, cert_type_value);
        case Field::kType: return coded(f, 2, type_value);
        case Field::kTime: return coded(f, 4, time_value);
        case Field::kIPv4:
        case Field::kIPv6: return address(f);
        case Field::kName: return name(f);
        case Field::kCharString: return char_string(f);
        case Field::kCharStrings: return char_strings(f);
        case Field::kHex: return hex_rest(f, true);
        case Field::kBase64: return base64_rest(f, true);
        case Field::kBase64Opt: return base64_rest(f, false);
        case Field::kString: return bare_string(f);
        case Field::kCaaTag: return caa_tag(f);
        case Field::kSalt: return salt(f);
        case Field::kHash32: return hash32(f);
        case Field::kBitmap: return bitmap();
        case Field::kEui48:
        case Field::kEui64: return eui(f);
        case Field::kIlnp64: return ilnp64(f);
        case Field::kGateway: return gateway(f);
        case Field::kSvcParams: return svc_params(f);
        case Field::kLoc: return loc(f);
        case Field::kApl: return apl();
    }
    return false;
}

bool RdataParser::generic() {
    // \# <length> <hex>... (RFC 3597 5)
    ++pos_;
    static constexpr FieldSpec kLength{Field::kU16, "generic rdata length"};
    static constexpr FieldSpec kData{Field::kHex, "generic rdata"};
    uint64_t length;
    if (!number(kLength, 65535, length)) return false;
    size_t start = out_.size();
    if (!hex_rest(kData, false)) return false;
    size_t got = out_.size() - start;
    if (got != length) {
        return fail(tokens_.back().line, "generic rdata length " + std::to_string(length) + " does not match the " +
                                             std::to_string(got) + " bytes that follow");
    }
    if (layout_of(type_) && !rdata_is_valid(type_, reinterpret_cast<const uint8_t*>(out_.data() + start), got)) {
        return fail(tokens_.front().line, "generic rdata is not valid " + type_name() + " rdata");
    }
    return true;
}

Status RdataParser::run() {
    start_ = out_.size();
    if (!tokens_.empty() && !tokens_[0].quoted && tokens_[0].text == "\\#") {
        if (!generic()) return error_;
    } else {
        auto lay = layout_of(type_);
        if (!lay) {
            return Error{"", tokens_.empty() ? line_ : tokens_[0].line,
                         "type " + type_name() +
                             " has no presentation format here: write its rdata in RFC 3597 "
                             "generic form (\\# length hex)"};
        }
        for (size_t i = 0; i < lay->count; ++i) {
            if (!field(lay->fields[i])) return error_;
        }
        if (!at_end()) {
            const Token& t = tokens_[pos_];
            return Error{"", t.line, "trailing data '" + std::string(t.text) + "' in " + type_name() + " rdata"};
        }
    }
    if (out_.size() - start_ > kMaxRdata) {
        return Error{"", line_, type_name() + " rdata longer than 65535 bytes"};
    }
    return Ok{};
}

}  // namespace fz::zone
