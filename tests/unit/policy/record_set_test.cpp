// Parsing Route 53 record sets: every field, names, YAML, and schema errors that name the
// file, the record set and the problem.
#include "policy/record_set.h"

#include <gtest/gtest.h>

#include "dns/wire.h"
#include "policy_test_util.h"

namespace fz::policy {
namespace {

using testing::name_of;

Result<RecordSetFile> parse(const std::string& body) {
    return parse_record_sets_text("{\"ResourceRecordSets\": [" + body + "]}", "rs.json", name_of("example.com."));
}

// The error must name the file, the record set and the problem.
void expect_error(const std::string& body, const std::vector<std::string>& needles) {
    auto r = parse(body);
    ASSERT_FALSE(r.ok()) << body;
    const std::string text = r.error().to_string();
    EXPECT_EQ(r.error().file, "rs.json");
    for (const std::string& n : needles) EXPECT_NE(text.find(n), std::string::npos) << "'" << n << "' not in: " << text;
}

TEST(RecordSet, ParsesEveryRoutingPolicy) {
    auto r = parse(R"(
      {"Name": "w.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "a", "Weight": 10,
       "ResourceRecords": [{"Value": "192.0.2.1"}, {"Value": "192.0.2.2"}], "HealthCheckId": "hc"},
      {"Name": "g.example.com", "Type": "AAAA", "TTL": 60, "SetIdentifier": "us-wa",
       "GeoLocation": {"CountryCode": "US", "SubdivisionCode": "WA"}, "ResourceRecords": [{"Value": "2001:db8::1"}]},
      {"Name": "l.example.com.", "Type": "TXT", "TTL": 60, "SetIdentifier": "eu", "Region": "eu-west-1",
       "ResourceRecords": [{"Value": "\"hello world\""}]},
      {"Name": "f.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "p", "Failover": "PRIMARY",
       "ResourceRecords": [{"Value": "192.0.2.1"}]},
      {"Name": "m.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "m1", "MultiValueAnswer": true,
       "ResourceRecords": [{"Value": "192.0.2.1"}]},
      {"Name": "c.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "c1",
       "CidrRoutingConfig": {"CollectionId": "col", "LocationName": "*"}, "ResourceRecords": [{"Value": "192.0.2.1"}]},
      {"Name": "p.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "p1",
       "GeoProximityLocation": {"Coordinates": {"Latitude": "49.22", "Longitude": "-74.01"}, "Bias": -20},
       "ResourceRecords": [{"Value": "192.0.2.1"}]},
      {"Name": "q.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "q1",
       "GeoProximityLocation": {"AWSRegion": "eu-west-1", "Bias": 30}, "ResourceRecords": [{"Value": "192.0.2.1"}]},
      {"Name": "example.com.", "Type": "A", "AliasTarget": {"HostedZoneId": "Z0EXAMPLE", "DNSName": "w.example.com.",
       "EvaluateTargetHealth": true}},
      {"Name": "s.example.com.", "Type": "MX", "TTL": 300, "ResourceRecords": [{"Value": "10 mail.example.com."}]}
    )");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    const auto& v = r->record_sets;
    ASSERT_EQ(v.size(), 10u);
    EXPECT_EQ(v[0].kind, RoutingKind::kWeighted);
    EXPECT_EQ(v[0].weight, 10);
    EXPECT_EQ(v[0].values.size(), 2u);
    EXPECT_EQ(v[0].health_check_id(), "hc");
    EXPECT_EQ(v[0].line, 2u);
    EXPECT_EQ(v[1].kind, RoutingKind::kGeolocation);
    EXPECT_EQ(v[1].name, name_of("g.example.com."));  // trailing dot optional
    EXPECT_EQ(v[1].type, dns::type::AAAA);
    EXPECT_EQ(v[1].geo().subdivision, "WA");
    EXPECT_EQ(v[2].kind, RoutingKind::kLatency);
    EXPECT_EQ(v[2].values[0], "\"hello world\"");  // kept in presentation form
    EXPECT_TRUE(v[3].failover_primary);
    EXPECT_EQ(v[4].kind, RoutingKind::kMultiValue);
    EXPECT_EQ(v[5].cidr().location_name, "*");
    EXPECT_DOUBLE_EQ(v[6].geoproximity().latitude, 49.22);
    EXPECT_EQ(v[6].geoproximity().bias, -20);
    EXPECT_NEAR(v[7].geoproximity().latitude, 53.35, 0.01);  // Dublin
    ASSERT_TRUE(v[8].alias().has_value());
    EXPECT_TRUE(v[8].alias()->evaluate_target_health);
    EXPECT_EQ(v[8].kind, RoutingKind::kSimple);
    EXPECT_FALSE(v[8].is_simple());
    EXPECT_TRUE(v[9].is_simple());
}

TEST(RecordSet, Route53OctalEscapesInNames) {
    auto r =
        parse(R"({"Name": "\\052.example.com.", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "192.0.2.1"}]})");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_TRUE(r->record_sets[0].name.is_wildcard());
    EXPECT_EQ(r->record_sets[0].name.to_text(), "*.example.com.");
    auto n = route53_name("a\\100b.example.com");  // octal 100 = '@'
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->size(), name_of("a\\064b.example.com.").size());
    EXPECT_EQ(*n, name_of("a\\064b.example.com."));
}

TEST(RecordSet, YamlOfTheSameShape) {
    const char* yaml = R"(ResourceRecordSets:
  - Name: www.example.com.
    Type: A
    TTL: 60
    SetIdentifier: "1"
    Weight: 5
    ResourceRecords:
      - Value: 192.0.2.1
  - Name: www.example.com.
    Type: A
    TTL: 60
    SetIdentifier: two
    Weight: 300
    ResourceRecords:
      - Value: 192.0.2.2
)";
    auto r = parse_record_sets_text(yaml, "rs.yaml", name_of("example.com."));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().line, 9u);
    EXPECT_NE(r.error().message.find("www.example.com. A \"two\""), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("Weight 300 is outside 0..255"), std::string::npos) << r.error().message;

    std::string ok = yaml;
    const size_t at = ok.find("300");
    ok[at + 1] = ok[at + 2] = ' ';  // "Weight: 3  "
    auto good = parse_record_sets_text(ok, "rs.yaml", name_of("example.com."));
    ASSERT_TRUE(good.ok()) << good.error().to_string();
    EXPECT_EQ(good->record_sets[0].weight, 5);
    EXPECT_EQ(good->record_sets[1].weight, 3);
    EXPECT_EQ(good->record_sets[0].set_identifier, "1");
    EXPECT_EQ(good->record_sets[1].line, 9u);
}

