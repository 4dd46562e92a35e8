// When a server may announce its anycast addresses: the verdict the anycast thread applies
// once a second (the netlink side runs in tests/integration/anycast_bird.py).
#include "daemon/anycast.h"

#include <gtest/gtest.h>

namespace fz::daemon {
namespace {

AnycastInputs serving_fleet(int64_t last_contact_ms) {
    AnycastInputs in;
    in.listening = true;
    in.fleet = true;
    in.last_contact_ms = last_contact_ms;
    return in;
}

TEST(AnycastVerdict, AnnouncedOnlyWhileListeningAndNotStopping) {
    AnycastInputs in;
    EXPECT_FALSE(anycast_verdict(in, 1000, 30).serving);
    EXPECT_EQ(anycast_verdict(in, 1000, 30).reason, "not listening");
    in.listening = true;
    EXPECT_TRUE(anycast_verdict(in, 1000, 30).serving);  // no fleet: no staleness to judge
    in.stopping = true;
    EXPECT_EQ(anycast_verdict(in, 1000, 30).reason, "stopping");
}

TEST(AnycastVerdict, ADataPlaneFaultWithdraws) {
    AnycastInputs in = serving_fleet(1000);
    in.dataplane_fault = "port 0 link down";
    const AnycastVerdict v = anycast_verdict(in, 1000, 30);
    EXPECT_FALSE(v.serving);
    EXPECT_EQ(v.reason, "data plane: port 0 link down");
}

TEST(AnycastVerdict, DataStalePastTheLimitWithdraws) {
    EXPECT_FALSE(anycast_verdict(serving_fleet(0), 5000, 30).serving) << "no data from etcd yet";
    EXPECT_TRUE(anycast_verdict(serving_fleet(100'000), 130'000, 30).serving);  // 30 s: at the limit
    const AnycastVerdict stale = anycast_verdict(serving_fleet(100'000), 131'500, 30);
    EXPECT_FALSE(stale.serving);
    EXPECT_EQ(stale.reason, "data stale for 31 s (etcd unreachable)");
}

}  // namespace
}  // namespace fz::daemon
