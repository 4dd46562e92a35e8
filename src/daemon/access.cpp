// Keys and ACL rules from the configuration.
#include "daemon/access.h"

#include <arpa/inet.h>

namespace fz::daemon {
namespace {

// "192.0.2.1/32", "2001:db8::1/128": one remote address as an ACL block.
std::string host_prefix(const ListenAddress& a) {
    char buf[INET6_ADDRSTRLEN] = "";
    inet_ntop(a.family, a.address, buf, sizeof buf);
    return std::string(buf) + (a.family == AF_INET ? "/32" : "/128");
}

}  // namespace

Result<change::AclRule> make_remote_rule(const std::string& id, const loader::RemoteConfig& remote,
                                         const std::vector<std::string>& actions) {
    std::vector<std::string> addresses;
    for (const ListenAddress& addr : remote.addresses) addresses.push_back(host_prefix(addr));
    std::vector<std::string> keys;
    if (!remote.key.empty()) keys.push_back(remote.key);
    return change::make_acl_rule(id, keys, addresses, actions);
}

std::optional<dns::TsigKey> remote_key(const loader::RemoteConfig& remote, const dns::TsigKeyring& keys) {
    if (remote.key.empty()) return std::nullopt;
    std::string name = remote.key;
    if (name.back() != '.') name += '.';
    auto n = dns::name_from_text(name, nullptr);
    if (!n) return std::nullopt;
    const dns::TsigKey* k = keys.find(n->lowered());
    return k != nullptr ? std::optional<dns::TsigKey>(*k) : std::nullopt;
}

Result<dns::TsigKeyring> make_keyring(const loader::Config& config) {
    dns::TsigKeyring ring;
    for (const loader::TsigKeyConfig& k : config.keys) {
        dns::TsigKey key;
        std::string name = k.id;
        if (name.back() != '.') name += '.';
        auto n = dns::name_from_text(name, nullptr);
        auto alg = dns::tsig_algorithm_from_text(k.algorithm);
        if (!n || !alg) return Error{config.path, k.line, "key " + k.id + ": bad name or algorithm"};
        key.name = n->lowered();
        key.algorithm = *alg;
        key.secret = k.secret;
        auto st = ring.add(std::move(key));
        if (!st) return Error{config.path, k.line, st.error().message};
    }
    return ring;
}

Result<std::vector<change::AclRule>> make_acl_rules(const loader::Config& config) {
    std::vector<change::AclRule> rules;
    for (const loader::AclConfig& a : config.acl) {
        for (const std::string& id : a.remotes) {
            const loader::RemoteConfig* remote = config.find_remote(id);
            if (remote == nullptr) return Error{config.path, a.line, "acl " + a.id + ": no remote '" + id + "'"};
            auto rule = make_remote_rule(a.id, *remote, a.actions);
            if (!rule) return Error{config.path, a.line, rule.error().message};
            rules.push_back(std::move(rule.value()));
        }
        if (!a.remotes.empty() && a.addresses.empty() && a.keys.empty()) continue;
        auto rule = change::make_acl_rule(a.id, a.keys, a.addresses, a.actions);
        if (!rule) return Error{config.path, a.line, rule.error().message};
        rules.push_back(std::move(rule.value()));
    }
    return rules;
}

std::map<std::string, std::vector<std::string>> zone_acl_ids(const loader::Config& config) {
    std::map<std::string, std::vector<std::string>> out;
    for (const loader::ZoneConfig& z : config.zones) {
        if (!z.acl.empty()) out[z.origin.lowered().to_text()] = z.acl;
    }
    return out;
}

}  // namespace fz::daemon
