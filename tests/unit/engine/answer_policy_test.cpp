// answer() with Route 53 routing policies: the configuration, zone and record-set files
// go through the real loader, queries through answer(); ECS decides the client.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <unistd.h>

#include "dns/wire.h"
#include "engine/answer.h"
#include "loader/config.h"
#include "loader/loader.h"
#include "tests/support/dns_test_util.h"

namespace fz::engine {
namespace {

namespace fs = std::filesystem;

constexpr const char* kZone = R"(
$ORIGIN example.com.
$TTL 300
@     SOA  ns1 hostmaster 1 7200 3600 1209600 60
@     NS   ns1
ns1   A    192.0.2.53
target A   192.0.2.77
tomv  CNAME mv
)";

constexpr const char* kOtherZone = R"(
$ORIGIN example.org.
$TTL 900
@     SOA  ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 60
@     NS   ns1.example.com.
cdn   A    203.0.113.9
)";

constexpr const char* kRecordSets = R"({"ResourceRecordSets": [
  {"Name": "simple.example.com.", "Type": "TXT", "TTL": 60, "ResourceRecords": [{"Value": "\"from json\""}]},
  {"Name": "w.example.com.", "Type": "A", "TTL": 30, "SetIdentifier": "one", "Weight": 1,
   "ResourceRecords": [{"Value": "10.0.0.1"}]},
  {"Name": "w.example.com.", "Type": "A", "TTL": 30, "SetIdentifier": "three", "Weight": 3,
   "ResourceRecords": [{"Value": "10.0.0.3"}]},
  {"Name": "geo.example.com.", "Type": "AAAA", "TTL": 60, "SetIdentifier": "jp",
   "GeoLocation": {"CountryCode": "JP"}, "ResourceRecords": [{"Value": "2001:db8::81"}]},
  {"Name": "geo.example.com.", "Type": "AAAA", "TTL": 60, "SetIdentifier": "asia",
   "GeoLocation": {"ContinentCode": "AS"}, "ResourceRecords": [{"Value": "2001:db8::a5"}]},
  {"Name": "geo.example.com.", "Type": "AAAA", "TTL": 60, "SetIdentifier": "us",
   "GeoLocation": {"CountryCode": "US"}, "ResourceRecords": [{"Value": "2001:db8::05"}]},
  {"Name": "nodefault.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "us",
   "GeoLocation": {"CountryCode": "US"}, "ResourceRecords": [{"Value": "192.0.2.5"}]},
  {"Name": "fo.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "p", "Failover": "PRIMARY",
   "ResourceRecords": [{"Value": "192.0.2.1"}]},
  {"Name": "fo.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "s", "Failover": "SECONDARY",
   "ResourceRecords": [{"Value": "192.0.2.2"}]},
  {"Name": "mv.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "m1", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "10.1.0.1"}]},
  {"Name": "mv.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "m2", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "10.1.0.2"}]},
  {"Name": "mv.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "m3", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "10.1.0.3"}]},
  {"Name": "mv.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "m4", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "10.1.0.4"}]},
  {"Name": "mv.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "m5", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "10.1.0.5"}]},
  {"Name": "mv.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "m6", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "10.1.0.6"}]},
  {"Name": "mv.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "m7", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "10.1.0.7"}]},
  {"Name": "mv.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "m8", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "10.1.0.8"}]},
  {"Name": "mv.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "m9", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "10.1.0.9"}]},
  {"Name": "mv.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "m10", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "10.1.0.10"}]},
  {"Name": "example.com.", "Type": "A", "AliasTarget": {"HostedZoneId": "Z1", "DNSName": "target.example.com.", "EvaluateTargetHealth": false}},
  {"Name": "away.example.com.", "Type": "A", "AliasTarget": {"HostedZoneId": "Z2", "DNSName": "cdn.example.org.", "EvaluateTargetHealth": false}},
  {"Name": "wc.example.com.", "Type": "CNAME", "TTL": 60, "SetIdentifier": "a", "Weight": 1, "ResourceRecords": [{"Value": "target.example.com."}]},
  {"Name": "wc.example.com.", "Type": "CNAME", "TTL": 60, "SetIdentifier": "b", "Weight": 0, "ResourceRecords": [{"Value": "cdn.example.org."}]},
  {"Name": "mv6.example.com.", "Type": "AAAA", "TTL": 70, "SetIdentifier": "a", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "2001:db8::a"}]},
  {"Name": "mv6.example.com.", "Type": "AAAA", "TTL": 70, "SetIdentifier": "b", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "2001:db8::b"}]},
  {"Name": "mv6.example.com.", "Type": "AAAA", "TTL": 70, "SetIdentifier": "c", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "2001:db8::c"}]},
  {"Name": "mvtxt.example.com.", "Type": "TXT", "TTL": 80, "SetIdentifier": "a", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "\"a\""}]},
  {"Name": "mvtxt.example.com.", "Type": "TXT", "TTL": 80, "SetIdentifier": "b", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "\"bb\""}]},
  {"Name": "mvtxt.example.com.", "Type": "TXT", "TTL": 80, "SetIdentifier": "c", "MultiValueAnswer": true, "ResourceRecords": [{"Value": "\"ccc\""}]},
  {"Name": "hop.example.com.", "Type": "AAAA", "AliasTarget": {"HostedZoneId": "Z1", "DNSName": "geo.example.com.", "EvaluateTargetHealth": true}},
  {"Name": "chain.example.com.", "Type": "AAAA", "AliasTarget": {"HostedZoneId": "Z1", "DNSName": "hop.example.com.", "EvaluateTargetHealth": true}},
  {"Name": "gcn.example.com.", "Type": "CNAME", "TTL": 60, "SetIdentifier": "us", "GeoLocation": {"CountryCode": "US"}, "ResourceRecords": [{"Value": "ipa.example.com."}]},
  {"Name": "gcn.example.com.", "Type": "CNAME", "TTL": 60, "SetIdentifier": "rest", "GeoLocation": {"CountryCode": "*"}, "ResourceRecords": [{"Value": "target.example.com."}]},
  {"Name": "gal.example.com.", "Type": "A", "SetIdentifier": "us", "GeoLocation": {"CountryCode": "US"}, "AliasTarget": {"HostedZoneId": "Z1", "DNSName": "ipa.example.com.", "EvaluateTargetHealth": false}},
  {"Name": "gal.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "rest", "GeoLocation": {"CountryCode": "*"}, "ResourceRecords": [{"Value": "192.0.2.99"}]},
  {"Name": "ipa.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "office", "CidrRoutingConfig": {"CollectionId": "c1", "LocationName": "office"}, "ResourceRecords": [{"Value": "192.0.2.10"}]},
  {"Name": "ipa.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "other", "CidrRoutingConfig": {"CollectionId": "c1", "LocationName": "*"}, "ResourceRecords": [{"Value": "192.0.2.12"}]}
]})";

