// What a transfer in brings, as the change path takes it: a whole zone as record sets
// (checked as a zone file is), or IXFR deltas as one change batch against the stored copy.
#pragma once

#include <vector>

#include "change/batch.h"
#include "change/content.h"
#include "common/result.h"
#include "dns/name.h"
#include "xfr/inbound.h"

namespace fz::daemon {

// The records of an AXFR as the zone's content (one record set per owner and type),
// after the zone checks a zone file gets; errors name the zone and the record.
Result<change::ZoneContent> content_of_transfer(const dns::Name& zone, const std::vector<xfr::Record>& records);

// IXFR deltas applied, in order, to `current`: the record sets they change, each UPSERT
// whole or DELETEd, and the new SOA. Errors name what does not apply (a record removed
// that the copy does not hold).
Result<change::Batch> batch_of_deltas(const change::ZoneContent& current, const std::vector<xfr::Delta>& deltas);

}  // namespace fz::daemon
