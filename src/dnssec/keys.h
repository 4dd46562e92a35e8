// DNSSEC signing keys in BIND's key-file format (dnssec-keygen's K<zone>+<alg>+<id>.key
// and .private): ECDSAP256SHA256 (13) and ED25519 (15), as OpenSSL keys. Control plane.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "dns/name.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace fz::dnssec {

inline constexpr uint8_t kEcdsaP256Sha256 = 13;
inline constexpr uint8_t kEd25519 = 15;
inline constexpr uint16_t kFlagZone = 0x0100;  // DNSKEY flags (RFC 4034 2.1.1)
inline constexpr uint16_t kFlagSep = 0x0001;   // secure entry point: a KSK

struct PkeyFree {
    void operator()(EVP_PKEY* k) const;
};

struct SigningKey {
    std::string file;    // the .private file, for messages
    uint16_t flags = 0;  // 257: KSK (or CSK), 256: ZSK
    uint8_t algorithm = 0;
    uint16_t tag = 0;          // RFC 4034 appendix B
    std::string dnskey_rdata;  // the DNSKEY record's wire rdata
    std::unique_ptr<EVP_PKEY, PkeyFree> key;

    bool ksk() const { return flags & kFlagSep; }
};

// Every key of `zone` in `dir` (K<zone>.+<alg>+<id>.key with its .private). A private
// file that others may read, a key of another algorithm, or a malformed file is an error
// naming the file; a folder without keys of the zone is one too.
Result<std::vector<SigningKey>> load_keys(const std::string& dir, const dns::Name& zone);

// Makes a key of `algorithm` (a KSK with `ksk`) for `zone` in `dir`, in BIND's format
// (the .private file created 0600); returns its base name, K<zone>.+<alg>+<tag>.
Result<std::string> generate_key(const std::string& dir, const dns::Name& zone, uint8_t algorithm, bool ksk);

// The key tag of a DNSKEY's wire rdata (RFC 4034 appendix B).
uint16_t key_tag(const std::string& dnskey_rdata);

}  // namespace fz::dnssec
