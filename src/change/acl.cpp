// ACL rules: parsing their text forms and matching a request against them.
#include "change/acl.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace fz::change {
namespace {

// True when the first `bits` bits of `a` and `b` agree.
bool prefix_matches(const uint8_t* a, const uint8_t* b, unsigned bits) {
    const unsigned whole = bits / 8;
    if (std::memcmp(a, b, whole) != 0) return false;
    const unsigned rest = bits % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

bool address_matches(const AclAddress& acl, const engine::Peer& peer) {
    if (peer.family == 6 && acl.family_bits == 128)
        return prefix_matches(acl.prefix.address.data(), peer.address, acl.prefix.length);
    if (acl.family_bits != 32) return false;
    if (peer.family == 4) return prefix_matches(acl.prefix.address.data(), peer.address, acl.prefix.length);
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return peer.family == 6 && std::memcmp(peer.address, kMapped, 12) == 0 &&
           prefix_matches(acl.prefix.address.data(), peer.address + 12, acl.prefix.length);
}

std::string origin_key(std::string text) {
    for (char& c : text) c = static_cast<char>(dns::lower(static_cast<uint8_t>(c)));
    if (text.empty() || text.back() != '.') text += '.';
    return text;
}

}  // namespace

const char* acl_action_name(AclAction action) {
    switch (action) {
        case kAclUpdate: return "update";
        case kAclTransfer: return "transfer";
        case kAclNotify: return "notify";
    }
    return "?";
}

Result<AclRule> make_acl_rule(const std::string& id, const std::vector<std::string>& keys,
                              const std::vector<std::string>& addresses, const std::vector<std::string>& actions) {
    AclRule rule;
    rule.id = id;
    for (const auto& k : keys) {
        std::string text = k;
        if (text.empty() || text.back() != '.') text += '.';
        auto name = dns::name_from_text(text, nullptr);
        if (!name) return make_error("", 0, "acl " + id + ": key '" + k + "': " + name.error().message);
        rule.keys.push_back(name->lowered());
    }
    for (const auto& a : addresses) {
        AclAddress address;
        auto prefix = policy::parse_prefix(a, &address.family_bits);
        if (!prefix) return make_error("", 0, "acl " + id + ": address '" + a + "': " + prefix.error().message);
        address.prefix = *prefix;
        rule.addresses.push_back(address);
    }
    for (const auto& action : actions) {
        bool known = false;
        for (AclAction a : {kAclUpdate, kAclTransfer, kAclNotify}) {
            if (action == acl_action_name(a)) {
                rule.actions |= a;
                known = true;
            }
        }
        if (!known)
            return make_error("", 0, "acl " + id + ": unknown action '" + action + "' (update, transfer, notify)");
    }
    return rule;
}

bool acl_rule_matches(const AclRule& rule, AclAction action, const dns::TsigKey* key, const engine::Peer& peer) {
    if ((rule.actions & action) == 0) return false;
    if (!rule.keys.empty()) {
        if (key == nullptr) return false;
        if (std::none_of(rule.keys.begin(), rule.keys.end(), [&](const dns::Name& k) { return k.equals(key->name); })) {
            return false;
        }
    }
    return rule.addresses.empty() || std::any_of(rule.addresses.begin(), rule.addresses.end(),
                                                 [&](const AclAddress& a) { return address_matches(a, peer); });
}

Acl::Acl(std::vector<AclRule> rules, const std::map<std::string, std::vector<std::string>>& zone_rules)
    : rules_(std::move(rules)) {
    // Origins as the configuration wrote them ("Example.com"): found as "example.com.".
    for (const auto& [origin, ids] : zone_rules) {
        auto& merged = zone_rules_[origin_key(origin)];
        merged.insert(merged.end(), ids.begin(), ids.end());
    }
}

const std::vector<std::string>* Acl::rules_of(const dns::Name& zone) const {
    auto it = zone_rules_.find(zone.lowered().to_text());
    return it == zone_rules_.end() ? nullptr : &it->second;
}

bool Acl::allows(const dns::Name& zone, AclAction action, const dns::TsigKey* key, const engine::Peer& peer) const {
    const auto* ids = rules_of(zone);
    if (ids == nullptr) return false;
    for (const auto& id : *ids) {
        for (const auto& rule : rules_) {
            if (rule.id == id && acl_rule_matches(rule, action, key, peer)) return true;
        }
    }
    return false;
}

bool Acl::zone_has(const dns::Name& zone, AclAction action) const {
    const auto* ids = rules_of(zone);
    if (ids == nullptr) return false;
    for (const auto& id : *ids) {
        for (const auto& rule : rules_) {
            if (rule.id == id && (rule.actions & action) != 0) return true;
        }
    }
    return false;
}

std::string peer_text(const engine::Peer& peer, engine::Transport transport) {
    char buf[INET6_ADDRSTRLEN] = "?";
    if (peer.family == 4) inet_ntop(AF_INET, peer.address, buf, sizeof(buf));
    if (peer.family == 6) inet_ntop(AF_INET6, peer.address, buf, sizeof(buf));
    std::string out = buf;
    out += '#';
    out += std::to_string(peer.port);
    out += transport == engine::Transport::kTcp ? " tcp" : " udp";
    return out;
}

}  // namespace fz::change
