// decide() and resolve(): Route 53's semantics for every routing policy, health, aliases
// and the ECS scope each answer reports.
#include "policy/decide.h"

#include <gtest/gtest.h>

#include <set>

#include "dns/wire.h"
#include "policy/tables.h"
#include "policy_test_util.h"

namespace fz::policy {
namespace {

using testing::build_from_json;
using testing::client;
using testing::name_of;
using testing::tcp_checks;

// A small GeoIP database with known places.
std::shared_ptr<const GeoDatabase> test_geo() {
    auto loc = [](const char* cont, const char* country, const char* sub, double lat, double lon) {
        GeoLocation l;
        l.continent = cont;
        l.country = country;
        l.subdivision = sub;
        l.has_coordinates = true;
        l.latitude = lat;
        l.longitude = lon;
        return l;
    };
    std::vector<GeoLocation> locations = {
        loc("EU", "GB", "ENG", 51.5, -0.1),   // 0 London
        loc("NA", "US", "WA", 47.6, -122.3),  // 1 Seattle
        loc("NA", "US", "CA", 37.8, -122.4),  // 2 San Francisco
        loc("AS", "JP", "", 35.7, 139.7),     // 3 Tokyo
        loc("EU", "FR", "", 48.9, 2.3),       // 4 Paris
        loc("OC", "AU", "", -33.9, 151.2),    // 5 Sydney
        loc("NA", "US", "NY", 40.7, -74.0),   // 6 New York
    };
    unsigned bits = 0;
    auto p = [&](const char* text, uint32_t v) { return PrefixValue{*parse_prefix(text, &bits), v}; };
    std::vector<PrefixValue> v4 = {p("81.2.69.0/24", 0), p("216.160.83.0/24", 1), p("214.78.120.0/22", 2),
                                   p("192.0.2.0/25", 4), p("198.51.100.0/24", 5), p("203.0.113.0/24", 6)};
    std::vector<PrefixValue> v6 = {p("2001:218::/32", 3)};
    return *make_geo_database("test-geo", std::move(locations), v4, v6);
}

struct Fixture {
    std::unique_ptr<PolicyTables> tables;
    Rng rng{42};