constexpr const char* kCidrCollections = R"({"CidrCollections": [{"Id": "c1", "Name": "offices", "Locations": [
  {"LocationName": "elsewhere", "CidrList": ["198.51.100.0/24"]},
  {"LocationName": "office", "CidrList": ["214.78.120.0/24"]}]}]})";

class PolicyAnswerTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("fz-policy-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        write("example.com.zone", kZone);
        write("example.org.zone", kOtherZone);
        write("example.com.json", kRecordSets);
        write("cidr.json", kCidrCollections);
        write("fastzone.yaml", std::string("zones:\n"
                                           "  - origin: example.com.\n    file: example.com.zone\n"
                                           "    record_sets: example.com.json\n    hosted_zone_id: Z1\n"
                                           "  - origin: example.org.\n    file: example.org.zone\n"
                                           "    hosted_zone_id: Z2\n"
                                           "cidr_collections: cidr.json\n"
                                           "geoip: ") +
                                   FZ_SOURCE_ROOT "/../shared/data/geoip/GeoIP2-Country-Test.mmdb\n");
        auto cfg = loader::load_config((dir_ / "fastzone.yaml").string());
        ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
        auto snap = loader::build_snapshot(*cfg, nullptr);
        ASSERT_TRUE(snap.ok()) << snap.error().to_string();
        snap_ = std::move(snap.value());
    }
    void TearDown() override { fs::remove_all(dir_); }

    void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

    test::Decoded query(const std::string& name, uint16_t type, std::vector<uint8_t> ecs = {}) {
        test::QueryBuilder q;
        q.qname = name;
        q.qtype = type;
        if (!ecs.empty()) {
            q.edns = true;
            q.options.push_back({dns::edns::CLIENT_SUBNET, ecs});
        }
        return test::decode(test::ask(*snap_, q.build(), Transport::kUdp, &worker_));
    }

    fs::path dir_;
    std::unique_ptr<Snapshot> snap_;
    Worker worker_;
};

