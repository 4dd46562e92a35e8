// The text fastzonectl prints for `status`, `stats` and `health`, rendered from one Totals.
#pragma once

#include <string>

#include "daemon/totals.h"

namespace fz::daemon {

// Process, snapshot generation, zones served, reloads, data plane.
std::string status_text(const Totals& t);
// Queries, responses by rcode, drops, per worker, per zone, per record set chosen.
std::string stats_text(const Totals& t);
// Every health check: state, last result and reason, last change, flips.
std::string health_text(const Totals& t);
// `fastzonectl fleet`: the fleet's live servers, the revision each serves and its lag.
std::string fleet_text(const Totals& t);

}  // namespace fz::daemon
