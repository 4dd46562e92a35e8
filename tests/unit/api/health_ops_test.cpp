// The API's health-check operations and TestDNSAnswer over a memory-only Registry.
#include "tests/unit/api/api_test_util.h"

namespace fz::api::testing {
namespace {

using ApiHealth = ApiTest;

std::string create_body(const std::string& reference, const std::string& config) {
    return "<CreateHealthCheckRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><CallerReference>" +
           reference + "</CallerReference><HealthCheckConfig>" + config +
           "</HealthCheckConfig></CreateHealthCheckRequest>";
}

constexpr const char* kHttpConfig =
    "<IPAddress>192.0.2.44</IPAddress><Port>8080</Port><Type>HTTP</Type><ResourcePath>/health</ResourcePath>"
    "<RequestInterval>10</RequestInterval><FailureThreshold>2</FailureThreshold>"
    "<Regions><Region>us-east-1</Region><Region>eu-west-1</Region></Regions>";

TEST_F(ApiHealth, CreateGetAndListHealthChecks) {
    Response r = call("POST", "/2013-04-01/healthcheck", {}, create_body("hc-ref", kHttpConfig));
    ASSERT_EQ(r.status, 201u) << r.body;
    const std::string id = at(r, "/CreateHealthCheckResponse/HealthCheck/Id");
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(r.header("Location"), "http://localhost:8053/2013-04-01/healthcheck/" + id);
    EXPECT_EQ(at(r, "//HealthCheck/CallerReference"), "hc-ref");
    EXPECT_EQ(at(r, "//HealthCheck/HealthCheckVersion"), "1");
    EXPECT_EQ(at(r, "//HealthCheckConfig/Type"), "HTTP");
    EXPECT_EQ(at(r, "//HealthCheckConfig/Port"), "8080");
    EXPECT_EQ(at(r, "//HealthCheckConfig/ResourcePath"), "/health");
    EXPECT_EQ(at(r, "//HealthCheckConfig/RequestInterval"), "10");
    EXPECT_EQ(count(r, "//HealthCheckConfig/Regions/Region"), 2u);

    Response again = call("POST", "/2013-04-01/healthcheck", {}, create_body("hc-ref", kHttpConfig));
    EXPECT_EQ(at(again, "//HealthCheck/Id"), id) << again.body;

    Response get = call("GET", "/2013-04-01/healthcheck/" + id);
    ASSERT_EQ(get.status, 200u) << get.body;
    EXPECT_EQ(at(get, "/GetHealthCheckResponse/HealthCheck/HealthCheckConfig/IPAddress"), "192.0.2.44");
    EXPECT_EQ(call("GET", "/2013-04-01/healthcheck/nope").status, 404u);

    call("POST", "/2013-04-01/healthcheck", {},
         create_body("second", "<IPAddress>192.0.2.45</IPAddress><Port>53</Port><Type>TCP</Type>"));
    EXPECT_EQ(at(call("GET", "/2013-04-01/healthcheckcount"), "/GetHealthCheckCountResponse/HealthCheckCount"), "2");
    Response page = call("GET", "/2013-04-01/healthcheck", {{"maxitems", "1"}});
    ASSERT_EQ(page.status, 200u) << page.body;
    EXPECT_EQ(count(page, "/ListHealthChecksResponse/HealthChecks/HealthCheck"), 1u);
    EXPECT_EQ(at(page, "/ListHealthChecksResponse/IsTruncated"), "true");
    Response rest = call("GET", "/2013-04-01/healthcheck",
                         {{"maxitems", "1"}, {"marker", at(page, "/ListHealthChecksResponse/NextMarker")}});
    EXPECT_EQ(count(rest, "//HealthCheck"), 1u);
    EXPECT_EQ(at(rest, "/ListHealthChecksResponse/IsTruncated"), "false");
}

TEST_F(ApiHealth, CreateRefusesInvalidConfigurations) {
    Response no_port = call("POST", "/2013-04-01/healthcheck", {},
                            create_body("a", "<IPAddress>192.0.2.1</IPAddress><Type>TCP</Type>"));
    EXPECT_EQ(no_port.status, 400u);
    EXPECT_EQ(at(no_port, "/ErrorResponse/Error/Code"), "InvalidInput");
    EXPECT_NE(at(no_port, "/ErrorResponse/Error/Message").find("Port"), std::string::npos);
    Response bad_type = call("POST", "/2013-04-01/healthcheck", {},
                             create_body("b", "<IPAddress>192.0.2.1</IPAddress><Type>PING</Type>"));
    EXPECT_EQ(at(bad_type, "/ErrorResponse/Error/Code"), "InvalidInput");
    Response no_ref = call("POST", "/2013-04-01/healthcheck", {},
                           "<CreateHealthCheckRequest><HealthCheckConfig><Type>TCP</Type></HealthCheckConfig>"
                           "</CreateHealthCheckRequest>");
    EXPECT_EQ(at(no_ref, "/ErrorResponse/Error/Code"), "InvalidInput");
}

TEST_F(ApiHealth, UpdateMergesIntoTheCurrentConfigAndChecksTheVersion) {
    Response r = call("POST", "/2013-04-01/healthcheck", {}, create_body("u", kHttpConfig));
    const std::string id = at(r, "//HealthCheck/Id");
    Response up = call("POST", "/2013-04-01/healthcheck/" + id, {},
                       "<UpdateHealthCheckRequest><HealthCheckVersion>1</HealthCheckVersion><Port>9090</Port>"
                       "<ResetElements><ResettableElementName>ResourcePath</ResettableElementName></ResetElements>"
                       "</UpdateHealthCheckRequest>");
    ASSERT_EQ(up.status, 200u) << up.body;
    EXPECT_EQ(at(up, "/UpdateHealthCheckResponse/HealthCheck/HealthCheckVersion"), "2");
    EXPECT_EQ(at(up, "//HealthCheckConfig/Port"), "9090");
    EXPECT_EQ(at(up, "//HealthCheckConfig/IPAddress"), "192.0.2.44");  // kept
    EXPECT_EQ(at(up, "//HealthCheckConfig/ResourcePath"), "/");        // reset to the default
    EXPECT_EQ(at(up, "//HealthCheckConfig/FailureThreshold"), "2");

    Response stale = call("POST", "/2013-04-01/healthcheck/" + id, {},
                          "<UpdateHealthCheckRequest><HealthCheckVersion>1</HealthCheckVersion><Port>1</Port>"
                          "</UpdateHealthCheckRequest>");
    EXPECT_EQ(stale.status, 409u) << stale.body;
    EXPECT_EQ(at(stale, "/ErrorResponse/Error/Code"), "HealthCheckVersionMismatch");
    Response bad = call("POST", "/2013-04-01/healthcheck/" + id, {},
                        "<UpdateHealthCheckRequest><Port>70000</Port></UpdateHealthCheckRequest>");
    EXPECT_EQ(at(bad, "/ErrorResponse/Error/Code"), "InvalidInput");
    EXPECT_EQ(call("POST", "/2013-04-01/healthcheck/nope", {}, "<UpdateHealthCheckRequest/>").status, 404u);
}

TEST_F(ApiHealth, DeleteIsRefusedWhileARecordSetUsesTheCheck) {
    const std::string id = at(call("POST", "/2013-04-01/healthcheck", {}, create_body("d", kHttpConfig)),
                              "//HealthCheck/Id");
    const std::string zone = create_zone("example.com", "z");
    Response use = call("POST", "/2013-04-01/hostedzone/" + zone + "/rrset/", {},
                        changes(a_record("CREATE", "www.example.com", "192.0.2.1",
                                         "<SetIdentifier>a</SetIdentifier><Weight>1</Weight><HealthCheckId>" + id +
                                             "</HealthCheckId>")));
    ASSERT_EQ(use.status, 200u) << use.body;
    Response in_use = call("DELETE", "/2013-04-01/healthcheck/" + id);
    EXPECT_EQ(in_use.status, 400u);
    EXPECT_EQ(at(in_use, "/ErrorResponse/Error/Code"), "HealthCheckInUse");
    call("POST", "/2013-04-01/hostedzone/" + zone + "/rrset/", {},
         changes(a_record("DELETE", "www.example.com", "192.0.2.1",
                          "<SetIdentifier>a</SetIdentifier><Weight>1</Weight><HealthCheckId>" + id +
                              "</HealthCheckId>")));
    Response del = call("DELETE", "/2013-04-01/healthcheck/" + id);
    EXPECT_EQ(del.status, 200u) << del.body;
    EXPECT_EQ(count(del, "/DeleteHealthCheckResponse"), 1u);
    EXPECT_EQ(call("DELETE", "/2013-04-01/healthcheck/" + id).status, 404u);
}

TEST_F(ApiHealth, StatusListsTheObservations) {
    const std::string id = at(call("POST", "/2013-04-01/healthcheck", {}, create_body("s", kHttpConfig)),
                              "//HealthCheck/Id");
    change::RegistryHooks hooks;
    hooks.health_status = [](const std::string&) {
        return std::vector<change::HealthObservation>{{"fastzone-1", 1490636896751, false, "HTTP 503"}};
    };
    registry_.set_hooks(hooks);
    Response r = call("GET", "/2013-04-01/healthcheck/" + id + "/status");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(at(r, "//HealthCheckObservation/Region"), "fastzone-1");
    EXPECT_EQ(at(r, "//HealthCheckObservation/StatusReport/Status"), "Failure: HTTP 503");
    EXPECT_EQ(at(r, "//HealthCheckObservation/StatusReport/CheckedTime"), "2017-03-27T17:48:16.751Z");
    EXPECT_EQ(call("GET", "/2013-04-01/healthcheck/nope/status").status, 404u);
}

TEST_F(ApiHealth, TestDnsAnswerPassesTheQueryToTheService) {
    const std::string zone = create_zone("example.com", "t");
    change::RegistryHooks hooks;
    std::optional<int> seen_mask;
    hooks.test_answer = [&](const change::ZoneContent&, const std::string& name, const std::string& type,
                            const std::string&, const std::string&, std::optional<int> mask) {
        seen_mask = mask;
        change::DnsAnswerTest t;
        t.nameserver = "ns1.fastzone.test";
        t.record_name = name;
        t.record_type = type;
        t.record_data = {"192.0.2.1"};
        t.response_code = "NOERROR";
        return change::Outcome<change::DnsAnswerTest>(t);
    };
    registry_.set_hooks(hooks);
    Response r = call("GET", "/2013-04-01/testdnsanswer",
                      {{"hostedzoneid", zone},
                       {"recordname", "www.example.com"},
                       {"recordtype", "A"},
                       {"edns0clientsubnetip", "198.51.100.0"},
                       {"edns0clientsubnetmask", "24"}});
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(at(r, "/TestDNSAnswerResponse/RecordData/RecordDataEntry"), "192.0.2.1");
    EXPECT_EQ(at(r, "/TestDNSAnswerResponse/ResponseCode"), "NOERROR");
    EXPECT_EQ(at(r, "/TestDNSAnswerResponse/Protocol"), "UDP");
    EXPECT_EQ(seen_mask, 24);
    EXPECT_EQ(call("GET", "/2013-04-01/testdnsanswer", {{"hostedzoneid", zone}}).status, 400u);
    Response none = call("GET", "/2013-04-01/testdnsanswer",
                         {{"hostedzoneid", "ZNONE"}, {"recordname", "a.example.com"}, {"recordtype", "A"}});
    EXPECT_EQ(none.status, 404u);
}

}  // namespace
}  // namespace fz::api::testing
