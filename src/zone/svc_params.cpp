// SVCB and HTTPS SvcParams (RFC 9460, with dohpath from RFC 9461 and ohttp from RFC 9540),
// both directions: key=value tokens -> wire, and wire -> the text Knot prints.
#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/encoding.h"
#include "zone/presentation.h"
#include "zone/rdata_parse.h"
#include "zone/rdata_print.h"

namespace fz::zone {
namespace {

namespace svc {
inline constexpr uint16_t kMandatory = 0;
inline constexpr uint16_t kAlpn = 1;
inline constexpr uint16_t kNoDefaultAlpn = 2;
inline constexpr uint16_t kPort = 3;
inline constexpr uint16_t kIpv4Hint = 4;
inline constexpr uint16_t kEch = 5;
inline constexpr uint16_t kIpv6Hint = 6;
inline constexpr uint16_t kDohPath = 7;  // RFC 9461
inline constexpr uint16_t kOhttp = 8;    // RFC 9540
inline constexpr uint16_t kInvalid = 65535;
}  // namespace svc

constexpr std::array<std::string_view, 9> kSvcKeyNames{"mandatory", "alpn",     "no-default-alpn", "port", "ipv4hint",
                                                       "ech",       "ipv6hint", "dohpath",         "ohttp"};

std::optional<uint16_t> svc_key_from_text(std::string_view t) {
    for (size_t i = 0; i < kSvcKeyNames.size(); ++i) {
        if (t == kSvcKeyNames[i]) return static_cast<uint16_t>(i);
    }
    uint64_t v;
    if (t.size() > 3 && t.substr(0, 3) == "key" && t.size() <= 8 && parse_decimal(t.substr(3), 65535, v)) {
        return static_cast<uint16_t>(v);
    }
    return std::nullopt;
}

std::string svc_key_to_text(uint16_t key) {
    if (key < kSvcKeyNames.size()) return std::string(kSvcKeyNames[key]);
    return "key" + std::to_string(key);
}

// Second decoding level of RFC 9460 appendix A.1: splits a decoded value on commas that a
// backslash does not escape. False on an empty item or a dangling backslash.
bool split_value_list(std::string_view value, std::vector<std::string>& items) {
    items.clear();
    std::string item;
    for (size_t i = 0; i < value.size(); ++i) {
        char c = value[i];
        if (c == '\\') {
            if (++i >= value.size()) return false;
            item.push_back(value[i]);
        } else if (c == ',') {
            if (item.empty()) return false;
            items.push_back(std::move(item));
            item.clear();
        } else {
            item.push_back(c);
        }
    }
    if (item.empty()) return false;
    items.push_back(std::move(item));
    return true;
}

// One alpn-id for printing: the two escape levels of RFC 9460 A.1 applied in reverse,
// so a comma reads "\\," and a backslash "\\\\" (as Knot prints them).
void append_alpn_item(std::string& out, const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        uint8_t c = p[i];
        if (c == ',') {
            out += "\\\\,";
        } else if (c == '\\') {
            out += "\\\\\\\\";
        } else if (c <= 0x20 || c >= 0x7f || c == '"' || c == ';' || c == '(' || c == ')') {
            char buf[5];
            snprintf(buf, sizeof buf, "\\%03u", c);
            out += buf;
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
}

// Why a parameter's value was refused; RdataParser::svc_param turns it into the message.
enum class SvcValue { kOk, kBad, kMissing, kUnexpected, kMandatoryListsItself, kMandatoryDuplicate };

// Keys whose value may not be empty (RFC 9460 7, RFC 9461 5).
bool needs_value(uint16_t key) { return key <= svc::kDohPath && key != svc::kNoDefaultAlpn; }

SvcValue mandatory_to_wire(const std::string& value, std::string& wire) {
    std::vector<std::string> items;
    if (!split_value_list(value, items)) return SvcValue::kBad;
    std::vector<uint16_t> keys;
    for (const auto& item : items) {
        auto k = svc_key_from_text(item);
        if (!k || *k == svc::kInvalid) return SvcValue::kBad;
        if (*k == svc::kMandatory) return SvcValue::kMandatoryListsItself;
        keys.push_back(*k);
    }
    std::sort(keys.begin(), keys.end());
    if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) return SvcValue::kMandatoryDuplicate;
    for (uint16_t k : keys) put_u16(wire, k);
    return SvcValue::kOk;
}

SvcValue alpn_to_wire(const std::string& value, std::string& wire) {
    std::vector<std::string> items;
    if (!split_value_list(value, items)) return SvcValue::kBad;
    for (const auto& item : items) {
        if (item.size() > 255) return SvcValue::kBad;
        wire.push_back(static_cast<char>(item.size()));
        wire += item;
    }
    return SvcValue::kOk;
}

SvcValue port_to_wire(const std::string& value, std::string& wire) {
    uint64_t port;
    if (!parse_decimal(value, 65535, port)) return SvcValue::kBad;
    put_u16(wire, static_cast<uint16_t>(port));
    return SvcValue::kOk;
}

// ipv4hint (4-byte addresses) and ipv6hint (16-byte ones).
SvcValue hints_to_wire(const std::string& value, size_t size, std::string& wire) {
    std::vector<std::string> items;
    if (!split_value_list(value, items)) return SvcValue::kBad;
    for (const auto& item : items) {
        uint8_t addr[16];
        if (!(size == 4 ? parse_ipv4(item, addr) : parse_ipv6(item, addr))) return SvcValue::kBad;
        wire.append(reinterpret_cast<const char*>(addr), size);
    }
    return SvcValue::kOk;
}

// The wire form of one parameter's value, decoded from its escapes already.
SvcValue value_to_wire(uint16_t key, const std::string& value, std::string& wire) {
    if (needs_value(key) && value.empty()) return SvcValue::kMissing;
    SvcValue result = SvcValue::kOk;
    switch (key) {
        case svc::kMandatory: result = mandatory_to_wire(value, wire); break;
        case svc::kAlpn: result = alpn_to_wire(value, wire); break;
        case svc::kNoDefaultAlpn:
        case svc::kOhttp: result = value.empty() ? SvcValue::kOk : SvcValue::kUnexpected; break;
        case svc::kPort: result = port_to_wire(value, wire); break;
        case svc::kIpv4Hint: result = hints_to_wire(value, 4, wire); break;
        case svc::kIpv6Hint: result = hints_to_wire(value, 16, wire); break;
        case svc::kEch: result = base64_decode(value, wire) ? SvcValue::kOk : SvcValue::kBad; break;
        default: wire = value; break;  // dohpath, and keyNNNNN as opaque bytes
    }
    if (result == SvcValue::kOk && wire.size() > 65535) return SvcValue::kBad;
    return result;
}

// The keys of SvcParams wire data, in their order; false when a length runs past the end.
bool svc_keys_of(const uint8_t* p, size_t len, std::vector<uint16_t>& keys) {
    for (size_t at = 0; at < len;) {
        if (len - at < 4) return false;
        uint16_t n = dns::load_u16(p + at + 2);
        keys.push_back(dns::load_u16(p + at));
        at += 4u + n;
        if (at > len) return false;
    }
    return true;
}

bool contains(std::span<const uint16_t> keys, uint16_t key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// The keys listed by mandatory: increasing, neither itself nor key65535, each present.
bool append_mandatory(std::string& out, const uint8_t* v, size_t n, std::span<const uint16_t> keys) {
    if (n == 0 || n % 2 != 0) return false;
    out.push_back('=');
    int last_listed = svc::kMandatory;
    for (size_t i = 0; i < n; i += 2) {
        uint16_t listed = dns::load_u16(v + i);
        if (listed <= last_listed || listed == svc::kInvalid || !contains(keys, listed)) return false;
        last_listed = listed;
        if (i > 0) out.push_back(',');
        out += svc_key_to_text(listed);
    }
    return true;
}

bool append_alpn(std::string& out, const uint8_t* v, size_t n) {
    if (n == 0) return false;
    out.push_back('=');
    for (size_t i = 0; i < n;) {
        size_t item = v[i];
        if (item == 0 || i + 1 + item > n) return false;
        if (i > 0) out.push_back(',');
        append_alpn_item(out, v + i + 1, item);
        i += 1 + item;
    }
    return true;
}

// ipv4hint (4-byte addresses) and ipv6hint (16-byte ones).
bool append_hints(std::string& out, const uint8_t* v, size_t n, size_t size) {
    if (n == 0 || n % size != 0) return false;
    out.push_back('=');
    for (size_t i = 0; i < n; i += size) {
        if (i > 0) out.push_back(',');
        if (size == 4) {
            append_ipv4(out, v + i);
        } else {
            append_ipv6(out, v + i);
        }
    }
    return true;
}

// "=value" of one parameter (nothing for no-default-alpn, ohttp and an empty keyNNNNN);
// false when the value is malformed for its key. `keys` are all the keys of the rdata.
bool append_value(std::string& out, uint16_t key, const uint8_t* v, size_t n, std::span<const uint16_t> keys) {
    switch (key) {
        case svc::kMandatory: return append_mandatory(out, v, n, keys);
        case svc::kAlpn: return append_alpn(out, v, n);
        case svc::kNoDefaultAlpn: return n == 0 && contains(keys, svc::kAlpn);
        case svc::kOhttp: return n == 0;
        case svc::kPort:
            if (n != 2) return false;
            out += "=" + std::to_string(dns::load_u16(v));
            return true;
        case svc::kIpv4Hint: return append_hints(out, v, n, 4);
        case svc::kIpv6Hint: return append_hints(out, v, n, 16);
        case svc::kEch:
            if (n == 0) return false;
            out.push_back('=');
            append_base64(out, v, n);
            return true;
        case svc::kDohPath:
            if (n == 0) return false;
            out.push_back('=');
            append_quoted(out, v, n);
            return true;
        default:
            if (n > 0) {
                out.push_back('=');
                append_quoted(out, v, n);
            }
            return true;
    }
}

}  // namespace

// One parameter of SVCB rdata as the parser collects them, before they are sorted.
struct SvcParam {
    uint16_t key = 0;
    std::string value;  // wire form
    uint32_t line = 0;
};

bool RdataParser::svc_params(const FieldSpec& f) {
    std::vector<SvcParam> params;
    for (; !at_end(); ++pos_) {
        if (!svc_param(f, params.emplace_back())) return false;
    }
    if (!svc_params_consistent(params)) return false;
    for (const auto& p : params) {
        put_u16(out_, p.key);
        put_u16(out_, static_cast<uint16_t>(p.value.size()));
        out_ += p.value;
    }
    return true;
}

bool RdataParser::svc_param(const FieldSpec& f, SvcParam& param) {
    const Token& t = tokens_[pos_];
    if (t.quoted) return bad(t, f);
    size_t eq = t.text.find('=');
    std::string_view key_text = t.text.substr(0, eq);
    auto key = svc_key_from_text(key_text);
    if (!key) return fail(t.line, "unknown " + type_name() + " parameter '" + std::string(key_text) + "'");
    if (*key == svc::kInvalid) return fail(t.line, type_name() + " parameter key65535 is reserved");
    std::string_view raw;
    if (eq != std::string_view::npos) {
        raw = t.text.substr(eq + 1);
        // key="value": the lexer splits off the quoted part as an attached token.
        if (raw.empty() && pos_ + 1 < tokens_.size() && tokens_[pos_ + 1].quoted && tokens_[pos_ + 1].attached) {
            raw = tokens_[++pos_].text;
        }
    }
    const std::string what = type_name() + " parameter '" + std::string(key_text) + "'";
    std::string value;
    if (!unescape(raw, value)) return fail(t.line, "bad escape in " + what);
    param.key = *key;
    param.line = t.line;
    switch (value_to_wire(*key, value, param.value)) {
        case SvcValue::kOk: return true;
        case SvcValue::kBad: break;
        case SvcValue::kMissing: return fail(t.line, what + " needs a value");
        case SvcValue::kUnexpected: return fail(t.line, what + " takes no value");
        case SvcValue::kMandatoryListsItself: return fail(t.line, "'mandatory' may not list itself");
        case SvcValue::kMandatoryDuplicate:
            return fail(t.line, "duplicate key in " + type_name() + " parameter 'mandatory'");
    }
    return fail(t.line, "bad value '" + std::string(raw) + "' for " + what);
}

bool RdataParser::svc_params_consistent(std::vector<SvcParam>& params) {
    // Keys go out in strictly increasing order (RFC 9460 2.2); the text may list them in any order.
    std::stable_sort(params.begin(), params.end(), [](const SvcParam& a, const SvcParam& b) { return a.key < b.key; });
    for (size_t i = 1; i < params.size(); ++i) {
        if (params[i].key == params[i - 1].key) {
            return fail(params[i].line,
                        "duplicate " + type_name() + " parameter '" + svc_key_to_text(params[i].key) + "'");
        }
    }
    auto has_key = [&](uint16_t k) {
        return std::any_of(params.begin(), params.end(), [k](const SvcParam& p) { return p.key == k; });
    };
    for (const auto& p : params) {
        if (p.key == svc::kMandatory) {
            for (size_t i = 0; i + 1 < p.value.size(); i += 2) {
                uint16_t k = dns::load_u16(reinterpret_cast<const uint8_t*>(p.value.data() + i));
                if (!has_key(k)) {
                    return fail(p.line,
                                "mandatory " + type_name() + " parameter '" + svc_key_to_text(k) + "' is missing");
                }
            }
        }
        if (p.key == svc::kNoDefaultAlpn && !has_key(svc::kAlpn)) {
            return fail(p.line, type_name() + " parameter 'no-default-alpn' needs 'alpn' beside it");
        }
    }
    return true;
}

bool RdataPrinter::svc_params() {
    // First the keys present, for the self-consistency rules of RFC 9460 8 that the parser
    // enforces too (mandatory keys present, alpn beside no-default-alpn).
    std::vector<uint16_t> keys;
    if (!svc_keys_of(p_ + pos_, left(), keys)) return false;
    int last_key = -1;
    bool first = true;
    while (left() > 0) {
        uint16_t key, n;
        if (!u16(key) || !u16(n) || left() < n || key <= last_key || key == svc::kInvalid) return false;
        last_key = key;
        const uint8_t* v = p_ + pos_;
        pos_ += n;
        if (!first) out_.push_back(' ');
        first = false;
        out_ += svc_key_to_text(key);
        if (!append_value(out_, key, v, n, keys)) return false;
    }
    return true;
}

}  // namespace fz::zone
