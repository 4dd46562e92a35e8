// Reads a whole DNS message into owned fields, checking every length before reading.
#include "dns/message_reader.h"

#include <algorithm>
#include <string>

#include "dns/writer.h"

namespace fz::dns {
namespace {

constexpr const char* kSections[] = {"answer", "authority", "additional"};

Error malformed(const std::string& what, size_t offset) {
    return Error{"", 0, what + " (offset " + std::to_string(offset) + ")"};
}

// "answer record 2" (counting from 1, as dig users do).
std::string record_label(const char* section, size_t index) {
    return std::string(section) + " record " + std::to_string(index + 1);
}

// The possibly compressed name at `pos`, whose bytes there must end by `end`; moves `pos`
// past them.
bool read_name(const uint8_t* msg, size_t len, size_t& pos, size_t end, Name& out) {
    uint8_t wire[kMaxNameWire];
    size_t wire_len = 0;
    const size_t next = read_message_name(msg, len, pos, wire, &wire_len);
    if (next == 0 || next > end) return false;
    out = Name::from_wire(wire, wire_len);
    pos = next;
    return true;
}

// The `rdlen` bytes of rdata at `pos` with the names of the RFC 1035 types expanded;
// false when those names do not decompress or do not fill the rdata exactly.
bool read_rdata(const uint8_t* msg, size_t len, size_t pos, size_t rdlen, uint16_t type, std::vector<uint8_t>& out) {
    const size_t end = pos + rdlen;
    auto expand = [&] {
        Name name;
        if (!read_name(msg, len, pos, end, name)) return false;
        out.insert(out.end(), name.data(), name.data() + name.size());
        return true;
    };
    switch (rdata_names(type)) {
        case RdataNames::kNone: out.assign(msg + pos, msg + end); return true;
        case RdataNames::kName: return expand() && pos == end;
        case RdataNames::kPrefName:
            if (rdlen < 2) return false;
            out.assign(msg + pos, msg + pos + 2);
            pos += 2;
            return expand() && pos == end;
        case RdataNames::kSoa:
            if (!expand() || !expand() || end - pos != 20) return false;  // then five 32-bit timers
            out.insert(out.end(), msg + pos, msg + end);
            return true;
    }
    return false;
}

// RFC 7871 6: family 1 or 2, prefixes within its width, ceil(source / 8) address bytes.
bool decode_client_subnet(const std::vector<uint8_t>& value, ClientSubnet& out) {
    if (value.size() < 4) return false;
    out.family = load_u16(value.data());
    out.source_prefix = value[2];
    out.scope_prefix = value[3];
    const unsigned width = out.family == 1 ? 32 : out.family == 2 ? 128 : 0;
    if (width == 0 || out.source_prefix > width || out.scope_prefix > width) return false;
    if (value.size() - 4 != (out.source_prefix + 7u) / 8u) return false;
    std::copy(value.begin() + 4, value.end(), out.address);
    return true;
}

// RFC 7873 4: an 8-byte client cookie, then nothing or a server cookie of 8 to 32 bytes.
bool decode_cookie(const std::vector<uint8_t>& value, Cookie& out) {
    if (value.size() != 8 && (value.size() < 16 || value.size() > 40)) return false;
    out.client.assign(value.begin(), value.begin() + 8);
    out.server.assign(value.begin() + 8, value.end());
    return true;
}

// The OPT record whose fixed fields are `rclass` and `ttl` and whose rdata is the `rdlen`
// bytes at `pos`.
Result<OptRecord> read_opt(const uint8_t* msg, size_t pos, size_t rdlen, uint16_t rclass, uint32_t ttl) {
    OptRecord opt;
    opt.udp_size = rclass;
    opt.extended_rcode = static_cast<uint8_t>(ttl >> 24);
    opt.version = static_cast<uint8_t>(ttl >> 16);
    opt.do_bit = (ttl & kEdnsDoBit) != 0;
    const size_t end = pos + rdlen;
    while (pos < end) {
        const size_t at = pos;
        if (end - pos < 4) return malformed("EDNS option header cut short", at);
        EdnsOption o{load_u16(msg + pos), {}};
        const size_t olen = load_u16(msg + pos + 2);
        pos += 4;
        if (end - pos < olen)
            return malformed("EDNS option " + std::to_string(o.code) + " runs past the OPT record", at);
        o.data.assign(msg + pos, msg + pos + olen);
        pos += olen;
        if (o.code == edns::CLIENT_SUBNET) {
            ClientSubnet subnet{};
            if (opt.client_subnet || !decode_client_subnet(o.data, subnet)) {
                return malformed("malformed or second client-subnet option", at);
            }
            opt.client_subnet = subnet;
        } else if (o.code == edns::COOKIE) {
            Cookie cookie;
            if (opt.cookie || !decode_cookie(o.data, cookie)) return malformed("malformed or second cookie option", at);
            opt.cookie = std::move(cookie);
        } else if (o.code == edns::NSID) {
            if (opt.nsid) return malformed("second NSID option", at);
            opt.nsid = o.data;
        }
        opt.options.push_back(std::move(o));
    }
    return opt;
}

}  // namespace

uint16_t Message::rcode() const {
    const uint16_t low = header.flags & flag::RCODE_MASK;
    return opt ? static_cast<uint16_t>(opt->extended_rcode << 4 | low) : low;
}

std::optional<Header> read_header(const uint8_t* msg, size_t len) {
    if (len < kHeaderSize) return std::nullopt;
    return Header{load_u16(msg),     load_u16(msg + 2), load_u16(msg + 4),
                  load_u16(msg + 6), load_u16(msg + 8), load_u16(msg + 10)};
}

Result<Message> read_message(const uint8_t* msg, size_t len) {
    const auto header = read_header(msg, len);
    if (!header) return malformed("shorter than a header", 0);
    Message m;
    m.header = *header;
    size_t pos = kHeaderSize;
    for (size_t i = 0; i < header->qdcount; ++i) {
        const size_t at = pos;
        Question q;
        if (!read_name(msg, len, pos, len, q.name)) {
            return malformed("question " + std::to_string(i + 1) + ": name cut short or malformed", at);
        }
        if (len - pos < 4) return malformed("question " + std::to_string(i + 1) + ": type and class cut short", at);
        q.qtype = load_u16(msg + pos);
        q.qclass = load_u16(msg + pos + 2);
        pos += 4;
        m.questions.push_back(std::move(q));
    }

    const uint16_t counts[3] = {header->ancount, header->nscount, header->arcount};
    std::vector<ResourceRecord>* sections[3] = {&m.answer, &m.authority, &m.additional};
    for (size_t s = 0; s < 3; ++s) {
        for (size_t i = 0; i < counts[s]; ++i) {
            const size_t at = pos;
            const std::string label = record_label(kSections[s], i);
            ResourceRecord rr;
            if (!read_name(msg, len, pos, len, rr.owner))
                return malformed(label + ": owner cut short or malformed", at);
            if (len - pos < 10) return malformed(label + ": cut short", at);
            rr.type = load_u16(msg + pos);
            rr.rclass = load_u16(msg + pos + 2);
            rr.ttl = load_u32(msg + pos + 4);
            const size_t rdlen = load_u16(msg + pos + 8);
            pos += 10;
            if (len - pos < rdlen) return malformed(label + ": rdata runs past the end", at);
            if (rr.type == type::OPT) {
                // RFC 6891 6.1.1: one OPT at most, owned by the root, among the additional records.
                if (s != 2 || m.opt || !rr.owner.is_root()) {
                    return malformed(label + ": OPT outside the additional section, twice or not owned by the root",
                                     at);
                }
                auto opt = read_opt(msg, pos, rdlen, rr.rclass, rr.ttl);
                if (!opt) return Error{"", 0, label + ": " + opt.error().message};
                m.opt = std::move(*opt);
            } else {
                if (!read_rdata(msg, len, pos, rdlen, rr.type, rr.rdata)) {
                    return malformed(label + ": names in the rdata malformed or not filling it", at);
                }
                sections[s]->push_back(std::move(rr));
            }
            pos += rdlen;
        }
    }
    if (pos != len) return malformed("bytes after the last record", pos);
    return m;
}

}  // namespace fz::dns
