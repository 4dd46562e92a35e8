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
#include "zone/image.h"
#include "zone/record.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;

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
    // The zone as it was last signed: an RRset it holds unchanged (owner, type, TTL and
    // records) keeps its RRSIGs when each key that signs it made one that expires after
    // `reuse_after`. A change or a refresh then signs only what it touched or what is due.
    const zone::ZoneImage* previous = nullptr;
    uint32_t reuse_after = 0;
    // The time that decides which keys are published and sign (their timing metadata);
    // 0: the clock's.
    int64_t now = 0;
};

// What a signing did.
struct SignReport {
    size_t rrsets = 0;      // RRsets signed
    size_t signatures = 0;  // RRSIGs made
    size_t reused = 0;      // RRSIGs kept from SignOptions::previous
    size_t nsec = 0;        // NSEC or NSEC3 records of the chain
    uint32_t oldest = 0;    // the earliest expiration of any RRSIG of the zone
};

// Signs single RRsets of one zone with its keys (which it refers to), valid from
// `inception` to `expiration` (seconds since the epoch): what sign_zone() signs with, and
// what signs a zone's answers drawn after it (multivalue windows, on health changes).
class RRsetSigner {
public:
    // `now` decides which keys sign (SigningKey::active).
    RRsetSigner(const dns::Name& apex, const std::vector<SigningKey>& keys, int64_t now, uint32_t inception,
                uint32_t expiration);

    // The RRSIG rdatas over the RRset (owner, type, TTL, rdatas), one per key that signs
    // `type`. `ctx`: a digest context of the calling thread's, or null for a fresh one.
    Result<std::vector<std::string>> sign(const dns::Name& owner, uint16_t type, uint32_t ttl,
                                          const std::vector<const std::string*>& rdatas,
                                          EVP_MD_CTX* ctx = nullptr) const;

    // The active keys that sign `type`: KSKs the DNSKEY RRset, and CDS and CDNSKEY (RFC
    // 7344 4.1: a key the parent's DS names), ZSKs the rest; one kind alone signs
    // everything (a CSK).
    std::vector<const SigningKey*> signers_of(uint16_t type) const;

private:
    std::string apex_;  // canonical wire name: the RRSIGs' signer
    const std::vector<SigningKey>& keys_;
    int64_t now_;
    uint32_t inception_;
    uint32_t expiration_;
};

// Replaces what the zone held of DNSSEC (RRSIG, NSEC, NSEC3, NSEC3PARAM) with fresh
// signatures by `keys`: the DNSKEY RRset by the KSKs, every other RRset by the ZSKs (one
// kind alone: a CSK, which signs everything). Every routing-policy member's answer and
// every alias answer with data of this zone is signed too (PolicyMemberSource::signatures,
// PolicyRRsetSource::alias_answers); multivalue answers are signed as their windows are
// drawn (RRsetSigner, through policy::PolicyTables::AnswerSigner).
Result<SignReport> sign_zone(zone::ZoneSource& zone, const std::vector<SigningKey>& keys, const SignOptions& options);

}  // namespace fz::dnssec
