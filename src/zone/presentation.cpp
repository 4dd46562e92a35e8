// Presentation forms of single values: numbers, addresses, escapes and times, and the
// name_to_wire and duration_from_text of rdata_text.h that the master-file parser uses too.
#include "zone/presentation.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dns/name.h"
#include "zone/rdata_text.h"

namespace fz::zone {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

}  // namespace

bool parse_decimal(std::string_view t, uint64_t max, uint64_t& v) {
    if (t.empty() || t.size() > 20) return false;
    v = 0;
    for (char c : t) {
        if (!is_digit(c)) return false;
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (max - d) / 10) return false;
        v = v * 10 + d;
    }
    return true;
}

bool parse_ipv4(std::string_view t, uint8_t* out) {
    unsigned part = 0, value = 0, digits = 0;
    for (char c : t) {
        if (is_digit(c)) {
            if (digits > 0 && value == 0) return false;
            value = value * 10 + static_cast<unsigned>(c - '0');
            if (value > 255) return false;
            ++digits;
        } else if (c == '.') {
            if (digits == 0 || part == 3) return false;
            out[part++] = static_cast<uint8_t>(value);
            value = 0;
            digits = 0;
        } else {
            return false;
        }
    }
    if (digits == 0 || part != 3) return false;
    out[3] = static_cast<uint8_t>(value);
    return true;
}

bool parse_ipv6(std::string_view t, uint8_t* out) {
    char buf[INET6_ADDRSTRLEN + 1];
    if (t.empty() || t.size() >= sizeof buf) return false;
    std::memcpy(buf, t.data(), t.size());
    buf[t.size()] = '\0';
    return inet_pton(AF_INET6, buf, out) == 1;
}

void append_ipv4(std::string& out, const uint8_t* p) {
    for (int i = 0; i < 4; ++i) {
        if (i > 0) out.push_back('.');
        out += std::to_string(p[i]);
    }
}

void append_ipv6(std::string& out, const uint8_t* p) {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, p, buf, sizeof buf);
    out += buf;
}

bool unescape(std::string_view raw, std::string& out) {
    const size_t n = raw.size();
    for (size_t i = 0; i < n; ++i) {
        char c = raw[i];
        if (c != '\\') {
            out.push_back(c);
            continue;
        }
        if (i + 1 >= n) return false;
        char d = raw[i + 1];
        if (is_digit(d)) {
            if (i + 3 >= n || !is_digit(raw[i + 2]) || !is_digit(raw[i + 3])) return false;
            int v = (d - '0') * 100 + (raw[i + 2] - '0') * 10 + (raw[i + 3] - '0');
            if (v > 255) return false;
            out.push_back(static_cast<char>(v));
            i += 3;
        } else {
            out.push_back(d);
            i += 1;
        }
    }
    return true;
}

void append_escaped(std::string& out, const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c < 0x20 || c >= 0x7f) {
            out.push_back('\\');
            out.push_back(static_cast<char>('0' + c / 100));
            out.push_back(static_cast<char>('0' + (c / 10) % 10));
            out.push_back(static_cast<char>('0' + c % 10));
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
}

void append_quoted(std::string& out, const uint8_t* p, size_t n) {
    out.push_back('"');
    append_escaped(out, p, n);
    out.push_back('"');
}

void put_u16(std::string& out, uint16_t v) {
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v));
}

void put_u32(std::string& out, uint32_t v) {
    put_u16(out, static_cast<uint16_t>(v >> 16));
    put_u16(out, static_cast<uint16_t>(v));
}

void append_type_bitmap(std::string& out, std::vector<uint16_t> types) {
    std::sort(types.begin(), types.end());
    types.erase(std::unique(types.begin(), types.end()), types.end());
    for (size_t i = 0; i < types.size();) {
        const auto window = static_cast<uint8_t>(types[i] >> 8);
        uint8_t bits[32] = {};
        size_t len = 0;
        for (; i < types.size() && (types[i] >> 8) == window; ++i) {
            const auto low = static_cast<uint8_t>(types[i] & 0xff);
            bits[low / 8] |= static_cast<uint8_t>(0x80 >> (low % 8));
            len = low / 8 + 1u;
        }
        out.push_back(static_cast<char>(window));
        out.push_back(static_cast<char>(len));
        out.append(reinterpret_cast<const char*>(bits), len);
    }
}

