// Domain names in uncompressed wire form: text conversion, case folding, comparisons.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "dns/wire.h"

namespace fz::dns {

// A domain name held as uncompressed wire bytes ("\x03www\x07example\x03com\x00"),
// case preserved as written. Control-plane type: the data plane works on raw bytes.
class Name {
public:
    Name() : wire_(1, '\0') {}  // the root
    static Name from_wire(const uint8_t* wire, size_t len) {
        Name n;
        n.wire_.assign(reinterpret_cast<const char*>(wire), len);
        return n;
    }

    const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(wire_.data()); }
    size_t size() const { return wire_.size(); }
    const std::string& bytes() const { return wire_; }
    bool is_root() const { return wire_.size() == 1; }

    // Number of labels, the root not counted ("www.example.com." has 3).
    size_t label_count() const;
    // The same name with ASCII letters lower-cased (canonical form, RFC 4034 6.2).
    Name lowered() const;
    // The name without its first label; the root's parent is the root.
    Name parent() const;
    // `label` prepended (label without length byte); fails when the result exceeds 255 bytes.
    bool prepend_label(std::string_view label);
    // True when the first label is "*".
    bool is_wildcard() const { return wire_.size() >= 2 && wire_[0] == 1 && wire_[1] == '*'; }

    // Case-insensitive equality and ancestry (a name is a subdomain of itself).
    bool equals(const Name& other) const;
    bool is_subdomain_of(const Name& ancestor) const;

    // Presentation form with a trailing dot; special bytes escaped as \. \\ \" \DDD.
    std::string to_text() const;

    friend bool operator==(const Name& a, const Name& b) { return a.equals(b); }

private:
    std::string wire_;
};

// Parses presentation format. A name without a trailing dot is relative to `origin`
// (pass nullptr when relative names are not allowed). "@" is the origin. Handles \. and
// \DDD escapes. The error message says what is wrong (no file/line: the caller adds them).
Result<Name> name_from_text(std::string_view text, const Name* origin);

// Length of the uncompressed wire name at `p`, reading at most `max` bytes; 0 when the
// bytes are not a valid uncompressed name (bad label, pointer, over 255 bytes, too short).
size_t wire_name_length(const uint8_t* p, size_t max);

// Reads a possibly compressed name from a message at `pos` into `out` (uncompressed,
// case preserved). Returns the offset just past the name's bytes at `pos`, or 0 on any
// error: pointer loop or forward pointer, label over 63, name over 255, truncated data.
size_t read_message_name(const uint8_t* msg, size_t msg_len, size_t pos, uint8_t* out, size_t* out_len);

// Case-insensitive comparison of two uncompressed wire names of equal length.
inline bool wire_names_equal_ci(const uint8_t* a, const uint8_t* b, size_t len) {
    for (size_t i = 0; i < len; ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// Canonical DNS name order (RFC 4034 6.1): negative, zero or positive like memcmp.
int canonical_compare(const Name& a, const Name& b);
// The same over two valid uncompressed wire names; allocates nothing (the data plane's
// NSEC lookups use it).
int canonical_compare_wire(const uint8_t* a, const uint8_t* b);

// Presentation form of one uncompressed wire name (for logs and tools).
std::string wire_name_to_text(const uint8_t* wire);

}  // namespace fz::dns
