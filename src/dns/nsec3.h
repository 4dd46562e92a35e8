// NSEC3 owner-name hashing (RFC 5155 section 5): what the compiler hashes every name of a
// zone with, and what an NXDOMAIN or wildcard answer with DO hashes its next closer name
// with at query time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fz::dns {

inline constexpr size_t kNsec3HashLen = 20;  // SHA-1, the one hash algorithm defined
inline constexpr uint8_t kNsec3AlgSha1 = 1;
inline constexpr uint8_t kNsec3FlagOptOut = 1;  // RFC 5155 3.1.2.1

// IH(salt, name, iterations) of an uncompressed wire name, lower-cased as it goes (the
// canonical form is hashed). Allocates nothing.
void nsec3_hash(const uint8_t* name, size_t name_len, const uint8_t* salt, size_t salt_len, uint16_t iterations,
                uint8_t out[kNsec3HashLen]);

}  // namespace fz::dns