TEST(RecordSet, CountryCodeNoIsNorwayInYaml) {
    const char* yaml =
        "ResourceRecordSets:\n- {Name: n.example.com, Type: A, TTL: 1, SetIdentifier: no,\n"
        "   GeoLocation: {CountryCode: NO}, ResourceRecords: [{Value: 192.0.2.1}]}\n";
    auto r = parse_record_sets_text(yaml, "rs.yaml", name_of("example.com."));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->record_sets[0].geo().country, "NO");
}

TEST(RecordSet, JsonSyntaxErrorsGiveTheLine) {
    auto r = parse_record_sets_text("{\n  \"ResourceRecordSets\": [\n    {\"Name\": \"a.example.com.\",,}\n  ]\n}\n",
                                    "bad.json", name_of("example.com."));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().file, "bad.json");
    EXPECT_EQ(r.error().line, 3u);
    EXPECT_NE(r.error().message.find("JSON syntax error"), std::string::npos);
    auto y = parse_record_sets_text("ResourceRecordSets:\n  - Name: [unclosed\n", "bad.yaml", name_of("example.com."));
    ASSERT_FALSE(y.ok());
    EXPECT_GE(y.error().line, 2u);
    EXPECT_NE(y.error().message.find("YAML syntax error"), std::string::npos);
}

TEST(RecordSet, MissingFileIsAnError) {
    auto r = parse_record_sets_file("/nonexistent/rs.json", name_of("example.com."));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().file, "/nonexistent/rs.json");
}

const char* kA = R"("Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "192.0.2.1"}])";

std::string rs(const std::string& name, const std::string& extra) {
    return "{\"Name\": \"" + name + "\", " + kA + (extra.empty() ? "" : ", " + extra) + "}";
}

