// Checks across record sets: grouping, conflicts, references and aliases, each error
// naming the file, the record set and the problem.
#include "policy/policy_set.h"

#include <gtest/gtest.h>

#include "dns/wire.h"
#include "policy_test_util.h"

namespace fz::policy {
namespace {

using testing::build_from_json;
using testing::name_of;

std::string rrs(const std::string& items) { return "{\"ResourceRecordSets\": [" + items + "]}"; }

std::string a(const std::string& name, const std::string& routing) {
    return "{\"Name\": \"" + name +
           "\", \"Type\": \"A\", \"TTL\": 60, \"ResourceRecords\": [{\"Value\": \"192.0.2.1\"}]" +
           (routing.empty() ? "" : ", " + routing) + "}";
}

std::string alias(const std::string& name, const std::string& target, const std::string& routing = "", bool eth = false,
                  const std::string& zone = "Z0EXAMPLE") {
    return "{\"Name\": \"" + name + "\", \"Type\": \"A\", \"AliasTarget\": {\"HostedZoneId\": \"" + zone +
           "\", \"DNSName\": \"" + target + "\", \"EvaluateTargetHealth\": " + (eth ? "true" : "false") + "}" +
           (routing.empty() ? "" : ", " + routing) + "}";
}

void expect_error(const std::string& json, const std::vector<std::string>& needles, PolicyInputs inputs = {}) {
    auto r = build_from_json(json, std::move(inputs));
    ASSERT_FALSE(r.ok()) << json;
    const std::string text = r.error().to_string();
    EXPECT_EQ(r.error().file, "test.json") << text;
    EXPECT_NE(r.error().line, 0u) << text;
    for (const auto& n : needles) EXPECT_NE(text.find(n), std::string::npos) << "'" << n << "' not in: " << text;
}

TEST(PolicySet, GroupsByNameAndTypeAndSeparatesSimpleRecordSets) {
    auto r = build_from_json(rrs(a("www.example.com.", R"("SetIdentifier": "a", "Weight": 1)") + "," +
                                 a("WWW.example.com", R"("SetIdentifier": "b", "Weight": 2)") + "," +
                                 a("static.example.com.", "") + "," + alias("example.com.", "www.example.com.")));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    const PolicySet& s = **r;
    ASSERT_EQ(s.policies.size(), 2u);
    ASSERT_EQ(s.simple.size(), 1u);
    EXPECT_EQ(s.simple[0].record.name, name_of("static.example.com."));
    const uint32_t www = s.find(name_of("www.EXAMPLE.com."), dns::type::A);
    ASSERT_NE(www, kNoPolicy);
    EXPECT_EQ(s.policies[www].members.size(), 2u);
    EXPECT_EQ(s.policies[www].kind, RoutingKind::kWeighted);
    const uint32_t apex = s.find(name_of("example.com."), dns::type::A);
    ASSERT_NE(apex, kNoPolicy);
    EXPECT_EQ(s.policies[apex].members[0].target_policy, www);
    // Targets compile before their aliases.
    const auto pos = [&](uint32_t id) { return std::find(s.compile_order.begin(), s.compile_order.end(), id); };
    EXPECT_LT(pos(www), pos(apex));
    EXPECT_EQ(s.find(name_of("www.example.com."), dns::type::AAAA), kNoPolicy);
}

TEST(PolicySet, ConflictsBetweenRecordSets) {
    expect_error(rrs(a("w.example.com.", R"("SetIdentifier": "a", "Weight": 1)") + ",\n" +
                     a("w.example.com.", R"("SetIdentifier": "b", "Region": "us-east-1")")),
                 {"w.example.com. A \"b\"", "mixed routing policies", "latency", "weighted"});
    expect_error(rrs(a("w.example.com.", R"("SetIdentifier": "a", "Weight": 1)") + ",\n" +
                     a("w.example.com.", R"("SetIdentifier": "a", "Weight": 2)")),
                 {"w.example.com. A \"a\"", "duplicate SetIdentifier"});
    expect_error(rrs(a("w.example.com.", "") + ",\n" + a("w.example.com.", R"("SetIdentifier": "a", "Weight": 2)")),
                 {"w.example.com. A \"a\"", "without SetIdentifier"});
    expect_error(rrs(a("w.example.com.", "") + ",\n" + a("w.example.com.", "")),
                 {"w.example.com. A", "duplicate record set"});
    expect_error(rrs(a("g.example.com.", R"("SetIdentifier": "d1", "GeoLocation": {"CountryCode": "*"})") + ",\n" +
                     a("g.example.com.", R"("SetIdentifier": "d2", "GeoLocation": {"CountryCode": "*"})")),
                 {"g.example.com. A \"d2\"", "second default"});
    expect_error(rrs(a("g.example.com.", R"("SetIdentifier": "f1", "GeoLocation": {"CountryCode": "FR"})") + ",\n" +
                     a("g.example.com.", R"("SetIdentifier": "f2", "GeoLocation": {"CountryCode": "FR"})")),
                 {"\"f2\"", "country FR"});
    expect_error(rrs(a("f.example.com.", R"("SetIdentifier": "p1", "Failover": "PRIMARY")") + ",\n" +
                     a("f.example.com.", R"("SetIdentifier": "p2", "Failover": "PRIMARY")")),
                 {"f.example.com. A \"p2\"", "second PRIMARY"});
    expect_error(rrs(a("l.example.com.", R"("SetIdentifier": "x", "Region": "us-east-1")") + ",\n" +
                     a("l.example.com.", R"("SetIdentifier": "y", "Region": "us-east-1")")),
                 {"\"y\"", "already has Region us-east-1"});
    expect_error(rrs(a("l.example.com.", R"("SetIdentifier": "x", "Region": "moon-1")")),
                 {"l.example.com. A \"x\"", "moon-1", "neither an AWS region nor in the latency table"});
    expect_error(rrs(a("w.example.com.", R"("SetIdentifier": "a", "Weight": 1, "HealthCheckId": "nope")")),
                 {"w.example.com. A \"a\"", "HealthCheckId \"nope\" does not exist"});
}

TEST(PolicySet, IpBasedReferences) {
    PolicyInputs in;
    auto cidr = parse_cidr_collections_text(
        R"({"CidrCollections": [{"Id": "c1", "Locations": [{"LocationName": "lab", "CidrList": ["192.0.2.0/24"]}]},
                                {"Id": "c2", "Locations": []}]})",
        "cidr.json");
    ASSERT_TRUE(cidr.ok()) << cidr.error().to_string();
    auto with_cidr = [&]() {
        PolicyInputs i;
        i.cidr_collections = *cidr;
        return i;
    };
    expect_error(rrs(a("c.example.com.",
                       R"("SetIdentifier": "x", "CidrRoutingConfig": {"CollectionId": "zz", "LocationName": "*"})")),
                 {"c.example.com. A \"x\"", "CIDR collection \"zz\" does not exist"}, with_cidr());
    expect_error(rrs(a("c.example.com.",
                       R"("SetIdentifier": "x", "CidrRoutingConfig": {"CollectionId": "c1", "LocationName": "home"})")),
                 {"\"x\"", "CIDR location \"home\" is not in collection \"c1\""}, with_cidr());
    expect_error(rrs(a("c.example.com.",
                       R"("SetIdentifier": "x", "CidrRoutingConfig": {"CollectionId": "c1", "LocationName": "*"})") +
                     ",\n" +
                     a("c.example.com.",
                       R"("SetIdentifier": "y", "CidrRoutingConfig": {"CollectionId": "c2", "LocationName": "*"})")),
                 {"\"y\"", "uses CIDR collection \"c2\""}, with_cidr());
    expect_error(rrs(a("c.example.com.",
                       R"("SetIdentifier": "x", "CidrRoutingConfig": {"CollectionId": "c1", "LocationName": "*"})") +
                     ",\n" +
                     a("c.example.com.",
                       R"("SetIdentifier": "y", "CidrRoutingConfig": {"CollectionId": "c1", "LocationName": "*"})")),
                 {"\"y\"", "second default CIDR location"}, with_cidr());
}

