// Reading an UPDATE message's sections (RFC 2136 2).
#include "api/update_message.h"

#include "dns/wire.h"
#include "dns/writer.h"

namespace fz::api {
namespace {

// The name at `pos` into `out`; the offset after it, or 0 when malformed.
size_t read_name(const uint8_t* msg, size_t end, size_t pos, dns::Name& out) {
    uint8_t wire[dns::kMaxNameWire];
    size_t wire_len = 0;
    const size_t next = dns::read_message_name(msg, end, pos, wire, &wire_len);
    if (next == 0) return 0;
    out = dns::Name::from_wire(wire, wire_len);
    return next;
}

// Appends the name at `pos` (inside [pos, end)) uncompressed; the offset after it, or 0.
size_t expand(const uint8_t* msg, size_t end, size_t pos, std::string& out) {
    dns::Name name;
    const size_t next = read_name(msg, end, pos, name);
    if (next == 0) return 0;
    out += name.bytes();
    return next;
}

// The rdata at [pos, end) with its compressed names expanded (RFC 3597 4: the RFC 1035
// types only). Empty rdata is kept empty: UPDATE deletes carry none (RFC 2136 2.5.2).
bool read_rdata(const uint8_t* msg, size_t pos, size_t end, uint16_t type, std::string& out) {
    out.clear();
    if (pos == end) return true;
    switch (dns::rdata_names(type)) {
        case dns::RdataNames::kNone: out.assign(reinterpret_cast<const char*>(msg + pos), end - pos); return true;
        case dns::RdataNames::kName: return expand(msg, end, pos, out) == end;
        case dns::RdataNames::kPrefName:
            if (end - pos < 3) return false;
            out.assign(reinterpret_cast<const char*>(msg + pos), 2);
            return expand(msg, end, pos + 2, out) == end;
        case dns::RdataNames::kSoa: {
            size_t p = expand(msg, end, pos, out);
            if (p != 0) p = expand(msg, end, p, out);
            if (p == 0 || end - p != 20) return false;  // then five 32-bit timers
            out.append(reinterpret_cast<const char*>(msg + p), 20);
            return true;
        }
    }
    return false;
}

// One record at `pos`; the offset after it, or 0 when malformed.
size_t read_record(const uint8_t* msg, size_t end, size_t pos, UpdateRecord& rr) {
    pos = read_name(msg, end, pos, rr.name);
    if (pos == 0 || end - pos < 10) return 0;
    rr.type = dns::load_u16(msg + pos);
    rr.rclass = dns::load_u16(msg + pos + 2);
    rr.ttl = dns::load_u32(msg + pos + 4);
    const size_t rdlen = dns::load_u16(msg + pos + 8);
    pos += 10;
    if (end - pos < rdlen || !read_rdata(msg, pos, pos + rdlen, rr.type, rr.rdata)) return 0;
    return pos + rdlen;
}

}  // namespace

bool read_update(const uint8_t* msg, size_t end, bool tsig, UpdateMessage& out) {
    out = UpdateMessage{};
    if (end < dns::kHeaderSize) return false;
    out.id = dns::load_u16(msg);
    out.flags = dns::load_u16(msg + 2);
    out.zone_count = dns::load_u16(msg + 4);
    const size_t prereq_count = dns::load_u16(msg + 6);
    const size_t update_count = dns::load_u16(msg + 8);
    size_t additional = dns::load_u16(msg + 10);
    if (tsig) {
        if (additional == 0) return false;
        --additional;
    }
    size_t pos = dns::kHeaderSize;
    for (size_t i = 0; i < out.zone_count; ++i) {
        dns::Name name;
        pos = read_name(msg, end, pos, name);
        if (pos == 0 || end - pos < 4) return false;
        if (i == 0) {
            out.zone = std::move(name);
            out.zone_type = dns::load_u16(msg + pos);
            out.zone_class = dns::load_u16(msg + pos + 2);
            out.has_zone = true;
        }
        pos += 4;
    }
    std::vector<UpdateRecord>* sections[2] = {&out.prerequisites, &out.updates};
    const size_t counts[2] = {prereq_count, update_count};
    for (size_t s = 0; s < 2; ++s) {
        for (size_t i = 0; i < counts[s]; ++i) {
            UpdateRecord rr;
            pos = read_record(msg, end, pos, rr);
            if (pos == 0) return false;
            sections[s]->push_back(std::move(rr));
        }
    }
    for (size_t i = 0; i < additional; ++i) {  // OPT and others: read for soundness, not used
        UpdateRecord rr;
        pos = read_record(msg, end, pos, rr);
        if (pos == 0 || rr.type == dns::type::TSIG) return false;
        if (rr.type == dns::type::OPT) out.has_opt = true;
    }
    return pos == end;
}

}  // namespace fz::api
