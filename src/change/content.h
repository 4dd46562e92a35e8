// A zone as the change path holds it: Route 53's model, in which every RRset of the zone,
// SOA and NS included, is a record set (policy::RecordSet), kept in Route 53's list
// order. The API, RFC 2136 UPDATE and the store all read and write this one form; the
// loader compiles it into a zone image and policies like a record-set file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "change/record_set_list.h"
#include "common/result.h"
#include "dns/name.h"
#include "policy/record_set.h"

namespace fz::change {

// Route 53's order: the name with its labels reversed ("com.example.www."), lower-cased,
// then the type's name, then the set identifier.
struct RecordSetKey {
    std::string reversed_name;
    std::string type;
    std::string set_identifier;

    auto operator<=>(const RecordSetKey&) const = default;
    bool operator==(const RecordSetKey&) const = default;
};

RecordSetKey key_of(const policy::RecordSet& rs);
RecordSetKey key_of(const dns::Name& name, uint16_t type, const std::string& set_identifier = {});

// "com.example.www." for www.example.com. (lower-cased; the root is ".").
std::string reversed_name(const dns::Name& name);
// The (lower-cased) name a key stands for.
Result<dns::Name> name_of(const RecordSetKey& key);

// A DNSSEC key of a zone the API signs: a key-signing key made by CreateKeySigningKey
// (Route 53's KeySigningKey), or a zone-signing key the server makes and rolls itself, as
// Route 53 manages its ZSKs. The key is fastzone's own, in BIND's key-file texts (the
// store keeps them; the database is readable by the server's user only).
struct ZoneKey {
    std::string name;  // the KSK's Name; a ZSK's is its base name, K<zone>.+<alg>+<tag>
    bool ksk = false;
    std::string kms_arn;  // KeyManagementServiceArn as given (kept, shown; fastzone holds the key)
    bool active = true;   // a KSK's Status ACTIVE (else INACTIVE: not published, not signing)
    uint16_t tag = 0;
    std::string public_text;   // the .key file
    std::string private_text;  // the .private file, with its timing metadata
    int64_t created_ms = 0;
    int64_t modified_ms = 0;
};

// A zone's DNSSEC as the API drives it (EnableHostedZoneDNSSEC and the KSK operations).
struct ZoneSigning {
    bool enabled = false;  // ServeSignature SIGNING (else NOT_SIGNING; the keys stay)
    std::vector<ZoneKey> keys;
    int64_t modified_ms = 0;

    const ZoneKey* find(const std::string& name) const;
    ZoneKey* find(const std::string& name);
    // Whether any KSK is ACTIVE.
    bool active_ksk() const;
};

struct ZoneContent {
    std::string id;  // the hosted zone id ("Z" and 13 more characters), stable for the zone's life
    dns::Name origin;
    std::string caller_reference;  // CreateHostedZone's, for idempotency; empty for file zones
    std::string comment;
    int64_t created_ms = 0;
    bool from_file = false;              // configured with a zone file (its first content came from it)
    uint64_t version = 0;                // bumped by every applied batch (the store's revision of the zone)
    RecordSetList record_sets;           // sorted by key_of(); chunks shared between versions
    std::optional<ZoneSigning> signing;  // set once a KSK was created for the zone

    // The record set with this key, or null.
    const policy::RecordSet* find(const RecordSetKey& key) const;
    // The apex SOA record set (every zone has one once created).
    const policy::RecordSet* soa() const;
    // Whether record sets exist at names strictly below `name`.
    bool has_names_below(const dns::Name& name) const;
    // Its serial, or 0 without one.
    uint32_t serial() const;
    // Sorts record_sets into key order.
    void sort();
};

// The serial of an SOA value in presentation form ("mname rname serial ..."), 0 if none.
uint32_t soa_serial(const std::string& soa_value);

// The zone's simple record sets as an RFC 1035 zone file ($ORIGIN, then one record per
// line, SOA first). Record sets with a routing policy or an alias have no zone-file form:
// a comment counts them, and to_record_sets_json() holds them.
std::string to_zone_file(const ZoneContent& zone);
// Every record set as `aws route53 list-resource-record-sets` prints them
// ({"ResourceRecordSets": [...]}): what a record-set file or the API takes back.
std::string to_record_sets_json(const ZoneContent& zone);

}  // namespace fz::change
