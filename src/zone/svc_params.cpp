// SVCB and HTTPS SvcParams (RFC 9460, with dohpath from RFC 9461 and ohttp from RFC 9540),
// both directions: key=value tokens -> wire, and wire -> the text Knot prints.
#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
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

constexpr std::array<std::string_view, 9> kSvcKeyNames{
    "mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint", "dohpath", "ohttp"};

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

}  // namespace

bool RdataParser::svc_params(const FieldSpec& f) {
    struct Param {
        uint16_t key;
        std::string value;
        uint32_t line;
    };
    std::vector<Param> params;
    std::vector<std::string> items;
    for (; !at_end(); ++pos_) {
        const Token& t = tokens_[pos_];
        if (t.quoted) return bad(t, f);
        size_t eq = t.text.find('=');
        std::string_view key_text = t.text.substr(0, eq);
        auto key = svc_key_from_text(key_text);
        if (!key) return fail(t.line, "unknown " + type_name() + " parameter '" + std::string(key_text) + "'");
        if (*key == svc::kInvalid) return fail(t.line, type_name() + " parameter key65535 is reserved");
        std::string_view raw;
        bool has_value = eq != std::string_view::npos;
        if (has_value) {
            raw = t.text.substr(eq + 1);
            // key="value": the lexer splits off the quoted part as an attached token.
            if (raw.empty() && pos_ + 1 < tokens_.size() && tokens_[pos_ + 1].quoted && tokens_[pos_ + 1].attached) {
                raw = tokens_[++pos_].text;
            }
        }
        std::string value;
        if (!unescape(raw, value)) return fail(t.line, "bad escape in " + type_name() + " parameter '" +
                                                           std::string(key_text) + "'");
        std::string wire;
        auto need_value = [&]() {
            if (!value.empty()) return true;
            return fail(t.line, type_name() + " parameter '" + std::string(key_text) + "' needs a value");
        };
        auto bad_value = [&]() {
            return fail(t.line, "bad value '" + std::string(raw) + "' for " + type_name() + " parameter '" +
                                    std::string(key_text) + "'");
        };
        switch (*key) {
            case svc::kMandatory: {
                if (!need_value()) return false;
                if (!split_value_list(value, items)) return bad_value();
                std::vector<uint16_t> keys;
                for (const auto& item : items) {
                    auto k = svc_key_from_text(item);
                    if (!k || *k == svc::kInvalid) return bad_value();
                    if (*k == svc::kMandatory) return fail(t.line, "'mandatory' may not list itself");
                    keys.push_back(*k);
                }
                std::sort(keys.begin(), keys.end());
                if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) {
                    return fail(t.line, "duplicate key in " + type_name() + " parameter 'mandatory'");
                }
                for (uint16_t k : keys) put_u16(wire, k);
                break;
            }
            case svc::kAlpn:
                if (!need_value()) return false;
                if (!split_value_list(value, items)) return bad_value();
                for (const auto& item : items) {
                    if (item.size() > 255) return bad_value();
                    wire.push_back(static_cast<char>(item.size()));
                    wire += item;
                }
                break;
            case svc::kNoDefaultAlpn:
            case svc::kOhttp:
                if (!value.empty()) {
                    return fail(t.line, type_name() + " parameter '" + std::string(key_text) + "' takes no value");
                }
                break;
            case svc::kPort: {
                uint64_t port;
                if (!need_value()) return false;
                if (!parse_decimal(value, 65535, port)) return bad_value();
                put_u16(wire, static_cast<uint16_t>(port));
                break;
            }
            case svc::kIpv4Hint:
            case svc::kIpv6Hint: {
                if (!need_value()) return false;
                if (!split_value_list(value, items)) return bad_value();
                for (const auto& item : items) {
                    uint8_t addr[16];
                    bool v4 = *key == svc::kIpv4Hint;
                    if (!(v4 ? parse_ipv4(item, addr) : parse_ipv6(item, addr))) return bad_value();
                    wire.append(reinterpret_cast<const char*>(addr), v4 ? 4 : 16);
                }
                break;
            }
            case svc::kEch:
                if (!need_value()) return false;
                if (!base64_decode(value, wire)) return bad_value();
                break;
            case svc::kDohPath:
                if (!need_value()) return false;
                wire = value;
                break;
            default:
                wire = value;
                break;
        }
        if (wire.size() > 65535) return bad_value();
        params.push_back(Param{*key, std::move(wire), t.line});
    }
    // Keys go out in strictly increasing order (RFC 9460 2.2); the text may list them in any order.
    std::stable_sort(params.begin(), params.end(), [](const Param& a, const Param& b) { return a.key < b.key; });
    for (size_t i = 1; i < params.size(); ++i) {
        if (params[i].key == params[i - 1].key) {
            return fail(params[i].line, "duplicate " + type_name() + " parameter '" + svc_key_to_text(params[i].key) +
                                            "'");
        }
    }
    auto has_key = [&](uint16_t k) {
        return std::any_of(params.begin(), params.end(), [k](const Param& p) { return p.key == k; });
    };
    for (const auto& p : params) {
        if (p.key == svc::kMandatory) {
            for (size_t i = 0; i + 1 < p.value.size(); i += 2) {
                uint16_t k = dns::load_u16(reinterpret_cast<const uint8_t*>(p.value.data() + i));
                if (!has_key(k)) {
                    return fail(p.line, "mandatory " + type_name() + " parameter '" + svc_key_to_text(k) +
                                            "' is missing");
                }
            }
        }
        if (p.key == svc::kNoDefaultAlpn && !has_key(svc::kAlpn)) {
            return fail(p.line, type_name() + " parameter 'no-default-alpn' needs 'alpn' beside it");
        }
    }
    for (const auto& p : params) {
        put_u16(out_, p.key);
        put_u16(out_, static_cast<uint16_t>(p.value.size()));
        out_ += p.value;
    }
    return true;
}

