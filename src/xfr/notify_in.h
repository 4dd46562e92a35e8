// NOTIFY in (RFC 1996): a primary tells its secondary that the zone changed. Checked
// against the TSIG keys and the zone's ACL (action notify, or the zone's own primaries'
// rules), and answered with the header and question echoed. Control plane.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "change/acl.h"
#include "engine/answer.h"
#include "xfr/server.h"

namespace fz::xfr {

// What became of one NOTIFY: the zone (empty when the message was not read) and whether
// it was taken, or why not.
struct NotifyVerdict {
    std::string zone;
    bool accepted = false;
    std::string reason;
};

// Answers the NOTIFY `msg` from `peer` into `out` (`cap` bytes) at Unix time `now`;
// `primary_rules` are, per zone (canonical wire), the rules its primaries match;
// `is_secondary` says whether we take transfers of a zone. Returns the length, 0 to send
// nothing (not a sound NOTIFY). Accepted: NOERROR with AA; else NOTAUTH (RD copied, as
// Knot DNS answers), signed when the NOTIFY was.
size_t answer_notify(const TransferAccess& access,
                     const std::map<std::string, std::vector<change::AclRule>>& primary_rules,
                     const std::function<bool(const dns::Name&)>& is_secondary, const uint8_t* msg, size_t len,
                     const engine::Peer& peer, int64_t now, uint8_t* out, size_t cap, NotifyVerdict& verdict);

}  // namespace fz::xfr
