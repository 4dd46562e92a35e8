// RR type and class mnemonics <-> numbers (RFC 3597 TYPEnnn / CLASSnnn forms included),
// and the names of rcodes and opcodes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fz::dns {

// "A", "aaaa", "TYPE65280" -> number; nullopt when unknown or malformed.
std::optional<uint16_t> type_from_text(std::string_view text);
// 1 -> "A"; unknown numbers -> "TYPE65280".
std::string type_to_text(uint16_t type);
// "IN", "CH", "HS", "NONE", "ANY", "CLASS3" -> number.
std::optional<uint16_t> class_from_text(std::string_view text);
std::string class_to_text(uint16_t rclass);

// True for meta and query-only types (OPT, TKEY, TSIG, IXFR, AXFR, MAILB, MAILA, ANY)
// that can never be stored in a zone.
bool is_meta_type(uint16_t type);

// 3 -> "NXDOMAIN", 16 -> "BADVERS" (rcodes of 12 bits, EDNS extended ones included);
// unassigned numbers -> "RCODE12".
std::string rcode_name(uint16_t rcode);
// 0 -> "QUERY", 5 -> "UPDATE"; unassigned numbers -> "OPCODE3".
std::string opcode_name(uint8_t opcode);

}  // namespace fz::dns
