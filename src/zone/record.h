// The zone model: records as parsed from a master file or a Route 53 record-set file,
// before compilation into an image. Control plane only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dns/name.h"

namespace fz::zone {

// One resource record. `rdata` is the uncompressed wire form (names in rdata are
// uncompressed and keep the case they were written in).
struct Record {
    dns::Name owner;
    uint16_t type = 0;
    uint16_t rclass = 1;
    uint32_t ttl = 0;
    std::string rdata;
    uint32_t line = 0;     // 1-based line of the record's first token; 0 if not from a file
    uint16_t file_id = 0;  // index into ZoneSource::files
};

// One member of a routing-policy RRset: a record set (pre-encoded like any RRset) or a
// Route 53 alias, answered with its target's RRset of the same type.
struct PolicyMemberSource {
    uint32_t ttl = 0;
    std::vector<std::string> rdatas;      // wire rdata; empty for an alias
    std::vector<std::string> signatures;  // RRSIG rdatas over this member (a zone fastzone signs)
    bool alias = false;
    dns::Name alias_target;
};

// An answer a policy RRset of a signed zone gives with another RRset's data (an alias
// member's target, or a member of the policy an alias leads to): which policy's member
// answers, and the RRSIG rdatas over that data at the policy's owner.
struct AliasAnswerSource {
    uint32_t policy = 0;
    uint16_t member = 0;
    uint32_t ttl = 0;
    std::vector<std::string> signatures;
};

// An RRset whose answer a routing policy picks per query (Route 53 record sets with a
// SetIdentifier, or aliases). `policy` is its id in the snapshot's policy tables;
// `members` follow the policy's member order (what decide() returns indexes into).
struct PolicyRRsetSource {
    dns::Name owner;
    uint16_t type = 0;
    uint32_t policy = 0;
    bool multivalue = false;  // answers with several members at once (signed as drawn)
    std::vector<PolicyMemberSource> members;
    std::vector<AliasAnswerSource> alias_answers;  // a zone fastzone signs
    // A zone fastzone signs: the NODATA proof for clients this policy has no answer for,
    // the name's NSEC or NSEC3 without this type in its bitmap, and its RRSIG rdatas.
    Record nodata_denial;
    std::vector<std::string> nodata_signatures;
};

// Every record of one zone plus the files it came from ($INCLUDE adds files).
struct ZoneSource {
    dns::Name origin;
    std::vector<std::string> files;
    std::vector<Record> records;
    std::vector<PolicyRRsetSource> policies;
    std::vector<Error> warnings;  // accepted but worth telling the operator (TTL mismatch...)

    const std::string& file_of(const Record& r) const {
        static const std::string none;
        return r.file_id < files.size() ? files[r.file_id] : none;
    }
};

}  // namespace fz::zone
