// A small zone with one name of each kind, compiled once, and queries for it.
#include "bench/support/answer_fixture.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "dns/message_builder.h"
#include "dns/wire.h"
#include "tests/support/zone_snapshot.h"

namespace fz::bench {
namespace {

constexpr const char* kZone = R"(
$ORIGIN example.com.
$TTL 3600
@        SOA   ns1 hostmaster 1 7200 3600 1209600 300
@        NS    ns1
@        NS    ns2
@        MX    10 mail
ns1      A     192.0.2.53
ns2      A     192.0.2.54
mail     A     192.0.2.25
www      A     192.0.2.10
alias    CNAME www
*.wild   A     192.0.2.80
sub      NS    ns1.sub
ns1.sub  A     192.0.2.99
)";

// A signed copy of the zone (with a few more names), as tests/data/dnssec/make signed it.
std::string signed_zone(const char* denial) {
    std::ifstream in(std::string(FZ_SOURCE_ROOT) + "/tests/data/dnssec/example.com." + denial + ".zone");
    std::stringstream text;
    text << in.rdbuf();
    if (!in) std::abort();
    return text.str();
}

const engine::Snapshot* build(const std::string& text) {
    auto built = test::snapshot_from_text({{"example.com.", text}});
    if (!built) std::abort();
    return built->release();
}

}  // namespace

const engine::Snapshot& answer_snapshot(Zone zone) {
    static const engine::Snapshot* plain = build(kZone);
    static const engine::Snapshot* nsec = build(signed_zone("nsec"));
    static const engine::Snapshot* nsec3 = build(signed_zone("nsec3"));
    return *(zone == Zone::kNsec ? nsec : zone == Zone::kNsec3 ? nsec3 : plain);
}

const engine::Snapshot& snapshot_of(const QueryKind& kind) { return answer_snapshot(kind.zone); }
std::vector<uint8_t> query_of(const QueryKind& kind) {
    return make_query(kind.name, kind.type, kind.edns, kind.do_bit);
}

std::vector<uint8_t> make_query(const char* name, uint16_t type, bool edns, bool do_bit) {
    dns::QueryBuilder q;
    q.id = 0x1234;
    q.flags = dns::flag::RD;
    q.qname = name;
    q.qtype = type;
    q.edns = edns || do_bit;
    q.do_bit = do_bit;
    auto wire = q.build();
    if (!wire) std::abort();
    return *wire;
}

const std::vector<QueryKind>& query_kinds() {
    static const std::vector<QueryKind> kinds = {
        {"static_a", "www.example.com.", dns::type::A, false},
        {"static_a_edns", "www.example.com.", dns::type::A, true},
        {"mixed_case_a", "WwW.eXaMpLe.CoM.", dns::type::A, false},
        {"nxdomain", "nothere.example.com.", dns::type::A, false},
        {"nodata", "www.example.com.", dns::type::TXT, false},
        {"cname", "alias.example.com.", dns::type::A, false},
        {"wildcard", "x.wild.example.com.", dns::type::A, false},
        {"referral", "host.sub.example.com.", dns::type::A, false},
        {"ns_additional", "example.com.", dns::type::NS, true},
        {"refused", "www.example.net.", dns::type::A, false},
        // With DO, in the signed copies: RRSIGs beside the answer, proofs of denial.
        {"static_a_do_nsec", "www.example.com.", dns::type::A, true, true, Zone::kNsec},
        {"nxdomain_do_nsec", "nothere.example.com.", dns::type::A, true, true, Zone::kNsec},
        {"nodata_do_nsec", "www.example.com.", dns::type::TXT, true, true, Zone::kNsec},
        {"wildcard_do_nsec", "x.wild.example.com.", dns::type::A, true, true, Zone::kNsec},
        {"referral_do_nsec", "host.sub.example.com.", dns::type::A, true, true, Zone::kNsec},
        {"static_a_do_nsec3", "www.example.com.", dns::type::A, true, true, Zone::kNsec3},
        {"nxdomain_do_nsec3", "nothere.example.com.", dns::type::A, true, true, Zone::kNsec3},
        {"nodata_do_nsec3", "www.example.com.", dns::type::TXT, true, true, Zone::kNsec3},
        {"wildcard_do_nsec3", "x.wild.example.com.", dns::type::A, true, true, Zone::kNsec3},
        {"static_a_edns_nsec", "www.example.com.", dns::type::A, true, false, Zone::kNsec},
    };
    return kinds;
}

}  // namespace fz::bench
