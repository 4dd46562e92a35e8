// Signs a zone on the control plane, before it compiles: its DNSKEY RRset from the keys,
// an NSEC chain over its authoritative names and delegations, and an RRSIG over every
// RRset it is authoritative for (RFC 4035 2). The result is a pre-signed zone like any
// other: the compiler and answer() serve it as they serve one from dnssec-signzone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "dnssec/keys.h"
#include "zone/record.h"

namespace fz::dnssec {

// NSEC3 (RFC 5155) instead of NSEC: SHA-1, these parameters (RFC 9276: 0 and none).
struct Nsec3Options {
    uint16_t iterations = 0;
    std::string salt;      // raw bytes
    bool opt_out = false;  // unsigned delegations get no NSEC3 of their own
};

struct SignOptions {
    uint32_t inception = 0;   // seconds since the epoch
    uint32_t expiration = 0;  // the same; the signatures are valid between the two
    unsigned threads = 0;     // 0: one per CPU
    std::optional<Nsec3Options> nsec3;
};

// What a signing did.
struct SignReport {
    size_t rrsets = 0;      // RRsets signed
    size_t signatures = 0;  // RRSIGs made
    size_t nsec = 0;        // NSEC or NSEC3 records of the chain
};

// Replaces what the zone held of DNSSEC (RRSIG, NSEC, NSEC3, NSEC3PARAM) with fresh
// signatures by `keys`: the DNSKEY RRset by the KSKs, every other RRset by the ZSKs (one
// kind alone: a CSK, which signs everything). Routing-policy RRsets are in the NSEC
// bitmaps but not signed yet.
Result<SignReport> sign_zone(zone::ZoneSource& zone, const std::vector<SigningKey>& keys, const SignOptions& options);

}  // namespace fz::dnssec
