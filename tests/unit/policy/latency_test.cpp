// Latency CSV: parsing, ordering, fallback to covering prefixes and the default order.
#include "policy/latency.h"

#include <gtest/gtest.h>

#include "policy_test_util.h"

namespace fz::policy {
namespace {

using testing::client;

std::vector<std::string> order_names(const LatencyTable& t, const ClientInfo& c, uint8_t* depth = nullptr) {
    const LpmMatch m = t.lookup(c);
    if (depth) *depth = m.depth;
    std::vector<std::string> out;
    for (uint16_t r : t.order_for(m.value)) out.push_back(t.regions()[r]);
    return out;
}

TEST(Latency, OrdersRegionsAndFallsBackToCoveringPrefixThenDefault) {
    auto t = parse_latency_text(R"(client prefix,region,latency ms
# measured from real-user monitoring
203.0.113.0/24,us-east-1,23
203.0.113.0/24,eu-west-1,80.5
203.0.0.0/16,ap-southeast-1,150
203.0.0.0/16,us-east-1,40
2001:db8::/32,eu-west-1,12
)",
                                "lat.csv", LatencyOptions{{"us-west-2", "eu-west-1"}});
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    uint8_t depth = 0;
    EXPECT_EQ(order_names(**t, client("203.0.113.9"), &depth),
              (std::vector<std::string>{"us-east-1", "eu-west-1", "ap-southeast-1", "us-west-2"}));
    EXPECT_EQ(depth, 24);
    EXPECT_EQ(order_names(**t, client("203.0.5.1"), &depth),
              (std::vector<std::string>{"us-east-1", "ap-southeast-1", "us-west-2", "eu-west-1"}));
    EXPECT_EQ(depth, 18);  // 203.0.0.0/18: the widest block of the /16 that holds no part of the /24
    EXPECT_EQ(order_names(**t, client("2001:db8::1")), (std::vector<std::string>{"eu-west-1", "us-west-2"}));
    EXPECT_EQ(order_names(**t, client("198.51.100.1"), &depth), (std::vector<std::string>{"us-west-2", "eu-west-1"}));
    EXPECT_EQ((*t)->entries()[0].line, 3u);
}

TEST(Latency, ErrorsGiveFileAndLine) {
    auto bad = [](const std::string& text, uint32_t line, const std::string& needle) {
        auto t = parse_latency_text(text, "lat.csv");
        ASSERT_FALSE(t.ok()) << text;
        EXPECT_EQ(t.error().file, "lat.csv");
        EXPECT_EQ(t.error().line, line);
        EXPECT_NE(t.error().message.find(needle), std::string::npos) << t.error().message;
    };
    bad("192.0.2.0/24,us-east-1,10\n192.0.2.0/24,us-east-1,11\n", 2, "already has a latency");
    bad("192.0.2.0/24,us-east-1\n", 1, "3 fields");
    bad("192.0.2.0/24,us-east-1,fast\n", 1, "not a non-negative number");
    bad("192.0.2.0/24,us-east-1,-1\n", 1, "not a non-negative number");
    bad("192.0.2.0/24,,1\n", 1, "empty region");
    bad("\n\n192.0.2.300/24,us-east-1,1\n", 3, "not an IPv4 or IPv6");
}

}  // namespace
}  // namespace fz::policy
