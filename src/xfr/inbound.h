// AXFR and IXFR in: the records of a transfer response stream, read message by message
// and checked as they come (RFC 5936 2.2, RFC 1995 4), into either a whole zone or the
// deltas from our serial. Any fault ends the transfer with an error saying what and
// where, and the caller keeps the copy it has. Control plane.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "dns/message_reader.h"
#include "dns/name.h"
#include "xfr/ixfr.h"

namespace fz::xfr {

// What a transfer brought.
struct Incoming {
    enum class Kind : uint8_t { kUpToDate, kWhole, kDeltas };
    Kind kind = Kind::kUpToDate;
    uint32_t serial = 0;          // the primary's serial
    std::vector<Record> records;  // kWhole: every record, the SOA once
    std::vector<Delta> deltas;    // kDeltas: oldest first
};

class TransferReader {
public:
    // `zone` canonical; `ixfr`: the request was IXFR from `our_serial`.
    TransferReader(const dns::Name& zone, bool ixfr, uint32_t our_serial);

    // The next message of the stream. An error ends the transfer (a refusal, a broken
    // sequence, a record outside the zone, records after the end).
    Status add(const dns::Message& m);
    // Whether the stream is complete (its closing SOA seen).
    bool done() const { return done_; }
    // The result, once done().
    Incoming take();

private:
    Status add_record(const dns::ResourceRecord& rr);

    dns::Name zone_;
    bool ixfr_;
    uint32_t our_serial_;
    size_t seen_ = 0;  // records so far
    Record first_soa_;
    bool done_ = false;
    bool deltas_ = false;      // IXFR form (the second record is an SOA)
    bool in_removed_ = false;  // within a delta: before its second SOA
    Incoming out_;
};

// Record from a message's record: the owner canonical, the rdata as read (names expanded).
Record record_of(const dns::ResourceRecord& rr);

}  // namespace fz::xfr
