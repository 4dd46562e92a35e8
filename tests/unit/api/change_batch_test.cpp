// ChangeBatch XML: every routing policy through the record-set parser, Route 53's limits,
// and malformed input refused with a message, never a crash.
#include "api/change_batch.h"

#include <gtest/gtest.h>

#include "dns/rrtype.h"

namespace fz::api {
namespace {

const dns::Name& origin() {
    static const dns::Name n = *dns::name_from_text("example.com.", nullptr);
    return n;
}

std::string request(const std::string& changes, const std::string& comment = "") {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ChangeResourceRecordSetsRequest "
           "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><ChangeBatch>" +
           (comment.empty() ? "" : "<Comment>" + comment + "</Comment>") + "<Changes>" + changes +
           "</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>";
}

std::string change(const std::string& action, const std::string& set) {
    return "<Change><Action>" + action + "</Action><ResourceRecordSet>" + set + "</ResourceRecordSet></Change>";
}

std::string records(std::initializer_list<std::string> values) {
    std::string out = "<ResourceRecords>";
    for (const std::string& v : values) out += "<ResourceRecord><Value>" + v + "</Value></ResourceRecord>";
    return out + "</ResourceRecords>";
}

TEST(ApiChangeBatch, ReadsEveryRoutingPolicyAndAlias) {
    const std::string body = request(
        change("CREATE", "<Name>www.example.com</Name><Type>A</Type><TTL>60</TTL>" + records({"192.0.2.1"})) +
            change("UPSERT",
                   "<Name>w.example.com.</Name><Type>A</Type><SetIdentifier>one</SetIdentifier><Weight>10</Weight>"
                   "<TTL>60</TTL>" +
                       records({"192.0.2.2"}) + "<HealthCheckId>hc-1</HealthCheckId>") +
            change("CREATE",
                   "<Name>g.example.com.</Name><Type>A</Type><SetIdentifier>eu</SetIdentifier><GeoLocation>"
                   "<ContinentCode>EU</ContinentCode></GeoLocation><TTL>60</TTL>" +
                       records({"192.0.2.3"})) +
            change("CREATE",
                   "<Name>l.example.com.</Name><Type>A</Type><SetIdentifier>use1</SetIdentifier><Region>us-east-1"
                   "</Region><TTL>60</TTL>" +
                       records({"192.0.2.4"})) +
            change("CREATE",
                   "<Name>f.example.com.</Name><Type>A</Type><SetIdentifier>p</SetIdentifier><Failover>PRIMARY"
                   "</Failover><TTL>60</TTL>" +
                       records({"192.0.2.5"})) +
            change("CREATE",
                   "<Name>m.example.com.</Name><Type>A</Type><SetIdentifier>m1</SetIdentifier><MultiValueAnswer>true"
                   "</MultiValueAnswer><TTL>60</TTL>" +
                       records({"192.0.2.6"})) +
            change("CREATE",
                   "<Name>c.example.com.</Name><Type>A</Type><SetIdentifier>c1</SetIdentifier><CidrRoutingConfig>"
                   "<CollectionId>coll</CollectionId><LocationName>office</LocationName></CidrRoutingConfig>"
                   "<TTL>60</TTL>" +
                       records({"192.0.2.7"})) +
            change("CREATE",
                   "<Name>p.example.com.</Name><Type>A</Type><SetIdentifier>p1</SetIdentifier>"
                   "<GeoProximityLocation><Coordinates><Latitude>49.22</Latitude><Longitude>-74.01</Longitude>"
                   "</Coordinates><Bias>10</Bias></GeoProximityLocation><TTL>60</TTL>" +
                       records({"192.0.2.8"})) +
            change("DELETE",
                   "<Name>\\052.example.com.</Name><Type>A</Type><AliasTarget><HostedZoneId>Z1</HostedZoneId>"
                   "<DNSName>www.example.com.</DNSName><EvaluateTargetHealth>true</EvaluateTargetHealth>"
                   "</AliasTarget>"),
        "a comment");
    auto batch = parse_change_batch(body, origin());
    ASSERT_TRUE(batch.ok()) << batch.error().code << ": " << batch.error().message;
    const auto& c = batch.value().changes;
    ASSERT_EQ(c.size(), 9u);
    EXPECT_EQ(batch.value().comment, "a comment");
    EXPECT_EQ(c[0].action, change::Action::kCreate);
    EXPECT_EQ(c[0].record_set.ttl, 60u);
    EXPECT_EQ(c[0].record_set.values, std::vector<std::string>{"192.0.2.1"});
    EXPECT_EQ(c[1].action, change::Action::kUpsert);
    EXPECT_EQ(c[1].record_set.kind, policy::RoutingKind::kWeighted);
    EXPECT_EQ(c[1].record_set.weight, 10);
    EXPECT_EQ(c[1].record_set.health_check_id(), "hc-1");
    EXPECT_EQ(c[2].record_set.kind, policy::RoutingKind::kGeolocation);
    EXPECT_EQ(c[2].record_set.geo().continent, "EU");
    EXPECT_EQ(c[3].record_set.kind, policy::RoutingKind::kLatency);
    EXPECT_TRUE(c[4].record_set.failover_primary);
    EXPECT_EQ(c[5].record_set.kind, policy::RoutingKind::kMultiValue);
    EXPECT_EQ(c[6].record_set.cidr().location_name, "office");
    EXPECT_EQ(c[7].record_set.geoproximity().bias, 10);
    EXPECT_DOUBLE_EQ(c[7].record_set.geoproximity().latitude, 49.22);
    EXPECT_EQ(c[8].action, change::Action::kDelete);
    ASSERT_TRUE(c[8].record_set.alias().has_value());
    EXPECT_TRUE(c[8].record_set.alias()->evaluate_target_health);
    EXPECT_EQ(c[8].record_set.name.to_text(), "*.example.com.");
}

TEST(ApiChangeBatch, BadRecordSetsAreInvalidChangeBatchWithOneMessageEach) {
    const std::string body =
        request(change("CREATE", "<Name>a.example.com.</Name><Type>A</Type>" + records({"192.0.2.1"})) +
                change("CREATE", "<Name>ok.example.com.</Name><Type>A</Type><TTL>1</TTL>" + records({"192.0.2.1"})) +
                change("CREATE", "<Name>b.example.com.</Name><Type>A</Type><TTL>1</TTL><Weight>3</Weight>" +
                                     records({"192.0.2.1"})) +
                change("CREATE", "<Name>c.example.org.</Name><Type>A</Type><TTL>1</TTL>" + records({"192.0.2.1"})));
    auto batch = parse_change_batch(body, origin());
    ASSERT_FALSE(batch.ok());
    EXPECT_EQ(batch.error().code, "InvalidChangeBatch");
    ASSERT_EQ(batch.error().messages.size(), 3u);
    EXPECT_NE(batch.error().messages[0].find("missing TTL"), std::string::npos) << batch.error().messages[0];
    EXPECT_NE(batch.error().messages[1].find("needs a SetIdentifier"), std::string::npos);
    EXPECT_NE(batch.error().messages[2].find("not in zone"), std::string::npos);
}

TEST(ApiChangeBatch, MalformedOrIncompleteRequestsAreInvalidInput) {
    for (const std::string& body :
         {std::string("<ChangeResourceRecordSetsRequest><ChangeBatch>"), std::string(""), std::string("<Other/>"),
          std::string("<ChangeResourceRecordSetsRequest></ChangeResourceRecordSetsRequest>"), request("")}) {
        auto batch = parse_change_batch(body, origin());
        ASSERT_FALSE(batch.ok()) << body;
        EXPECT_EQ(batch.error().code, "InvalidInput") << body;
    }
    auto bad_action = parse_change_batch(request(change("REPLACE", "<Name>a.example.com.</Name>")), origin());
    ASSERT_FALSE(bad_action.ok());
    EXPECT_EQ(bad_action.error().code, "InvalidInput");  // the schema's enumeration, as Route 53 answers
    EXPECT_NE(bad_action.error().message.find("REPLACE"), std::string::npos);
    auto twice = parse_change_batch(
        request(change("CREATE", "<Name>a.example.com.</Name><Name>b.example.com.</Name><Type>A</Type>")), origin());
    ASSERT_FALSE(twice.ok());
    EXPECT_NE(twice.error().message.find("appears twice"), std::string::npos);
    std::string deep = "<Name>a.example.com.</Name><Type>A</Type><GeoLocation>";
    for (int i = 0; i < 50; ++i) deep += "<X>";
    for (int i = 0; i < 50; ++i) deep += "</X>";
    auto nested = parse_change_batch(request(change("CREATE", deep + "</GeoLocation>")), origin());
    ASSERT_FALSE(nested.ok());
    EXPECT_NE(nested.error().message.find("nest too deeply"), std::string::npos);
}

TEST(ApiChangeBatch, EnforcesRoute53Limits) {
    std::string many;
    for (int i = 0; i < 501; ++i) {
        many += change("UPSERT", "<Name>h" + std::to_string(i) + ".example.com.</Name><Type>A</Type><TTL>1</TTL>" +
                                     records({"192.0.2.1"}));
    }
    auto batch = parse_change_batch(request(many), origin());  // 501 UPSERTs count as 1002 records
    ASSERT_FALSE(batch.ok());
    EXPECT_EQ(batch.error().code, "InvalidChangeBatch");
    EXPECT_NE(batch.error().message.find("1000"), std::string::npos);

    const std::string long_txt = "\"" + std::string(3990, 'x') + "\"";
    std::string chars;
    for (int i = 0; i < 9; ++i) {
        chars += change("CREATE", "<Name>t" + std::to_string(i) + ".example.com.</Name><Type>TXT</Type><TTL>1</TTL>" +
                                      records({long_txt}));
    }
    auto big = parse_change_batch(request(chars), origin());
    ASSERT_FALSE(big.ok());
    EXPECT_NE(big.error().message.find("32000"), std::string::npos);

    ChangeBatchLimits small;
    small.max_value = 10;
    auto one = parse_change_batch(request(change("CREATE", "<Name>t.example.com.</Name><Type>TXT</Type><TTL>1</TTL>" +
                                                               records({long_txt}))),
                                  origin(), small);
    ASSERT_FALSE(one.ok());
    EXPECT_NE(one.error().message.find("longer than 10"), std::string::npos);
}

}  // namespace
}  // namespace fz::api
