// The field layout of every RR type with a presentation format: which fields its rdata
// has, in order, and what each is called in error messages. One table drives both the
// parser (rdata_parse) and the printer (rdata_print), so that what is printed parses back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace fz::zone {

// The kinds of field; RdataParser and RdataPrinter have one function for each.
enum class Field : uint8_t {
    kU8,
    kU16,
    kU32,
    kTimer,      // u32, TTL units accepted (SOA timers)
    kAlgorithm,  // u8, DNSSEC algorithm number or mnemonic
    kCertType,   // u16, CERT type number or mnemonic
    kType,       // u16 type mnemonic (RRSIG type covered)
    kTime,       // u32 YYYYMMDDHHmmSS or seconds (RRSIG)
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
    kIlnp64,     // 16-bit groups xxxx:xxxx:xxxx:xxxx (NID, L64)
    kGateway,    // IPSECKEY gateway, shape given by the preceding gateway-type byte
    kSvcParams,  // SVCB/HTTPS SvcParams up to the end (RFC 9460)
    kLoc,        // the whole LOC rdata (RFC 1876)
    kApl,        // APL items up to the end (RFC 3123)
};

// One field of a layout.
struct FieldSpec {
    Field kind;
    const char* name;  // for error messages: "missing exchange in MX rdata"
};

// The fields of one type, in wire order.
struct Layout {
    const FieldSpec* fields;
    size_t count;
};

// The layout of `type`; nullopt when fastzone has no presentation format for it.
std::optional<Layout> layout_of(uint16_t type);

}  // namespace fz::zone
