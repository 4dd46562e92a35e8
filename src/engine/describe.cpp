// A DNS response in dig-like text.
#include "engine/describe.h"

#include "dns/name.h"
#include "dns/rcode.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "dns/writer.h"
#include "zone/rdata_text.h"

namespace fz::engine {
namespace {

// Rdata with any compressed names expanded (the RFC 1035 types compress).
bool expand_rdata(const uint8_t* msg, size_t len, size_t pos, size_t rdlen, uint16_t type, std::string& out) {
    uint8_t name[dns::kMaxNameWire];
    size_t n = 0;
    size_t end = pos + rdlen;
    auto read = [&](size_t& p) {
        size_t next = dns::read_message_name(msg, len, p, name, &n);
        if (next == 0) return false;
        out.append(reinterpret_cast<const char*>(name), n);
        p = next;
        return true;
    };
    switch (dns::rdata_names(type)) {
        case dns::RdataNames::kNone:
            out.assign(reinterpret_cast<const char*>(msg + pos), rdlen);
            return true;
        case dns::RdataNames::kName:
            return read(pos);
        case dns::RdataNames::kPrefName:
            out.assign(reinterpret_cast<const char*>(msg + pos), 2);
            pos += 2;
            return read(pos);
        case dns::RdataNames::kSoa:
            if (!read(pos) || !read(pos) || end < pos) return false;
            out.append(reinterpret_cast<const char*>(msg + pos), end - pos);
            return true;
    }
    return false;
}

}  // namespace

std::string describe_response(const uint8_t* msg, size_t len) {
    if (len < dns::kHeaderSize) return ";; no response (dropped)\n";
    uint16_t flags = dns::load_u16(msg + 2);
    unsigned rcode = flags & 0xf;
    std::string flag_text;
    const std::pair<uint16_t, const char*> fl[] = {{dns::flag::QR, "qr"}, {dns::flag::AA, "aa"}, {dns::flag::TC, "tc"},
                                                   {dns::flag::RD, "rd"}, {dns::flag::RA, "ra"}, {dns::flag::AD, "ad"},
                                                   {dns::flag::CD, "cd"}};
    for (const auto& [bit, name] : fl) {
        if (flags & bit) flag_text += std::string(flag_text.empty() ? "" : " ") + name;
    }
    uint16_t counts[4] = {dns::load_u16(msg + 4), dns::load_u16(msg + 6), dns::load_u16(msg + 8),
                          dns::load_u16(msg + 10)};
    std::string out;
    std::string sections[3];
    std::string opt;
    size_t pos = dns::kHeaderSize;
    uint8_t name[dns::kMaxNameWire];
    size_t n = 0;
    for (uint16_t i = 0; i < counts[0]; ++i) {
        pos = dns::read_message_name(msg, len, pos, name, &n);
        if (pos == 0 || pos + 4 > len) return ";; malformed response\n";
        pos += 4;
    }
    const char* titles[3] = {"ANSWER", "AUTHORITY", "ADDITIONAL"};
    for (int s = 0; s < 3; ++s) {
        for (uint16_t i = 0; i < counts[s + 1]; ++i) {
            pos = dns::read_message_name(msg, len, pos, name, &n);
            if (pos == 0 || pos + 10 > len) return ";; malformed response\n";
            uint16_t type = dns::load_u16(msg + pos);
            uint16_t rclass = dns::load_u16(msg + pos + 2);
            uint32_t ttl = dns::load_u32(msg + pos + 4);
            size_t rdlen = dns::load_u16(msg + pos + 8);
            pos += 10;
            if (pos + rdlen > len) return ";; malformed response\n";
            if (type == dns::type::OPT) {
                rcode |= (ttl >> 24) << 4;
                opt = ";; EDNS: version " + std::to_string((ttl >> 16) & 0xff) + ", udp " + std::to_string(rclass);
                for (size_t p = pos; p + 4 <= pos + rdlen;) {
                    uint16_t code = dns::load_u16(msg + p);
                    uint16_t olen = dns::load_u16(msg + p + 2);
                    if (code == dns::edns::CLIENT_SUBNET && olen >= 4) {
                        opt += ", client-subnet source /" + std::to_string(msg[p + 6]) + " scope /" +
                               std::to_string(msg[p + 7]);
                    }
                    p += 4 + olen;
                }
                opt += "\n";
            } else {
                std::string rd;
                if (!expand_rdata(msg, len, pos, rdlen, type, rd)) return ";; malformed response\n";
                sections[s] += dns::wire_name_to_text(name) + "\t" + std::to_string(ttl) + "\t" +
                               dns::class_to_text(rclass) + "\t" + dns::type_to_text(type) + "\t" +
                               zone::rdata_to_text(type, rd) + "\n";
            }
            pos += rdlen;
        }
    }
    out += std::string(";; status: ") + dns::rcode_name(rcode) + ", flags: " + flag_text + "\n";
    out += opt;
    for (int s = 0; s < 3; ++s) {
        if (!sections[s].empty()) out += std::string(";; ") + titles[s] + ":\n" + sections[s];
    }
    return out;
}

}  // namespace fz::engine
