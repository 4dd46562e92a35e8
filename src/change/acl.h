// Who may change, transfer or notify a zone: the configuration's `acl:` rules (addresses,
// TSIG keys, actions), as RFC 2136 UPDATE, outgoing transfers and incoming NOTIFY check
// them. Control plane only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "dns/name.h"
#include "dns/tsig.h"
#include "engine/answer.h"
#include "policy/lpm.h"

namespace fz::change {

// What a rule allows (a bit set).
enum AclAction : uint8_t {
    kAclUpdate = 1u << 0,    // RFC 2136 UPDATE
    kAclTransfer = 1u << 1,  // AXFR and IXFR out
    kAclNotify = 1u << 2,    // NOTIFY in (a secondary's primaries)
};
const char* acl_action_name(AclAction action);  // "update", "transfer", "notify"

// One address block of a rule.
struct AclAddress {
    policy::Prefix prefix;
    unsigned family_bits = 32;  // 32 or 128
};

// One rule: {id, keys, addresses, actions}.
struct AclRule {
    std::string id;
    std::vector<dns::Name> keys;        // TSIG key names (lower-cased); empty: the rule asks for no key
    std::vector<AclAddress> addresses;  // empty: any address
    uint8_t actions = 0;                // AclAction bits
};

// A rule from the configuration's text forms ("192.0.2.0/24", "2001:db8::/32",
// "key.name.", actions "update", "transfer", "notify"). Errors name the rule.
Result<AclRule> make_acl_rule(const std::string& id, const std::vector<std::string>& keys,
                              const std::vector<std::string>& addresses, const std::vector<std::string>& actions);

// Whether `rule` allows `action` to a request from `peer` signed by `key` (null: unsigned,
// or its signature did not verify). An IPv4 client on a dual-stack socket
// (::ffff:a.b.c.d) matches IPv4 blocks.
bool acl_rule_matches(const AclRule& rule, AclAction action, const dns::TsigKey* key, const engine::Peer& peer);

// The rules, and which of them each zone lists (zones[].acl).
class Acl {
public:
    Acl() = default;
    // `zone_rules`: per origin ("example.com.", any case, the final dot optional), the
    // ids of its rules.
    Acl(std::vector<AclRule> rules, const std::map<std::string, std::vector<std::string>>& zone_rules);

    // Whether one of the zone's rules allows `action` (a zone that lists none allows nothing).
    bool allows(const dns::Name& zone, AclAction action, const dns::TsigKey* key, const engine::Peer& peer) const;
    // Whether the zone lists any rule with `action` at all.
    bool zone_has(const dns::Name& zone, AclAction action) const;

private:
    const std::vector<std::string>* rules_of(const dns::Name& zone) const;

    std::vector<AclRule> rules_;
    std::map<std::string, std::vector<std::string>> zone_rules_;  // by lower-cased origin text
};

// "192.0.2.1#53 tcp": a peer as logs print it.
std::string peer_text(const engine::Peer& peer, engine::Transport transport);

}  // namespace fz::change
