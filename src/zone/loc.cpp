// LOC rdata (RFC 1876), both directions: "52 22 23.000 N 4 53 32.000 E -2.00m 1m 10000m 10m"
// <-> version, size and precisions, latitude, longitude and altitude on the wire.
#include <algorithm>
#include <cstdio>
#include <string_view>

#include "zone/presentation.h"
#include "zone/rdata_parse.h"
#include "zone/rdata_print.h"

namespace fz::zone {
namespace {

constexpr uint64_t kPowersOfTen[] = {1ULL,      10ULL,      100ULL,      1000ULL,      10000ULL,
                                     100000ULL, 1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL};
constexpr uint32_t kLocEquator = 1u << 31;      // latitude and longitude origin
constexpr int64_t kLocAltitudeBase = 10000000;  // centimetres below the reference sphere

// "12", "12.3", "12.34" (at most `frac_digits` decimals, whole part at most `max`), optional
// trailing "m" when `metres`; returns the value scaled by 10^frac_digits.
bool parse_fixed(std::string_view t, unsigned frac_digits, bool metres, uint64_t max, uint64_t& out) {
    if (metres && !t.empty() && (t.back() == 'm' || t.back() == 'M')) t.remove_suffix(1);
    size_t dot = t.find('.');
    std::string_view whole = t.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view() : t.substr(dot + 1);
    if (dot != std::string_view::npos && frac.empty()) return false;
    if (frac.size() > frac_digits) return false;
    uint64_t w = 0, f = 0;
    if (!parse_decimal(whole, max, w)) return false;
    if (!frac.empty() && !parse_decimal(frac, 999, f)) return false;
    for (size_t i = frac.size(); i < frac_digits; ++i) f *= 10;
    out = w * kPowersOfTen[frac_digits] + f;
    return true;
}

// Size and precision values: centimetres as mantissa * 10^exponent, both 0..9.
uint8_t loc_precision(uint64_t cm) {
    unsigned exponent = 0;
    while (exponent < 9 && cm >= kPowersOfTen[exponent + 1]) ++exponent;
    uint64_t mantissa = std::min<uint64_t>(cm / kPowersOfTen[exponent], 9);
    return static_cast<uint8_t>((mantissa << 4) | exponent);
}

bool append_loc_precision(std::string& out, uint8_t v) {
    unsigned mantissa = v >> 4, exponent = v & 15;
    // A zero mantissa has one spelling only (0x00): others would not survive a round trip.
    if (mantissa > 9 || exponent > 9 || (mantissa == 0 && exponent != 0)) return false;
    uint64_t cm = mantissa * kPowersOfTen[exponent];
    char buf[32];
    if (exponent >= 2) {
        snprintf(buf, sizeof buf, "%llum", static_cast<unsigned long long>(cm / 100));
    } else {
        snprintf(buf, sizeof buf, "%llu.%02llum", static_cast<unsigned long long>(cm / 100),
                 static_cast<unsigned long long>(cm % 100));
    }
    out += buf;
    return true;
}

bool append_loc_angle(std::string& out, uint32_t raw, uint32_t max_deg, char positive, char negative) {
    int64_t v = static_cast<int64_t>(raw) - kLocEquator;
    char hemisphere = v >= 0 ? positive : negative;
    uint64_t ms = static_cast<uint64_t>(v >= 0 ? v : -v);
    if (ms > max_deg * 3600000ULL) return false;
    char buf[64];
    snprintf(buf, sizeof buf, "%llu %llu %llu.%03llu %c", static_cast<unsigned long long>(ms / 3600000),
             static_cast<unsigned long long>((ms / 60000) % 60), static_cast<unsigned long long>((ms / 1000) % 60),
             static_cast<unsigned long long>(ms % 1000), hemisphere);
    out += buf;
    return true;
}

}  // namespace

bool RdataParser::loc(const FieldSpec& f) {
    // d1 [m1 [s1]] {N|S} d2 [m2 [s2]] {E|W} alt[m] [siz[m] [hp[m] [vp[m]]]]
    uint32_t angles[2];
    const char hemispheres[2][2] = {{'N', 'S'}, {'E', 'W'}};
    const uint64_t max_degrees[2] = {90, 180};
    for (int a = 0; a < 2; ++a) {
        uint64_t parts[3] = {0, 0, 0};  // degrees, minutes, milliseconds
        const Token* t = take_plain(f);
        if (t == nullptr) return false;
        if (!parse_decimal(t->text, max_degrees[a], parts[0])) return bad(*t, f);
        int sign = 0;
        for (int k = 1; k <= 3 && sign == 0; ++k) {
            t = take_plain(f);
            if (t == nullptr) return false;
            if (t->text.size() == 1) {
                char h = static_cast<char>(t->text[0] & ~0x20);
                if (h == hemispheres[a][0]) sign = 1;
                if (h == hemispheres[a][1]) sign = -1;
                if (sign != 0) break;
            }
            bool ok = k == 1   ? parse_decimal(t->text, 59, parts[1])
                      : k == 2 ? parse_fixed(t->text, 3, false, 59, parts[2])
                               : false;
            if (!ok) return bad(*t, f);
        }
        uint64_t ms = ((parts[0] * 60 + parts[1]) * 60) * 1000 + parts[2];
        if (ms > max_degrees[a] * 3600000) return bad(*t, f);
        angles[a] = sign > 0 ? kLocEquator + static_cast<uint32_t>(ms) : kLocEquator - static_cast<uint32_t>(ms);
    }
    const Token* t = take_plain(f);
    if (t == nullptr) return false;
    std::string_view alt = t->text;
    bool below = !alt.empty() && alt[0] == '-';
    if (below) alt.remove_prefix(1);
    uint64_t cm = 0;
    // Altitude range: -100000.00 m .. 42849672.95 m (RFC 1876).
    if (!parse_fixed(alt, 2, true, 42849672, cm) || (below && cm > 10000000) || (!below && cm > 4284967295ULL)) {
        return bad(*t, f);
    }
    int64_t altitude = (below ? -static_cast<int64_t>(cm) : static_cast<int64_t>(cm)) + kLocAltitudeBase;
    uint8_t precision[3] = {0x12, 0x16, 0x13};  // defaults: 1m, 10000m, 10m
    for (int k = 0; k < 3 && !at_end(); ++k) {
        t = take_plain(f);
        if (t == nullptr) return false;
        if (!parse_fixed(t->text, 2, true, 90000000, cm)) return bad(*t, f);
        precision[k] = loc_precision(cm);
    }
    out_.push_back('\0');  // version
    out_.append(reinterpret_cast<const char*>(precision), 3);
    put_u32(out_, angles[0]);
    put_u32(out_, angles[1]);
    put_u32(out_, static_cast<uint32_t>(altitude));
    return true;
}

bool RdataPrinter::loc() {
    uint8_t version, precision[3];
    uint32_t lat, lon, alt;
    if (!u8(version) || version != 0 || !u8(precision[0]) || !u8(precision[1]) || !u8(precision[2]) || !u32(lat) ||
        !u32(lon) || !u32(alt)) {
        return false;
    }
    if (!append_loc_angle(out_, lat, 90, 'N', 'S')) return false;
    out_.push_back(' ');
    if (!append_loc_angle(out_, lon, 180, 'E', 'W')) return false;
    int64_t cm = static_cast<int64_t>(alt) - kLocAltitudeBase;
    uint64_t abs_cm = static_cast<uint64_t>(cm < 0 ? -cm : cm);
    char buf[48];
    snprintf(buf, sizeof buf, " %s%llu.%02llum", cm < 0 ? "-" : "", static_cast<unsigned long long>(abs_cm / 100),
             static_cast<unsigned long long>(abs_cm % 100));
    out_ += buf;
    for (uint8_t pr : precision) {
        out_.push_back(' ');
        if (!append_loc_precision(out_, pr)) return false;
    }
    return true;
}

}  // namespace fz::zone
