// DNS wire-format constants and big-endian byte helpers (RFC 1035 section 4). No I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace fz::dns {

inline constexpr size_t kHeaderSize = 12;
inline constexpr size_t kMaxNameWire = 255;  // RFC 1035 2.3.4, including the root label
inline constexpr size_t kMaxLabel = 63;
inline constexpr size_t kMaxLabels = 128;           // 127 one-byte labels + root
inline constexpr size_t kMinUdpPayload = 512;       // RFC 1035 / RFC 6891 floor
inline constexpr size_t kDefaultUdpPayload = 1232;  // DNS flag day 2020
inline constexpr size_t kMaxMessage = 65535;

// Resource record types (IANA "Resource Record (RR) TYPEs").
namespace type {
inline constexpr uint16_t A = 1;
inline constexpr uint16_t NS = 2;
inline constexpr uint16_t CNAME = 5;
inline constexpr uint16_t SOA = 6;
inline constexpr uint16_t PTR = 12;
inline constexpr uint16_t HINFO = 13;
inline constexpr uint16_t MX = 15;
inline constexpr uint16_t TXT = 16;
inline constexpr uint16_t RP = 17;
inline constexpr uint16_t AFSDB = 18;
inline constexpr uint16_t SIG = 24;
inline constexpr uint16_t KEY = 25;
inline constexpr uint16_t AAAA = 28;
inline constexpr uint16_t LOC = 29;
inline constexpr uint16_t SRV = 33;
inline constexpr uint16_t NAPTR = 35;
inline constexpr uint16_t KX = 36;
inline constexpr uint16_t CERT = 37;
inline constexpr uint16_t DNAME = 39;
inline constexpr uint16_t OPT = 41;
inline constexpr uint16_t APL = 42;
inline constexpr uint16_t DS = 43;
inline constexpr uint16_t SSHFP = 44;
inline constexpr uint16_t IPSECKEY = 45;
inline constexpr uint16_t RRSIG = 46;
inline constexpr uint16_t NSEC = 47;
inline constexpr uint16_t DNSKEY = 48;
inline constexpr uint16_t DHCID = 49;
inline constexpr uint16_t NSEC3 = 50;
inline constexpr uint16_t NSEC3PARAM = 51;
inline constexpr uint16_t TLSA = 52;
inline constexpr uint16_t SMIMEA = 53;
inline constexpr uint16_t CDS = 59;
inline constexpr uint16_t CDNSKEY = 60;
inline constexpr uint16_t OPENPGPKEY = 61;
inline constexpr uint16_t CSYNC = 62;
inline constexpr uint16_t ZONEMD = 63;
inline constexpr uint16_t SVCB = 64;
inline constexpr uint16_t HTTPS = 65;
inline constexpr uint16_t SPF = 99;
inline constexpr uint16_t NID = 104;
inline constexpr uint16_t L32 = 105;
inline constexpr uint16_t L64 = 106;
inline constexpr uint16_t LP = 107;
inline constexpr uint16_t EUI48 = 108;
inline constexpr uint16_t EUI64 = 109;
inline constexpr uint16_t TKEY = 249;
inline constexpr uint16_t TSIG = 250;
inline constexpr uint16_t IXFR = 251;
inline constexpr uint16_t AXFR = 252;
inline constexpr uint16_t MAILB = 253;
inline constexpr uint16_t MAILA = 254;
inline constexpr uint16_t ANY = 255;
inline constexpr uint16_t URI = 256;
inline constexpr uint16_t CAA = 257;
}  // namespace type

namespace rrclass {
inline constexpr uint16_t IN = 1;
inline constexpr uint16_t CH = 3;
inline constexpr uint16_t HS = 4;
inline constexpr uint16_t NONE = 254;
inline constexpr uint16_t ANY = 255;
}  // namespace rrclass

namespace rcode {
inline constexpr uint16_t NOERROR = 0;
inline constexpr uint16_t FORMERR = 1;
inline constexpr uint16_t SERVFAIL = 2;
inline constexpr uint16_t NXDOMAIN = 3;
inline constexpr uint16_t NOTIMP = 4;
inline constexpr uint16_t REFUSED = 5;
inline constexpr uint16_t YXDOMAIN = 6;  // a DNAME rewrite too long (RFC 6672 2.2); UPDATE: name in use
inline constexpr uint16_t YXRRSET = 7;   // UPDATE: an RRset exists that should not (RFC 2136 2.2)
inline constexpr uint16_t NXRRSET = 8;   // UPDATE: an RRset that should exist does not
inline constexpr uint16_t NOTAUTH = 9;   // not authorized (RFC 2136 / 8945)
inline constexpr uint16_t NOTZONE = 10;  // UPDATE: a name outside the zone
inline constexpr uint16_t BADVERS = 16;  // extended: needs OPT (RFC 6891)
inline constexpr uint16_t BADCOOKIE = 23;
}  // namespace rcode

namespace opcode {
inline constexpr uint8_t QUERY = 0;
inline constexpr uint8_t IQUERY = 1;
inline constexpr uint8_t STATUS = 2;
inline constexpr uint8_t NOTIFY = 4;
inline constexpr uint8_t UPDATE = 5;
}  // namespace opcode

// EDNS(0) option codes (RFC 6891 and later).
namespace edns {
inline constexpr uint16_t NSID = 3;
inline constexpr uint16_t CLIENT_SUBNET = 8;
inline constexpr uint16_t EXPIRE = 9;
inline constexpr uint16_t COOKIE = 10;
inline constexpr uint16_t TCP_KEEPALIVE = 11;
inline constexpr uint16_t PADDING = 12;
inline constexpr uint16_t EDE = 15;
}  // namespace edns

// Header flag bits within the 16-bit flags word (bytes 2-3 of the header).
namespace flag {
inline constexpr uint16_t QR = 0x8000;
inline constexpr uint16_t AA = 0x0400;
inline constexpr uint16_t TC = 0x0200;
inline constexpr uint16_t RD = 0x0100;
inline constexpr uint16_t RA = 0x0080;
inline constexpr uint16_t Z = 0x0040;
inline constexpr uint16_t AD = 0x0020;
inline constexpr uint16_t CD = 0x0010;
inline constexpr uint16_t OPCODE_MASK = 0x7800;
inline constexpr uint16_t RCODE_MASK = 0x000f;
}  // namespace flag

inline constexpr uint16_t kEdnsDoBit = 0x8000;

inline uint16_t load_u16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t load_u32(const uint8_t* p) {
    return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
           (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
inline void store_u16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
inline void store_u32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

// ASCII-only lower-casing of a label byte (RFC 4343: DNS names compare case-insensitively
// in ASCII only; other octets are compared as they are).
inline constexpr uint8_t lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c | 0x20) : c; }

// Lower-cases the ASCII letters among 8 bytes at once (SWAR): a byte gets 0x20 when it
// lies in 'A'..'Z'. Hand-written because it runs on every query name.
inline uint64_t lower8(uint64_t x) {
    const uint64_t low7 = x & 0x7f7f7f7f7f7f7f7fULL;
    const uint64_t ge_a = low7 + 0x3f3f3f3f3f3f3f3fULL;  // bit 7 set where byte >= 'A'
    const uint64_t gt_z = low7 + 0x2525252525252525ULL;  // bit 7 set where byte > 'Z'
    const uint64_t upper = (ge_a ^ gt_z) & ~x & 0x8080808080808080ULL;
    return x | (upper >> 2);
}

}  // namespace fz::dns
