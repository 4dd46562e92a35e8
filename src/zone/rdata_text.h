// Rdata presentation formats (RFC 1035 and the RFCs of each type, RFC 3597 generic form):
// master-file tokens -> uncompressed wire rdata, and wire rdata -> text as dig/Knot print it.
// Control plane only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "dns/name.h"
#include "zone/lexer.h"
#include "zone/record.h"

namespace fz::zone {

// RDLENGTH is 16 bits (RFC 1035 3.2.1).
inline constexpr size_t kMaxRdata = 65535;

// Parses the rdata tokens of one record of `type` and appends the wire rdata to `out`.
// Names without a trailing dot are relative to `origin` and keep the case written.
// `tokens` may start with "\#" (RFC 3597 generic form), accepted for every type; for a type
// with a presentation format the generic bytes must then be valid rdata of that type.
// On failure the Error names the line of the offending token (or `line` when tokens are
// missing) and leaves `file` empty for the caller to fill in; `out` is then unspecified.
Status rdata_from_tokens(uint16_t type, std::span<const Token> tokens, const dns::Name& origin, uint32_t line,
                         std::string& out);

// Convenience for tools and tests: `text` is the rdata part of a record ("10 mail.example.com.").
Result<std::string> rdata_from_text(uint16_t type, std::string_view text, const dns::Name& origin);

// Presentation form of wire rdata, as `kdig` prints it. Types without a presentation format,
// and rdata that is malformed for its type, come out in RFC 3597 form ("\# 4 0A000001").
std::string rdata_to_text(uint16_t type, const uint8_t* rdata, size_t len);
inline std::string rdata_to_text(uint16_t type, std::string_view rdata) {
    return rdata_to_text(type, reinterpret_cast<const uint8_t*>(rdata.data()), rdata.size());
}

// RFC 3597 generic form of any rdata: "\# 0" or "\# 3 0A0B0C".
std::string rdata_to_generic_text(const uint8_t* rdata, size_t len);

// True when fastzone knows a presentation format for `type` (false: only "\#" is accepted).
bool has_presentation_format(uint16_t type);

// True when `rdata` is well-formed for `type`; always true for types without a presentation format.
bool rdata_is_valid(uint16_t type, const uint8_t* rdata, size_t len);

// One record in master-file form: "www.example.com.\t3600\tIN\tA\t192.0.2.1".
std::string record_to_text(const Record& record);

// A TTL or SOA timer in master-file form: seconds ("3600") or units s/m/h/d/w, any case,
// combined ("1h30m", "2D", "1w2d"); a last number without unit counts seconds ("1h30").
// nullopt when malformed or above `max` (RFC 2181 caps TTLs at 2^31-1).
inline constexpr uint32_t kMaxTtl = 0x7fffffff;
std::optional<uint32_t> duration_from_text(std::string_view text, uint32_t max = kMaxTtl);

// Encodes a presentation-form name (relative to `origin` unless it ends in '.', "@" is the
// origin, \. and \DDD escapes) into `out`, which must hold dns::kMaxNameWire bytes.
// Returns the wire length, or 0 when the text is not a valid name (see dns::name_from_text
// for the reason).
size_t name_to_wire(std::string_view text, const dns::Name& origin, uint8_t* out);

}  // namespace fz::zone
