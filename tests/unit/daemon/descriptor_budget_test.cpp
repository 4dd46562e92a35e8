// TCP connections sized to the descriptor limit: the reserve, and the cap with its reason.
#include "daemon/descriptor_budget.h"

#include <gtest/gtest.h>

namespace fz::daemon {
namespace {

loader::Config config(size_t addresses, unsigned workers, bool metrics) {
    loader::Config c;
    for (size_t i = 0; i < addresses; ++i) {
        auto a = parse_listen_address("127.0.0.1@" + std::to_string(5300 + i), 53);
        c.server.sockets.listen.push_back(*a);
    }
    c.server.sockets.workers = workers;
    if (metrics) c.metrics.listen = *parse_listen_address("127.0.0.1@9153", 53);
    return c;
}

TEST(DescriptorBudget, TheReserveCountsWhatTheRestOfTheServerOpens) {
    DescriptorReserve plain = descriptor_reserve(config(2, 2, false), 10, 0);
    EXPECT_EQ(plain.open, 10u);
    EXPECT_EQ(plain.sockets, 2u * 3 + 2 + 2);  // UDP per worker and TCP per address; epolls; stop event
    EXPECT_EQ(plain.health_probes, 0u);
    DescriptorReserve more = descriptor_reserve(config(2, 2, true), 10, 50);
    EXPECT_EQ(more.health_probes, 50u);
    EXPECT_GT(more.others, plain.others);  // the metrics endpoint's listener and clients
    EXPECT_EQ(more.total(), more.open + more.sockets + more.health_probes + more.others);
}

TEST(DescriptorBudget, TcpConnectionsAreLoweredBelowTheDescriptorLimit) {
    DescriptorReserve r = descriptor_reserve(config(1, 1, true), 12, 0);
    // ulimit -n 1024 with the default tcp_max_connections 1024: lowered, with room left.
    TcpCap cap = tcp_connection_cap(1024, 1024, r);
    EXPECT_TRUE(cap.lowered);
    EXPECT_EQ(cap.connections, 1024 - r.total());
    EXPECT_GT(cap.connections, 800u);
    const std::string why = describe(cap, 1024, 1024, r);
    EXPECT_NE(why.find("tcp_max_connections=" + std::to_string(cap.connections)), std::string::npos) << why;
    EXPECT_NE(why.find("configured=1024 fd_limit=1024"), std::string::npos) << why;
    // A limit with room to spare keeps the configured value.
    cap = tcp_connection_cap(1024, 65536, r);
    EXPECT_FALSE(cap.lowered);
    EXPECT_EQ(cap.connections, 1024u);
    // A tiny limit still leaves TCP a few slots (accept()'s back-off protects the rest).
    cap = tcp_connection_cap(1024, 64, r);
    EXPECT_EQ(cap.connections, 16u);
    EXPECT_EQ(tcp_connection_cap(4, 64, r).connections, 4u);
}

}  // namespace
}  // namespace fz::daemon
