// Query messages as wire bytes, for tests, benchmarks, fuzzers and tools: the question,
// EDNS and its options, and the deliberately broken queries tests of the parser need.
// Control plane (allocates); answer() never builds a query.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dns/name.h"
#include "dns/query.h"
#include "dns/wire.h"

namespace fz::dns {

// One EDNS option: its code and its value bytes (RFC 6891 6.1.2).
struct EdnsOption {
    uint16_t code = 0;
    std::vector<uint8_t> data;

    friend bool operator==(const EdnsOption&, const EdnsOption&) = default;
};

// An EDNS Client Subnet option (RFC 7871 6): family, source and scope prefix, then the
// first ceil(source_prefix / 8) bytes of the address, written as they are (not masked).
EdnsOption client_subnet_option(const ClientSubnet& subnet);
// The same for a query: scope 0, `address` holding at least ceil(source_prefix / 8) bytes.
EdnsOption client_subnet_option(uint16_t family, uint8_t source_prefix, const uint8_t* address);
// A COOKIE option (RFC 7873 4): the client cookie, then the server cookie when not empty.
// Lengths are written as given, so that tests can send wrong ones.
EdnsOption cookie_option(std::span<const uint8_t> client, std::span<const uint8_t> server = {});
// An empty NSID option: asks for the server's identifier (RFC 5001 2.3).
EdnsOption nsid_option();

// A TSIG record as a signed request ends with (RFC 8945 4.2): owner `key`, class ANY,
// TTL 0, then `algorithm`, the time, fudge, MAC (as given: nothing here computes one),
// `original_id`, error 0 and no other data. Fails only when a name is not valid.
Result<std::vector<uint8_t>> tsig_record(std::string_view key, std::string_view algorithm, uint64_t time_signed,
                                         std::span<const uint8_t> mac, uint16_t original_id, uint16_t fudge = 300);

// A query, field by field; build() gives the message. Fields left alone make a sound
// query for ". A IN" with id 0 and no flag set, without EDNS.
struct QueryBuilder {
    uint16_t id = 0;
    uint16_t flags = 0;       // the header's flags word: flag::RD, opcode << 11, ...
    std::string qname = ".";  // presentation form, case kept; names without a final dot are absolute
    uint16_t qtype = type::A;
    uint16_t qclass = rrclass::IN;

    // The OPT record, written when `edns` is set or any option is given.
    bool edns = false;
    uint16_t udp_size = kDefaultUdpPayload;
    uint8_t edns_version = 0;
    bool do_bit = false;
    std::vector<EdnsOption> options;  // in this order

    // Deliberately odd queries, for tests of the query parser.
    std::vector<uint8_t> qname_wire;                     // when not empty: the question's name bytes, unchecked
    bool question = true;                                // false: no question section (QDCOUNT 0 unless `qdcount`)
    std::optional<uint16_t> qdcount;                     // QDCOUNT as given, whatever the question section holds
    std::vector<std::vector<uint8_t>> extra_additional;  // whole records after the OPT, in ARCOUNT
    std::vector<uint8_t> trailing;                       // bytes after the last record, counted nowhere

    // The question's name from a parsed name (into qname_wire).
    void set_qname(const Name& name);

    // The message; fails only when `qname` is not a valid name.
    Result<std::vector<uint8_t>> build() const;
};

}  // namespace fz::dns
