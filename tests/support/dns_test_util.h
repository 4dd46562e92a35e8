// Test helpers over the dns message toolkit: queries with the tests' defaults, responses
// decoded into strings, snapshots from zone text, answer() in one call.
// Test-only code: clarity over speed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dns/message_builder.h"
#include "engine/answer.h"
#include "engine/snapshot.h"
#include "tests/support/zone_snapshot.h"

namespace fz::test {

// dns::QueryBuilder with the defaults the tests share: "example.com. A IN", id 0x1234, RD.
struct QueryBuilder : dns::QueryBuilder {
    QueryBuilder() {
        id = 0x1234;
        flags = dns::flag::RD;
        qname = "example.com.";
    }
    // The wire query; a query that cannot be built fails the test (and is empty).
    std::vector<uint8_t> build() const;
};

// A query for `name` and `type` with EDNS (the UDP size given) and DO as asked.
std::vector<uint8_t> edns_query(const std::string& name, uint16_t type, bool do_bit, uint16_t udp_size = 1232);

struct DecodedRR {
    std::string owner;  // presentation form, lower-cased
    uint16_t type = 0;
    uint16_t rclass = 0;
    uint32_t ttl = 0;
    std::vector<uint8_t> rdata;  // names inside decompressed
    std::string rdata_text;      // rdata_to_text of the decompressed rdata
};

struct Decoded {
    bool ok = false;
    uint16_t id = 0;
    uint16_t flags = 0;
    uint16_t rcode = 0;  // with the extended bits from OPT
    std::string qname;   // presentation form, case kept (when there is one question)
    uint16_t qtype = 0;
    uint16_t qclass = 0;
    uint16_t qdcount = 0;
    std::vector<DecodedRR> answer, authority, additional;
    bool has_opt = false;
    uint16_t opt_udp = 0;
    uint8_t opt_version = 0;
    bool opt_do = false;
    std::vector<std::pair<uint16_t, std::vector<uint8_t>>> opt_options;

    bool aa() const { return flags & 0x0400; }
    bool tc() const { return flags & 0x0200; }
    bool qr() const { return flags & 0x8000; }
};

// dns::read_message, flattened. On a malformed message `ok` is false and only the header
// fields are set.
Decoded decode(const uint8_t* msg, size_t len);
inline Decoded decode(const std::vector<uint8_t>& m) { return decode(m.data(), m.size()); }

// snapshot_from_text (tests/support/zone_snapshot.h); on error the test fails and the
// result is null.
std::unique_ptr<engine::Snapshot> make_snapshot(const std::vector<ZoneText>& zones, engine::Options options = {});

// A loopback port free for both UDP and TCP right now (bound to 0, read back, closed).
uint16_t free_port();

// Runs answer() on `query`; an empty result means "dropped".
std::vector<uint8_t> ask(const engine::Snapshot& snap, const std::vector<uint8_t>& query,
                         engine::Transport transport = engine::Transport::kUdp, engine::Worker* worker = nullptr);

}  // namespace fz::test