TEST(RecordSet, SchemaErrorsNameTheRecordSetAndTheProblem) {
    expect_error(rs("w.example.com.", R"("SetIdentifier": "x", "Weight": 256)"),
                 {"w.example.com. A \"x\"", "Weight 256 is outside 0..255"});
    expect_error(rs("w.example.com.", R"("SetIdentifier": "x", "Weight": -1)"), {"\"x\"", "Weight"});
    expect_error(rs("g.example.com.", R"("SetIdentifier": "x", "GeoLocation": {"ContinentCode": "XX"})"),
                 {"g.example.com. A \"x\"", "\"XX\" is not one of AF AN AS EU OC NA SA"});
    expect_error(rs("g.example.com.", R"("SetIdentifier": "x", "GeoLocation": {"CountryCode": "QQ"})"),
                 {"\"x\"", "\"QQ\" is not an ISO 3166-1"});
    expect_error(rs("g.example.com.",
                    R"("SetIdentifier": "x", "GeoLocation": {"CountryCode": "US", "SubdivisionCode": "wash"})"),
                 {"\"x\"", "subdivision code"});
    expect_error(rs("g.example.com.", R"("SetIdentifier": "x", "GeoLocation": {"SubdivisionCode": "WA"})"),
                 {"\"x\"", "SubdivisionCode needs a CountryCode"});
    expect_error(rs("g.example.com.",
                    R"("SetIdentifier": "x", "GeoLocation": {"ContinentCode": "EU", "CountryCode": "FR"})"),
                 {"\"x\"", "both ContinentCode and CountryCode"});
    expect_error(rs("f.example.com.", R"("SetIdentifier": "x", "Failover": "TERTIARY")"),
                 {"f.example.com. A \"x\"", "PRIMARY or SECONDARY"});
    expect_error(rs("m.example.com.", R"("SetIdentifier": "x", "MultiValueAnswer": false)"),
                 {"\"x\"", "MultiValueAnswer"});
    expect_error(rs("p.example.com.", R"("SetIdentifier": "x", "GeoProximityLocation": {"AWSRegion": "mars-1"})"),
                 {"\"x\"", "mars-1"});
    expect_error(rs("p.example.com.",
                    R"("SetIdentifier": "x", "GeoProximityLocation": {"LocalZoneGroup": "us-west-2-lax-1"})"),
                 {"\"x\"", "LocalZoneGroup is not supported"});
    expect_error(rs("p.example.com.",
                    R"("SetIdentifier": "x", "GeoProximityLocation": {"AWSRegion": "eu-west-1", "Bias": 100})"),
                 {"\"x\"", "Bias 100 is outside -99..99"});
    expect_error(
        rs("p.example.com.",
           R"("SetIdentifier": "x", "GeoProximityLocation": {"Coordinates": {"Latitude": 91, "Longitude": 0}})"),
        {"\"x\"", "Latitude"});
    expect_error(rs("c.example.com.",
                    R"("SetIdentifier": "x", "CidrRoutingConfig": {"CollectionId": "c", "LocationName": "a b"})"),
                 {"\"x\"", "LocationName"});
    expect_error(rs("w.example.com.", R"("Weight": 1)"), {"w.example.com. A", "Weight needs a SetIdentifier"});
    expect_error(rs("w.example.com.", R"("SetIdentifier": "x")"), {"\"x\"", "SetIdentifier without a routing policy"});
    expect_error(rs("w.example.com.", R"("SetIdentifier": "x", "Weight": 1, "Region": "eu-west-1")"),
                 {"\"x\"", "cannot be combined"});
    expect_error(rs("w.example.com.", R"("Wieght": 1)"),
                 {"w.example.com. A", "Wieght is not a Route 53 record set field"});
    expect_error(rs("www.example.org.", ""), {"www.example.org. A", "not in zone example.com."});
    expect_error(R"({"Name": "a.example.com.", "Type": "BOGUS", "TTL": 1, "ResourceRecords": [{"Value": "x"}]})",
                 {"a.example.com. BOGUS", "not a type Route 53 supports"});
    expect_error(R"({"Name": "a.example.com.", "Type": "A", "ResourceRecords": [{"Value": "192.0.2.1"}]})",
                 {"a.example.com. A", "missing TTL"});
    expect_error(R"({"Name": "a.example.com.", "Type": "A", "TTL": 1})", {"a.example.com. A", "ResourceRecords"});
    expect_error(R"({"Name": "a.example.com.", "Type": "A", "TTL": 1, "AliasTarget": {"DNSName": "b.example.com."}})",
                 {"a.example.com. A", "alias", "TTL"});
    expect_error(
        R"({"Name": "a.example.com.", "Type": "A", "SetIdentifier": "m", "MultiValueAnswer": true, "AliasTarget": {"DNSName": "b.example.com."}})",
        {"a.example.com. A \"m\"", "multivalue answer record sets cannot be aliases"});
    expect_error(R"({"Type": "A", "TTL": 1, "ResourceRecords": [{"Value": "192.0.2.1"}]})",
                 {"record set", "missing Name"});
}

}  // namespace
}  // namespace fz::policy
