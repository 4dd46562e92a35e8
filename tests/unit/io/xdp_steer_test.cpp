// Tests of the dns_steer XDP program in the kernel (BPF_PROG_TEST_RUN) and of its loader.
//
// They load the real program, so they need root; without it they are skipped. Frames
// are crafted byte by byte. With no AF_XDP socket on queue 0 bpf_redirect_map falls
// back to XDP_PASS, so the tests that must see XDP_REDIRECT first bind a real (copy
// mode) AF_XDP socket to a veth in a throw-away network namespace and register it.
#include "io/xdp/xdp_steer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include "dns_steer_abi.h"

namespace fz::io {
namespace {

constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kIcmp = 1;
constexpr uint8_t kIcmp6 = 58;
constexpr uint8_t kIpv6HopByHop = 0;
constexpr uint8_t kIpv6Fragment = 44;

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherArp = 0x0806;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88a8;

bool is_root() { return geteuid() == 0; }

void put8(std::vector<uint8_t>& out, uint8_t v) { out.push_back(v); }
void put16(std::vector<uint8_t>& out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
}
void put_zeros(std::vector<uint8_t>& out, size_t n) { out.insert(out.end(), n, 0); }
void put_ipv4(std::vector<uint8_t>& out, const char* text) {
    in_addr a{};
    EXPECT_EQ(inet_pton(AF_INET, text, &a), 1) << text;
    const auto* b = reinterpret_cast<const uint8_t*>(&a.s_addr);
    out.insert(out.end(), b, b + 4);
}
void put_ipv6(std::vector<uint8_t>& out, const char* text) {
    in6_addr a{};
    EXPECT_EQ(inet_pton(AF_INET6, text, &a), 1) << text;
    out.insert(out.end(), a.s6_addr, a.s6_addr + 16);
}

// One Ethernet frame as a client would send it to the server; fields default to a
// plain DNS query over IPv4 to 192.0.2.53 port 53.
struct Frame {
    int family = 4;
    uint8_t protocol = kUdp;
    const char* dst4 = "192.0.2.53";
    const char* dst6 = "2001:db8::53";
    uint16_t dst_port = 53;
    std::vector<uint16_t> vlan_tpids;       // one entry per tag, outermost first
    uint8_t ipv4_option_words = 0;          // 32-bit words of IPv4 options
    uint16_t ipv4_frag = 0;                 // IPv4 flags + fragment offset, host order
    std::optional<uint8_t> ipv6_extension;  // one extension header before the L4 header
    size_t payload = 29;                    // a small DNS question's worth

