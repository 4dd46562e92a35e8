// The Prometheus text exposition of the metrics endpoint (and `fastzonectl metrics`),
// rendered from one Totals.
#pragma once

#include <string>

#include "daemon/totals.h"

namespace fz::daemon {

std::string metrics_text(const Totals& t);

}  // namespace fz::daemon
