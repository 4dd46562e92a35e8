// Hex, base64 and base32hex (RFC 4648) for presentation formats: what DS digests,
// DNSKEY keys and NSEC3 hashes look like in zone files and in dig's output (cold).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fz {

// ---------------------------------------------------------------- hex (base16)

// The value of one hex digit, either case, or -1 when `c` is not one.
int hex_digit_value(char c);

// Appends `n` bytes as upper-case hex ("0A1B"), as RFC 3597 and dig print them.
void append_hex(std::string& out, const uint8_t* p, size_t n);

// Appends the bytes of `text`, an even number of hex digits (either case) and nothing else.
// False on any other character or an odd count; `out` then holds what came before.
bool hex_decode(std::string_view text, std::string& out);

// Hex that blanks split anywhere, even inside a byte, as master-file rdata may be written
// ("0A 1B", "0 A1 B"): hand it the pieces one by one, then ask whether a digit is left over.
class HexDecoder {
public:
    explicit HexDecoder(std::string& out) : out_(out) {}

    // Appends the bytes `piece` completes. Spaces, tabs and line breaks in it are skipped;
    // false on any other character that is not a hex digit.
    bool add(std::string_view piece);

    // True when the digits so far make whole bytes (none, or an even count).
    bool complete() const { return high_ < 0; }

private:
    std::string& out_;
    int high_ = -1;  // the high nibble of a byte whose low one has not come yet
};

// ---------------------------------------------------------------- base64

// Appends `n` bytes as base64 with '=' padding (RFC 4648 4).
void append_base64(std::string& out, const uint8_t* p, size_t n);

// Strict RFC 4648 base64: groups of four, '=' padding only at the end, no blanks (a caller
// that allows them, as the zone parser does between tokens, joins the pieces first).
// False on anything else; `out` then holds what came before.
bool base64_decode(std::string_view text, std::string& out);

// ---------------------------------------------------------------- base32hex

// Appends `n` bytes as lower-case base32hex without padding (RFC 4648 7, RFC 5155 3.3).
void append_base32hex(std::string& out, const uint8_t* p, size_t n);

// Base32hex without padding, either case; the bits left over after the last byte must be
// zero, so every input has one spelling. False otherwise.
bool base32hex_decode(std::string_view text, std::string& out);

}  // namespace fz
