// Reads a whole DNS message (a response, mostly) into owned fields: the header, the
// question, every record with the names inside its rdata expanded, and the OPT record
// with its options. For tests, fuzzers and tools: any bytes in, never a read past them;
// anything unsound is an error saying what and where. Control plane (allocates).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/result.h"
#include "dns/message_builder.h"
#include "dns/name.h"
#include "dns/query.h"
#include "dns/wire.h"

namespace fz::dns {

struct Header {
    uint16_t id = 0;
    uint16_t flags = 0;  // the raw flags word: flag::QR, flag::AA, ..., opcode and rcode
    uint16_t qdcount = 0;
    uint16_t ancount = 0;
    uint16_t nscount = 0;
    uint16_t arcount = 0;

    bool has(uint16_t flag_bit) const { return (flags & flag_bit) != 0; }
    uint8_t opcode() const { return static_cast<uint8_t>((flags & flag::OPCODE_MASK) >> 11); }
};

struct Question {
    Name name;  // case as written
    uint16_t qtype = 0;
    uint16_t qclass = 0;
};

struct ResourceRecord {
    Name owner;  // case as written
    uint16_t type = 0;
    uint16_t rclass = 0;
    uint32_t ttl = 0;
    // Uncompressed: the names inside NS, CNAME, PTR, MX and SOA rdata (the types whose
    // names may be compressed, RFC 3597 4) are expanded; other rdata is as received.
    std::vector<uint8_t> rdata;
};

struct Cookie {
    std::vector<uint8_t> client;  // 8 bytes
    std::vector<uint8_t> server;  // empty, or 8 to 32 bytes
};

// The OPT pseudo-record (RFC 6891 6.1).
struct OptRecord {
    uint16_t udp_size = 0;
    uint8_t extended_rcode = 0;  // the upper 8 bits of the 12-bit rcode
    uint8_t version = 0;
    bool do_bit = false;
    std::vector<EdnsOption> options;  // every option as received, in order
    // The options fastzone knows, decoded (each also among `options`).
    std::optional<ClientSubnet> client_subnet;
    std::optional<Cookie> cookie;
    std::optional<std::vector<uint8_t>> nsid;
};

struct Message {
    Header header;
    std::vector<Question> questions;
    std::vector<ResourceRecord> answer;
    std::vector<ResourceRecord> authority;
    std::vector<ResourceRecord> additional;  // without the OPT record
    std::optional<OptRecord> opt;

    // The 12-bit rcode: the header's 4 bits and, with OPT, its 8 upper bits.
    uint16_t rcode() const;
};

// The header alone; nullopt when `len` is shorter than one.
std::optional<Header> read_header(const uint8_t* msg, size_t len);

// The whole message. Errors (each naming the section, record and offset): a count the
// message does not hold, a name that does not decompress (pointer loop or forward
// pointer, label over 63 bytes, name over 255), rdata or an EDNS option past its end,
// names in rdata that do not fill it exactly, an OPT record that is not one, owned by the
// root, in the additional section, an ECS or COOKIE option malformed or twice, and bytes
// after the last record.
Result<Message> read_message(const uint8_t* msg, size_t len);
inline Result<Message> read_message(std::span<const uint8_t> msg) { return read_message(msg.data(), msg.size()); }

}  // namespace fz::dns
