// Tests of the EAL command line fastzoned builds from dataplane.eal (io/dpdk/eal_args.h):
// what it adds (our XDP program, queues, lcores, a runtime prefix) and what it leaves alone.
#include "io/dpdk/eal_args.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace fz::io::dpdk {
namespace {

io::dpdk::DataplaneOptions dataplane(std::vector<std::string> eal, std::string device, unsigned queues) {
    io::dpdk::DataplaneOptions c;
    c.eal = std::move(eal);
    io::dpdk::PortOptions p;
    p.device = std::move(device);
    p.queues = queues;
    c.ports.push_back(p);
    return c;
}

TEST(DpdkEalArgs, AddsXdpProgramQueuesLcoresAndPrefix) {
    auto c = dataplane({"--no-pci", "--no-huge", "-m", "512", "--vdev=net_af_xdp0,iface=veth-fz"}, "net_af_xdp0", 1);
    const unsigned cpus[] = {0, 1};
    auto plan = plan_eal(c, "/x/dns_steer.bpf.o", cpus, "fastzone-1");
    ASSERT_TRUE(plan.ok()) << plan.error().to_string();
    std::vector<std::string> want = {"fastzoned",
                                     "-l",
                                     "0,1",
                                     "--file-prefix=fastzone-1",
                                     "--no-pci",
                                     "--no-huge",
                                     "-m",
                                     "512",
                                     "--vdev=net_af_xdp0,iface=veth-fz,start_queue=0,queue_count=1,"
                                     "xdp_prog=/x/dns_steer.bpf.o"};
    EXPECT_EQ(plan->args, want);
    EXPECT_EQ(plan->workers, 1u);
    EXPECT_EQ(plan->ifaces, std::vector<std::string>{"veth-fz"});
}

TEST(DpdkEalArgs, KeepsWhatTheOperatorChose) {
    auto c = dataplane({"-l", "2-3", "--file-prefix=mine", "--vdev", "net_af_xdp0,iface=eth1,xdp_prog=/mine.o"},
                       "net_af_xdp0", 1);
    const unsigned cpus[] = {0};
    auto plan = plan_eal(c, "/x/dns_steer.bpf.o", cpus, "fastzone-1");
    ASSERT_TRUE(plan.ok()) << plan.error().to_string();
    std::vector<std::string> want = {
        "fastzoned",          "-l",     "2-3",
        "--file-prefix=mine", "--vdev", "net_af_xdp0,iface=eth1,xdp_prog=/mine.o,start_queue=0,queue_count=1"};
    EXPECT_EQ(plan->args, want);
    EXPECT_TRUE(plan->lcores_given);
}

TEST(DpdkEalArgs, HugepagesRunInMemoryAndTapsAreNotExistingInterfaces) {
    auto c = dataplane({"--vdev=net_tap0,iface=fz-tap0"}, "net_tap0", 1);
    const unsigned cpus[] = {4, 5, 6};
    auto plan = plan_eal(c, "", cpus, "fastzone-9");
    ASSERT_TRUE(plan.ok());
    std::vector<std::string> want = {
        "fastzoned", "-l", "4,5", "--file-prefix=fastzone-9", "--in-memory", "--vdev=net_tap0,iface=fz-tap0"};
    EXPECT_EQ(plan->args, want);
    EXPECT_TRUE(plan->ifaces.empty());
}

TEST(DpdkEalArgs, TooFewCpusIsAClearError) {
    auto c = dataplane({"--no-huge"}, "0000:01:00.0", 4);
    const unsigned cpus[] = {0, 1};
    auto plan = plan_eal(c, "", cpus, "fastzone-1");
    ASSERT_FALSE(plan.ok());
    EXPECT_NE(plan.error().message.find("needs 5 lcores"), std::string::npos) << plan.error().message;
    EXPECT_NE(plan.error().message.find("only 2 CPUs"), std::string::npos);
}

TEST(DpdkEalArgs, VdevValues) {
    EXPECT_EQ(vdev_value("net_af_packet0,iface=veth-fz,qpairs=2", "iface"), "veth-fz");
    EXPECT_EQ(vdev_value("net_af_packet0,iface=veth-fz,qpairs=2", "qpairs"), "2");
    EXPECT_EQ(vdev_value("net_af_packet0", "iface"), "");
    std::vector<std::string> eal = {"--vdev=net_null0", "--vdev", "net_af_packet1,iface=x"};
    EXPECT_EQ(vdev_args_for(eal, "net_af_packet1"), "net_af_packet1,iface=x");
    EXPECT_EQ(vdev_args_for(eal, "net_af_packet0"), "");
}

}  // namespace
}  // namespace fz::io::dpdk