    explicit Fixture(const std::string& items, PolicyInputs inputs = {}, HealthVector health = {}) {
        auto set = build_from_json("{\"ResourceRecordSets\": [" + items + "]}", std::move(inputs));
        EXPECT_TRUE(set.ok()) << set.error().to_string();
        if (set.ok()) tables = PolicyTables::create(*set, std::move(health));
    }
    uint32_t id(const char* name) const { return tables->find(name_of(name), dns::type::A); }
    Decision decide_for(const char* name, const ClientInfo& c) { return decide(*tables->get(id(name)), c, rng); }
    // SetIdentifier of the single chosen member, or "NODATA".
    std::string pick(const char* name, const ClientInfo& c, uint8_t* scope = nullptr) {
        const Decision d = decide_for(name, c);
        if (scope) *scope = d.scope;
        if (d.count == 0) return "NODATA";
        EXPECT_EQ(d.count, 1);
        return testing::set_id(tables->set(), id(name), d.members[0]);
    }
    std::set<std::string> picks(const char* name, int n = 2000) {
        std::set<std::string> out;
        for (int i = 0; i < n; ++i) out.insert(pick(name, client("192.0.2.1")));
        return out;
    }
};

std::string rr(const std::string& name, const std::string& id, const std::string& routing,
               const std::string& extra = "") {
    return "{\"Name\": \"" + name + "\", \"Type\": \"A\", \"TTL\": 60, \"SetIdentifier\": \"" + id +
           "\", \"ResourceRecords\": [{\"Value\": \"192.0.2.1\"}], " + routing + extra + "}";
}
std::string hc(int i) { return ", \"HealthCheckId\": \"hc-" + std::to_string(i) + "\""; }

PolicyInputs with_checks(int n) {
    PolicyInputs in;
    in.health_checks = tcp_checks(n);
    return in;
}

// ---- weighted

TEST(Weighted, ZeroWeightIsNeverPickedWhileOthersAreNot) {
    Fixture f(rr("w.example.com.", "a", "\"Weight\": 3") + "," + rr("w.example.com.", "z", "\"Weight\": 0"));
    EXPECT_EQ(f.picks("w.example.com."), (std::set<std::string>{"a"}));
    uint8_t scope = 99;
    f.pick("w.example.com.", client("192.0.2.1"), &scope);
    EXPECT_EQ(scope, 0);
}

TEST(Weighted, AllZeroGivesEqualShares) {
    Fixture f(rr("w.example.com.", "a", "\"Weight\": 0") + "," + rr("w.example.com.", "b", "\"Weight\": 0"));
    EXPECT_EQ(f.picks("w.example.com."), (std::set<std::string>{"a", "b"}));
}

TEST(Weighted, UnhealthyMembersDropOut) {
    Fixture f(rr("w.example.com.", "a", "\"Weight\": 10", hc(0)) + "," +
                  rr("w.example.com.", "b", "\"Weight\": 1", hc(1)),
              with_checks(2), HealthVector{0, 1});
    EXPECT_EQ(f.picks("w.example.com."), (std::set<std::string>{"b"}));
}

TEST(Weighted, ZeroWeightServesWhenEveryWeightedMemberIsUnhealthy) {
    Fixture f(rr("w.example.com.", "a", "\"Weight\": 10", hc(0)) + "," + rr("w.example.com.", "z1", "\"Weight\": 0") +
                  "," + rr("w.example.com.", "z2", "\"Weight\": 0", hc(1)),
              with_checks(2), HealthVector{0, 1});
    EXPECT_EQ(f.picks("w.example.com."), (std::set<std::string>{"z1", "z2"}));
}

TEST(Weighted, NoneHealthyMeansAllCountAsHealthy) {
    Fixture f(rr("w.example.com.", "a", "\"Weight\": 10", hc(0)) + "," +
                  rr("w.example.com.", "b", "\"Weight\": 1", hc(1)) + "," +
                  rr("w.example.com.", "z", "\"Weight\": 0", hc(1)),
              with_checks(2), HealthVector{0, 0});
    EXPECT_EQ(f.picks("w.example.com."), (std::set<std::string>{"a", "b"}));
    EXPECT_FALSE(f.tables->get(f.id("w.example.com."))->any_healthy);
}

// ---- failover

TEST(Failover, PrimaryThenSecondaryThenPrimaryWhenBothAreDown) {
    const std::string items = rr("f.example.com.", "p", "\"Failover\": \"PRIMARY\"", hc(0)) + "," +
                              rr("f.example.com.", "s", "\"Failover\": \"SECONDARY\"", hc(1));
    EXPECT_EQ(Fixture(items, with_checks(2), {1, 1}).pick("f.example.com.", client("192.0.2.1")), "p");
    EXPECT_EQ(Fixture(items, with_checks(2), {0, 1}).pick("f.example.com.", client("192.0.2.1")), "s");
    EXPECT_EQ(Fixture(items, with_checks(2), {0, 0}).pick("f.example.com.", client("192.0.2.1")), "p");
    EXPECT_EQ(Fixture(items, with_checks(2), {1, 0}).pick("f.example.com.", client("192.0.2.1")), "p");
}

TEST(Failover, SecondaryWithoutCheckCountsAsHealthy) {
    Fixture f(rr("f.example.com.", "p", "\"Failover\": \"PRIMARY\"", hc(0)) + "," +
                  rr("f.example.com.", "s", "\"Failover\": \"SECONDARY\""),
              with_checks(1), {0});
    uint8_t scope = 99;
    EXPECT_EQ(f.pick("f.example.com.", client("192.0.2.1"), &scope), "s");
    EXPECT_EQ(scope, 0);
}

// ---- multivalue

std::string multivalue(int n, bool checks) {
    std::string items;
    for (int i = 0; i < n; ++i) {
        if (i) items += ",";
        items += rr("m.example.com.", testing::concat("m", std::to_string(i)), "\"MultiValueAnswer\": true",
                    checks ? hc(i) : "");
    }
    return items;
}

TEST(MultiValue, UpToEightHealthyDistinctRecords) {
    HealthVector health(12, 1);
    health[3] = health[7] = 0;
    Fixture f(multivalue(12, true), with_checks(12), health);
    std::set<std::string> seen;
    std::set<std::vector<uint16_t>> selections;
    for (int i = 0; i < 500; ++i) {
        const Decision d = f.decide_for("m.example.com.", client("192.0.2.1"));
        ASSERT_EQ(d.count, 8);
        EXPECT_EQ(d.scope, 0);
        std::set<uint16_t> distinct(d.members, d.members + d.count);
        EXPECT_EQ(distinct.size(), 8u);
        EXPECT_FALSE(distinct.count(3) || distinct.count(7));
        for (uint16_t m : distinct) seen.insert(testing::set_id(f.tables->set(), f.id("m.example.com."), m));
        selections.insert(std::vector<uint16_t>(distinct.begin(), distinct.end()));
    }
    EXPECT_EQ(seen.size(), 10u);
    EXPECT_GT(selections.size(), 20u);  // a different selection for different queries
}

TEST(MultiValue, FewerThanEightReturnsAllHealthy) {
    Fixture f(multivalue(3, true), with_checks(3), {1, 0, 1});
    const Decision d = f.decide_for("m.example.com.", client("192.0.2.1"));
    ASSERT_EQ(d.count, 2);
    std::set<uint16_t> got(d.members, d.members + 2);
    EXPECT_EQ(got, (std::set<uint16_t>{0, 2}));
}

TEST(MultiValue, NoneHealthyReturnsUpToEightOfTheUnhealthy) {
    Fixture f(multivalue(10, true), with_checks(10), HealthVector(10, 0));
    const Decision d = f.decide_for("m.example.com.", client("192.0.2.1"));
    EXPECT_EQ(d.count, 8);
}

// ---- geolocation

PolicyInputs with_geo(int checks = 0) {
    PolicyInputs in = with_checks(checks);
    in.geo = test_geo();
    return in;
}

std::string geo_items(bool with_default) {
    std::string s = rr("g.example.com.", "us-wa", R"("GeoLocation": {"CountryCode": "US", "SubdivisionCode": "WA"})",
                       hc(0)) +
                    "," + rr("g.example.com.", "us", R"("GeoLocation": {"CountryCode": "US"})", hc(1)) + "," +
                    rr("g.example.com.", "na", R"("GeoLocation": {"ContinentCode": "NA"})", hc(2)) + "," +
                    rr("g.example.com.", "eu", R"("GeoLocation": {"ContinentCode": "EU"})") + "," +
                    rr("g.example.com.", "gb", R"("GeoLocation": {"CountryCode": "GB"})");
    if (with_default) s += "," + rr("g.example.com.", "default", R"("GeoLocation": {"CountryCode": "*"})", hc(3));
    return s;
}

TEST(Geolocation, MostSpecificWins) {
    Fixture f(geo_items(true), with_geo(4));
    uint8_t scope = 0;
    EXPECT_EQ(f.pick("g.example.com.", client("216.160.83.7"), &scope), "us-wa");
    EXPECT_EQ(scope, 24);
    EXPECT_EQ(f.pick("g.example.com.", client("214.78.121.1")), "us");       // US-CA: no record for CA
    EXPECT_EQ(f.pick("g.example.com.", client("81.2.69.142")), "gb");        // country beats continent
    EXPECT_EQ(f.pick("g.example.com.", client("192.0.2.7"), &scope), "eu");  // FR: continent
    EXPECT_EQ(scope, 25);
    EXPECT_EQ(f.pick("g.example.com.", client("2001:218::1"), &scope), "default");  // JP: nothing but the default
    EXPECT_EQ(scope, 32);
    EXPECT_EQ(f.pick("g.example.com.", client("100.64.0.1"), &scope), "default");  // not in the database
    EXPECT_EQ(scope, 3);  // 96.0.0.0/3 holds no network of the test database (81.2.69.0/24 is in the /2)
}

TEST(Geolocation, NoMatchAndNoDefaultIsNodata) {
    Fixture f(geo_items(false), with_geo(4));
    uint8_t scope = 0;
    EXPECT_EQ(f.pick("g.example.com.", client("2001:218::1"), &scope), "NODATA");
    EXPECT_EQ(scope, 32);
    EXPECT_EQ(f.pick("g.example.com.", client("100.64.0.1")), "NODATA");
}

TEST(Geolocation, UnhealthyChoiceWalksUpTheChain) {
    EXPECT_EQ(Fixture(geo_items(true), with_geo(4), {0, 1, 1, 1}).pick("g.example.com.", client("216.160.83.7")), "us");
    EXPECT_EQ(Fixture(geo_items(true), with_geo(4), {0, 0, 1, 1}).pick("g.example.com.", client("216.160.83.7")), "na");
    EXPECT_EQ(Fixture(geo_items(true), with_geo(4), {0, 0, 0, 1}).pick("g.example.com.", client("216.160.83.7")),
              "default");
    // Every applicable record unhealthy: they all count as healthy, the most specific wins.
    EXPECT_EQ(Fixture(geo_items(true), with_geo(4), {0, 0, 0, 0}).pick("g.example.com.", client("216.160.83.7")),
              "us-wa");
}

TEST(Geolocation, UnknownClientGetsTheDefaultWithScopeZero) {
    Fixture f(geo_items(true), with_geo(4));
    uint8_t scope = 99;
    EXPECT_EQ(f.pick("g.example.com.", client("216.160.83.0", 0), &scope), "default");
    EXPECT_EQ(scope, 0);
}

TEST(Geolocation, WithTheMaxMindTestDatabase) {
    PolicyInputs in = with_checks(4);
    auto db = load_geoip(FZ_SOURCE_ROOT "/../shared/data/geoip/GeoIP2-City-Test.mmdb");
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    in.geo = *db;
    Fixture f(geo_items(true), std::move(in));
    uint8_t scope = 0;
    EXPECT_EQ(f.pick("g.example.com.", client("216.160.83.57"), &scope), "us-wa");  // ::216.160.83.56/125 WA
    EXPECT_GE(scope, 24);
    EXPECT_EQ(f.pick("g.example.com.", client("81.2.69.142")), "gb");
    EXPECT_EQ(f.pick("g.example.com.", client("89.160.20.115")), "eu");     // SE
    EXPECT_EQ(f.pick("g.example.com.", client("2001:218::1")), "default");  // JP
    EXPECT_EQ(f.pick("g.example.com.", client("149.101.100.1")), "us");     // US, no subdivision
    // ECS /24 for a client whose /24 holds networks of several places: the scope says
    // how wide the answer really holds (longer than the source prefix).
    EXPECT_EQ(f.pick("g.example.com.", client("216.160.83.0", 24), &scope), "default");
    EXPECT_GT(scope, 24);
}

// ---- latency

TEST(Latency, LowestLatencyHealthyRegion) {
    PolicyInputs in = with_checks(3);
    in.latency = *parse_latency_text(
        "203.0.113.0/24,us-east-1,20\n203.0.113.0/24,eu-west-1,90\n"
        "203.0.113.0/24,ap-southeast-1,200\n2001:db8::/32,eu-west-1,5\n",
        "lat.csv", LatencyOptions{{"ap-southeast-1"}});
    const std::string items = rr("l.example.com.", "us", "\"Region\": \"us-east-1\"", hc(0)) + "," +
                              rr("l.example.com.", "eu", "\"Region\": \"eu-west-1\"", hc(1)) + "," +
                              rr("l.example.com.", "ap", "\"Region\": \"ap-southeast-1\"", hc(2));
    uint8_t scope = 0;
    EXPECT_EQ(Fixture(items, in, {1, 1, 1}).pick("l.example.com.", client("203.0.113.8"), &scope), "us");
    EXPECT_EQ(scope, 24);
    EXPECT_EQ(Fixture(items, in, {0, 1, 1}).pick("l.example.com.", client("203.0.113.8")), "eu");
    EXPECT_EQ(Fixture(items, in, {0, 0, 1}).pick("l.example.com.", client("203.0.113.8")), "ap");
    EXPECT_EQ(Fixture(items, in, {0, 0, 0}).pick("l.example.com.", client("203.0.113.8")), "us");
    EXPECT_EQ(Fixture(items, in, {1, 1, 1}).pick("l.example.com.", client("2001:db8::1")), "eu");
    EXPECT_EQ(Fixture(items, in, {1, 1, 1}).pick("l.example.com.", client("198.51.100.1")), "ap");  // default order
}

// ---- IP-based

TEST(IpBased, LongestBlockThenDefaultThenNodata) {
    PolicyInputs in = with_checks(1);
    in.cidr_collections = *parse_cidr_collections_text(
        R"({"CidrCollections": [{"Id": "c1", "Locations": [
            {"LocationName": "office", "CidrList": ["192.0.2.0/24"]},
            {"LocationName": "corp", "CidrList": ["192.0.0.0/16", "2001:db8::/32"]}]}]})",
        "cidr.json");
    const std::string base = rr("c.example.com.", "office",
                                R"("CidrRoutingConfig": {"CollectionId": "c1", "LocationName": "office"})", hc(0)) +
                             "," +
                             rr("c.example.com.", "corp",
                                R"("CidrRoutingConfig": {"CollectionId": "c1", "LocationName": "corp"})");
    const std::string with_default = base + "," +
                                     rr("c.example.com.", "rest",
                                        R"("CidrRoutingConfig": {"CollectionId": "c1", "LocationName": "*"})");
    Fixture f(with_default, in);
    uint8_t scope = 0;
    EXPECT_EQ(f.pick("c.example.com.", client("192.0.2.9"), &scope), "office");
    EXPECT_EQ(scope, 24);
    EXPECT_EQ(f.pick("c.example.com.", client("192.0.9.9"), &scope), "corp");
    EXPECT_EQ(scope, 21);  // 192.0.8.0/21 holds no part of the office /24
    EXPECT_EQ(f.pick("c.example.com.", client("2001:db8:5::1", 56), &scope), "corp");
    EXPECT_EQ(scope, 32);
    EXPECT_EQ(f.pick("c.example.com.", client("10.1.1.1"), &scope), "rest");
    EXPECT_EQ(scope, 1);
    EXPECT_EQ(Fixture(base, in).pick("c.example.com.", client("10.1.1.1")), "NODATA");
    // An unhealthy block's record gives way to the default.
    EXPECT_EQ(Fixture(with_default, in, {0}).pick("c.example.com.", client("192.0.2.9")), "rest");
}