    std::vector<uint8_t> build() const {
        std::vector<uint8_t> l4;
        switch (protocol) {
            case kUdp:
                put16(l4, 40000);
                put16(l4, dst_port);
                put16(l4, static_cast<uint16_t>(8 + payload));
                put16(l4, 0);
                put_zeros(l4, payload);
                break;
            case kTcp:
                put16(l4, 40000);
                put16(l4, dst_port);
                put_zeros(l4, 8);
                put8(l4, 5 << 4);  // data offset
                put8(l4, 0x02);    // SYN
                put16(l4, 65535);
                put_zeros(l4, 4);
                break;
            case kIcmp:  // echo request
                put8(l4, 8);
                put_zeros(l4, 7 + payload);
                break;
            case kIcmp6:  // neighbour solicitation for the server's address
                put8(l4, 135);
                put_zeros(l4, 7);
                put_ipv6(l4, dst6);
                break;
            default: put_zeros(l4, payload);
        }

        std::vector<uint8_t> out;
        put_zeros(out, 6);  // destination MAC
        for (uint8_t b : {0x02, 0x00, 0x00, 0x00, 0x00, 0x07}) put8(out, b);
        for (uint16_t tpid : vlan_tpids) {
            put16(out, tpid);
            put16(out, 100);  // VLAN id
        }
        if (family == 4) {
            put16(out, kEtherIpv4);
            const size_t header = 20 + 4u * ipv4_option_words;
            put8(out, static_cast<uint8_t>(0x40 | (header / 4)));
            put8(out, 0);
            put16(out, static_cast<uint16_t>(header + l4.size()));
            put16(out, 0x1234);
            put16(out, ipv4_frag);
            put8(out, 64);
            put8(out, protocol);
            put16(out, 0);  // checksum: the program does not look at it
            put_ipv4(out, "198.51.100.7");
            put_ipv4(out, dst4);
            for (size_t i = 0; i < ipv4_option_words; ++i) {
                for (uint8_t b : {0x01, 0x01, 0x01, 0x00}) put8(out, b);  // NOPs, EOL
            }
        } else {
            put16(out, kEtherIpv6);
            const size_t ext = ipv6_extension ? 8 : 0;
            put8(out, 0x60);
            put_zeros(out, 3);
            put16(out, static_cast<uint16_t>(ext + l4.size()));
            put8(out, ipv6_extension ? *ipv6_extension : protocol);
            put8(out, 64);
            put_ipv6(out, "2001:db8:1::7");
            put_ipv6(out, dst6);
            if (ipv6_extension) {
                put8(out, protocol);  // the header after this one
                put_zeros(out, 7);
            }
        }
        out.insert(out.end(), l4.begin(), l4.end());
        return out;
    }
};

std::vector<uint8_t> arp_request() {
    std::vector<uint8_t> out(6, 0xff);
    for (uint8_t b : {0x02, 0x00, 0x00, 0x00, 0x00, 0x07}) put8(out, b);
    put16(out, kEtherArp);
    put16(out, 1);       // Ethernet
    put16(out, 0x0800);  // IPv4
    put8(out, 6);
    put8(out, 4);
    put16(out, 1);  // request
    put_zeros(out, 6);
    put_ipv4(out, "198.51.100.7");
    put_zeros(out, 6);
    put_ipv4(out, "192.0.2.53");
    return out;
}

std::vector<uint8_t> cut(std::vector<uint8_t> frame, size_t len) {
    frame.resize(len);
    return frame;
}

// Runs the program once on `frame` and returns its XDP action.
uint32_t run(int prog_fd, std::vector<uint8_t> frame) {
    bpf_test_run_opts opts{};
    opts.sz = sizeof(opts);
    opts.data_in = frame.data();
    opts.data_size_in = static_cast<uint32_t>(frame.size());
    opts.repeat = 1;
    const int rc = bpf_prog_test_run_opts(prog_fd, &opts);
    EXPECT_EQ(rc, 0) << "BPF_PROG_TEST_RUN: " << strerror(-rc);
    return opts.retval;
}

void expect_counters(const XdpSteering& steering, const XdpSteerCounters& want) {
    auto got = steering.counters();
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    EXPECT_EQ(got->redirected, want.redirected) << "redirected";
    EXPECT_EQ(got->pass_no_socket, want.pass_no_socket) << "pass_no_socket";
    EXPECT_EQ(got->pass_not_dns, want.pass_not_dns) << "pass_not_dns";
    EXPECT_EQ(got->pass_fragment, want.pass_fragment) << "pass_fragment";
    EXPECT_EQ(got->pass_malformed, want.pass_malformed) << "pass_malformed";
}

int sh(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

// A network namespace with a veth pair (fzx0 <-> fzx1, both up) inside; deleted on
// destruction whatever happened, which also deletes the veth pair. IPv6 is off in it
// so that no router solicitation or DAD probe reaches an attached program's counters.
class TestNetns {
public:
    TestNetns() : name_("fz-xdp-test-" + std::to_string(getpid())) {
        sh("ip netns del " + name_);  // left over by a killed run
        const std::string no_ipv6 = "ip netns exec " + name_ +
                                    " sh -c 'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'";
        ok_ = sh("ip netns add " + name_) == 0 && sh(no_ipv6) == 0 &&
              sh("ip -n " + name_ + " link add fzx0 type veth peer name fzx1") == 0 &&
              sh("ip -n " + name_ + " link set fzx0 up") == 0 && sh("ip -n " + name_ + " link set fzx1 up") == 0;
    }
    ~TestNetns() { sh("ip netns del " + name_); }
    TestNetns(const TestNetns&) = delete;
    TestNetns& operator=(const TestNetns&) = delete;

    bool ok() const { return ok_; }
    const std::string& name() const { return name_; }

private:
    std::string name_;
    bool ok_ = false;
};

// Moves this thread into a namespace for the guard's lifetime (setns is per thread).
class EnterNetns {
public:
    explicit EnterNetns(const std::string& name) {
        saved_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        const int target = open(("/var/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
        ok_ = saved_ >= 0 && target >= 0 && setns(target, CLONE_NEWNET) == 0;
        if (target >= 0) close(target);
    }
    ~EnterNetns() {
        if (saved_ >= 0) {
            if (ok_ && setns(saved_, CLONE_NEWNET) != 0) std::abort();  // never go on in the wrong one
            close(saved_);
        }
    }
    EnterNetns(const EnterNetns&) = delete;
    EnterNetns& operator=(const EnterNetns&) = delete;
    bool ok() const { return ok_; }

private:
    int saved_ = -1;
    bool ok_ = false;
};

// The smallest AF_XDP socket the kernel accepts in an XSKMAP: a UMEM, its rings, and a
// copy-mode bind to queue 0 of `ifname` in the current namespace. Nothing is received.
class XskSocket {
public:
    explicit XskSocket(const char* ifname) {
        umem_ = mmap(nullptr, kUmemSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        fd_ = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (umem_ == MAP_FAILED || fd_ < 0) {
            error_ = std::string("socket/mmap: ") + strerror(errno);
            return;
        }
        xdp_umem_reg reg{};
        reg.addr = reinterpret_cast<uintptr_t>(umem_);
        reg.len = kUmemSize;
        reg.chunk_size = kChunk;
        const int ring = 64;
        sockaddr_xdp addr{};
        addr.sxdp_family = AF_XDP;
        addr.sxdp_ifindex = if_nametoindex(ifname);
        addr.sxdp_queue_id = 0;
        addr.sxdp_flags = XDP_COPY;
        if (setsockopt(fd_, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) != 0 ||
            setsockopt(fd_, SOL_XDP, XDP_UMEM_FILL_RING, &ring, sizeof(ring)) != 0 ||
            setsockopt(fd_, SOL_XDP, XDP_UMEM_COMPLETION_RING, &ring, sizeof(ring)) != 0 ||
            setsockopt(fd_, SOL_XDP, XDP_RX_RING, &ring, sizeof(ring)) != 0 ||
            bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
            error_ = std::string("AF_XDP setup: ") + strerror(errno);
        }
    }
    ~XskSocket() {
        if (fd_ >= 0) close(fd_);
        if (umem_ != MAP_FAILED) munmap(umem_, kUmemSize);
    }
    XskSocket(const XskSocket&) = delete;
    XskSocket& operator=(const XskSocket&) = delete;

    int fd() const { return fd_; }
    const std::string& error() const { return error_; }

private:
    static constexpr size_t kChunk = 4096;
    static constexpr size_t kUmemSize = 64 * kChunk;
    void* umem_ = MAP_FAILED;
    int fd_ = -1;
    std::string error_;
};

class XdpSteerTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!is_root()) {
            GTEST_SKIP() << "loading XDP programs needs root";
        }
        auto loaded = XdpSteering::load();
        ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
        steering_.emplace(std::move(loaded).value());
    }

    // Registers a real AF_XDP socket for RX queue 0, so DNS frames get XDP_REDIRECT.
    void add_socket() {
        netns_.emplace();
        ASSERT_TRUE(netns_->ok()) << "could not create netns " << netns_->name();
        EnterNetns inside(netns_->name());
        ASSERT_TRUE(inside.ok()) << "setns into " << netns_->name() << ": " << strerror(errno);
        xsk_.emplace("fzx0");
        ASSERT_TRUE(xsk_->error().empty()) << xsk_->error();
        auto s = steering_->register_socket(0, xsk_->fd());
        ASSERT_TRUE(s.ok()) << s.error().to_string();
    }

    uint32_t run(const Frame& frame) { return fz::io::run(steering_->program_fd(), frame.build()); }
    uint32_t run(std::vector<uint8_t> frame) { return fz::io::run(steering_->program_fd(), std::move(frame)); }

    // Declared first so they outlive steering_ (the map holds the socket).
    std::optional<TestNetns> netns_;
    std::optional<XskSocket> xsk_;
    std::optional<XdpSteering> steering_;
};

Frame ipv6_dns() {
    Frame f;
    f.family = 6;
    return f;
}

TEST_F(XdpSteerTest, DnsWithoutSocketPassesAndIsCountedAsNoSocket) {
    EXPECT_EQ(run(Frame{}), XDP_PASS);
    EXPECT_EQ(run(ipv6_dns()), XDP_PASS);
    expect_counters(*steering_, {.pass_no_socket = 2});
}

TEST_F(XdpSteerTest, DnsOverIpv4AndIpv6IsRedirectedToTheQueueSocket) {
    ASSERT_NO_FATAL_FAILURE(add_socket());
    EXPECT_EQ(run(Frame{}), XDP_REDIRECT);
    EXPECT_EQ(run(ipv6_dns()), XDP_REDIRECT);
    expect_counters(*steering_, {.redirected = 2});

    ASSERT_TRUE(steering_->unregister_socket(0).ok());
    EXPECT_EQ(run(Frame{}), XDP_PASS);
    expect_counters(*steering_, {.redirected = 2, .pass_no_socket = 1});
}

TEST_F(XdpSteerTest, VlanTaggedDnsIsRedirected) {
    ASSERT_NO_FATAL_FAILURE(add_socket());
    Frame dot1q;
    dot1q.vlan_tpids = {kEtherVlan};
    Frame dot1ad = ipv6_dns();
    dot1ad.vlan_tpids = {kEtherQinQ};
    EXPECT_EQ(run(dot1q), XDP_REDIRECT);
    EXPECT_EQ(run(dot1ad), XDP_REDIRECT);
    // Only one tag is looked through: QinQ goes to the kernel.
    Frame two_tags;
    two_tags.vlan_tpids = {kEtherQinQ, kEtherVlan};
    EXPECT_EQ(run(two_tags), XDP_PASS);
    expect_counters(*steering_, {.redirected = 2, .pass_not_dns = 1});
}

TEST_F(XdpSteerTest, EverythingThatIsNotDnsOverUdpPasses) {
    ASSERT_NO_FATAL_FAILURE(add_socket());  // so that a wrong steer would show as REDIRECT
    Frame tcp;
    tcp.protocol = kTcp;
    Frame tcp6 = ipv6_dns();
    tcp6.protocol = kTcp;
    Frame icmp;
    icmp.protocol = kIcmp;
    Frame ns = ipv6_dns();
    ns.protocol = kIcmp6;
    Frame mdns;
    mdns.dst_port = 5353;
    Frame mdns6 = ipv6_dns();
    mdns6.dst_port = 5353;
    Frame hop_by_hop = ipv6_dns();  // UDP/53 behind an extension header
    hop_by_hop.ipv6_extension = kIpv6HopByHop;

    EXPECT_EQ(run(tcp), XDP_PASS) << "TCP/53";
    EXPECT_EQ(run(tcp6), XDP_PASS) << "TCP/53 over IPv6";
    EXPECT_EQ(run(arp_request()), XDP_PASS) << "ARP";
    EXPECT_EQ(run(icmp), XDP_PASS) << "ICMP";
    EXPECT_EQ(run(ns), XDP_PASS) << "ICMPv6 neighbour solicitation";
    EXPECT_EQ(run(mdns), XDP_PASS) << "UDP/5353";
    EXPECT_EQ(run(mdns6), XDP_PASS) << "UDP/5353 over IPv6";
    EXPECT_EQ(run(hop_by_hop), XDP_PASS) << "IPv6 hop-by-hop header";
    expect_counters(*steering_, {.pass_not_dns = 8});
}

TEST_F(XdpSteerTest, TruncatedFramesPassAndAreCountedAsMalformed) {
    ASSERT_NO_FATAL_FAILURE(add_socket());
    const std::vector<uint8_t> v4 = Frame{}.build();
    const std::vector<uint8_t> v6 = ipv6_dns().build();
    Frame tagged;
    tagged.vlan_tpids = {kEtherVlan};

    EXPECT_EQ(run(cut(v4, 14)), XDP_PASS) << "Ethernet header only";
    EXPECT_EQ(run(cut(v4, 14 + 12)), XDP_PASS) << "IPv4 header cut";
    EXPECT_EQ(run(cut(v4, 14 + 20 + 4)), XDP_PASS) << "UDP header cut";
    EXPECT_EQ(run(cut(v6, 14 + 30)), XDP_PASS) << "IPv6 header cut";
    EXPECT_EQ(run(cut(v6, 14 + 40 + 6)), XDP_PASS) << "UDP header cut after IPv6";
    EXPECT_EQ(run(cut(tagged.build(), 16)), XDP_PASS) << "VLAN tag cut";
    // Not DNS at all, cut short: nothing to steer, so not counted as malformed.
    Frame tcp;
    tcp.protocol = kTcp;
    EXPECT_EQ(run(cut(tcp.build(), 14 + 20 + 4)), XDP_PASS) << "TCP header cut";
    expect_counters(*steering_, {.pass_not_dns = 1, .pass_malformed = 6});
}

TEST_F(XdpSteerTest, BadIpHeadersAreMalformed) {
    std::vector<uint8_t> bad_ihl = Frame{}.build();
    bad_ihl[14] = 0x44;  // IHL 4: shorter than the fixed header
    std::vector<uint8_t> bad_version = Frame{}.build();
    bad_version[14] = 0x65;
    EXPECT_EQ(run(bad_ihl), XDP_PASS);
    EXPECT_EQ(run(bad_version), XDP_PASS);
    expect_counters(*steering_, {.pass_malformed = 2});
}

TEST_F(XdpSteerTest, FragmentsGoToTheKernelAndDfDoesNotMakeAFragment) {
    ASSERT_NO_FATAL_FAILURE(add_socket());
    Frame first;  // UDP header present, but more fragments follow
    first.ipv4_frag = 0x2000;
    Frame later;  // offset 1480 bytes: no UDP header, whatever the bytes say
    later.ipv4_frag = 1480 / 8;
    Frame ipv6_fragment = ipv6_dns();
    ipv6_fragment.ipv6_extension = kIpv6Fragment;
    Frame dont_fragment;
    dont_fragment.ipv4_frag = 0x4000;

    EXPECT_EQ(run(first), XDP_PASS);
    EXPECT_EQ(run(later), XDP_PASS);
    EXPECT_EQ(run(ipv6_fragment), XDP_PASS);
    EXPECT_EQ(run(dont_fragment), XDP_REDIRECT);
    expect_counters(*steering_, {.redirected = 1, .pass_fragment = 3});
}

TEST_F(XdpSteerTest, Ipv4OptionsAreSkipped) {
    ASSERT_NO_FATAL_FAILURE(add_socket());
    Frame with_options;
    with_options.ipv4_option_words = 3;
    EXPECT_EQ(run(with_options), XDP_REDIRECT);
    with_options.dst_port = 5353;
    EXPECT_EQ(run(with_options), XDP_PASS);
    expect_counters(*steering_, {.redirected = 1, .pass_not_dns = 1});
}

TEST_F(XdpSteerTest, ConfiguredPortsReplacePort53) {
    ASSERT_NO_FATAL_FAILURE(add_socket());
    const std::vector<uint16_t> ports = {5300, 53, 8053};
    ASSERT_TRUE(steering_->set_ports(ports).ok());
    for (uint16_t port : {53, 5300, 8053}) {
        Frame f;
        f.dst_port = port;
        EXPECT_EQ(run(f), XDP_REDIRECT) << port;
        Frame f6 = ipv6_dns();
        f6.dst_port = port;
        EXPECT_EQ(run(f6), XDP_REDIRECT) << port;
    }
    Frame other;
    other.dst_port = 5353;
    EXPECT_EQ(run(other), XDP_PASS);

    const std::vector<uint16_t> only_5300 = {5300};
    ASSERT_TRUE(steering_->set_ports(only_5300).ok());
    EXPECT_EQ(run(Frame{}), XDP_PASS) << "53 is no longer steered";

    ASSERT_TRUE(steering_->set_ports({}).ok());  // back to the default
    EXPECT_EQ(run(Frame{}), XDP_REDIRECT);
    expect_counters(*steering_, {.redirected = 7, .pass_not_dns = 2});
}

TEST_F(XdpSteerTest, PortListsAreChecked) {
    const std::vector<uint16_t> too_many = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    auto s = steering_->set_ports(too_many);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("at most 8"), std::string::npos) << s.error().message;
    const std::vector<uint16_t> zero = {53, 0};
    EXPECT_FALSE(steering_->set_ports(zero).ok());
    const std::vector<uint16_t> duplicates = {53, 53, 53, 53, 53, 53, 53, 53, 53, 5300};
    EXPECT_TRUE(steering_->set_ports(duplicates).ok());
}

TEST_F(XdpSteerTest, AddressFilterOnAndOff) {
    ASSERT_NO_FATAL_FAILURE(add_socket());
    Frame ours;
    Frame other;
    other.dst4 = "192.0.2.54";
    Frame ours6 = ipv6_dns();
    Frame other6 = ipv6_dns();
    other6.dst6 = "2001:db8::54";

    // No address configured: any address.
    EXPECT_EQ(run(other), XDP_REDIRECT);
    EXPECT_EQ(run(other6), XDP_REDIRECT);

    // IPv4 only: other IPv4 addresses and all of IPv6 go to the kernel.
    const std::vector<std::string> v4_only = {"192.0.2.53/24"};
    auto s = steering_->set_addresses(v4_only);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    EXPECT_EQ(run(ours), XDP_REDIRECT);
    EXPECT_EQ(run(other), XDP_PASS);
    EXPECT_EQ(run(ours6), XDP_PASS);

    const std::vector<std::string> both = {"192.0.2.53", "2001:db8::53/64", "192.0.2.60"};
    s = steering_->set_addresses(both);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    EXPECT_EQ(run(ours), XDP_REDIRECT);
    EXPECT_EQ(run(ours6), XDP_REDIRECT);
    EXPECT_EQ(run(other6), XDP_PASS);
    Frame vlan_ours6 = ours6;
    vlan_ours6.vlan_tpids = {kEtherVlan};
    EXPECT_EQ(run(vlan_ours6), XDP_REDIRECT);

    // Replacing the set drops addresses no longer listed.
    const std::vector<std::string> moved = {"192.0.2.54"};
    ASSERT_TRUE(steering_->set_addresses(moved).ok());
    EXPECT_EQ(run(ours), XDP_PASS);
    EXPECT_EQ(run(other), XDP_REDIRECT);

    ASSERT_TRUE(steering_->set_addresses(std::vector<std::string>{}).ok());
    EXPECT_EQ(run(ours), XDP_REDIRECT);
    EXPECT_EQ(run(other6), XDP_REDIRECT);
    expect_counters(*steering_, {.redirected = 9, .pass_not_dns = 4});
}

// Up to kDnsSteerInlineAddrs addresses a family are compared inside the config; more go
// to the hash maps. Both ways steer the same packets, and moving between them loses none.
TEST_F(XdpSteerTest, ManyAddressesUseTheMapsFewTheConfig) {
    ASSERT_NO_FATAL_FAILURE(add_socket());
    std::vector<std::string> many;
    for (int i = 0; i < 6; ++i) many.push_back("192.0.2." + std::to_string(50 + i));
    for (int i = 0; i < 5; ++i) many.push_back("2001:db8::" + std::to_string(50 + i));
    ASSERT_GT(many.size() / 2, static_cast<size_t>(kDnsSteerInlineAddrs));
    ASSERT_TRUE(steering_->set_addresses(many).ok());
    for (const char* dst : {"192.0.2.50", "192.0.2.55"}) {
        Frame f;
        f.dst4 = dst;
        EXPECT_EQ(run(f), XDP_REDIRECT) << dst;
    }
    Frame far;
    far.dst4 = "192.0.2.56";
    EXPECT_EQ(run(far), XDP_PASS);
    Frame six = ipv6_dns();
    six.dst6 = "2001:db8::54";
    EXPECT_EQ(run(six), XDP_REDIRECT);
    six.dst6 = "2001:db8::55";
    EXPECT_EQ(run(six), XDP_PASS);

    const std::vector<std::string> few = {"192.0.2.56", "2001:db8::55"};
    ASSERT_TRUE(steering_->set_addresses(few).ok());
    EXPECT_EQ(run(far), XDP_REDIRECT);
    EXPECT_EQ(run(six), XDP_REDIRECT);
    Frame old;
    old.dst4 = "192.0.2.50";
    EXPECT_EQ(run(old), XDP_PASS);
}

TEST_F(XdpSteerTest, AddressTextIsChecked) {
    const std::vector<std::string> bad = {"192.0.2.53", "ns1.example.com"};
    auto s = steering_->set_addresses(bad);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("ns1.example.com"), std::string::npos);
}

TEST_F(XdpSteerTest, CountersSumAndReset) {
    for (int i = 0; i < 5; ++i) {
        run(Frame{});
        run(arp_request());
    }
    expect_counters(*steering_, {.pass_no_socket = 5, .pass_not_dns = 5});
    auto c = steering_->counters();
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->total(), 10u);
    ASSERT_TRUE(steering_->reset_counters().ok());
    expect_counters(*steering_, {});
}

