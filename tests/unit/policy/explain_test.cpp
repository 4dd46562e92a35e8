// explain(): the trace names the matched location or block, candidates with weights and
// health, the chosen record set, alias hops and the ECS scope.
#include "policy/explain.h"

#include <gtest/gtest.h>

#include "dns/wire.h"
#include "policy_test_util.h"

namespace fz::policy {
namespace {

using testing::build_from_json;
using testing::client;
using testing::name_of;

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

TEST(Explain, GeolocationThroughAnAliasWithTheTestDatabase) {
    PolicyInputs in;
    in.health_checks = testing::tcp_checks(1);
    auto db = load_geoip(FZ_SOURCE_ROOT "/../shared/data/geoip/GeoIP2-City-Test.mmdb");
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    in.geo = *db;
    const std::string items = R"(
      {"Name": "example.com.", "Type": "A", "AliasTarget": {"HostedZoneId": "Z0EXAMPLE", "DNSName": "www.example.com.", "EvaluateTargetHealth": false}},
      {"Name": "www.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "gb", "GeoLocation": {"CountryCode": "GB"},
       "HealthCheckId": "hc-0", "ResourceRecords": [{"Value": "192.0.2.10"}]},
      {"Name": "www.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "eu", "GeoLocation": {"ContinentCode": "EU"},
       "ResourceRecords": [{"Value": "192.0.2.20"}]},
      {"Name": "www.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "any", "GeoLocation": {"CountryCode": "*"},
       "ResourceRecords": [{"Value": "192.0.2.30"}]})";
    auto set = build_from_json("{\"ResourceRecordSets\": [" + items + "]}", std::move(in));
    ASSERT_TRUE(set.ok()) << set.error().to_string();
    auto tables = PolicyTables::create(*set, {0});
    Rng rng(3);
    const std::string text = explain(*tables, tables->find(name_of("example.com."), dns::type::A),
                                     client("81.2.69.142", 32), rng);
    EXPECT_TRUE(has(text, "client 81.2.69.142/32")) << text;
    EXPECT_TRUE(has(text, "example.com. A (simple, 1 record set)")) << text;
    EXPECT_TRUE(has(text, "alias target www.example.com. A (geolocation, 3 record sets)")) << text;
    EXPECT_TRUE(has(text, "EU/GB/ENG")) << text;
    EXPECT_TRUE(has(text, "\"gb\": country GB; unhealthy (health check hc-0 unhealthy)")) << text;
    EXPECT_TRUE(has(text, "* \"eu\": continent EU; healthy (no health check); 192.0.2.20")) << text;
    EXPECT_TRUE(has(text, "answer: \"eu\"")) << text;
    EXPECT_TRUE(has(text, "ECS scope: /")) << text;
}

TEST(Explain, WeightedSharesAndNodata) {
    const std::string items = R"(
      {"Name": "w.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "big", "Weight": 3, "ResourceRecords": [{"Value": "192.0.2.1"}]},
      {"Name": "w.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "small", "Weight": 1, "ResourceRecords": [{"Value": "192.0.2.2"}]},
      {"Name": "g.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "fr", "GeoLocation": {"CountryCode": "FR"}, "ResourceRecords": [{"Value": "192.0.2.3"}]})";
    auto set = build_from_json("{\"ResourceRecordSets\": [" + items + "]}");
    ASSERT_TRUE(set.ok()) << set.error().to_string();
    auto tables = PolicyTables::create(*set);
    Rng rng(3);
    std::string text = explain(*tables, tables->find(name_of("w.example.com."), dns::type::A), client("192.0.2.1"),
                               rng);
    EXPECT_TRUE(has(text, "weight 3, share 75.0%")) << text;
    EXPECT_TRUE(has(text, "weight 1, share 25.0%")) << text;
    EXPECT_TRUE(has(text, "ECS scope: /0 (the answer does not depend on the client)")) << text;
    text = explain(*tables, tables->find(name_of("g.example.com."), dns::type::A), client("192.0.2.1", 0), rng);
    EXPECT_TRUE(has(text, "location unknown")) << text;
    EXPECT_TRUE(has(text, "NODATA")) << text;
}

}  // namespace
}  // namespace fz::policy
