// The configuration's TSIG keys and ACL rules as the change path and the transfers check
// them: one place that turns keys[], remotes[] and acl[] into a keyring and rules.
#pragma once

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
// zones[].acl by origin, as change::Acl takes it.
std::map<std::string, std::vector<std::string>> zone_acl_ids(const loader::Config& config);

}  // namespace fz::daemon
