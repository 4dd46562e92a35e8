// The multivalue answers of the zones fastzone signs: signed on the control plane each
// time their windows are drawn (load, health change, redraw), through
// policy::PolicyTables::AnswerSigner, with each zone's keys.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "dnssec/keys.h"
#include "policy/tables.h"
#include "zone/record.h"

namespace fz::loader {

class AnswerSigning {
public:
    // Takes a signed zone's keys and the data of its multivalue policies (the only ones
    // signed as drawn; every other answer was signed with the zone).
    void add(const zone::ZoneSource& zone, std::vector<dnssec::SigningKey> keys, uint32_t validity);
    bool empty() const { return policies_.empty(); }

    // The RRSIGs over members `members` of policy `id` as one RRset, valid from an hour
    // ago for the zone's signature validity; nothing when `id` is no signed zone's.
    policy::PolicyTables::Signed sign(uint32_t id, std::span<const uint16_t> members) const;

private:
    struct Zone {
        dns::Name origin;
        std::vector<dnssec::SigningKey> keys;
        uint32_t validity = 0;
    };
    // A member's data, copied: the zone's source goes after compiling.
    struct Member {
        uint32_t ttl = 0;
        std::vector<std::string> rdatas;
    };
    struct Routed {
        size_t zone = 0;
        dns::Name owner;
        uint16_t type = 0;
        std::vector<Member> members;
    };
    std::vector<std::unique_ptr<Zone>> zones_;
    std::unordered_map<uint32_t, Routed> policies_;
};

}  // namespace fz::loader
