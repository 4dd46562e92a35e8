// The API's hosted-zone, record-set and change operations, authentication and errors, over
// a memory-only Registry, with requests signed as the SDKs sign them.
#include "api/handler.h"

#include "tests/unit/api/api_test_util.h"

namespace fz::api::testing {
namespace {

using ApiHandler = ApiTest;

TEST_F(ApiHandler, CreateHostedZoneAnswers201WithLocationDelegationAndChange) {
    Response r = call("POST", "/2013-04-01/hostedzone", {},
                      "<CreateHostedZoneRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
                      "<Name>example.com</Name><CallerReference>ref-1</CallerReference>"
                      "<HostedZoneConfig><Comment>first</Comment></HostedZoneConfig></CreateHostedZoneRequest>");
    ASSERT_EQ(r.status, 201u) << r.body;
    const std::string id = at(r, "/CreateHostedZoneResponse/HostedZone/Id");
    ASSERT_EQ(id.rfind("/hostedzone/Z", 0), 0u) << r.body;
    EXPECT_EQ(r.header("Location"), "http://localhost:8053/2013-04-01" + id);
    EXPECT_EQ(r.header("Content-Type"), "text/xml");
    EXPECT_FALSE(r.header("x-amz-request-id").empty());
    EXPECT_EQ(at(r, "/CreateHostedZoneResponse/HostedZone/Name"), "example.com.");
    EXPECT_EQ(at(r, "/CreateHostedZoneResponse/HostedZone/CallerReference"), "ref-1");
    EXPECT_EQ(at(r, "/CreateHostedZoneResponse/HostedZone/Config/Comment"), "first");
    EXPECT_EQ(at(r, "/CreateHostedZoneResponse/HostedZone/Config/PrivateZone"), "false");
    EXPECT_EQ(at(r, "/CreateHostedZoneResponse/ChangeInfo/Status"), "PENDING");
    EXPECT_EQ(at(r, "/CreateHostedZoneResponse/ChangeInfo/Id").rfind("/change/C", 0), 0u);
    EXPECT_EQ(count(r, "/CreateHostedZoneResponse/DelegationSet/NameServers/NameServer"), 2u);
    EXPECT_NE(r.body.find("xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\""), std::string::npos);

    // The same caller reference again: the same zone.
    Response again = call("POST", "/2013-04-01/hostedzone", {},
                          "<CreateHostedZoneRequest><Name>example.com.</Name><CallerReference>ref-1</CallerReference>"
                          "</CreateHostedZoneRequest>");
    ASSERT_EQ(again.status, 201u) << again.body;
    EXPECT_EQ(at(again, "/CreateHostedZoneResponse/HostedZone/Id"), id);
}

TEST_F(ApiHandler, CreateHostedZoneRefusesBadInput) {
    Response bad_name = call("POST", "/2013-04-01/hostedzone", {},
                             "<CreateHostedZoneRequest><Name>a..b</Name><CallerReference>r</CallerReference>"
                             "</CreateHostedZoneRequest>");
    EXPECT_EQ(bad_name.status, 400u);
    EXPECT_EQ(at(bad_name, "/ErrorResponse/Error/Code"), "InvalidDomainName");
    Response no_ref = call("POST", "/2013-04-01/hostedzone", {},
                           "<CreateHostedZoneRequest><Name>a.com</Name></CreateHostedZoneRequest>");
    EXPECT_EQ(at(no_ref, "/ErrorResponse/Error/Code"), "InvalidInput");
    Response malformed = call("POST", "/2013-04-01/hostedzone", {}, "<CreateHostedZoneRequest><Name>");
    EXPECT_EQ(malformed.status, 400u);
    EXPECT_EQ(at(malformed, "/ErrorResponse/Error/Code"), "InvalidInput");
    EXPECT_EQ(at(malformed, "/ErrorResponse/Error/Type"), "Sender");
    EXPECT_FALSE(at(malformed, "/ErrorResponse/RequestId").empty());
    Response priv = call("POST", "/2013-04-01/hostedzone", {},
                         "<CreateHostedZoneRequest><Name>a.com</Name><CallerReference>p</CallerReference>"
                         "<HostedZoneConfig><PrivateZone>true</PrivateZone></HostedZoneConfig>"
                         "</CreateHostedZoneRequest>");
    EXPECT_EQ(at(priv, "/ErrorResponse/Error/Code"), "InvalidInput");
    create_zone("dup.com", "first");
    // The caller reference of another zone: Route 53's 409.
    Response reused = call("POST", "/2013-04-01/hostedzone", {},
                           "<CreateHostedZoneRequest><Name>other.com</Name><CallerReference>first</CallerReference>"
                           "</CreateHostedZoneRequest>");
    EXPECT_EQ(reused.status, 409u) << reused.body;
    EXPECT_EQ(at(reused, "/ErrorResponse/Error/Code"), "HostedZoneAlreadyExists");
    // A second zone of one name cannot be served beside the first.
    Response dup = call("POST", "/2013-04-01/hostedzone", {},
                        "<CreateHostedZoneRequest><Name>dup.com</Name><CallerReference>second</CallerReference>"
                        "</CreateHostedZoneRequest>");
    EXPECT_EQ(dup.status, 400u) << dup.body;
    EXPECT_EQ(at(dup, "/ErrorResponse/Error/Code"), "ConflictingDomainExists");
}

TEST_F(ApiHandler, GetListAndDeleteHostedZones) {
    const std::string a = create_zone("a.example", "ra");
    const std::string b = create_zone("b.example", "rb");
    const std::string c = create_zone("c.example", "rc");
    Response get = call("GET", "/2013-04-01/hostedzone/" + b);
    ASSERT_EQ(get.status, 200u) << get.body;
    EXPECT_EQ(at(get, "/GetHostedZoneResponse/HostedZone/Name"), "b.example.");
    EXPECT_EQ(at(get, "/GetHostedZoneResponse/HostedZone/ResourceRecordSetCount"), "2");  // SOA and NS
    EXPECT_EQ(count(get, "/GetHostedZoneResponse/DelegationSet/NameServers/NameServer"), 2u);

    Response page1 = call("GET", "/2013-04-01/hostedzone", {{"maxitems", "2"}});
    ASSERT_EQ(page1.status, 200u) << page1.body;
    EXPECT_EQ(count(page1, "/ListHostedZonesResponse/HostedZones/HostedZone"), 2u);
    EXPECT_EQ(at(page1, "/ListHostedZonesResponse/IsTruncated"), "true");
    EXPECT_EQ(at(page1, "/ListHostedZonesResponse/MaxItems"), "2");
    const std::string next = at(page1, "/ListHostedZonesResponse/NextMarker");
    Response page2 = call("GET", "/2013-04-01/hostedzone", {{"maxitems", "2"}, {"marker", next}});
    EXPECT_EQ(count(page2, "/ListHostedZonesResponse/HostedZones/HostedZone"), 1u);
    EXPECT_EQ(at(page2, "/ListHostedZonesResponse/IsTruncated"), "false");
    EXPECT_EQ(at(page2, "/ListHostedZonesResponse/Marker"), next);
    EXPECT_EQ(call("GET", "/2013-04-01/hostedzone", {{"maxitems", "x"}}).status, 400u);

    Response by_name = call("GET", "/2013-04-01/hostedzonesbyname", {{"dnsname", "b.example"}, {"maxitems", "1"}});
    ASSERT_EQ(by_name.status, 200u) << by_name.body;
    EXPECT_EQ(at(by_name, "/ListHostedZonesByNameResponse/HostedZones/HostedZone/Name"), "b.example.");
    EXPECT_EQ(at(by_name, "/ListHostedZonesByNameResponse/DNSName"), "b.example");
    EXPECT_EQ(at(by_name, "/ListHostedZonesByNameResponse/IsTruncated"), "true");
    EXPECT_EQ(at(by_name, "/ListHostedZonesByNameResponse/NextDNSName"), "c.example.");
    EXPECT_EQ(at(by_name, "/ListHostedZonesByNameResponse/NextHostedZoneId"), c);
    EXPECT_EQ(count(call("GET", "/2013-04-01/hostedzonesbyname"), "//HostedZone"), 3u);

    EXPECT_EQ(at(call("GET", "/2013-04-01/hostedzonecount"), "/GetHostedZoneCountResponse/HostedZoneCount"), "3");

    Response del = call("DELETE", "/2013-04-01/hostedzone/" + a);
    ASSERT_EQ(del.status, 200u) << del.body;
    EXPECT_FALSE(at(del, "/DeleteHostedZoneResponse/ChangeInfo/Id").empty());
    Response gone = call("GET", "/2013-04-01/hostedzone/" + a);
    EXPECT_EQ(gone.status, 404u);
    EXPECT_EQ(at(gone, "/ErrorResponse/Error/Code"), "NoSuchHostedZone");
}

TEST_F(ApiHandler, ChangeResourceRecordSetsThenGetChangeAndList) {
    const std::string zone = create_zone("example.com", "r");
    Response r = call("POST", "/2013-04-01/hostedzone/" + zone + "/rrset/", {},
                      changes(a_record("CREATE", "www.example.com", "192.0.2.1") +
                              a_record("CREATE", "api.example.com", "192.0.2.2",
                                       "<SetIdentifier>eu</SetIdentifier><Weight>7</Weight>")));
    ASSERT_EQ(r.status, 200u) << r.body;
    const std::string change_id = at(r, "/ChangeResourceRecordSetsResponse/ChangeInfo/Id");
    ASSERT_EQ(change_id.rfind("/change/", 0), 0u);
    Response change = call("GET", "/2013-04-01/change/" + change_id.substr(8));
    ASSERT_EQ(change.status, 200u) << change.body;
    EXPECT_EQ(at(change, "/GetChangeResponse/ChangeInfo/Status"), "PENDING");
    registry_.published(registry_.view().sequence);
    EXPECT_EQ(at(call("GET", "/2013-04-01/change/" + change_id.substr(8)), "/GetChangeResponse/ChangeInfo/Status"),
              "INSYNC");
    EXPECT_EQ(at(call("GET", "/2013-04-01/change/CNOSUCHCHANGE1"), "/ErrorResponse/Error/Code"), "NoSuchChange");

    Response list = call("GET", "/2013-04-01/hostedzone/" + zone + "/rrset");
    ASSERT_EQ(list.status, 200u) << list.body;
    // Route 53's order: com.example before com.example.api before com.example.www; NS before SOA.
    EXPECT_EQ(count(list, "/ListResourceRecordSetsResponse/ResourceRecordSets/ResourceRecordSet"), 4u);
    EXPECT_EQ(at(list, "//ResourceRecordSet[1]/Type"), "NS");
    EXPECT_EQ(at(list, "//ResourceRecordSet[2]/Type"), "SOA");
    EXPECT_EQ(at(list, "//ResourceRecordSet[3]/Name"), "api.example.com.");
    EXPECT_EQ(at(list, "//ResourceRecordSet[3]/SetIdentifier"), "eu");
    EXPECT_EQ(at(list, "//ResourceRecordSet[3]/Weight"), "7");
    EXPECT_EQ(at(list, "//ResourceRecordSet[4]/ResourceRecords/ResourceRecord/Value"), "192.0.2.1");
    EXPECT_EQ(at(list, "//ResourceRecordSet[4]/TTL"), "300");
    EXPECT_EQ(at(list, "/ListResourceRecordSetsResponse/IsTruncated"), "false");
    EXPECT_EQ(at(list, "/ListResourceRecordSetsResponse/MaxItems"), "300");

    Response page = call("GET", "/2013-04-01/hostedzone/" + zone + "/rrset",
                         {{"maxitems", "1"}, {"name", "example.com."}, {"type", "SOA"}});
    EXPECT_EQ(count(page, "//ResourceRecordSet"), 1u);
    EXPECT_EQ(at(page, "//ResourceRecordSet/Type"), "SOA");
    EXPECT_EQ(at(page, "/ListResourceRecordSetsResponse/IsTruncated"), "true");
    EXPECT_EQ(at(page, "/ListResourceRecordSetsResponse/NextRecordName"), "api.example.com.");
    EXPECT_EQ(at(page, "/ListResourceRecordSetsResponse/NextRecordType"), "A");
    EXPECT_EQ(at(page, "/ListResourceRecordSetsResponse/NextRecordIdentifier"), "eu");
    Response from_id = call("GET", "/2013-04-01/hostedzone/" + zone + "/rrset",
                            {{"name", "api.example.com."}, {"type", "A"}, {"identifier", "eu"}});
    EXPECT_EQ(at(from_id, "//ResourceRecordSet[1]/SetIdentifier"), "eu");
    EXPECT_EQ(call("GET", "/2013-04-01/hostedzone/" + zone + "/rrset", {{"type", "A"}}).status, 400u);
    EXPECT_EQ(
        call("GET", "/2013-04-01/hostedzone/" + zone + "/rrset", {{"name", "a.example.com"}, {"type", "BOGUS"}}).status,
        400u);
}

TEST_F(ApiHandler, ListResourceRecordSetsPrintsEveryField) {
    const std::string zone = create_zone("example.com", "r");
    const std::string body = changes(
        "<Change><Action>CREATE</Action><ResourceRecordSet><Name>*.example.com</Name><Type>A</Type><AliasTarget>"
        "<HostedZoneId>" +
        zone +
        "</HostedZoneId><DNSName>www.example.com</DNSName><EvaluateTargetHealth>true"
        "</EvaluateTargetHealth></AliasTarget></ResourceRecordSet></Change>" +
        a_record("CREATE", "www.example.com", "192.0.2.1") +
        a_record("CREATE", "geo.example.com", "192.0.2.9",
                 "<SetIdentifier>us-wa</SetIdentifier><GeoLocation><CountryCode>US</CountryCode><SubdivisionCode>WA"
                 "</SubdivisionCode></GeoLocation>") +
        a_record("CREATE", "fo.example.com", "192.0.2.10",
                 "<SetIdentifier>second</SetIdentifier><Failover>SECONDARY</Failover>") +
        a_record("CREATE", "mv.example.com", "192.0.2.11",
                 "<SetIdentifier>m</SetIdentifier><MultiValueAnswer>true</MultiValueAnswer>") +
        a_record("CREATE", "lat.example.com", "192.0.2.12",
                 "<SetIdentifier>r</SetIdentifier><Region>eu-west-1</Region>"));
    Response r = call("POST", "/2013-04-01/hostedzone/" + zone + "/rrset/", {}, body);
    ASSERT_EQ(r.status, 200u) << r.body;
    Response list = call("GET", "/2013-04-01/hostedzone/" + zone + "/rrset");
    EXPECT_EQ(at(list, "//ResourceRecordSet[Name='\\052.example.com.']/AliasTarget/DNSName"), "www.example.com.");
    EXPECT_EQ(at(list, "//ResourceRecordSet[Name='\\052.example.com.']/AliasTarget/EvaluateTargetHealth"), "true");
    EXPECT_EQ(count(list, "//ResourceRecordSet[Name='\\052.example.com.']/TTL"), 0u);
    EXPECT_EQ(at(list, "//ResourceRecordSet[Name='geo.example.com.']/GeoLocation/SubdivisionCode"), "WA");
    EXPECT_EQ(at(list, "//ResourceRecordSet[Name='fo.example.com.']/Failover"), "SECONDARY");
    EXPECT_EQ(at(list, "//ResourceRecordSet[Name='mv.example.com.']/MultiValueAnswer"), "true");
    EXPECT_EQ(at(list, "//ResourceRecordSet[Name='lat.example.com.']/Region"), "eu-west-1");
}

TEST_F(ApiHandler, ChangeErrorsCarryRoute53CodesAndStatuses) {
    const std::string zone = create_zone("example.com", "r");
    Response dup = call("POST", "/2013-04-01/hostedzone/" + zone + "/rrset/", {},
                        changes(a_record("CREATE", "example.com", "192.0.2.1") +
                                a_record("DELETE", "nothing.example.com", "192.0.2.1")));
    EXPECT_EQ(dup.status, 400u) << dup.body;
    EXPECT_EQ(at(dup, "/ErrorResponse/Error/Code"), "InvalidChangeBatch") << dup.body;
    EXPECT_GE(count(dup, "/ErrorResponse/Error/Messages/Message"), 1u) << dup.body;

    Response bad = call("POST", "/2013-04-01/hostedzone/" + zone + "/rrset/", {},
                        changes(a_record("CREATE", "a.example.com", "192.0.2.1", "<Weight>1</Weight>") +
                                a_record("CREATE", "b.example.com", "192.0.2.1", "<Failover>UP</Failover>")));
    EXPECT_EQ(at(bad, "/ErrorResponse/Error/Code"), "InvalidChangeBatch");
    EXPECT_EQ(count(bad, "/ErrorResponse/Error/Messages/Message"), 2u) << bad.body;

    Response missing = call("POST", "/2013-04-01/hostedzone/ZNOSUCHZONE123/rrset/", {},
                            changes(a_record("CREATE", "a.example.com", "192.0.2.1")));
    EXPECT_EQ(missing.status, 404u);
    EXPECT_EQ(at(missing, "/ErrorResponse/Error/Code"), "NoSuchHostedZone");
    Response junk = call("POST", "/2013-04-01/hostedzone/" + zone + "/rrset/", {}, "<<<>>>");
    EXPECT_EQ(junk.status, 400u);
    EXPECT_EQ(at(junk, "/ErrorResponse/Error/Code"), "InvalidInput");

    call("POST", "/2013-04-01/hostedzone/" + zone + "/rrset/", {},
         changes(a_record("CREATE", "x.example.com", "192.0.2.1")));
    Response not_empty = call("DELETE", "/2013-04-01/hostedzone/" + zone);
    EXPECT_EQ(not_empty.status, 400u);
    EXPECT_EQ(at(not_empty, "/ErrorResponse/Error/Code"), "HostedZoneNotEmpty");
}

TEST_F(ApiHandler, AuthenticationFailuresAreAwsErrors) {
    Request none = make("GET", "/2013-04-01/hostedzone");
    Response r = handler_.handle(none);
    EXPECT_EQ(r.status, 403u);
    EXPECT_EQ(at(r, "/ErrorResponse/Error/Code"), "MissingAuthenticationToken");

    Request unknown = make("GET", "/2013-04-01/hostedzone");
    sign(unknown, "AKIAUNKNOWN");
    r = handler_.handle(unknown);
    EXPECT_EQ(r.status, 403u);
    EXPECT_EQ(at(r, "/ErrorResponse/Error/Code"), "InvalidClientTokenId");

    Request wrong = make("GET", "/2013-04-01/hostedzone");
    sign(wrong, kAdmin, "not the secret at all, but long");
    r = handler_.handle(wrong);
    EXPECT_EQ(r.status, 403u);
    EXPECT_EQ(at(r, "/ErrorResponse/Error/Code"), "SignatureDoesNotMatch");

    Request old = make("GET", "/2013-04-01/hostedzone");
    old.headers[1].second = format_amz_date(kNow - 600);
    sign(old);
    r = handler_.handle(old);
    EXPECT_EQ(r.status, 403u);
    EXPECT_EQ(at(r, "/ErrorResponse/Error/Code"), "SignatureDoesNotMatch");
    EXPECT_EQ(at(r, "/ErrorResponse/Error/Message").rfind("Signature expired: ", 0), 0u);

    Request garbled = make("GET", "/2013-04-01/hostedzone");
    garbled.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 nonsense");
    EXPECT_EQ(handler_.handle(garbled).status, 400u);
}

TEST_F(ApiHandler, GrantsLimitActionsAndZones) {
    const std::string zone = create_zone("example.com", "r");
    Response listed = call("GET", "/2013-04-01/hostedzone", {}, "", kReader);
    EXPECT_EQ(listed.status, 200u);
    EXPECT_EQ(count(listed, "//HostedZone"), 0u) << listed.body;  // granted ZALLOWED only
    EXPECT_EQ(count(call("GET", "/2013-04-01/hostedzone"), "//HostedZone"), 1u);
    Response denied = call("GET", "/2013-04-01/hostedzone/" + zone + "/rrset", {}, "", kReader);
    EXPECT_EQ(denied.status, 403u);
    EXPECT_EQ(at(denied, "/ErrorResponse/Error/Code"), "AccessDenied");
    EXPECT_NE(at(denied, "/ErrorResponse/Error/Message").find("route53:ListResourceRecordSets"), std::string::npos);
    Response create = call("POST", "/2013-04-01/hostedzone", {},
                           "<CreateHostedZoneRequest><Name>x.com</Name><CallerReference>x</CallerReference>"
                           "</CreateHostedZoneRequest>",
                           kReader);
    EXPECT_EQ(at(create, "/ErrorResponse/Error/Code"), "AccessDenied");
}

TEST_F(ApiHandler, NewCredentialsApplyToTheNextRequest) {
    EXPECT_EQ(call("GET", "/2013-04-01/hostedzone").status, 200u);
    auto only_reader = Credentials::parse(std::string(R"({"AccessKeys": [{"AccessKeyId": "AKIAREADER",
        "SecretAccessKey": ")") + kSecret + R"(", "Actions": ["route53:*"], "HostedZones": ["*"]}]})",
                                          "creds.json");
    ASSERT_TRUE(only_reader.ok());
    handler_.set_credentials(std::move(*only_reader));
    EXPECT_EQ(at(call("GET", "/2013-04-01/hostedzone"), "/ErrorResponse/Error/Code"), "InvalidClientTokenId");
    EXPECT_EQ(call("GET", "/2013-04-01/hostedzone", {}, "", kReader).status, 200u);
}

TEST_F(ApiHandler, UnknownPathsMethodsAndOversizedBodies) {
    Response path = call("GET", "/2013-04-01/nothing");
    EXPECT_EQ(path.status, 404u);
    EXPECT_EQ(at(path, "/ErrorResponse/Error/Code"), "UnknownOperationException");
    Response method = call("PUT", "/2013-04-01/hostedzone");
    EXPECT_EQ(method.status, 405u);
    EXPECT_EQ(call("GET", "/").status, 404u);
    Response big = call("POST", "/2013-04-01/hostedzone", {}, std::string(3 << 20, 'x'));
    EXPECT_EQ(big.status, 400u);
    EXPECT_EQ(at(big, "/ErrorResponse/Error/Code"), "InvalidInput");
}

}  // namespace
}  // namespace fz::api::testing
