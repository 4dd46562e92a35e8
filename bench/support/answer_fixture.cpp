// A small zone with one name of each kind, compiled once, and queries for it.
#include "bench/support/answer_fixture.h"

#include <cstdlib>

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

}  // namespace

const engine::Snapshot& answer_snapshot() {
    static const engine::Snapshot* snap = [] {
        auto built = test::snapshot_from_text({{"example.com.", kZone}});
        if (!built) std::abort();
        return built->release();
    }();
    return *snap;
}

std::vector<uint8_t> make_query(const char* name, uint16_t type, bool edns) {
    dns::QueryBuilder q;
    q.id = 0x1234;
    q.flags = dns::flag::RD;
    q.qname = name;
    q.qtype = type;
    q.edns = edns;
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
    };
    return kinds;
}

}  // namespace fz::bench
