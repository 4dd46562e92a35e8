// Reading a transfer response stream.
#include "xfr/inbound.h"

#include "dns/rrtype.h"
#include "dns/wire.h"
#include "xfr/source.h"

namespace fz::xfr {
namespace {

uint32_t serial_of(const Record& r) {
    return soa_rdata_serial(reinterpret_cast<const uint8_t*>(r.rdata.data()), r.rdata.size());
}

}  // namespace

Record record_of(const dns::ResourceRecord& rr) {
    return {rr.owner.lowered().bytes(), rr.type, rr.ttl, std::string(rr.rdata.begin(), rr.rdata.end())};
}

TransferReader::TransferReader(const dns::Name& zone, bool ixfr, uint32_t our_serial)
    : zone_(zone.lowered()), ixfr_(ixfr), our_serial_(our_serial) {}

Status TransferReader::add(const dns::Message& m) {
    if (done_) return make_error("", 0, "a message after the transfer's closing SOA");
    if (m.rcode() != dns::rcode::NOERROR) {
        return make_error("", 0, "the primary answered " + dns::rcode_name(m.rcode()));
    }
    if (!m.header.has(dns::flag::QR)) return make_error("", 0, "a message that is not a response");
    for (const auto& q : m.questions) {
        if (!q.name.equals(zone_)) return make_error("", 0, "a message about another zone (" + q.name.to_text() + ")");
    }
    for (const auto& rr : m.answer) {
        if (done_) return make_error("", 0, "records after the transfer's closing SOA");
        auto st = add_record(rr);
        if (!st) return st;
    }
    // A lone SOA answers an IXFR whose serial is current (RFC 1995 2).
    if (!done_ && ixfr_ && seen_ == 1 && m.answer.size() == 1 && !serial_newer(out_.serial, our_serial_)) {
        done_ = true;
        out_.kind = Incoming::Kind::kUpToDate;
    }
    return Ok{};
}

Status TransferReader::add_record(const dns::ResourceRecord& rr) {
    if (!rr.owner.is_subdomain_of(zone_)) {
        return make_error("", 0, "record " + rr.owner.to_text() + " is outside the zone");
    }
    Record r = record_of(rr);
    const bool soa = r.type == dns::type::SOA && rr.owner.equals(zone_);
    ++seen_;
    if (seen_ == 1) {
        if (!soa) return make_error("", 0, "the transfer does not start with the zone's SOA");
        first_soa_ = r;
        out_.serial = serial_of(r);
        return Ok{};
    }
    if (seen_ == 2) {
        // An SOA second: IXFR form, a delta from our serial. Anything else: the whole zone.
        deltas_ = ixfr_ && soa;
        if (deltas_) {
            if (serial_of(r) != our_serial_) {
                return make_error("", 0,
                                  "the IXFR's first delta starts at serial " + std::to_string(serial_of(r)) +
                                      ", not ours (" + std::to_string(our_serial_) + ")");
            }
            out_.kind = Incoming::Kind::kDeltas;
            out_.deltas.push_back(Delta{std::move(r), {}, {}, {}});
            in_removed_ = true;
            return Ok{};
        }
        out_.kind = Incoming::Kind::kWhole;
        out_.records.push_back(first_soa_);
    }
    if (!deltas_) {
        if (soa) {
            if (r.rdata != first_soa_.rdata)
                return make_error("", 0, "an SOA in the zone's middle that is not its own");
            done_ = true;
            return Ok{};
        }
        out_.records.push_back(std::move(r));
        return Ok{};
    }
    Delta& d = out_.deltas.back();
    if (!soa) {
        (in_removed_ ? d.removed : d.added).push_back(std::move(r));
        return Ok{};
    }
    if (in_removed_) {
        // The delta's new SOA: its serial must move forward.
        if (!serial_newer(serial_of(r), serial_of(d.soa_before))) {
            return make_error("", 0,
                              "a delta from serial " + std::to_string(serial_of(d.soa_before)) + " to " +
                                  std::to_string(serial_of(r)) + " goes backwards");
        }
        d.soa_after = std::move(r);
        in_removed_ = false;
        return Ok{};
    }
    // After a delta's additions, an SOA is the next delta's old one, or the closing SOA.
    if (serial_of(r) != serial_of(d.soa_after)) {
        return make_error("", 0,
                          "the IXFR sequence breaks: a delta starts at serial " + std::to_string(serial_of(r)) +
                              " after one that ended at " + std::to_string(serial_of(d.soa_after)));
    }
    if (serial_of(r) == out_.serial) {
        done_ = true;
        return Ok{};
    }
    out_.deltas.push_back(Delta{std::move(r), {}, {}, {}});
    in_removed_ = true;
    return Ok{};
}

Incoming TransferReader::take() { return std::move(out_); }

}  // namespace fz::xfr
