// Small helpers on ASCII text shared by the parsers of zone files and configuration (cold).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fz {

// True when `a` and `b` are equal but for the case of ASCII letters ("$ttl" and "$TTL",
// "rsasha256" and "RSASHA256"); other bytes must match exactly.
bool equals_ci(std::string_view a, std::string_view b);

// `unix_seconds` in UTC as strftime's `format` writes it ("%Y%m%d%H%M%S": BIND's key
// times; "%Y%m%dT%H%M%SZ": SigV4's X-Amz-Date).
std::string format_utc(int64_t unix_seconds, const char* format);

}  // namespace fz
