// Small helpers on ASCII text shared by the parsers of zone files and configuration (cold).
#pragma once

#include <string_view>

namespace fz {

// True when `a` and `b` are equal but for the case of ASCII letters ("$ttl" and "$TTL",
// "rsasha256" and "RSASHA256"); other bytes must match exactly.
bool equals_ci(std::string_view a, std::string_view b);

}  // namespace fz
