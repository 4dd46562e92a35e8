// How both stores write what they keep: record sets and health checks as the JSON
// Route 53 itself prints (read back through the same parsers as the configured files, so
// the stores have no second schema to keep in step), a zone's DNSSEC keys and its history
// entries as JSON objects.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "change/registry.h"
#include "common/result.h"

namespace fz::store {

// Record sets as a JSON list, one per line.
std::string record_sets_json(const std::vector<policy::RecordSet>& sets);
// Parses a list of stored record sets (record_sets_json's form) for zone `origin`; an error
// is "store: <context>: <the parser's message>", in `file`.
Result<std::vector<policy::RecordSet>> parse_rows(std::string_view text, const std::string& file,
                                                  const dns::Name& origin, const std::string& context);

// A zone's signing state as one JSON object (the keys' texts as BIND writes them), and back.
std::string signing_json(const change::ZoneSigning& signing);
std::optional<change::ZoneSigning> signing_of(const std::string& text);

// A stored health check (its Route 53 JSON) back as a record. A CALCULATED check's
// children may be checks of the configured file, which the store does not hold: stand-ins
// let the parser resolve them, and `children` is left empty for whoever builds a set.
Result<change::HealthCheckRecord> health_check_of(const std::string& id, const std::string& caller_reference,
                                                  uint64_t version, const std::string& json, const std::string& file);

// A history entry as one JSON object, and back (its record sets parsed for `origin`).
std::string history_json(const change::HistoryEntry& entry);
Result<change::HistoryEntry> history_of(const std::string& text, const dns::Name& origin, const std::string& file);

}  // namespace fz::store
