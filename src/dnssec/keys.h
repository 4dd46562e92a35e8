// DNSSEC signing keys in BIND's key-file format (dnssec-keygen's K<zone>+<alg>+<id>.key
// and .private): ECDSAP256SHA256 (13) and ED25519 (15), as OpenSSL keys. Control plane.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
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
    // BIND's timing metadata (the .private file's Publish, Activate, Inactive and Delete,
    // as dnssec-keygen -P/-A/-I/-D, dnssec-settime or fastzonectl dnssec write them), in
    // seconds since the epoch; 0: not set (published and active from the start, forever).
    int64_t created = 0;  // Created, else the .private file's modification time
    int64_t publish = 0;
    int64_t activate = 0;
    int64_t inactive = 0;
    int64_t remove = 0;

    bool ksk() const { return flags & kFlagSep; }
    // In the DNSKEY RRset at `now`: published and not yet deleted.
    bool published(int64_t now) const { return (publish == 0 || publish <= now) && (remove == 0 || now < remove); }
    // Signing at `now`: published, active and not yet inactive.
    bool active(int64_t now) const {
        return published(now) && (activate == 0 || activate <= now) && (inactive == 0 || now < inactive);
    }
    // Active at `now` with no Inactive time yet: signing until someone ends it.
    bool open_ended(int64_t now) const { return active(now) && inactive == 0; }
    // The first of its timing events after `now`, or 0.
    int64_t next_event(int64_t now) const;
};

// A key in BIND's two files' forms, held in memory (what the store keeps for a zone the
// API signs, and what generate_key() writes out).
struct KeyFiles {
    std::string base;          // K<zone>.+<alg>+<tag>
    std::string public_text;   // the .key file
    std::string private_text;  // the .private file, with the timing metadata
    uint16_t tag = 0;
};

// The key these two texts hold; `name` names it in errors (its .private file, or the
// store's row; `public_name` the .key file, if another). `created` stands in for a missing
// Created time.
Result<SigningKey> parse_key(const std::string& name, const std::string& public_text, const std::string& private_text,
                             int64_t created = 0, const std::string& public_name = {});

// Publish and Activate times for a new key (seconds since the epoch; 0: not written, so
// from the start).
struct KeyTimes {
    int64_t publish = 0;
    int64_t activate = 0;
};

// A new key of `algorithm` (13 or 15; a KSK with `ksk`) for `zone`, created `now`.
Result<KeyFiles> new_key(const dns::Name& zone, uint8_t algorithm, bool ksk, KeyTimes times, int64_t now);

// `private_text` with its `field` (Publish, Activate, Inactive or Delete) set to `t`.
std::string with_key_time(const std::string& private_text, const std::string& field, int64_t t);

// Where a zone's keys live, for the rollover steps below: a keys folder (KeyFolder), or
// the store (a zone the API signs).
class KeyRing {
public:
    virtual ~KeyRing() = default;
    virtual Result<std::vector<SigningKey>> load() = 0;
    // Keeps a new key; a tag another key of the zone has already is refused (kTagTaken).
    virtual Status add(const KeyFiles& key) = 0;
    // Sets a timing field of `key` (one load() returned).
    virtual Status set_time(const SigningKey& key, const std::string& field, int64_t t) = 0;
    // What names the ring in errors.
    virtual std::string where() const = 0;
};
inline constexpr const char* kTagTaken = "a key of the zone has this tag already";

// The keys of `zone` in folder `dir`, as BIND's key files.
class KeyFolder final : public KeyRing {
public:
    KeyFolder(std::string dir, dns::Name zone) : dir_(std::move(dir)), zone_(std::move(zone)) {}
    Result<std::vector<SigningKey>> load() override;
    Status add(const KeyFiles& key) override;
    Status set_time(const SigningKey& key, const std::string& field, int64_t t) override;
    std::string where() const override { return dir_; }

private:
    std::string dir_;
    dns::Name zone_;
};

// A new key added to `ring` (drawn again while its tag is taken); returns its base name.
Result<std::string> add_new_key(KeyRing& ring, const dns::Name& zone, uint8_t algorithm, bool ksk, KeyTimes times,
                                int64_t now);

// Every key of `zone` in `dir` (K<zone>.+<alg>+<id>.key with its .private). A private
// file that others may read, a key of another algorithm, or a malformed file is an error
// naming the file; a folder without keys of the zone is one too.
Result<std::vector<SigningKey>> load_keys(const std::string& dir, const dns::Name& zone);

// Makes a key of `algorithm` (a KSK with `ksk`) for `zone` in `dir`, in BIND's format
// (the .private file created 0600); returns its base name, K<zone>.+<alg>+<tag>.
Result<std::string> generate_key(const std::string& dir, const dns::Name& zone, uint8_t algorithm, bool ksk,
                                 KeyTimes times = {});

// Sets `field` (Publish, Activate, Inactive or Delete) of a key's .private file to `t`,
// as dnssec-settime does; the file keeps its mode.
Status set_key_time(const std::string& private_file, const std::string& field, int64_t t);

// A pre-publish ZSK rollover (RFC 6781 4.1.1.1) written as timing metadata the server
// acts on: a new ZSK of the current ZSKs' algorithm, published at `now` and signing from
// now + prepublish, when every ZSK active now turns inactive; those are deleted from the
// DNSKEY RRset `retire` later (once every signature they made has expired). Returns the
// new key's base name.
Result<std::string> roll_zsk(KeyRing& ring, const dns::Name& zone, int64_t now, int64_t prepublish, int64_t retire);

// roll_zsk() when one of `keys` (the zone's, loaded from `ring`), an active ZSK without
// an Inactive time yet, has signed for `lifetime` less `prepublish` (since its Activate
// time, else its creation): returns the new key's base name, or nothing when none is due
// (the keys then stand as loaded); `due` gets the earliest time one will be (0: none).
Result<std::optional<std::string>> roll_zsk_if_due(const std::vector<SigningKey>& keys, KeyRing& ring,
                                                   const dns::Name& zone, int64_t now, int64_t lifetime,
                                                   int64_t prepublish, int64_t retire, int64_t* due);

// Ends key `tag` of `zone` at now + after: it stops signing and leaves the DNSKEY RRset
// (and CDS/CDNSKEY) then (Inactive and Delete). The last step of a KSK rollover, once the
// parent's DS for it has expired from caches. Returns the key's name (its .private file).
Result<std::string> retire_key(KeyRing& ring, const dns::Name& zone, uint16_t tag, int64_t now, int64_t after);

// The DS rdata (RFC 4034 5.1, SHA-256 digest: type 2) of a DNSKEY of `zone`.
std::string ds_rdata(const dns::Name& zone, const std::string& dnskey_rdata);

// The key tag of a DNSKEY's wire rdata (RFC 4034 appendix B).
uint16_t key_tag(const std::string& dnskey_rdata);

}  // namespace fz::dnssec