// ECS option bytes for an IPv6 prefix given as its first bytes.
std::vector<uint8_t> ecs6(uint8_t prefix, std::vector<uint8_t> bytes) {
    bytes.resize(16);
    return dns::client_subnet_option(2, prefix, bytes.data()).data;
}

TEST_F(PolicyAnswerTest, SimpleRecordSetsJoinTheZone) {
    auto d = query("simple.example.com.", dns::type::TXT);
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].rdata_text, "\"from json\"");
    EXPECT_EQ(d.answer[0].ttl, 60u);
}

TEST_F(PolicyAnswerTest, WeightedSharesFollowTheWeights) {
    std::map<std::string, int> seen;
    for (int i = 0; i < 4000; ++i) {
        auto d = query("w.example.com.", dns::type::A);
        ASSERT_EQ(d.answer.size(), 1u);
        EXPECT_EQ(d.answer[0].ttl, 30u);
        ++seen[d.answer[0].rdata_text];
    }
    // Expected 1000 / 3000; with the worker's fixed seed the split is deterministic, and
    // 5 sigma (~140) bounds any seed.
    EXPECT_NEAR(seen["10.0.0.1"], 1000, 140);
    EXPECT_NEAR(seen["10.0.0.3"], 3000, 140);
}

TEST_F(PolicyAnswerTest, GeolocationByClientSubnetWithScope) {
    auto d = query("geo.example.com.", dns::type::AAAA, ecs6(48, {0x20, 0x01, 0x02, 0x18, 0, 0}));  // JP
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].rdata_text, "2001:db8::81");
    ASSERT_EQ(d.opt_options.size(), 1u);
    EXPECT_GT(d.opt_options[0].second[3], 0);  // scope: the answer depends on the client

    d = query("geo.example.com.", dns::type::AAAA,
              ecs6(128, {0x20, 0x01, 0x02, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
    ASSERT_EQ(d.answer.size(), 1u);  // KR: no country record, continent AS
    EXPECT_EQ(d.answer[0].rdata_text, "2001:db8::a5");
}

// One query through two policies that read different client tables (GeoIP, then a CIDR
// collection), by a CNAME or by an alias member: each decides by its own table's entry
// for the client, though the engine looks the client up in the first policy's table
// before it decides.
TEST_F(PolicyAnswerTest, ChainsThroughTwoPoliciesLookTheClientUpInEachTable) {
    auto a = query("gal.example.com.", dns::type::A, {0, 1, 32, 0, 214, 78, 120, 1});  // US, office
    ASSERT_EQ(a.answer.size(), 1u);
    EXPECT_EQ(a.answer[0].rdata_text, "192.0.2.10");
    a = query("gal.example.com.", dns::type::A, {0, 1, 24, 0, 214, 78, 121});  // US, not the office
    ASSERT_EQ(a.answer.size(), 1u);
    EXPECT_EQ(a.answer[0].rdata_text, "192.0.2.12");

    auto d = query("gcn.example.com.", dns::type::A, {0, 1, 32, 0, 214, 78, 120, 1});  // US, office
    ASSERT_EQ(d.answer.size(), 2u);
    EXPECT_EQ(d.answer[0].rdata_text, "ipa.example.com.");
    EXPECT_EQ(d.answer[1].rdata_text, "192.0.2.10");
    d = query("gcn.example.com.", dns::type::A, {0, 1, 24, 0, 214, 78, 121});  // US, not the office
    ASSERT_EQ(d.answer.size(), 2u);
    EXPECT_EQ(d.answer[0].rdata_text, "ipa.example.com.");
    EXPECT_EQ(d.answer[1].rdata_text, "192.0.2.12");
    d = query("gcn.example.com.", dns::type::A, {0, 1, 24, 0, 198, 51, 100});  // not US
    ASSERT_EQ(d.answer.size(), 2u);
    EXPECT_EQ(d.answer[0].rdata_text, "target.example.com.");
}

// IPv4 inside IPv6 (mapped, 6to4, Teredo) is located by the IPv4 address, and the scope
// goes back in IPv6 bits: the IPv4 width plus the bits before the embedded address.
TEST_F(PolicyAnswerTest, EmbeddedIpv4ClientsAreLocatedAsIpv4WithScopeInIpv6Bits) {
    auto v4 = query("geo.example.com.", dns::type::AAAA, {0, 1, 32, 0, 214, 78, 120, 1});  // US
    ASSERT_EQ(v4.answer.size(), 1u);
    EXPECT_EQ(v4.answer[0].rdata_text, "2001:db8::5");
    uint8_t scope4 = v4.opt_options.at(0).second[3];
    ASSERT_GT(scope4, 0);
    auto mapped = query("geo.example.com.", dns::type::AAAA,
                        ecs6(128, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 214, 78, 120, 1}));
    ASSERT_EQ(mapped.answer.size(), 1u);
    EXPECT_EQ(mapped.answer[0].rdata_text, "2001:db8::5");
    EXPECT_EQ(mapped.opt_options.at(0).second[3], 96 + scope4);
    auto six_to_four = query("geo.example.com.", dns::type::AAAA, ecs6(48, {0x20, 0x02, 214, 78, 120, 1}));
    ASSERT_EQ(six_to_four.answer.size(), 1u);
    EXPECT_EQ(six_to_four.answer[0].rdata_text, "2001:db8::5");
    EXPECT_EQ(six_to_four.opt_options.at(0).second[3], 16 + scope4);
}

TEST_F(PolicyAnswerTest, GeolocationWithoutMatchOrDefaultIsNodata) {
    auto d = query("nodefault.example.com.", dns::type::A, ecs6(48, {0x20, 0x01, 0x02, 0x18, 0, 0}));
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);
    EXPECT_TRUE(d.answer.empty());
    ASSERT_EQ(d.authority.size(), 1u);
    EXPECT_EQ(d.authority[0].type, dns::type::SOA);
}