bool parse_time(std::string_view t, uint32_t& out) {
    uint64_t v = 0;
    if (t.size() != 14) {
        if (!parse_decimal(t, 0xffffffffULL, v)) return false;
        out = static_cast<uint32_t>(v);
        return true;
    }
    if (!parse_decimal(t, 99999999999999ULL, v)) return false;
    auto num = [&](size_t pos, size_t len) {
        unsigned r = 0;
        for (size_t i = 0; i < len; ++i) r = r * 10 + static_cast<unsigned>(t[pos + i] - '0');
        return r;
    };
    unsigned year = num(0, 4), month = num(4, 2), day = num(6, 2);
    unsigned hour = num(8, 2), minute = num(10, 2), second = num(12, 2);
    if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
        return false;
    }
    // The day must exist in that month: round-trip it through the calendar.
    int64_t days = days_from_civil(year, month, day);
    int64_t y2;
    unsigned m2, d2;
    civil_from_days(days, y2, m2, d2);
    if (m2 != month || d2 != day) return false;
    uint64_t secs = static_cast<uint64_t>(days) * 86400 + hour * 3600 + minute * 60 + second;
    out = static_cast<uint32_t>(secs);
    return true;
}

void append_time(std::string& out, uint32_t secs) {
    int64_t y;
    unsigned m, d;
    civil_from_days(secs / 86400, y, m, d);
    uint32_t rem = secs % 86400;
    char buf[32];
    snprintf(buf, sizeof buf, "%04lld%02u%02u%02u%02u%02u", static_cast<long long>(y), m, d, rem / 3600,
             (rem / 60) % 60, rem % 60);
    out += buf;
}

size_t name_to_wire(std::string_view text, const dns::Name& origin, uint8_t* out) {
    const size_t n = text.size();
    if (n == 0) return 0;
    if (n == 1 && text[0] == '@') {
        std::memcpy(out, origin.data(), origin.size());
        return origin.size();
    }
    if (n == 1 && text[0] == '.') {
        out[0] = 0;
        return 1;
    }
    size_t w = 1;        // next byte to write; out[0] is the first label's length
    size_t len_pos = 0;  // where the current label's length byte goes
    bool absolute = false;
    size_t i = 0;
    while (i < n) {
        auto c = static_cast<uint8_t>(text[i]);
        if (c == '.') {
            size_t label = w - len_pos - 1;
            if (label == 0) return 0;
            out[len_pos] = static_cast<uint8_t>(label);
            if (++i == n) {
                absolute = true;
                break;
            }
            if (w >= dns::kMaxNameWire) return 0;
            len_pos = w++;
            continue;
        }
        if (c == '\\') {
            if (i + 1 >= n) return 0;
            char d = text[i + 1];
            if (is_digit(d)) {
                if (i + 3 >= n || !is_digit(text[i + 2]) || !is_digit(text[i + 3])) return 0;
                int v = (d - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
                if (v > 255) return 0;
                c = static_cast<uint8_t>(v);
                i += 4;
            } else {
                c = static_cast<uint8_t>(d);
                i += 2;
            }
        } else {
            ++i;
        }
        if (w >= dns::kMaxNameWire || w - len_pos > dns::kMaxLabel) return 0;
        out[w++] = c;
    }
    if (absolute) {
        if (w >= dns::kMaxNameWire) return 0;
        out[w++] = 0;
        return w;
    }
    size_t label = w - len_pos - 1;
    out[len_pos] = static_cast<uint8_t>(label);
    if (w + origin.size() > dns::kMaxNameWire) return 0;
    std::memcpy(out + w, origin.data(), origin.size());
    return w + origin.size();
}

std::optional<uint32_t> duration_from_text(std::string_view text, uint32_t max) {
    if (text.empty()) return std::nullopt;
    uint64_t total = 0, current = 0;
    bool digits = false;
    for (char c : text) {
        if (is_digit(c)) {
            current = current * 10 + static_cast<uint64_t>(c - '0');
            if (current > max) return std::nullopt;
            digits = true;
            continue;
        }
        uint64_t unit;
        switch (c) {
            case 's':
            case 'S': unit = 1; break;
            case 'm':
            case 'M': unit = 60; break;
            case 'h':
            case 'H': unit = 3600; break;
            case 'd':
            case 'D': unit = 86400; break;
            case 'w':
            case 'W': unit = 604800; break;
            default: return std::nullopt;
        }
        if (!digits) return std::nullopt;
        total += current * unit;
        if (total > max) return std::nullopt;
        current = 0;
        digits = false;
    }
    total += current;  // a last number without a unit counts seconds
    if (total > max) return std::nullopt;
    return static_cast<uint32_t>(total);
}

}  // namespace fz::zone