// bpf_xdp_query's view of `ifindex`: the attached program's id per mode.
bpf_xdp_query_opts query(uint32_t ifindex) {
    bpf_xdp_query_opts opts{};
    opts.sz = sizeof(opts);
    EXPECT_EQ(bpf_xdp_query(static_cast<int>(ifindex), 0, &opts), 0);
    return opts;
}

TEST(XdpSteerAttachTest, AttachesToAVethAndLeavesNothingBehind) {
    if (!is_root()) {
        GTEST_SKIP() << "attaching XDP programs needs root";
    }
    TestNetns netns;
    ASSERT_TRUE(netns.ok()) << "could not create netns " << netns.name();
    EnterNetns inside(netns.name());
    ASSERT_TRUE(inside.ok()) << "setns: " << strerror(errno);
    const uint32_t ifindex = if_nametoindex("fzx0");
    ASSERT_NE(ifindex, 0u);

    {
        auto loaded = XdpSteering::load();
        ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
        XdpSteering steering = std::move(loaded).value();
        auto s = steering.attach(ifindex, XdpAttachMode::kNative);
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        EXPECT_TRUE(steering.attached());
        EXPECT_EQ(steering.mode(), XdpAttachMode::kNative);
        bpf_xdp_query_opts q = query(ifindex);
        EXPECT_EQ(q.attach_mode, XDP_ATTACHED_DRV);
        EXPECT_EQ(q.drv_prog_id, steering.program_id());
        EXPECT_NE(steering.program_id(), 0u);

        auto again = steering.attach(ifindex);
        ASSERT_FALSE(again.ok());
        EXPECT_NE(again.error().message.find("already attached"), std::string::npos);

        // A second program cannot push ours out.
        auto other = XdpSteering::load();
        ASSERT_TRUE(other.ok());
        auto busy = other->attach("fzx0", XdpAttachMode::kNativeOrGeneric);
        ASSERT_FALSE(busy.ok());
        EXPECT_NE(busy.error().message.find("another XDP program"), std::string::npos) << busy.error().message;

        ASSERT_TRUE(steering.detach().ok());
        EXPECT_FALSE(steering.attached());
        EXPECT_EQ(query(ifindex).prog_id, 0u);
        EXPECT_TRUE(steering.detach().ok()) << "a second detach is a no-op";

        // Generic mode, on request, and detach by destruction.
        s = steering.attach("fzx0", XdpAttachMode::kGeneric);
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        EXPECT_EQ(steering.mode(), XdpAttachMode::kGeneric);
        q = query(ifindex);
        EXPECT_EQ(q.attach_mode, XDP_ATTACHED_SKB);
        EXPECT_EQ(q.skb_prog_id, steering.program_id());
    }
    const bpf_xdp_query_opts after = query(ifindex);
    EXPECT_EQ(after.prog_id, 0u);
    EXPECT_EQ(after.drv_prog_id, 0u);
    EXPECT_EQ(after.skb_prog_id, 0u);

    // A move hands the attachment over; only the last owner detaches.
    {
        auto loaded = XdpSteering::load();
        ASSERT_TRUE(loaded.ok());
        ASSERT_TRUE(loaded->attach(ifindex, XdpAttachMode::kNativeOrGeneric).ok());
        XdpSteering moved = std::move(loaded).value();
        EXPECT_TRUE(moved.attached());
        EXPECT_EQ(query(ifindex).prog_id, moved.program_id());
    }
    EXPECT_EQ(query(ifindex).prog_id, 0u);
}

