// A change batch: what every source of change (the Route 53 API, RFC 2136 UPDATE, and
// later zone transfers) turns its request into, and its application to a zone's content,
// whole or not at all, with Route 53's rules and error messages. Control plane.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "change/content.h"
#include "common/result.h"

namespace fz::change {

enum class Action : uint8_t { kCreate, kDelete, kUpsert };

const char* action_name(Action a);  // "CREATE", "DELETE", "UPSERT"

struct Change {
    Action action = Action::kCreate;
    policy::RecordSet record_set;
};

struct Batch {
    std::vector<Change> changes;
    std::string comment;
};

// How the SOA serial rises with each applied batch (as Knot DNS's serial-policy).
enum class SerialPolicy : uint8_t { kIncrement, kUnixtime, kDateserial };

// The serial after `old` under `policy` at Unix time `now` (seconds): always greater than
// `old` in RFC 1982 arithmetic.
uint32_t next_serial(uint32_t old, SerialPolicy policy, int64_t now);

// Route 53's InvalidChangeBatch: one message per change that cannot be applied, each
// naming its record set ("Tried to create resource record set [name='www.example.com.',
// type='A'] but it already exists").
struct BatchErrors {
    std::vector<std::string> messages;
    bool empty() const { return messages.empty(); }
};

// Applies `batch` to `zone`: in order, each change against the content the ones before it
// left (a DELETE and a CREATE of one record set may follow each other), then the checks
// of the whole result (CNAME beside other data, routing policies mixed on one name and
// type, the apex SOA and NS). On success the result's SOA serial has risen (by `policy`,
// unless the batch itself set a greater one) and its version is zone.version + 1; on
// failure `errors` says why and the result is meaningless. `touched`, when given,
// receives the keys that may differ between `zone` and the result (the apex SOA among them).
// Costs the batch's size plus one copy of the zone's record sets.
ZoneContent apply_batch(const ZoneContent& zone, const Batch& batch, SerialPolicy policy, int64_t now,
                        BatchErrors& errors, std::vector<RecordSetKey>* touched = nullptr);

// "[name='www.example.com.', type='A', set-identifier='eu']": how Route 53 names a record set.
std::string describe_for_route53(const policy::RecordSet& rs);

// The same record set, value for value (the test a DELETE must pass).
bool same_record_set(const policy::RecordSet& a, const policy::RecordSet& b);

}  // namespace fz::change