bool RdataPrinter::svc_params() {
    // First pass: the keys present, for the self-consistency rules of RFC 9460 8 that the
    // parser enforces too (mandatory keys present, alpn beside no-default-alpn).
    std::vector<uint16_t> keys;
    for (size_t at = pos_; at < len_;) {
        if (len_ - at < 4) return false;
        uint16_t n = dns::load_u16(p_ + at + 2);
        keys.push_back(dns::load_u16(p_ + at));
        at += 4u + n;
        if (at > len_) return false;
    }
    auto has_key = [&](uint16_t k) { return std::find(keys.begin(), keys.end(), k) != keys.end(); };
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
        switch (key) {
            case svc::kMandatory: {
                if (n == 0 || n % 2 != 0) return false;
                out_.push_back('=');
                int last_listed = svc::kMandatory;
                for (size_t i = 0; i < n; i += 2) {
                    uint16_t listed = dns::load_u16(v + i);
                    if (listed <= last_listed || listed == svc::kInvalid || !has_key(listed)) return false;
                    last_listed = listed;
                    if (i > 0) out_.push_back(',');
                    out_ += svc_key_to_text(listed);
                }
                break;
            }
            case svc::kAlpn: {
                if (n == 0) return false;
                out_.push_back('=');
                for (size_t i = 0; i < n;) {
                    size_t item = v[i];
                    if (item == 0 || i + 1 + item > n) return false;
                    if (i > 0) out_.push_back(',');
                    append_alpn_item(out_, v + i + 1, item);
                    i += 1 + item;
                }
                break;
            }
            case svc::kNoDefaultAlpn:
                if (n != 0 || !has_key(svc::kAlpn)) return false;
                break;
            case svc::kOhttp:
                if (n != 0) return false;
                break;
            case svc::kPort:
                if (n != 2) return false;
                out_ += "=" + std::to_string(dns::load_u16(v));
                break;
            case svc::kIpv4Hint:
            case svc::kIpv6Hint: {
                size_t size = key == svc::kIpv4Hint ? 4 : 16;
                if (n == 0 || n % size != 0) return false;
                out_.push_back('=');
                for (size_t i = 0; i < n; i += size) {
                    if (i > 0) out_.push_back(',');
                    if (size == 4) {
                        append_ipv4(out_, v + i);
                    } else {
                        append_ipv6(out_, v + i);
                    }
                }
                break;
            }
            case svc::kEch:
                if (n == 0) return false;
                out_.push_back('=');
                append_base64(out_, v, n);
                break;
            case svc::kDohPath:
                if (n == 0) return false;
                out_.push_back('=');
                append_quoted(out_, v, n);
                break;
            default:
                if (n > 0) {
                    out_.push_back('=');
                    append_quoted(out_, v, n);
                }
                break;
        }
    }
    return true;
}

}  // namespace fz::zone