TEST(XdpSteerAttachTest, FallsBackToGenericModeOnlyWhenAsked) {
    if (!is_root()) {
        GTEST_SKIP() << "attaching XDP programs needs root";
    }
    TestNetns netns;
    ASSERT_TRUE(netns.ok()) << "could not create netns " << netns.name();
    EnterNetns inside(netns.name());
    ASSERT_TRUE(inside.ok()) << "setns: " << strerror(errno);
    const uint32_t lo = if_nametoindex("lo");  // the namespace's own loopback: no native XDP
    ASSERT_NE(lo, 0u);

    auto loaded = XdpSteering::load();
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    auto s = loaded->attach(lo, XdpAttachMode::kNative);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("native mode"), std::string::npos) << s.error().message;
    EXPECT_EQ(query(lo).prog_id, 0u);

    s = loaded->attach(lo, XdpAttachMode::kNativeOrGeneric);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    EXPECT_EQ(loaded->mode(), XdpAttachMode::kGeneric);
    EXPECT_EQ(query(lo).skb_prog_id, loaded->program_id());
    ASSERT_TRUE(loaded->detach().ok());
    EXPECT_EQ(query(lo).prog_id, 0u);
}

// What fastzoned does with DPDK 22.11: the PMD loads the object file (xdp_prog=) and
// attaches it through netlink; fastzoned adopts it to configure it and read counters.
TEST(XdpSteerAttachTest, AdoptsTheProgramDpdkLoadedFromTheObjectFile) {
    if (!is_root()) {
        GTEST_SKIP() << "attaching XDP programs needs root";
    }
    auto path = dns_steer_object_path();
    ASSERT_TRUE(path.ok()) << path.error().to_string();
    TestNetns netns;
    ASSERT_TRUE(netns.ok()) << "could not create netns " << netns.name();
    EnterNetns inside(netns.name());
    ASSERT_TRUE(inside.ok()) << "setns: " << strerror(errno);
    const uint32_t ifindex = if_nametoindex("fzx0");
    ASSERT_NE(ifindex, 0u);

    // The steps of DPDK 22.11 load_custom_xdp_prog(): open, load, first program,
    // a map named xsks_map, attach with XDP_FLAGS_UPDATE_IF_NOEXIST.
    bpf_object* obj = bpf_object__open_file(path->c_str(), nullptr);
    ASSERT_NE(obj, nullptr) << *path;
    ASSERT_EQ(bpf_object__load(obj), 0);
    bpf_program* prog = bpf_object__next_program(obj, nullptr);
    ASSERT_NE(prog, nullptr);
    const int prog_fd = bpf_program__fd(prog);
    bpf_map* xsks = bpf_object__find_map_by_name(obj, "xsks_map");
    ASSERT_NE(xsks, nullptr);
    ASSERT_EQ(bpf_xdp_attach(static_cast<int>(ifindex), prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST, nullptr), 0);

    {
        auto adopted = XdpSteering::adopt(ifindex);
        ASSERT_TRUE(adopted.ok()) << adopted.error().to_string();
        EXPECT_TRUE(adopted->attached());
        const std::vector<uint16_t> ports = {5300};
        ASSERT_TRUE(adopted->set_ports(ports).ok());

        Frame dns;
        dns.dst_port = 5300;
        EXPECT_EQ(run(prog_fd, dns.build()), XDP_PASS);  // no socket in xsks_map
        EXPECT_EQ(run(prog_fd, Frame{}.build()), XDP_PASS);
        expect_counters(*adopted, {.pass_no_socket = 1, .pass_not_dns = 1});
    }
    // Dropping the adopted handle leaves DPDK's program in place...
    EXPECT_NE(query(ifindex).prog_id, 0u);
    {
        auto adopted = XdpSteering::adopt(ifindex);
        ASSERT_TRUE(adopted.ok()) << adopted.error().to_string();
        // ...an explicit detach (cleanup after a crashed PMD) removes it.
        auto s = adopted->detach();
        EXPECT_TRUE(s.ok()) << s.error().to_string();
    }
    EXPECT_EQ(query(ifindex).prog_id, 0u);
    bpf_xdp_detach(static_cast<int>(ifindex), 0, nullptr);  // in case the test failed above
    bpf_object__close(obj);
}