TEST_F(PolicyAnswerTest, FailoverAnswersThePrimaryWhileHealthy) {
    auto d = query("fo.example.com.", dns::type::A);
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].rdata_text, "192.0.2.1");
}

TEST_F(PolicyAnswerTest, MultivalueAnswersUpToEightDistinctRecords) {
    std::map<std::string, int> seen;
    for (int i = 0; i < 50; ++i) {
        auto d = query("mv.example.com.", dns::type::A);
        ASSERT_EQ(d.answer.size(), 8u);
        std::set<std::string> distinct;
        for (const auto& rr : d.answer) {
            distinct.insert(rr.rdata_text);
            ++seen[rr.rdata_text];
        }
        EXPECT_EQ(distinct.size(), 8u);
    }
    EXPECT_EQ(seen.size(), 10u);  // every member shows up across queries
}

// The binding of the policy at (name, type).
const PolicyBinding& binding(const Snapshot& snap, const char* name, uint16_t type) {
    return snap.bindings.at(snap.policies->find(*dns::name_from_text(name, nullptr), type));
}

// Members of one size are answered from PolicyBinding::blocks (A: 16 bytes, AAAA: 28);
// members of different sizes record by record. Both give the same records.
TEST_F(PolicyAnswerTest, MultivalueFromFixedSizeBlocksAndRecordByRecord) {
    EXPECT_EQ(binding(*snap_, "mv.example.com.", dns::type::A).block_stride, 16u);
    EXPECT_EQ(binding(*snap_, "mv6.example.com.", dns::type::AAAA).block_stride, 28u);
    EXPECT_EQ(binding(*snap_, "mvtxt.example.com.", dns::type::TXT).block_stride, 0u);
    struct Case {
        const char* name;
        uint16_t type;
        uint32_t ttl;
        std::set<std::string> values;
    };
    const Case cases[] = {{"mv6.example.com.", dns::type::AAAA, 70, {"2001:db8::a", "2001:db8::b", "2001:db8::c"}},
                          {"mvtxt.example.com.", dns::type::TXT, 80, {"\"a\"", "\"bb\"", "\"ccc\""}}};
    for (const Case& c : cases) {
        std::set<std::string> firsts;
        for (int i = 0; i < 30; ++i) {
            auto d = query(c.name, c.type);
            ASSERT_EQ(d.answer.size(), 3u) << c.name;
            std::set<std::string> got;
            for (const auto& rr : d.answer) {
                EXPECT_EQ(rr.owner, c.name);
                EXPECT_EQ(rr.type, c.type);
                EXPECT_EQ(rr.ttl, c.ttl);
                got.insert(rr.rdata_text);
            }
            EXPECT_EQ(got, c.values) << c.name;
            firsts.insert(d.answer[0].rdata_text);
        }
        EXPECT_EQ(firsts.size(), 3u) << c.name;  // the order rotates
    }
}

