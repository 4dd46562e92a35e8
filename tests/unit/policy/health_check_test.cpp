// Route 53 health checks: schema, defaults, validation errors, CALCULATED derivation.
#include "policy/health_check.h"

#include <gtest/gtest.h>

namespace fz::policy {
namespace {

Result<HealthCheckSet> parse(const std::string& items) {
    return parse_health_checks_text("{\"HealthChecks\": [\n" + items + "\n]}", "hc.json");
}

std::string check(const std::string& id, const std::string& config) {
    return "{\"Id\": \"" + id + "\", \"HealthCheckConfig\": {" + config + "}}";
}

TEST(HealthCheck, ParsesTypesAndAppliesRoute53Defaults) {
    auto r = parse(
        check("web", R"("Type": "HTTPS", "FullyQualifiedDomainName": "www.example.com", "RequestInterval": 10)") +
        ",\n" +
        check("tcp",
              R"("Type": "TCP", "IPAddress": "192.0.2.1", "Port": 22, "FailureThreshold": 1, "Inverted": true)") +
        ",\n" +
        check(
            "str",
            R"("Type": "HTTP_STR_MATCH", "IPAddress": "2001:db8::1", "SearchString": "ok", "ResourcePath": "/health")") +
        ",\n" + check("all", R"("Type": "CALCULATED", "ChildHealthChecks": ["web", "tcp"], "HealthThreshold": 1)"));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->checks.size(), 4u);
    const HealthCheck& web = r->checks[0];
    EXPECT_EQ(web.type, HealthCheckType::kHttps);
    EXPECT_EQ(web.port, 443);
    EXPECT_EQ(web.resource_path, "/");
    EXPECT_EQ(web.failure_threshold, 3u);
    EXPECT_EQ(web.request_interval, 10u);
    EXPECT_TRUE(web.enable_sni);
    EXPECT_EQ(r->checks[1].port, 22);
    EXPECT_TRUE(r->checks[1].inverted);
    EXPECT_EQ(r->checks[2].port, 80);
    EXPECT_EQ(r->checks[2].line, 4u);
    EXPECT_EQ(r->checks[3].children, (std::vector<uint32_t>{0, 1}));
    EXPECT_EQ(r->find("str"), 2);
    EXPECT_EQ(r->find("nope"), -1);
}

void expect_error(const std::string& items, const std::string& needle) {
    auto r = parse(items);
    ASSERT_FALSE(r.ok()) << items;
    EXPECT_EQ(r.error().file, "hc.json");
    EXPECT_NE(r.error().to_string().find(needle), std::string::npos) << r.error().to_string();
}

// What the store writes and reads back: every field, each type's defaults kept as they were.
TEST(HealthCheck, JsonReadsBackAsTheSameCheck) {
    auto r = parse(
        check("web", R"("Type": "HTTPS", "FullyQualifiedDomainName": "www.example.com", "RequestInterval": 10,
                        "EnableSNI": false, "Regions": ["us-east-1", "eu-west-1", "ap-southeast-1"])") +
        ",\n" + check("tcp", R"("Type": "TCP", "IPAddress": "192.0.2.1", "Port": 22, "Disabled": true)") + ",\n" +
        check("str", R"("Type": "HTTP_STR_MATCH", "IPAddress": "2001:db8::1", "SearchString": "a \"b\"",
                        "ResourcePath": "/health", "MeasureLatency": true, "Inverted": true, "FailureThreshold": 7)") +
        ",\n" + check("all", R"("Type": "CALCULATED", "ChildHealthChecks": ["web", "tcp"], "HealthThreshold": 0)"));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    std::string items;
    for (const HealthCheck& hc : r->checks) items += (items.empty() ? "" : ",\n") + health_check_to_json(hc);
    auto back = parse(items);
    ASSERT_TRUE(back.ok()) << back.error().to_string() << "\n" << items;
    ASSERT_EQ(back->checks.size(), r->checks.size());
    for (size_t i = 0; i < r->checks.size(); ++i) {
        const HealthCheck& a = r->checks[i];
        const HealthCheck& b = back->checks[i];
        EXPECT_EQ(health_check_to_json(b), health_check_to_json(a));
        EXPECT_EQ(b.id, a.id);
        EXPECT_EQ(b.type, a.type);
        EXPECT_EQ(b.port, a.port);
        EXPECT_EQ(b.resource_path, a.resource_path);
        EXPECT_EQ(b.enable_sni, a.enable_sni);
        EXPECT_EQ(b.health_threshold, a.health_threshold);
        EXPECT_EQ(b.children, a.children);
        EXPECT_EQ(b.regions, a.regions);
    }
    EXPECT_FALSE(back->checks[0].enable_sni);  // not HTTPS's default: written out
    EXPECT_EQ(back->checks[3].health_threshold, 0u);
}

TEST(HealthCheck, ValidationErrors) {
    expect_error(check("a", R"("Type": "PING", "IPAddress": "192.0.2.1")"), "health check \"a\": Type \"PING\"");
    expect_error(check("a", R"("Type": "TCP", "IPAddress": "192.0.2.1")"), "TCP health check needs a Port");
    expect_error(check("a", R"("Type": "HTTP", "IPAddress": "192.0.2.1", "RequestInterval": 31)"),
                 "RequestInterval 31 is outside 1..30");
    expect_error(check("a", R"("Type": "HTTP", "IPAddress": "192.0.2.1", "FailureThreshold": 0)"),
                 "FailureThreshold 0 is outside 1..10");
    expect_error(check("a", R"("Type": "HTTP", "IPAddress": "not-an-ip")"), "not an IPv4 or IPv6 address");
    expect_error(check("a", R"("Type": "HTTP")"), "needs IPAddress or FullyQualifiedDomainName");
    expect_error(check("a", R"("Type": "HTTPS_STR_MATCH", "IPAddress": "192.0.2.1")"), "needs a SearchString");
    expect_error(check("a", R"("Type": "HTTP", "IPAddress": "192.0.2.1", "Colour": "red")"), "Colour unknown field");
    expect_error(check("a", R"("Type": "CALCULATED", "ChildHealthChecks": ["ghost"])"),
                 "child health check \"ghost\" does not exist");
    expect_error(check("a", R"("Type": "CALCULATED", "ChildHealthChecks": ["b"])") + "," +
                     check("b", R"("Type": "CALCULATED", "ChildHealthChecks": ["a"])"),
                 "cycle");
    expect_error(check("a", R"("Type": "TCP", "IPAddress": "192.0.2.1", "Port": 1)") + "," +
                     check("a", R"("Type": "TCP", "IPAddress": "192.0.2.1", "Port": 1)"),
                 "duplicate Id");
    expect_error(check("a", R"("Type": "CLOUDWATCH_METRIC")"), "cannot evaluate");
    auto bad = parse_health_checks_text("{\"HealthChecks\": [\n{\"Id\": }\n]}", "hc.json");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().line, 2u);
}

TEST(HealthCheck, CalculatedFollowsChildrenThresholdInvertAndDisable) {
    auto r = parse(check("a", R"("Type": "TCP", "IPAddress": "192.0.2.1", "Port": 1)") + "," +
                   check("b", R"("Type": "TCP", "IPAddress": "192.0.2.1", "Port": 1)") + "," +
                   check("two", R"("Type": "CALCULATED", "ChildHealthChecks": ["a", "b"], "HealthThreshold": 2)") +
                   "," + check("top", R"("Type": "CALCULATED", "ChildHealthChecks": ["two"], "Inverted": true)") + "," +
                   check("off",
                         R"("Type": "TCP", "IPAddress": "192.0.2.1", "Port": 1, "Disabled": true, "Inverted": true)"));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    HealthVector h = initial_health(*r);
    EXPECT_EQ(h, (HealthVector{1, 1, 1, 0, 0}));
    h[1] = 0;
    derive_calculated_health(*r, h);
    EXPECT_EQ(h[2], 0);  // only one of two children healthy
    EXPECT_EQ(h[3], 1);  // inverted
}

}  // namespace
}  // namespace fz::policy