TEST(XdpSteerAttachTest, AdoptRefusesInterfacesWithoutOurProgram) {
    if (!is_root()) {
        GTEST_SKIP() << "needs root";
    }
    auto adopted = XdpSteering::adopt(if_nametoindex("lo"));
    ASSERT_FALSE(adopted.ok());
    EXPECT_NE(adopted.error().message.find("no XDP program"), std::string::npos) << adopted.error().message;
}

TEST(XdpSteerErrorsTest, MissingInterfacesAreNamed) {
    if (!is_root()) {
        GTEST_SKIP() << "needs root";
    }
    auto loaded = XdpSteering::load();
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    auto s = loaded->attach("fz-missing0");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("'fz-missing0' not found"), std::string::npos) << s.error().message;
    s = loaded->attach(uint32_t{999999});
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("no network interface with index 999999"), std::string::npos);
    EXPECT_FALSE(XdpSteering::adopt(999999).ok());
}

TEST(XdpSteerErrorsTest, LoadingWithoutPrivilegesSaysWhatIsNeeded) {
    if (!is_root()) {
        // Already unprivileged: the message can be checked directly.
        auto loaded = XdpSteering::load();
        ASSERT_FALSE(loaded.ok());
        EXPECT_NE(loaded.error().message.find("needs root"), std::string::npos);
        return;
    }
    // As root, drop privileges in a child process so that this one keeps them.
    EXPECT_EXIT(
        {
            if (seteuid(65534) != 0) std::_Exit(2);
            auto loaded = XdpSteering::load();
            if (loaded.ok()) std::_Exit(1);
            fprintf(stderr, "%s\n", loaded.error().to_string().c_str());
            std::_Exit(0);
        },
        ::testing::ExitedWithCode(0), "XDP needs root, or CAP_BPF and CAP_NET_ADMIN");
}

}  // namespace
}  // namespace fz::io
