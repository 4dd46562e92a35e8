// Rdata presentation formats: one table of field layouts per type drives both directions,
// so what rdata_to_text prints always parses back to the same wire bytes.
#include "zone/rdata_text.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <vector>

#include "common/encoding.h"
#include "common/text.h"
#include "dns/rrtype.h"
#include "dns/wire.h"

namespace fz::zone {
namespace {

// ---------------------------------------------------------------- field layouts

enum class Field : uint8_t {
    kU8,
    kU16,
    kU32,
    kTimer,       // u32, TTL units accepted (SOA timers)
    kAlgorithm,   // u8, DNSSEC algorithm number or mnemonic
    kCertType,    // u16, CERT type number or mnemonic
    kType,        // u16 type mnemonic (RRSIG type covered)
    kTime,        // u32 YYYYMMDDHHmmSS or seconds (RRSIG)
    kIPv4,
    kIPv6,
    kName,
    kCharString,   // one <character-string>, length-prefixed
    kCharStrings,  // one or more <character-string>s up to the end
    kHex,          // one or more hex tokens up to the end, concatenated
    kBase64,       // one or more base64 tokens up to the end, concatenated
    kBase64Opt,    // zero or more base64 tokens up to the end
    kString,       // one string up to the end of the rdata, no length byte (CAA value, URI)
    kCaaTag,       // length-prefixed alphanumeric tag
    kSalt,         // length-prefixed hex, "-" for empty (NSEC3)
    kHash32,       // length-prefixed base32hex (NSEC3 next hashed owner)
    kBitmap,       // NSEC type bitmap from type mnemonics up to the end
    kEui48,
    kEui64,
    kIlnp64,       // 16-bit groups xxxx:xxxx:xxxx:xxxx (NID, L64)
    kGateway,      // IPSECKEY gateway, shape given by the preceding gateway-type byte
    kSvcParams,    // SVCB/HTTPS SvcParams up to the end (RFC 9460)
    kLoc,          // the whole LOC rdata (RFC 1876)
    kApl,          // APL items up to the end (RFC 3123)
};

struct FieldSpec {
    Field kind;
    const char* name;  // for error messages: "missing exchange in MX rdata"
};

struct Layout {
    const FieldSpec* fields;
    size_t count;
};

template <size_t N>
constexpr Layout layout(const FieldSpec (&f)[N]) {
    return Layout{f, N};
}

constexpr FieldSpec kLayoutA[] = {{Field::kIPv4, "IPv4 address"}};
constexpr FieldSpec kLayoutAAAA[] = {{Field::kIPv6, "IPv6 address"}};
constexpr FieldSpec kLayoutNS[] = {{Field::kName, "name server"}};
constexpr FieldSpec kLayoutCNAME[] = {{Field::kName, "canonical name"}};
constexpr FieldSpec kLayoutPTR[] = {{Field::kName, "domain name"}};
constexpr FieldSpec kLayoutDNAME[] = {{Field::kName, "target"}};
constexpr FieldSpec kLayoutSOA[] = {
    {Field::kName, "primary name server"}, {Field::kName, "responsible mailbox"},
    {Field::kU32, "serial"}, {Field::kTimer, "refresh"}, {Field::kTimer, "retry"},
    {Field::kTimer, "expire"}, {Field::kTimer, "minimum"}};
constexpr FieldSpec kLayoutMX[] = {{Field::kU16, "preference"}, {Field::kName, "exchange"}};
constexpr FieldSpec kLayoutAFSDB[] = {{Field::kU16, "subtype"}, {Field::kName, "hostname"}};
constexpr FieldSpec kLayoutKX[] = {{Field::kU16, "preference"}, {Field::kName, "exchanger"}};
constexpr FieldSpec kLayoutTXT[] = {{Field::kCharStrings, "text"}};
constexpr FieldSpec kLayoutHINFO[] = {{Field::kCharString, "CPU"}, {Field::kCharString, "OS"}};
constexpr FieldSpec kLayoutRP[] = {{Field::kName, "mailbox"}, {Field::kName, "TXT domain"}};
constexpr FieldSpec kLayoutSRV[] = {{Field::kU16, "priority"}, {Field::kU16, "weight"},
                                    {Field::kU16, "port"}, {Field::kName, "target"}};
constexpr FieldSpec kLayoutNAPTR[] = {
    {Field::kU16, "order"}, {Field::kU16, "preference"}, {Field::kCharString, "flags"},
    {Field::kCharString, "services"}, {Field::kCharString, "regexp"}, {Field::kName, "replacement"}};
constexpr FieldSpec kLayoutSSHFP[] = {{Field::kU8, "algorithm"}, {Field::kU8, "fingerprint type"},
                                      {Field::kHex, "fingerprint"}};
constexpr FieldSpec kLayoutTLSA[] = {{Field::kU8, "usage"}, {Field::kU8, "selector"},
                                     {Field::kU8, "matching type"}, {Field::kHex, "certificate data"}};
constexpr FieldSpec kLayoutDS[] = {{Field::kU16, "key tag"}, {Field::kAlgorithm, "algorithm"},
                                   {Field::kU8, "digest type"}, {Field::kHex, "digest"}};
constexpr FieldSpec kLayoutDNSKEY[] = {{Field::kU16, "flags"}, {Field::kU8, "protocol"},
                                       {Field::kAlgorithm, "algorithm"}, {Field::kBase64, "public key"}};
constexpr FieldSpec kLayoutRRSIG[] = {
    {Field::kType, "type covered"}, {Field::kAlgorithm, "algorithm"}, {Field::kU8, "labels"},
    {Field::kU32, "original TTL"}, {Field::kTime, "expiration"}, {Field::kTime, "inception"},
    {Field::kU16, "key tag"}, {Field::kName, "signer"}, {Field::kBase64, "signature"}};
constexpr FieldSpec kLayoutNSEC[] = {{Field::kName, "next name"}, {Field::kBitmap, "type bitmap"}};
constexpr FieldSpec kLayoutNSEC3[] = {
    {Field::kU8, "hash algorithm"}, {Field::kU8, "flags"}, {Field::kU16, "iterations"},
    {Field::kSalt, "salt"}, {Field::kHash32, "next hashed owner"}, {Field::kBitmap, "type bitmap"}};
constexpr FieldSpec kLayoutNSEC3PARAM[] = {{Field::kU8, "hash algorithm"}, {Field::kU8, "flags"},
                                           {Field::kU16, "iterations"}, {Field::kSalt, "salt"}};
constexpr FieldSpec kLayoutCSYNC[] = {{Field::kU32, "serial"}, {Field::kU16, "flags"},
                                      {Field::kBitmap, "type bitmap"}};
constexpr FieldSpec kLayoutZONEMD[] = {{Field::kU32, "serial"}, {Field::kU8, "scheme"},
                                       {Field::kU8, "hash algorithm"}, {Field::kHex, "digest"}};
constexpr FieldSpec kLayoutURI[] = {{Field::kU16, "priority"}, {Field::kU16, "weight"},
                                    {Field::kString, "target"}};
constexpr FieldSpec kLayoutCAA[] = {{Field::kU8, "flags"}, {Field::kCaaTag, "tag"},
                                    {Field::kString, "value"}};
constexpr FieldSpec kLayoutOPENPGPKEY[] = {{Field::kBase64, "public key"}};
constexpr FieldSpec kLayoutDHCID[] = {{Field::kBase64, "digest"}};
constexpr FieldSpec kLayoutEUI48[] = {{Field::kEui48, "address"}};
constexpr FieldSpec kLayoutEUI64[] = {{Field::kEui64, "address"}};
constexpr FieldSpec kLayoutNID[] = {{Field::kU16, "preference"}, {Field::kIlnp64, "node ID"}};
constexpr FieldSpec kLayoutL64[] = {{Field::kU16, "preference"}, {Field::kIlnp64, "locator"}};
constexpr FieldSpec kLayoutL32[] = {{Field::kU16, "preference"}, {Field::kIPv4, "locator"}};
constexpr FieldSpec kLayoutLP[] = {{Field::kU16, "preference"}, {Field::kName, "FQDN"}};
constexpr FieldSpec kLayoutCERT[] = {{Field::kCertType, "certificate type"}, {Field::kU16, "key tag"},
                                     {Field::kAlgorithm, "algorithm"}, {Field::kBase64, "certificate"}};
constexpr FieldSpec kLayoutIPSECKEY[] = {
    {Field::kU8, "precedence"}, {Field::kU8, "gateway type"}, {Field::kAlgorithm, "algorithm"},
    {Field::kGateway, "gateway"}, {Field::kBase64Opt, "public key"}};
constexpr FieldSpec kLayoutSVCB[] = {{Field::kU16, "priority"}, {Field::kName, "target"},
                                     {Field::kSvcParams, "parameters"}};
constexpr FieldSpec kLayoutLOC[] = {{Field::kLoc, "location"}};
constexpr FieldSpec kLayoutAPL[] = {{Field::kApl, "address prefix list"}};

std::optional<Layout> layout_of(uint16_t type) {
    namespace t = dns::type;
    switch (type) {
        case t::A: return layout(kLayoutA);
        case t::AAAA: return layout(kLayoutAAAA);
        case t::NS: return layout(kLayoutNS);
        case t::CNAME: return layout(kLayoutCNAME);
        case t::PTR: return layout(kLayoutPTR);
        case t::DNAME: return layout(kLayoutDNAME);
        case t::SOA: return layout(kLayoutSOA);
        case t::MX: return layout(kLayoutMX);
        case t::AFSDB: return layout(kLayoutAFSDB);
        case t::KX: return layout(kLayoutKX);
        case t::TXT:
        case t::SPF: return layout(kLayoutTXT);
        case t::HINFO: return layout(kLayoutHINFO);
        case t::RP: return layout(kLayoutRP);
        case t::SRV: return layout(kLayoutSRV);
        case t::NAPTR: return layout(kLayoutNAPTR);
        case t::SSHFP: return layout(kLayoutSSHFP);
        case t::TLSA:
        case t::SMIMEA: return layout(kLayoutTLSA);
        case t::DS:
        case t::CDS: return layout(kLayoutDS);
        case t::DNSKEY:
        case t::CDNSKEY:
        case t::KEY: return layout(kLayoutDNSKEY);
        case t::RRSIG:
        case t::SIG: return layout(kLayoutRRSIG);
        case t::NSEC: return layout(kLayoutNSEC);
        case t::NSEC3: return layout(kLayoutNSEC3);
        case t::NSEC3PARAM: return layout(kLayoutNSEC3PARAM);
        case t::CSYNC: return layout(kLayoutCSYNC);
        case t::ZONEMD: return layout(kLayoutZONEMD);
        case t::URI: return layout(kLayoutURI);
        case t::CAA: return layout(kLayoutCAA);
        case t::OPENPGPKEY: return layout(kLayoutOPENPGPKEY);
        case t::DHCID: return layout(kLayoutDHCID);
        case t::EUI48: return layout(kLayoutEUI48);
        case t::EUI64: return layout(kLayoutEUI64);
        case t::NID: return layout(kLayoutNID);
        case t::L64: return layout(kLayoutL64);
        case t::L32: return layout(kLayoutL32);
        case t::LP: return layout(kLayoutLP);
        case t::CERT: return layout(kLayoutCERT);
        case t::IPSECKEY: return layout(kLayoutIPSECKEY);
        case t::SVCB:
        case t::HTTPS: return layout(kLayoutSVCB);
        case t::LOC: return layout(kLayoutLOC);
        case t::APL: return layout(kLayoutAPL);
        default: return std::nullopt;
    }
}

// DNSSEC algorithm mnemonics (IANA "DNS Security Algorithm Numbers").
constexpr std::array<std::pair<std::string_view, uint8_t>, 15> kAlgorithms{{
    {"RSAMD5", 1}, {"DH", 2}, {"DSA", 3}, {"RSASHA1", 5}, {"DSA-NSEC3-SHA1", 6},
    {"RSASHA1-NSEC3-SHA1", 7}, {"RSASHA256", 8}, {"RSASHA512", 10}, {"ECC-GOST", 12},
    {"ECDSAP256SHA256", 13}, {"ECDSAP384SHA384", 14}, {"ED25519", 15}, {"ED448", 16},
    {"PRIVATEDNS", 253}, {"PRIVATEOID", 254},
}};

// CERT type mnemonics (RFC 4398 2.1).
constexpr std::array<std::pair<std::string_view, uint16_t>, 10> kCertTypes{{
    {"PKIX", 1}, {"SPKI", 2}, {"PGP", 3}, {"IPKIX", 4}, {"ISPKI", 5}, {"IPGP", 6},
    {"ACPKIX", 7}, {"IACPKIX", 8}, {"URI", 253}, {"OID", 254},
}};

// ---------------------------------------------------------------- small codecs

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Unsigned decimal, digits only, at most `max`.
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

// Dotted quad as inet_pton(AF_INET) takes it: four decimal octets, no leading zeros.
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

// Decodes the \X and \DDD escapes of a <character-string> (RFC 1035 5.1), appending bytes.
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

// Bytes of a string inside double quotes: \" and \\ escaped, non-printables as \DDD.
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

// RRSIG times (RFC 4034 3.2): YYYYMMDDHHmmSS in UTC, or plain seconds since the epoch.
// Dates after 2106 wrap modulo 2^32, as serial-number arithmetic intends.
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

// ---------------------------------------------------------------- SVCB parameters (RFC 9460)

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

// ---------------------------------------------------------------- LOC (RFC 1876)

constexpr uint64_t kPowersOfTen[] = {1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL,
                                     1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL};
constexpr uint32_t kLocEquator = 1u << 31;          // latitude and longitude origin
constexpr int64_t kLocAltitudeBase = 10000000;      // centimetres below the reference sphere

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

// ---------------------------------------------------------------- text -> wire

class RdataParser {
public:
    RdataParser(uint16_t type, std::span<const Token> tokens, const dns::Name& origin, uint32_t line,
                std::string& out)
        : type_(type), tokens_(tokens), origin_(origin), line_(line), out_(out) {}