// Reached through a CNAME the owner is not the question: the records are written with
// their own owner, not copied from the blocks (whose owner points at the question).
TEST_F(PolicyAnswerTest, MultivalueBehindACnameNamesItsOwnOwner) {
    auto d = query("tomv.example.com.", dns::type::A);
    ASSERT_EQ(d.answer.size(), 9u);
    EXPECT_EQ(d.answer[0].type, dns::type::CNAME);
    std::set<std::string> distinct;
    for (size_t i = 1; i < d.answer.size(); ++i) {
        EXPECT_EQ(d.answer[i].owner, "mv.example.com.");
        EXPECT_EQ(d.answer[i].ttl, 60u);
        distinct.insert(d.answer[i].rdata_text);
    }
    EXPECT_EQ(distinct.size(), 8u);
}

// chain -> hop -> geo: simple aliases are skipped where the data plane starts resolving,
// with the same answer and ECS scope as a query for the target.
TEST_F(PolicyAnswerTest, SimpleAliasChainsAnswerAsTheirTarget) {
    const uint32_t geo = snap_->policies->find(*dns::name_from_text("geo.example.com.", nullptr), dns::type::AAAA);
    EXPECT_EQ(binding(*snap_, "chain.example.com.", dns::type::AAAA).first_choice, geo);
    EXPECT_EQ(binding(*snap_, "hop.example.com.", dns::type::AAAA).first_choice, geo);
    // The target's members are one-record AAAA sets: the alias answers from their blocks.
    EXPECT_EQ(snap_->bindings.at(geo).block_stride, 28u);
    EXPECT_EQ(binding(*snap_, "w.example.com.", dns::type::A).first_choice,
              snap_->policies->find(*dns::name_from_text("w.example.com.", nullptr), dns::type::A));
    const auto jp = ecs6(48, {0x20, 0x01, 0x02, 0x18, 0, 0});
    auto direct = query("geo.example.com.", dns::type::AAAA, jp);
    auto chained = query("chain.example.com.", dns::type::AAAA, jp);
    ASSERT_EQ(chained.answer.size(), 1u);
    EXPECT_EQ(chained.answer[0].owner, "chain.example.com.");
    EXPECT_EQ(chained.answer[0].type, dns::type::AAAA);
    EXPECT_EQ(chained.answer[0].rdata_text, "2001:db8::81");
    EXPECT_EQ(chained.opt_options.at(0).second[3], direct.opt_options.at(0).second[3]);
}

TEST_F(PolicyAnswerTest, AliasAtTheApexAnswersWithTheTargetRRset) {
    auto d = query("example.com.", dns::type::A);
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].type, dns::type::A);  // never a CNAME
    EXPECT_EQ(d.answer[0].owner, "example.com.");
    EXPECT_EQ(d.answer[0].rdata_text, "192.0.2.77");
    EXPECT_EQ(d.answer[0].ttl, 300u);           // the target's TTL
    d = query("example.com.", dns::type::SOA);  // the apex keeps its other data
    ASSERT_EQ(d.answer.size(), 1u);
}