// ---- geoproximity

TEST(Geoproximity, NearestByGreatCircleScaledByBias) {
    const std::string items =
        rr("p.example.com.", "dublin", R"("GeoProximityLocation": {"AWSRegion": "eu-west-1"})", hc(0)) + "," +
        rr("p.example.com.", "virginia", R"("GeoProximityLocation": {"AWSRegion": "us-east-1"})") + "," +
        rr("p.example.com.", "tokyo",
           R"("GeoProximityLocation": {"Coordinates": {"Latitude": "35.68", "Longitude": "139.69"}})");
    Fixture f(items, with_geo(1));
    uint8_t scope = 0;
    EXPECT_EQ(f.pick("p.example.com.", client("81.2.69.1"), &scope), "dublin");  // London
    EXPECT_EQ(scope, 24);
    EXPECT_EQ(f.pick("p.example.com.", client("203.0.113.1")), "virginia");  // New York
    EXPECT_EQ(f.pick("p.example.com.", client("2001:218::1")), "tokyo");
    EXPECT_EQ(f.pick("p.example.com.", client("198.51.100.1")), "tokyo");  // Sydney: Tokyo is nearest
    // Dublin unhealthy: London goes to Virginia.
    EXPECT_EQ(Fixture(items, with_geo(1), {0}).pick("p.example.com.", client("81.2.69.1")), "virginia");
    // A large positive bias on Virginia pulls London over (5,900 km x 0.01 < 460 km).
    const std::string biased = rr("p.example.com.", "dublin", R"("GeoProximityLocation": {"AWSRegion": "eu-west-1"})") +
                               "," +
                               rr("p.example.com.", "virginia",
                                  R"("GeoProximityLocation": {"AWSRegion": "us-east-1", "Bias": 99})");
    EXPECT_EQ(Fixture(biased, with_geo()).pick("p.example.com.", client("81.2.69.1")), "virginia");
    // A negative bias shrinks: New York (330 km from Virginia) goes to Dublin when
    // Virginia's distance is divided by 0.01.
    const std::string shrunk = rr("p.example.com.", "dublin", R"("GeoProximityLocation": {"AWSRegion": "eu-west-1"})") +
                               "," +
                               rr("p.example.com.", "virginia",
                                  R"("GeoProximityLocation": {"AWSRegion": "us-east-1", "Bias": -99})");
    EXPECT_EQ(Fixture(shrunk, with_geo()).pick("p.example.com.", client("203.0.113.1")), "dublin");
}