TEST(PolicySet, AliasTargetsMustBeServedAndExist) {
    expect_error(rrs(alias("a.example.com.", "d111111abcdef8.cloudfront.net.", "", false, "Z2FDTNDATAQYW2")),
                 {"a.example.com. A", "cloudfront.net.", "not in a zone this server serves"});
    expect_error(
        rrs(alias("a.example.com.", "www.example.com.", "", false, "Z0OTHER")),
        {"a.example.com. A", "not in zone other.org."}, [] {
            PolicyInputs i;
            i.zones = {ZoneInfo{name_of("example.com."), "Z0EXAMPLE"}, ZoneInfo{name_of("other.org."), "Z0OTHER"}};
            return i;
        }());
    PolicyInputs with_zone;
    with_zone.zone_has_rrset = [](const dns::Name& n, uint16_t type) {
        return n == name_of("zonefile.example.com.") && type == dns::type::A;
    };
    expect_error(rrs(alias("a.example.com.", "missing.example.com.")),
                 {"a.example.com. A", "missing.example.com. A does not exist"}, with_zone);
    with_zone.zone_has_rrset = [](const dns::Name& n, uint16_t) { return n == name_of("zonefile.example.com."); };
    auto ok = build_from_json(rrs(alias("a.example.com.", "zonefile.example.com.")), with_zone);
    EXPECT_TRUE(ok.ok()) << ok.error().to_string();
}

TEST(PolicySet, AliasLoopsAreLoadErrors) {
    expect_error(rrs(alias("a.example.com.", "a.example.com.")),
                 {"alias loop", "a.example.com. A -> a.example.com. A"});
    expect_error(rrs(alias("a.example.com.", "b.example.com.", R"("SetIdentifier": "1", "Weight": 1)") + ",\n" +
                     alias("b.example.com.", "c.example.com.") + ",\n" +
                     alias("c.example.com.", "a.example.com.", R"("SetIdentifier": "x", "Failover": "PRIMARY")")),
                 {"alias loop", "a.example.com. A -> b.example.com. A -> c.example.com. A -> a.example.com. A"});
    std::string chain;
    for (int i = 0; i < 20; ++i) {
        if (i) chain += ",\n";
        chain += alias(testing::concat("n", std::to_string(i), ".example.com."),
                       testing::concat("n", std::to_string(i + 1), ".example.com."));
    }
    chain += ",\n" + a("n20.example.com.", R"("SetIdentifier": "end", "Weight": 1)");
    expect_error(rrs(chain), {"alias chain deeper than 16"});
}

}  // namespace
}  // namespace fz::policy
