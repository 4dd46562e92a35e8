// Presentation forms of single values that the rdata parser and printer share: decimal
// numbers, IPv4 and IPv6 addresses, escaped character strings, RRSIG times; and the wire
// pieces the signer (src/dnssec) builds records with too: big-endian appends, NSEC type
// bitmaps. Control plane only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fz::zone {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
// ASCII letters and digits only, as CAA tags are (RFC 8659 4.1).
inline bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Unsigned decimal, digits only, at most `max`.
bool parse_decimal(std::string_view t, uint64_t max, uint64_t& v);

// Dotted quad as inet_pton(AF_INET) takes it: four decimal octets, no leading zeros.
// `out` receives 4 bytes.
bool parse_ipv4(std::string_view t, uint8_t* out);
// Any form inet_pton(AF_INET6) takes; `out` receives 16 bytes.
bool parse_ipv6(std::string_view t, uint8_t* out);

// The 4 bytes at `p` as a dotted quad, and the 16 bytes at `p` as inet_ntop prints them.
void append_ipv4(std::string& out, const uint8_t* p);
void append_ipv6(std::string& out, const uint8_t* p);

// Decodes the \X and \DDD escapes of a <character-string> (RFC 1035 5.1), appending bytes.
bool unescape(std::string_view raw, std::string& out);

// Bytes of a string inside double quotes: \" and \\ escaped, non-printables as \DDD.
void append_escaped(std::string& out, const uint8_t* p, size_t n);
// The same between double quotes.
void append_quoted(std::string& out, const uint8_t* p, size_t n);

// Big-endian (network order) appends.
void put_u16(std::string& out, uint16_t v);
void put_u32(std::string& out, uint32_t v);

// The NSEC / NSEC3 type bitmap of `types` (RFC 4034 4.1.2: a window per high byte, each
// as long as its last set bit needs); order and repeats do not matter.
void append_type_bitmap(std::string& out, std::vector<uint16_t> types);

// RRSIG times (RFC 4034 3.2): YYYYMMDDHHmmSS in UTC, or plain seconds since the epoch.
// Dates after 2106 wrap modulo 2^32, as serial-number arithmetic intends.
bool parse_time(std::string_view t, uint32_t& out);
// Seconds since the epoch as YYYYMMDDHHmmSS.
void append_time(std::string& out, uint32_t secs);

}  // namespace fz::zone
