// The configuration's TSIG keys and ACL rules as the change path and the transfers check
// them: one place that turns keys[], remotes[] and acl[] into a keyring and rules.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "change/acl.h"
#include "common/result.h"
#include "dns/tsig.h"
#include "loader/config.h"

namespace fz::daemon {

// keys[] as TSIG keys. Errors name the configuration's line.
Result<dns::TsigKeyring> make_keyring(const loader::Config& config);
// acl[] as rules; a rule that names remotes matches each remote's addresses with its key
// (one rule per remote, under the rule's id), besides its own addresses and keys.
Result<std::vector<change::AclRule>> make_acl_rules(const loader::Config& config);
// One rule matching `remote`: its addresses, with its key when it has one.
Result<change::AclRule> make_remote_rule(const std::string& id, const loader::RemoteConfig& remote,
                                         const std::vector<std::string>& actions);
// The TSIG key `remote` names, from the keyring (none without one).
std::optional<dns::TsigKey> remote_key(const loader::RemoteConfig& remote, const dns::TsigKeyring& keys);
// zones[].acl by origin, as change::Acl takes it.
std::map<std::string, std::vector<std::string>> zone_acl_ids(const loader::Config& config);

}  // namespace fz::daemon
