// The RFC 2136 semantics of an UPDATE over a zone's content: prerequisites (3.2), the
// update section's prescan (3.4.1) and its application (3.4.2), turned into one change
// batch of Route 53 record sets. Pure: the caller submits the batch. Control plane.
#pragma once

#include <cstdint>
#include <string>

#include "api/update_message.h"
#include "change/batch.h"
#include "change/content.h"

namespace fz::api {

struct UpdatePlan {
    uint16_t rcode = 0;                // NOERROR, or why nothing may change
    std::string reason;                // with any other rcode: what was wrong, for the log
    bool prerequisite_failed = false;  // rcode came from a prerequisite (YXDOMAIN .. NXRRSET)
    change::Batch batch;               // with NOERROR: the changes; empty when nothing changes
};

// Checks `msg`'s prerequisites against `zone`, then applies its updates one after another
// to a working copy of the record sets they name, and gives the record sets that differ
// at the end as CREATE, UPSERT and DELETE changes. A name and type owned by a record set
// with a routing policy (a set identifier, or an alias) is REFUSED: UPDATE would flatten
// the policy.
UpdatePlan plan_update(const change::ZoneContent& zone, const UpdateMessage& msg);

}  // namespace fz::api