    Status run();

private:
    bool field(const FieldSpec& f, size_t start);
    bool generic();

    bool at_end() const { return pos_ >= tokens_.size(); }
    // The next token for field `f`; fails with "missing ..." when there is none.
    const Token* take(const FieldSpec& f);
    // The next token, which must not be quoted (numbers, names, addresses).
    const Token* take_plain(const FieldSpec& f);

    bool fail(uint32_t line, std::string message) {
        error_ = Error{"", line, std::move(message)};
        return false;
    }
    bool bad(const Token& t, const FieldSpec& f) {
        return fail(t.line, "bad " + std::string(f.name) + " '" + std::string(t.text) + "' in " + type_name() +
                                " rdata");
    }
    std::string type_name() const { return dns::type_to_text(type_); }

    bool number(const FieldSpec& f, uint64_t max, uint64_t& v);
    bool name(const FieldSpec& f);
    bool char_string(const Token& t);
    bool hex_rest(const FieldSpec& f, bool required);
    bool base64_rest(const FieldSpec& f, bool required);
    bool bitmap();
    bool svc_params(const FieldSpec& f);
    bool loc(const FieldSpec& f);
    bool apl();
    bool gateway(const FieldSpec& f, size_t start);

    uint16_t type_;
    std::span<const Token> tokens_;
    const dns::Name& origin_;
    uint32_t line_;
    std::string& out_;
    size_t pos_ = 0;
    Error error_;
    std::string scratch_;
};

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

bool RdataParser::char_string(const Token& t) {
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
    if (!hex.complete()) return fail(line, "odd number of hex digits in " + std::string(f.name) + " of " + type_name() +
                                         " rdata");
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
    std::array<uint8_t, 8192> bits{};
    for (; !at_end(); ++pos_) {
        const Token& t = tokens_[pos_];
        auto code = t.quoted ? std::nullopt : dns::type_from_text(t.text);
        if (!code) return fail(t.line, "unknown type '" + std::string(t.text) + "' in " + type_name() + " type bitmap");
        bits[*code >> 3] |= static_cast<uint8_t>(0x80 >> (*code & 7));
    }
    for (unsigned window = 0; window < 256; ++window) {
        const uint8_t* w = bits.data() + window * 32;
        int last = 31;
        while (last >= 0 && w[last] == 0) --last;
        if (last < 0) continue;
        out_.push_back(static_cast<char>(window));
        out_.push_back(static_cast<char>(last + 1));
        out_.append(reinterpret_cast<const char*>(w), static_cast<size_t>(last + 1));
    }
    return true;
}

bool RdataParser::gateway(const FieldSpec& f, size_t start) {
    const Token* t = take_plain(f);
    if (t == nullptr) return false;
    uint8_t gateway_type = static_cast<uint8_t>(out_[start + 1]);
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
        case 3:
            --pos_;
            return name(f);
        default:
            return fail(t->line, "unknown IPSECKEY gateway type " + std::to_string(gateway_type));
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
            !parse_decimal(s.substr(0, colon), 65535, family) ||
            !parse_decimal(s.substr(slash + 1), 255, prefix)) {
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
            bool ok = k == 1 ? parse_decimal(t->text, 59, parts[1])
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

bool RdataParser::field(const FieldSpec& f, size_t start) {
    uint64_t v = 0;
    switch (f.kind) {
        case Field::kU8:
            if (!number(f, 255, v)) return false;
            out_.push_back(static_cast<char>(v));
            return true;
        case Field::kU16:
            if (!number(f, 65535, v)) return false;
            put_u16(out_, static_cast<uint16_t>(v));
            return true;
        case Field::kU32:
            if (!number(f, 0xffffffffULL, v)) return false;
            put_u32(out_, static_cast<uint32_t>(v));
            return true;
        case Field::kTimer: {
            const Token* t = take_plain(f);
            if (t == nullptr) return false;
            auto d = duration_from_text(t->text, 0xffffffffU);
            if (!d) return bad(*t, f);
            put_u32(out_, *d);
            return true;
        }
        case Field::kAlgorithm: {
            const Token* t = take_plain(f);
            if (t == nullptr) return false;
            if (parse_decimal(t->text, 255, v)) {
                out_.push_back(static_cast<char>(v));
                return true;
            }
            for (const auto& [mnemonic, code] : kAlgorithms) {
                if (equals_ci(t->text, mnemonic)) {
                    out_.push_back(static_cast<char>(code));
                    return true;
                }
            }
            return bad(*t, f);
        }
        case Field::kCertType: {
            const Token* t = take_plain(f);
            if (t == nullptr) return false;
            if (parse_decimal(t->text, 65535, v)) {
                put_u16(out_, static_cast<uint16_t>(v));
                return true;
            }
            for (const auto& [mnemonic, code] : kCertTypes) {
                if (equals_ci(t->text, mnemonic)) {
                    put_u16(out_, code);
                    return true;
                }
            }
            return bad(*t, f);
        }
        case Field::kType: {
            const Token* t = take_plain(f);
            if (t == nullptr) return false;
            auto code = dns::type_from_text(t->text);
            if (!code) return bad(*t, f);
            put_u16(out_, *code);
            return true;
        }
        case Field::kTime: {
            const Token* t = take_plain(f);
            if (t == nullptr) return false;
            uint32_t secs;
            if (!parse_time(t->text, secs)) return bad(*t, f);
            put_u32(out_, secs);
            return true;
        }
        case Field::kIPv4:
        case Field::kIPv6: {
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
        case Field::kName:
            return name(f);
        case Field::kCharString: {
            const Token* t = take(f);
            return t != nullptr && char_string(*t);
        }
        case Field::kCharStrings: {
            const Token* t = take(f);
            if (t == nullptr || !char_string(*t)) return false;
            for (; !at_end(); ++pos_) {
                if (!char_string(tokens_[pos_])) return false;
            }
            return true;
        }
        case Field::kHex:
            return hex_rest(f, true);
        case Field::kBase64:
            return base64_rest(f, true);
        case Field::kBase64Opt:
            return base64_rest(f, false);
        case Field::kString: {
            const Token* t = take(f);
            if (t == nullptr) return false;
            if (!unescape(t->text, out_)) {
                return fail(t->line, "bad escape in " + type_name() + " " + f.name + " '" + std::string(t->text) + "'");
            }
            return true;
        }
        case Field::kCaaTag: {
            const Token* t = take_plain(f);
            if (t == nullptr) return false;
            if (t->text.empty() || t->text.size() > 255 ||
                !std::all_of(t->text.begin(), t->text.end(), [](char c) {
                    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                })) {
                return fail(t->line, "bad CAA tag '" + std::string(t->text) + "' (letters and digits only)");
            }
            out_.push_back(static_cast<char>(t->text.size()));
            out_.append(t->text);
            return true;
        }
        case Field::kSalt: {
            const Token* t = take_plain(f);
            if (t == nullptr) return false;
            size_t len_pos = out_.size();
            out_.push_back('\0');
            if (t->text == "-") return true;
            if (t->text.size() > 510 || !hex_decode(t->text, out_)) return bad(*t, f);
            out_[len_pos] = static_cast<char>(t->text.size() / 2);
            return true;
        }
        case Field::kHash32: {
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
        case Field::kBitmap:
            return bitmap();
        case Field::kEui48:
        case Field::kEui64: {
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
        case Field::kIlnp64: {
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
        case Field::kGateway:
            return gateway(f, start);
        case Field::kSvcParams:
            return svc_params(f);
        case Field::kLoc:
            return loc(f);
        case Field::kApl:
            return apl();
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
    if (layout_of(type_) &&
        !rdata_is_valid(type_, reinterpret_cast<const uint8_t*>(out_.data() + start), got)) {
        return fail(tokens_.front().line, "generic rdata is not valid " + type_name() + " rdata");
    }
    return true;
}

Status RdataParser::run() {
    size_t start = out_.size();
    if (!tokens_.empty() && !tokens_[0].quoted && tokens_[0].text == "\\#") {
        if (!generic()) return error_;
    } else {
        auto lay = layout_of(type_);
        if (!lay) {
            return Error{"", tokens_.empty() ? line_ : tokens_[0].line,
                         "type " + type_name() + " has no presentation format here: write its rdata in RFC 3597 "
                         "generic form (\\# length hex)"};
        }
        for (size_t i = 0; i < lay->count; ++i) {
            if (!field(lay->fields[i], start)) return error_;
        }
        if (!at_end()) {
            const Token& t = tokens_[pos_];
            return Error{"", t.line, "trailing data '" + std::string(t.text) + "' in " + type_name() + " rdata"};
        }
    }
    if (out_.size() - start > kMaxRdata) {
        return Error{"", line_, type_name() + " rdata longer than 65535 bytes"};
    }
    return Ok{};
}

// ---------------------------------------------------------------- wire -> text

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
    bool field(const FieldSpec& f);
    bool name();
    bool char_string();
    bool bitmap();
    bool svc_params();
    bool loc();
    bool apl();

    const uint8_t* p_;
    size_t len_;
    std::string& out_;
    size_t pos_ = 0;
};

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

bool RdataPrinter::loc() {
    uint8_t version, precision[3];
    uint32_t lat, lon, alt;
    if (!u8(version) || version != 0 || !u8(precision[0]) || !u8(precision[1]) || !u8(precision[2]) ||
        !u32(lat) || !u32(lon) || !u32(alt)) {
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

}  // namespace

// ---------------------------------------------------------------- public API

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
            case 's': case 'S': unit = 1; break;
            case 'm': case 'M': unit = 60; break;
            case 'h': case 'H': unit = 3600; break;
            case 'd': case 'D': unit = 86400; break;
            case 'w': case 'W': unit = 604800; break;
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

Status rdata_from_tokens(uint16_t type, std::span<const Token> tokens, const dns::Name& origin, uint32_t line,
                         std::string& out) {
    RdataParser parser(type, tokens, origin, line, out);
    return parser.run();
}

Result<std::string> rdata_from_text(uint16_t type, std::string_view text, const dns::Name& origin) {
    auto tokens = tokenize(text);
    if (!tokens.ok()) return tokens.error();
    std::string out;
    auto status = rdata_from_tokens(type, *tokens, origin, 1, out);
    if (!status.ok()) return status.error();
    return out;
}

std::string rdata_to_generic_text(const uint8_t* rdata, size_t len) {
    std::string out = "\\# " + std::to_string(len);
    if (len > 0) {
        out.push_back(' ');
        append_hex(out, rdata, len);
    }
    return out;
}

std::string rdata_to_text(uint16_t type, const uint8_t* rdata, size_t len) {
    auto lay = layout_of(type);
    if (lay) {
        std::string out;
        RdataPrinter printer(rdata, len, out);
        if (printer.run(*lay)) return out;
    }
    return rdata_to_generic_text(rdata, len);
}

bool has_presentation_format(uint16_t type) { return layout_of(type).has_value(); }

bool rdata_is_valid(uint16_t type, const uint8_t* rdata, size_t len) {
    auto lay = layout_of(type);
    if (!lay) return true;
    std::string scratch;
    RdataPrinter printer(rdata, len, scratch);
    return printer.run(*lay);
}

std::string record_to_text(const Record& record) {
    std::string out = record.owner.to_text();
    out += '\t';
    out += std::to_string(record.ttl);
    out += '\t';
    out += dns::class_to_text(record.rclass);
    out += '\t';
    out += dns::type_to_text(record.type);
    out += '\t';
    out += rdata_to_text(record.type, record.rdata);
    return out;
}

}  // namespace fz::zone