TEST_F(PolicyAnswerTest, AliasIntoAnotherZoneWeServe) {
    auto d = query("away.example.com.", dns::type::A);
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].rdata_text, "203.0.113.9");
    EXPECT_EQ(d.answer[0].ttl, 900u);
}

TEST_F(PolicyAnswerTest, WeightedCnameIsFollowedInsideTheZone) {
    auto d = query("wc.example.com.", dns::type::A);
    ASSERT_EQ(d.answer.size(), 2u);  // weight 0 member never chosen while the other is healthy
    EXPECT_EQ(d.answer[0].type, dns::type::CNAME);
    EXPECT_EQ(d.answer[0].rdata_text, "target.example.com.");
    EXPECT_EQ(d.answer[1].rdata_text, "192.0.2.77");
}

TEST_F(PolicyAnswerTest, PolicyNamesHaveNodataForOtherTypes) {
    auto d = query("w.example.com.", dns::type::AAAA);
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);
    EXPECT_TRUE(d.answer.empty());
    EXPECT_EQ(d.authority.size(), 1u);
}

// Loads kZone with `record_sets` as r.json; the snapshot must fail to build. Returns its
// error text ("" after a recorded failure when it loads).
std::string snapshot_error(const std::string& tag, const char* record_sets) {
    fs::path dir = fs::temp_directory_path() / ("fz-policy-" + tag + "-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "z.zone") << kZone;
    std::ofstream(dir / "r.json") << record_sets;
    std::ofstream(dir / "c.yaml") << "zones:\n  - origin: example.com.\n    file: z.zone\n    record_sets: r.json\n";
    std::string msg;
    auto cfg = loader::load_config((dir / "c.yaml").string());
    if (!cfg.ok()) {
        ADD_FAILURE() << "configuration: " << cfg.error().to_string();
    } else if (auto snap = loader::build_snapshot(*cfg, nullptr); snap.ok()) {
        ADD_FAILURE() << "the snapshot built";
    } else {
        msg = snap.error().to_string();
    }
    fs::remove_all(dir);
    return msg;
}

TEST(PolicyLoadTest, ABadValueNamesTheFileAndTheRecordSet) {
    std::string msg = snapshot_error("bad", R"({"ResourceRecordSets": [
  {"Name": "w.example.com.", "Type": "A", "TTL": 30, "SetIdentifier": "one", "Weight": 1,
   "ResourceRecords": [{"Value": "10.0.0.300"}]}]})");
    EXPECT_NE(msg.find("r.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("w.example.com."), std::string::npos) << msg;
    EXPECT_NE(msg.find("10.0.0.300"), std::string::npos) << msg;
}

TEST(PolicyLoadTest, ZoneFileAndPolicyForOneNameAndTypeIsAnError) {
    // kZone has an A record at target.
    std::string msg = snapshot_error("both", R"({"ResourceRecordSets": [
  {"Name": "target.example.com.", "Type": "A", "TTL": 30, "SetIdentifier": "one", "Weight": 1,
   "ResourceRecords": [{"Value": "10.0.0.1"}]}]})");
    EXPECT_NE(msg.find("r.json:2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("target.example.com. A"), std::string::npos) << msg;
    EXPECT_NE(msg.find("zone file also has A"), std::string::npos) << msg;
}

// Servers seed each worker's generator from the system's entropy: with the fixed default
// seed, every worker of every server made the same weighted and multivalue choices in the
// same order (two workers gave two clients the same multivalue answer).
TEST(WorkerSeed, WorkersSeededFromEntropyDrawDifferentSequences) {
    Worker a, b;
    EXPECT_EQ(a.rng.next(), b.rng.next()) << "the default seed repeats (tests and fuzzers rely on it)";
    a.seed_from_entropy();
    b.seed_from_entropy();
    EXPECT_NE(a.rng.next(), b.rng.next());
}

}  // namespace
}  // namespace fz::engine