// ---- alias

TEST(Alias, NestedAliasesResolveToTheAnsweringPolicy) {
    const std::string items =
        std::string(
            "{\"Name\": \"example.com.\", \"Type\": \"A\", \"AliasTarget\": {\"HostedZoneId\": \"Z0EXAMPLE\", "
            "\"DNSName\": \"www.example.com.\", \"EvaluateTargetHealth\": false}},") +
        "{\"Name\": \"www.example.com.\", \"Type\": \"A\", \"SetIdentifier\": \"eu\", \"GeoLocation\": {\"ContinentCode\": \"EU\"}, "
        "\"AliasTarget\": {\"HostedZoneId\": \"Z0EXAMPLE\", \"DNSName\": \"eu.example.com.\", \"EvaluateTargetHealth\": true}}," +
        "{\"Name\": \"www.example.com.\", \"Type\": \"A\", \"SetIdentifier\": \"rest\", \"GeoLocation\": {\"CountryCode\": \"*\"}, "
        "\"AliasTarget\": {\"HostedZoneId\": \"Z0EXAMPLE\", \"DNSName\": \"static.example.com.\", \"EvaluateTargetHealth\": true}}," +
        rr("eu.example.com.", "a", "\"Weight\": 1", hc(0)) + "," + rr("eu.example.com.", "b", "\"Weight\": 1", hc(1)) +
        "," +
        "{\"Name\": \"static.example.com.\", \"Type\": \"A\", \"TTL\": 60, \"ResourceRecords\": [{\"Value\": \"198.51.100.1\"}]}";
    Fixture f(items, with_geo(2), {1, 0});
    const uint32_t apex = f.id("example.com."), eu = f.id("eu.example.com."), www = f.id("www.example.com.");
    Resolution r = resolve(*f.tables, apex, client("81.2.69.1"), f.rng);
    EXPECT_EQ(r.policy, eu);
    ASSERT_EQ(r.decision.count, 1);
    EXPECT_EQ(testing::set_id(f.tables->set(), eu, r.decision.members[0]), "a");
    EXPECT_EQ(r.decision.scope, 24);  // the geolocation step depends on the client
    // A client outside Europe ends on the default member, an alias to a zone RRset.
    r = resolve(*f.tables, apex, client("216.160.83.1"), f.rng);
    EXPECT_EQ(r.policy, www);
    ASSERT_EQ(r.decision.count, 1);
    const PolicyMember& m = f.tables->set().policies[www].members[r.decision.members[0]];
    ASSERT_TRUE(m.is_alias());
    EXPECT_EQ(m.record.alias()->dns_name, name_of("static.example.com."));
    EXPECT_EQ(m.target_policy, kNoPolicy);
}

