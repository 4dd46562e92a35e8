// ChangeResourceRecordSets' request body (a ChangeBatch in XML) turned into a
// change::Batch: each ResourceRecordSet is rewritten in Route 53's JSON shape and checked
// by the record-set parser, so that every routing policy is validated in one place; with
// Route 53's limits on the size of a batch.
#pragma once

#include <cstddef>
#include <string_view>

#include "change/batch.h"
#include "change/service.h"
#include "dns/name.h"

namespace fz::api {

// Route 53's quotas on one ChangeResourceRecordSets request (an UPSERT counts twice).
struct ChangeBatchLimits {
    size_t max_records = 1000;       // ResourceRecord elements
    size_t max_value_chars = 32000;  // characters of all Value elements together
    size_t max_value = 4000;         // characters of one Value (botocore's RData shape)
};

// The batch, or InvalidInput (malformed XML, a missing or unknown element, a limit) or
// InvalidChangeBatch (a record set the parser refuses: one message per bad change).
// Never throws.
change::Outcome<change::Batch> parse_change_batch(std::string_view body, const dns::Name& origin,
                                                  const ChangeBatchLimits& limits = {});

}  // namespace fz::api
