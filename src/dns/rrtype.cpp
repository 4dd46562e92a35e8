// RR type and class mnemonics <-> numbers, including the RFC 3597 TYPEnnn / CLASSnnn forms,
// and the names of rcodes and opcodes.
#include "dns/rrtype.h"

#include <algorithm>
#include <array>

#include "dns/wire.h"

namespace fz::dns {
namespace {

struct Mnemonic {
    std::string_view name;
    uint16_t code;
};

// Every type fastzone knows by name: those of wire.h plus the other IANA mnemonics an
// operator may meet in a zone file (served as opaque rdata). Sorted by name for lookup.
constexpr auto kTypesByName = [] {
    std::array<Mnemonic, 89> t{{
        {"A", type::A},
        {"A6", 38},
        {"AAAA", type::AAAA},
        {"AFSDB", type::AFSDB},
        {"AMTRELAY", 260},
        {"ANY", type::ANY},
        {"APL", type::APL},
        {"ATMA", 34},
        {"AVC", 258},
        {"AXFR", type::AXFR},
        {"CAA", type::CAA},
        {"CDNSKEY", type::CDNSKEY},
        {"CDS", type::CDS},
        {"CERT", type::CERT},
        {"CNAME", type::CNAME},
        {"CSYNC", type::CSYNC},
        {"DHCID", type::DHCID},
        {"DLV", 32769},
        {"DNAME", type::DNAME},
        {"DNSKEY", type::DNSKEY},
        {"DOA", 259},
        {"DS", type::DS},
        {"EID", 31},
        {"EUI48", type::EUI48},
        {"EUI64", type::EUI64},
        {"GID", 102},
        {"GPOS", 27},
        {"HINFO", type::HINFO},
        {"HIP", 55},
        {"HTTPS", type::HTTPS},
        {"IPSECKEY", type::IPSECKEY},
        {"ISDN", 20},
        {"IXFR", type::IXFR},
        {"KEY", type::KEY},
        {"KX", type::KX},
        {"L32", type::L32},
        {"L64", type::L64},
        {"LOC", type::LOC},
        {"LP", type::LP},
        {"MAILA", type::MAILA},
        {"MAILB", type::MAILB},
        {"MB", 7},
        {"MD", 3},
        {"MF", 4},
        {"MG", 8},
        {"MINFO", 14},
        {"MR", 9},
        {"MX", type::MX},
        {"NAPTR", type::NAPTR},
        {"NID", type::NID},
        {"NIMLOC", 32},
        {"NINFO", 56},
        {"NS", type::NS},
        {"NSAP", 22},
        {"NSAP-PTR", 23},
        {"NSEC", type::NSEC},
        {"NSEC3", type::NSEC3},
        {"NSEC3PARAM", type::NSEC3PARAM},
        {"NULL", 10},
        {"NXT", 30},
        {"OPENPGPKEY", type::OPENPGPKEY},
        {"OPT", type::OPT},
        {"PTR", type::PTR},
        {"PX", 26},
        {"RKEY", 57},
        {"RP", type::RP},
        {"RRSIG", type::RRSIG},
        {"RT", 21},
        {"SIG", type::SIG},
        {"SINK", 40},
        {"SMIMEA", type::SMIMEA},
        {"SOA", type::SOA},
        {"SPF", type::SPF},
        {"SRV", type::SRV},
        {"SSHFP", type::SSHFP},
        {"SVCB", type::SVCB},
        {"TA", 32768},
        {"TALINK", 58},
        {"TKEY", type::TKEY},
        {"TLSA", type::TLSA},
        {"TSIG", type::TSIG},
        {"TXT", type::TXT},
        {"UID", 101},
        {"UINFO", 100},
        {"UNSPEC", 103},
        {"URI", type::URI},
        {"WKS", 11},
        {"X25", 19},
        {"ZONEMD", type::ZONEMD},
    }};
    return t;
}();

static_assert(std::is_sorted(kTypesByName.begin(), kTypesByName.end(),
                             [](const Mnemonic& a, const Mnemonic& b) { return a.name < b.name; }),
              "kTypesByName must stay sorted for binary search");

constexpr std::array<Mnemonic, 5> kClasses{{
    {"IN", rrclass::IN},
    {"CH", rrclass::CH},
    {"HS", rrclass::HS},
    {"NONE", rrclass::NONE},
    {"ANY", rrclass::ANY},
}};

// IANA "DNS RCODEs" and "DNS OpCodes". 16 is BADVERS in an OPT record, BADSIG in a TSIG
// one: fastzone only meets the first.
constexpr std::array<Mnemonic, 20> kRcodes{{
    {"NOERROR", rcode::NOERROR},
    {"FORMERR", rcode::FORMERR},
    {"SERVFAIL", rcode::SERVFAIL},
    {"NXDOMAIN", rcode::NXDOMAIN},
    {"NOTIMP", rcode::NOTIMP},
    {"REFUSED", rcode::REFUSED},
    {"YXDOMAIN", 6},
    {"YXRRSET", 7},
    {"NXRRSET", 8},
    {"NOTAUTH", 9},
    {"NOTZONE", 10},
    {"DSOTYPENI", 11},
    {"BADVERS", rcode::BADVERS},
    {"BADKEY", 17},
    {"BADTIME", 18},
    {"BADMODE", 19},
    {"BADNAME", 20},
    {"BADALG", 21},
    {"BADTRUNC", 22},
    {"BADCOOKIE", rcode::BADCOOKIE},
}};

constexpr std::array<Mnemonic, 6> kOpcodes{{
    {"QUERY", opcode::QUERY},
    {"IQUERY", opcode::IQUERY},
    {"STATUS", opcode::STATUS},
    {"NOTIFY", opcode::NOTIFY},
    {"UPDATE", opcode::UPDATE},
    {"DSO", 6},
}};

// The mnemonic of `code` in `table`, else `prefix` and the number ("RCODE12").
template <size_t N>
std::string name_or_number(const std::array<Mnemonic, N>& table, uint16_t code, const char* prefix) {
    for (const auto& m : table) {
        if (m.code == code) return std::string(m.name);
    }
    return prefix + std::to_string(code);
}

// Upper-cases `text` into `buf`; false when it does not fit (no mnemonic is that long).
bool upper_into(std::string_view text, char* buf, size_t cap) {
    if (text.size() > cap) return false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        buf[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    }
    return true;
}

// "TYPE65280" / "CLASS3" (prefix already upper-cased): decimal 0..65535 after the prefix.
std::optional<uint16_t> generic_number(std::string_view upper, std::string_view prefix) {
    if (upper.size() <= prefix.size() || upper.substr(0, prefix.size()) != prefix) return std::nullopt;
    std::string_view digits = upper.substr(prefix.size());
    if (digits.size() > 5) return std::nullopt;
    uint32_t v = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<uint32_t>(c - '0');
    }
    if (v > 65535) return std::nullopt;
    return static_cast<uint16_t>(v);
}

}  // namespace