TEST(Alias, EvaluateTargetHealthBacksOutOfAnUnhealthyBranch) {
    auto items = [](bool eth) {
        const std::string e = eth ? "true" : "false";
        return "{\"Name\": \"w.example.com.\", \"Type\": \"A\", \"SetIdentifier\": \"primary\", \"Failover\": \"PRIMARY\", "
               "\"AliasTarget\": {\"HostedZoneId\": \"Z0EXAMPLE\", \"DNSName\": \"pool.example.com.\", \"EvaluateTargetHealth\": " +
               e + "}}," + rr("w.example.com.", "backup", "\"Failover\": \"SECONDARY\"") + "," +
               rr("pool.example.com.", "a", "\"Weight\": 1", hc(0)) + "," +
               rr("pool.example.com.", "b", "\"Weight\": 1", hc(1));
    };
    EXPECT_EQ(Fixture(items(true), with_checks(2), {0, 1}).pick("w.example.com.", client("192.0.2.1")), "primary");
    EXPECT_EQ(Fixture(items(true), with_checks(2), {0, 0}).pick("w.example.com.", client("192.0.2.1")), "backup");
    // Without EvaluateTargetHealth the alias counts as healthy whatever its target.
    EXPECT_EQ(Fixture(items(false), with_checks(2), {0, 0}).pick("w.example.com.", client("192.0.2.1")), "primary");
}

}  // namespace
}  // namespace fz::policy
