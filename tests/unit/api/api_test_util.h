// What the API's tests share: a Handler over a memory-only Registry, signed requests, and
// XPath over responses.
#pragma once

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <string>
#include <utility>
#include <vector>

#include "api/handler.h"
#include "change/registry.h"

namespace fz::api::testing {

inline constexpr const char* kAdmin = "AKIAADMIN";
inline constexpr const char* kReader = "AKIAREADER";
inline constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
inline constexpr int64_t kNow = 1764700000;  // the handler's clock, Unix seconds

inline Credentials test_credentials() {
    auto c = Credentials::parse(std::string(R"({"AccessKeys": [
        {"AccessKeyId": "AKIAADMIN", "SecretAccessKey": ")") +
                                    kSecret + R"(", "Actions": ["route53:*"],
         "HostedZones": ["*"]},
        {"AccessKeyId": "AKIAREADER", "SecretAccessKey": ")" +
                                    kSecret + R"(",
         "Actions": ["route53:ListHostedZones", "route53:ListResourceRecordSets"], "HostedZones": ["ZALLOWED"]}]})",
                                "creds.json");
    EXPECT_TRUE(c.ok()) << c.error().to_string();
    return c.ok() ? *c : Credentials{};
}

inline change::RegistryOptions registry_options() {
    change::RegistryOptions o;
    o.name_servers = {"ns1.fastzone.test.", "ns2.fastzone.test."};
    return o;
}

class ApiTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(registry_.open().ok()); }

    static HandlerOptions handler_options() {
        HandlerOptions o;
        o.clock = [] { return kNow; };
        return o;
    }

    Request make(const std::string& method, const std::string& path,
                 std::vector<std::pair<std::string, std::string>> query = {}, const std::string& body = "") {
        Request r;
        r.method = method;
        r.path = path;
        r.query = std::move(query);
        r.body = body;
        r.headers = {{"Host", "localhost:8053"}, {"X-Amz-Date", format_amz_date(kNow)}};
        if (!body.empty()) r.headers.emplace_back("Content-Type", "text/xml");
        return r;
    }
    void sign(Request& r, const char* key = kAdmin, const std::string& secret = kSecret) {
        r.headers.emplace_back("Authorization", sign_request(r, key, secret, "us-east-1", "route53"));
    }
    Response call(const std::string& method, const std::string& path,
                  std::vector<std::pair<std::string, std::string>> query = {}, const std::string& body = "",
                  const char* key = kAdmin) {
        Request r = make(method, path, std::move(query), body);
        sign(r, key);
        return handler_.handle(r);
    }

    // The text at `xpath` in the response body ("" when absent).
    static std::string at(const Response& r, const char* xpath) {
        pugi::xml_document doc;
        if (!doc.load_buffer(r.body.data(), r.body.size())) return "<unparsable>";
        return doc.select_node(xpath).node().text().get();
    }
    static size_t count(const Response& r, const char* xpath) {
        pugi::xml_document doc;
        if (!doc.load_buffer(r.body.data(), r.body.size())) return 0;
        return doc.select_nodes(xpath).size();
    }

    // Creates a zone and returns its id (without /hostedzone/).
    std::string create_zone(const std::string& name, const std::string& reference) {
        Response r = call("POST", "/2013-04-01/hostedzone", {},
                          "<CreateHostedZoneRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Name>" +
                              name + "</Name><CallerReference>" + reference +
                              "</CallerReference></CreateHostedZoneRequest>");
        EXPECT_EQ(r.status, 201u) << r.body;
        std::string id = at(r, "/CreateHostedZoneResponse/HostedZone/Id");
        return id.substr(id.rfind('/') + 1);
    }

    static std::string changes(const std::string& inner) {
        return "<ChangeResourceRecordSetsRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
               "<ChangeBatch><Changes>" +
               inner + "</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>";
    }
    static std::string a_record(const std::string& action, const std::string& name, const std::string& value,
                                const std::string& extra = "") {
        return "<Change><Action>" + action + "</Action><ResourceRecordSet><Name>" + name + "</Name><Type>A</Type>" +
               extra + "<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>" + value +
               "</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change>";
    }

    change::Registry registry_{registry_options(), nullptr};
    Handler handler_{registry_, test_credentials(), handler_options()};
};

}  // namespace fz::api::testing