std::optional<uint16_t> type_from_text(std::string_view text) {
    char buf[16];
    if (text.empty() || !upper_into(text, buf, sizeof buf)) return std::nullopt;
    std::string_view upper(buf, text.size());
    auto it = std::lower_bound(kTypesByName.begin(), kTypesByName.end(), upper,
                               [](const Mnemonic& m, std::string_view key) { return m.name < key; });
    if (it != kTypesByName.end() && it->name == upper) return it->code;
    return generic_number(upper, "TYPE");
}

std::string type_to_text(uint16_t type) { return name_or_number(kTypesByName, type, "TYPE"); }

std::optional<uint16_t> class_from_text(std::string_view text) {
    char buf[16];
    if (text.empty() || !upper_into(text, buf, sizeof buf)) return std::nullopt;
    std::string_view upper(buf, text.size());
    for (const auto& m : kClasses) {
        if (m.name == upper) return m.code;
    }
    // BIND's long spellings of the two historic classes.
    if (upper == "CHAOS") return rrclass::CH;
    if (upper == "HESIOD") return rrclass::HS;
    return generic_number(upper, "CLASS");
}

std::string class_to_text(uint16_t rclass) { return name_or_number(kClasses, rclass, "CLASS"); }

bool is_meta_type(uint16_t type) {
    switch (type) {
        case type::OPT:
        case type::TKEY:
        case type::TSIG:
        case type::IXFR:
        case type::AXFR:
        case type::MAILB:
        case type::MAILA:
        case type::ANY: return true;
        default: return false;
    }
}

std::string rcode_name(uint16_t rcode) { return name_or_number(kRcodes, rcode, "RCODE"); }

std::string opcode_name(uint8_t opcode) { return name_or_number(kOpcodes, opcode, "OPCODE"); }

}  // namespace fz::dns
