// Tests of the data plane's frame classifier and in-place rewriters (io/dpdk/packet.h) on
// crafted frames: DNS over IPv4/IPv6 with and without 802.1Q, IPv4 options, fragments,
// truncations, bad checksums, ARP and neighbour solicitations; checksums of every output
// verified independently.
#include "io/dpdk/packet.h"

#include <arpa/inet.h>

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dns/message_builder.h"

namespace fz::io::dpdk {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint8_t kOurMac[6] = {0x02, 0, 0, 0, 0x53, 0x02};
constexpr uint8_t kClientMac[6] = {0x02, 0, 0, 0, 0x53, 0x01};
constexpr uint8_t kBroadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// Reference checksum, written the textbook way (16-bit big-endian words).
uint16_t reference_sum(const Bytes& data) {
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < data.size(); i += 2) s += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
    if (data.size() % 2) s += static_cast<uint32_t>(data.back() << 8);
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<uint16_t>(~s);
}

void put16(Bytes& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}

Bytes addr4(const char* text) {
    Bytes b(4);
    inet_pton(AF_INET, text, b.data());
    return b;
}
Bytes addr6(const char* text) {
    Bytes b(16);
    inet_pton(AF_INET6, text, b.data());
    return b;
}

AddressSet ours() {
    std::vector<std::string> a = {"10.53.0.2/24", "fd53::2/64"};
    auto set = parse_addresses(a);
    EXPECT_TRUE(set.ok());
    return *set;
}

Bytes ethernet(const uint8_t* dst, uint16_t type, const Bytes& payload, int vlan = -1) {
    Bytes f(dst, dst + 6);
    f.insert(f.end(), kClientMac, kClientMac + 6);
    if (vlan >= 0) {
        put16(f, 0x8100);
        put16(f, static_cast<uint16_t>(vlan));
    }
    put16(f, type);
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
}

Bytes udp(uint16_t sport, uint16_t dport, const Bytes& payload) {
    Bytes u;
    put16(u, sport);
    put16(u, dport);
    put16(u, static_cast<uint16_t>(8 + payload.size()));
    put16(u, 0);  // the classifier does not need it; rewrite sets it
    u.insert(u.end(), payload.begin(), payload.end());
    return u;
}

struct Ip4Options {
    Bytes src = addr4("10.53.0.1");
    Bytes dst = addr4("10.53.0.2");
    uint16_t frag = 0;
    Bytes options;
    uint8_t proto = kProtoUdp;
    bool bad_checksum = false;
};

Bytes ipv4(const Bytes& l4, const Ip4Options& o = {}) {
    Bytes h;
    h.push_back(static_cast<uint8_t>(0x40 | (5 + o.options.size() / 4)));
    h.push_back(0);
    put16(h, static_cast<uint16_t>(20 + o.options.size() + l4.size()));
    put16(h, 0x1234);
    put16(h, o.frag);
    h.push_back(64);
    h.push_back(o.proto);
    put16(h, 0);
    h.insert(h.end(), o.src.begin(), o.src.end());
    h.insert(h.end(), o.dst.begin(), o.dst.end());
    h.insert(h.end(), o.options.begin(), o.options.end());
    uint16_t c = reference_sum(h);
    if (o.bad_checksum) c ^= 0x0101;
    h[10] = static_cast<uint8_t>(c >> 8);
    h[11] = static_cast<uint8_t>(c);
    h.insert(h.end(), l4.begin(), l4.end());
    return h;
}

Bytes ipv6(const Bytes& l4, uint8_t next = kProtoUdp, const Bytes& src = addr6("fd53::1"),
           const Bytes& dst = addr6("fd53::2"), uint8_t hops = 64) {
    Bytes h = {0x60, 0, 0, 0};
    put16(h, static_cast<uint16_t>(l4.size()));
    h.push_back(next);
    h.push_back(hops);
    h.insert(h.end(), src.begin(), src.end());
    h.insert(h.end(), dst.begin(), dst.end());
    h.insert(h.end(), l4.begin(), l4.end());
    return h;
}

// "www. A IN", id 0xabcd, RD.
const Bytes kQuery = [] {
    dns::QueryBuilder q;
    q.id = 0xabcd;
    q.flags = dns::flag::RD;
    q.qname = "www.";
    return q.build().value();
}();

Verdict run(const Bytes& f, Frame& fr, bool checked = false) {
    static const AddressSet set = ours();
    return classify(f.data(), f.size(), kOurMac, set, checked, fr);
}

Verdict run(const Bytes& f) {
    Frame fr;
    return run(f, fr);
}

DropReason drop_of(const Bytes& f) {
    Frame fr;
    EXPECT_EQ(run(f, fr), Verdict::kDrop);
    return fr.drop;
}

TEST(DpdkChecksum, MatchesTheTextbookSumForOddAndEvenLengths) {
    for (size_t n : {0u, 1u, 2u, 3u, 7u, 20u, 61u, 1500u}) {
        Bytes data(n);
        for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(i * 37 + 11);
        uint16_t ours_be;
        uint16_t c = checksum_finish(checksum_add(0, data.data(), data.size()));
        uint8_t wire[2];
        std::memcpy(wire, &c, 2);
        ours_be = static_cast<uint16_t>(wire[0] << 8 | wire[1]);
        EXPECT_EQ(ours_be, reference_sum(data)) << n << " bytes";
    }
}

TEST(DpdkClassify, DnsOverIpv4) {
    Bytes f = ethernet(kOurMac, kEtherIpv4, ipv4(udp(40000, 53, kQuery)));
    Frame fr;
    ASSERT_EQ(run(f, fr), Verdict::kDns);
    EXPECT_EQ(fr.family, 4);
    EXPECT_EQ(fr.l3, 14);
    EXPECT_EQ(fr.l4, 34);
    EXPECT_EQ(fr.payload, 42);
    EXPECT_EQ(fr.payload_len, kQuery.size());
    engine::Peer peer = peer_of(f.data(), fr);
    EXPECT_EQ(peer.family, 4);
    EXPECT_EQ(peer.port, 40000);
    EXPECT_EQ(Bytes(peer.address, peer.address + 4), addr4("10.53.0.1"));
}

TEST(DpdkClassify, DnsOverIpv6BehindVlanAndToBroadcast) {
    Bytes f = ethernet(kOurMac, kEtherIpv6, ipv6(udp(40001, 53, kQuery)), 42);
    Frame fr;
    ASSERT_EQ(run(f, fr), Verdict::kDns);
    EXPECT_EQ(fr.family, 6);
    EXPECT_EQ(fr.l3, 18);
    EXPECT_EQ(fr.payload, 18 + 40 + 8);
    EXPECT_EQ(run(ethernet(kBroadcast, kEtherIpv4, ipv4(udp(40000, 53, kQuery)))), Verdict::kDns);
}

TEST(DpdkClassify, EthernetPaddingAfterTheDatagramIsFine) {
    Bytes f = ethernet(kOurMac, kEtherIpv4, ipv4(udp(40000, 53, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})));
    f.resize(f.size() + 6, 0);
    Frame fr;
    ASSERT_EQ(run(f, fr), Verdict::kDns);
    EXPECT_EQ(fr.payload_len, 12);
}

TEST(DpdkClassify, WhatTheKernelGets) {
    Ip4Options opts;
    opts.options = {1, 1, 1, 0};
    EXPECT_EQ(run(ethernet(kOurMac, kEtherIpv4, ipv4(udp(40000, 53, kQuery), opts))), Verdict::kKernel);
    Ip4Options more_fragments;
    more_fragments.frag = 0x2000;
    EXPECT_EQ(run(ethernet(kOurMac, kEtherIpv4, ipv4(udp(40000, 53, kQuery), more_fragments))), Verdict::kKernel);
    Ip4Options later_fragment;
    later_fragment.frag = 0x0010;
    EXPECT_EQ(run(ethernet(kOurMac, kEtherIpv4, ipv4(udp(40000, 53, kQuery), later_fragment))), Verdict::kKernel);
    Ip4Options tcp;
    tcp.proto = 6;
    EXPECT_EQ(run(ethernet(kOurMac, kEtherIpv4, ipv4(udp(40000, 53, kQuery), tcp))), Verdict::kKernel);
    EXPECT_EQ(run(ethernet(kOurMac, kEtherIpv4, ipv4(udp(40000, 22, kQuery)))), Verdict::kKernel);
    Ip4Options elsewhere;
    elsewhere.dst = addr4("10.53.0.3");
    EXPECT_EQ(run(ethernet(kOurMac, kEtherIpv4, ipv4(udp(40000, 53, kQuery), elsewhere))), Verdict::kKernel);
    // IPv6 with a hop-by-hop extension header, and to another address.
    EXPECT_EQ(run(ethernet(kOurMac, kEtherIpv6, ipv6(udp(40000, 53, kQuery), 0))), Verdict::kKernel);
    EXPECT_EQ(run(ethernet(kOurMac, kEtherIpv6,
                           ipv6(udp(40000, 53, kQuery), kProtoUdp, addr6("fd53::1"), addr6("fd53::3")))),
              Verdict::kKernel);
    // QinQ and unknown ethertypes.
    EXPECT_EQ(run(ethernet(kOurMac, 0x8100, ipv4(udp(40000, 53, kQuery)), 7)), Verdict::kKernel);
    EXPECT_EQ(run(ethernet(kOurMac, 0x88cc, Bytes(40, 0))), Verdict::kKernel);
}

TEST(DpdkClassify, DropsMalformedAndUnanswerable) {
    Bytes good = ethernet(kOurMac, kEtherIpv4, ipv4(udp(40000, 53, kQuery)));
    EXPECT_EQ(drop_of(Bytes(good.begin(), good.begin() + 10)), DropReason::kTruncated);
    EXPECT_EQ(drop_of(Bytes(good.begin(), good.begin() + 30)), DropReason::kTruncated);
    EXPECT_EQ(drop_of(Bytes(good.begin(), good.end() - 1)), DropReason::kTruncated);
    Bytes vlan_runt = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x81, 0x00, 0};
    std::memcpy(vlan_runt.data(), kOurMac, 6);
    EXPECT_EQ(drop_of(vlan_runt), DropReason::kTruncated);

    Bytes bad_version = good;
    bad_version[14] = 0x55;
    EXPECT_EQ(drop_of(bad_version), DropReason::kBadIp);
    Bytes bad_ihl = good;
    bad_ihl[14] = 0x44;
    EXPECT_EQ(drop_of(bad_ihl), DropReason::kBadIp);

    Ip4Options bad_sum;
    bad_sum.bad_checksum = true;
    Bytes bad = ethernet(kOurMac, kEtherIpv4, ipv4(udp(40000, 53, kQuery), bad_sum));
    EXPECT_EQ(drop_of(bad), DropReason::kBadChecksum);
    Frame fr;
    EXPECT_EQ(run(bad, fr, /*checked=*/true), Verdict::kDns) << "the NIC's verdict is trusted";

    Bytes long_udp = good;
    long_udp[14 + 20 + 5] += 1;  // UDP length one past the datagram
    EXPECT_EQ(drop_of(long_udp), DropReason::kBadUdp);
    EXPECT_EQ(drop_of(ethernet(kOurMac, kEtherIpv4, ipv4(udp(0, 53, kQuery)))), DropReason::kBadUdp);

    Ip4Options multicast;
    multicast.src = addr4("224.0.0.251");
    EXPECT_EQ(drop_of(ethernet(kOurMac, kEtherIpv4, ipv4(udp(5353, 53, kQuery), multicast))), DropReason::kBadSource);
    EXPECT_EQ(drop_of(ethernet(kOurMac, kEtherIpv6, ipv6(udp(5353, 53, kQuery), kProtoUdp, addr6("ff02::fb")))),
              DropReason::kBadSource);

    const uint8_t other[6] = {0x02, 0, 0, 0, 0, 0x99};
    EXPECT_EQ(drop_of(ethernet(other, kEtherIpv4, ipv4(udp(40000, 53, kQuery)))), DropReason::kNotForUs);

    Bytes v6 = ethernet(kOurMac, kEtherIpv6, ipv6(udp(40000, 53, kQuery)));
    EXPECT_EQ(drop_of(Bytes(v6.begin(), v6.begin() + 50)), DropReason::kTruncated);
    EXPECT_EQ(drop_of(Bytes(v6.begin(), v6.end() - 3)), DropReason::kTruncated);
}

// Checks a rewritten response frame as a receiver would, and returns its DNS payload.
Bytes check_response(const Bytes& f, size_t l3, int family, uint16_t client_port) {
    EXPECT_EQ(Bytes(f.begin(), f.begin() + 6), Bytes(kClientMac, kClientMac + 6));
    EXPECT_EQ(Bytes(f.begin() + 6, f.begin() + 12), Bytes(kOurMac, kOurMac + 6));
    auto at = [&](size_t off) { return f.begin() + static_cast<long>(off); };
    size_t l4 = l3 + (family == 4 ? 20 : 40);
    Bytes u(at(l4), f.end());
    Bytes whole;  // pseudo-header + UDP datagram
    if (family == 4) {
        Bytes ip(at(l3), at(l3 + 20));
        EXPECT_EQ(reference_sum(ip), 0) << "IPv4 header checksum";
        EXPECT_EQ(Bytes(ip.begin() + 12, ip.begin() + 16), addr4("10.53.0.2"));
        EXPECT_EQ(Bytes(ip.begin() + 16, ip.begin() + 20), addr4("10.53.0.1"));
        EXPECT_EQ(static_cast<size_t>(ip[2] << 8 | ip[3]), f.size() - l3);
        whole.assign(ip.begin() + 12, ip.begin() + 20);
        put16(whole, kProtoUdp);
        put16(whole, static_cast<uint16_t>(u.size()));
    } else {
        EXPECT_EQ(Bytes(at(l3 + 8), at(l3 + 24)), addr6("fd53::2"));
        EXPECT_EQ(Bytes(at(l3 + 24), at(l3 + 40)), addr6("fd53::1"));
        EXPECT_EQ(static_cast<size_t>(f[l3 + 4] << 8 | f[l3 + 5]), u.size());
        whole.assign(at(l3 + 8), at(l3 + 40));
        put16(whole, 0);
        put16(whole, static_cast<uint16_t>(u.size()));
        put16(whole, 0);
        put16(whole, kProtoUdp);
    }
    EXPECT_EQ(u[0] << 8 | u[1], 53);
    EXPECT_EQ(u[2] << 8 | u[3], client_port);
    EXPECT_EQ(static_cast<size_t>(u[4] << 8 | u[5]), u.size());
    EXPECT_NE(u[6] << 8 | u[7], 0) << "UDP checksum present";
    whole.insert(whole.end(), u.begin(), u.end());
    EXPECT_EQ(reference_sum(whole), 0) << "UDP checksum";
    return Bytes(u.begin() + 8, u.end());
}

TEST(DpdkRewrite, UdpResponseOverIpv4WithChecksums) {
    Bytes f = ethernet(kBroadcast, kEtherIpv4, ipv4(udp(40000, 53, kQuery)));
    Frame fr;
    ASSERT_EQ(run(f, fr), Verdict::kDns);
    Bytes answer = kQuery;
    answer[2] |= 0x80;
    answer.resize(101, 0x5a);  // odd length: checksum padding
    f.resize(fr.payload + answer.size());
    std::copy(answer.begin(), answer.end(), f.begin() + fr.payload);
    size_t len = rewrite_udp_response(f.data(), fr, kOurMac, answer.size(), ChecksumMode::kSoftware);
    ASSERT_EQ(len, f.size());
    EXPECT_EQ(f[14 + 8], 64) << "TTL";
    EXPECT_EQ(check_response(f, 14, 4, 40000), answer);
}

TEST(DpdkRewrite, UdpResponseOverIpv6KeepsTheVlanTag) {
    Bytes f = ethernet(kOurMac, kEtherIpv6, ipv6(udp(40001, 53, kQuery)), 42);
    Frame fr;
    ASSERT_EQ(run(f, fr), Verdict::kDns);
    Bytes answer(300, 0x33);
    f.resize(fr.payload + answer.size());
    std::copy(answer.begin(), answer.end(), f.begin() + fr.payload);
    size_t len = rewrite_udp_response(f.data(), fr, kOurMac, answer.size(), ChecksumMode::kSoftware);
    ASSERT_EQ(len, f.size());
    EXPECT_EQ(f[12], 0x81);
    EXPECT_EQ(f[15], 42);
    EXPECT_EQ(check_response(f, 18, 6, 40001), answer);
}

TEST(DpdkRewrite, OffloadLeavesThePseudoHeaderSum) {
    Bytes f = ethernet(kOurMac, kEtherIpv4, ipv4(udp(40000, 53, kQuery)));
    Frame fr;
    ASSERT_EQ(run(f, fr), Verdict::kDns);
    rewrite_udp_response(f.data(), fr, kOurMac, kQuery.size(), ChecksumMode::kOffload);
    EXPECT_EQ(f[24], 0);
    EXPECT_EQ(f[25], 0);
    // The pseudo-header sum, not complemented: src, dst, protocol, UDP length.
    Bytes pseudo(f.begin() + 26, f.begin() + 34);
    put16(pseudo, kProtoUdp);
    put16(pseudo, static_cast<uint16_t>(8 + kQuery.size()));
    uint16_t expect = static_cast<uint16_t>(~reference_sum(pseudo));
    EXPECT_EQ(f[40] << 8 | f[41], expect);
}

// dataplane.ipv4_udp_checksum: false. IPv4 leaves the UDP checksum at 0 (a receiver then
// skips it) with a valid header checksum; IPv6, where 0 is invalid, still gets one.
TEST(DpdkRewrite, NoUdpChecksumOverIpv4Only) {
    Bytes f = ethernet(kOurMac, kEtherIpv4, ipv4(udp(40000, 53, kQuery)));
    Frame fr;
    ASSERT_EQ(run(f, fr), Verdict::kDns);
    rewrite_udp_response(f.data(), fr, kOurMac, kQuery.size(), ChecksumMode::kNoUdp4);
    EXPECT_EQ(reference_sum(Bytes(f.begin() + 14, f.begin() + 34)), 0) << "IPv4 header checksum";
    EXPECT_EQ(f[40], 0);
    EXPECT_EQ(f[41], 0);

    Bytes g = ethernet(kOurMac, kEtherIpv6, ipv6(udp(40001, 53, kQuery)));
    ASSERT_EQ(run(g, fr), Verdict::kDns);
    size_t len = rewrite_udp_response(g.data(), fr, kOurMac, kQuery.size(), ChecksumMode::kNoUdp4);
    ASSERT_EQ(len, g.size());
    EXPECT_EQ(check_response(g, 14, 6, 40001), kQuery);
}

TEST(DpdkRewrite, ArpReply) {
    Bytes arp = {0, 1, 8, 0, 6, 4, 0, 1};
    arp.insert(arp.end(), kClientMac, kClientMac + 6);
    Bytes spa = addr4("10.53.0.1");
    arp.insert(arp.end(), spa.begin(), spa.end());
    arp.insert(arp.end(), 6, 0);
    Bytes tpa = addr4("10.53.0.2");
    arp.insert(arp.end(), tpa.begin(), tpa.end());
    Bytes f = ethernet(kBroadcast, kEtherArp, arp);
    f.resize(60, 0);  // minimum frame padding
    Frame fr;
    ASSERT_EQ(run(f, fr), Verdict::kArpRequest);
    size_t len = rewrite_arp_reply(f.data(), fr, kOurMac);
    ASSERT_EQ(len, 42u);
    EXPECT_EQ(Bytes(f.begin(), f.begin() + 6), Bytes(kClientMac, kClientMac + 6));
    EXPECT_EQ(f[21], 2) << "op reply";
    EXPECT_EQ(Bytes(f.begin() + 22, f.begin() + 28), Bytes(kOurMac, kOurMac + 6));
    EXPECT_EQ(Bytes(f.begin() + 28, f.begin() + 32), tpa);
    EXPECT_EQ(Bytes(f.begin() + 32, f.begin() + 38), Bytes(kClientMac, kClientMac + 6));
    EXPECT_EQ(Bytes(f.begin() + 38, f.begin() + 42), spa);

    // Not for us, gratuitous, replies: the kernel's.
    Bytes other = ethernet(kBroadcast, kEtherArp, arp);
    std::copy(spa.begin(), spa.end(), other.begin() + 14 + 24);
    EXPECT_EQ(run(other), Verdict::kKernel);
    Bytes gratuitous = ethernet(kBroadcast, kEtherArp, arp);
    std::copy(tpa.begin(), tpa.end(), gratuitous.begin() + 14 + 14);
    EXPECT_EQ(run(gratuitous), Verdict::kKernel);
    Bytes reply = ethernet(kOurMac, kEtherArp, arp);
    reply[21] = 2;
    EXPECT_EQ(run(reply), Verdict::kKernel);
}

Bytes solicitation(const Bytes& src, const Bytes& dst, const Bytes& target, uint8_t hops = 255, bool bad = false) {
    Bytes icmp = {kIcmpv6NeighborSolicit, 0, 0, 0, 0, 0, 0, 0};
    icmp.insert(icmp.end(), target.begin(), target.end());
    icmp.insert(icmp.end(), {1, 1});
    icmp.insert(icmp.end(), kClientMac, kClientMac + 6);
    Bytes pseudo = src;
    pseudo.insert(pseudo.end(), dst.begin(), dst.end());
    pseudo.insert(pseudo.end(), {0, 0, 0, static_cast<uint8_t>(icmp.size()), 0, 0, 0, kProtoIcmpv6});
    pseudo.insert(pseudo.end(), icmp.begin(), icmp.end());
    uint16_t c = reference_sum(pseudo);
    if (bad) c ^= 1;
    icmp[2] = static_cast<uint8_t>(c >> 8);
    icmp[3] = static_cast<uint8_t>(c);
    const uint8_t mcast[6] = {0x33, 0x33, 0xff, dst[13], dst[14], dst[15]};
    return ethernet(mcast, kEtherIpv6, ipv6(icmp, kProtoIcmpv6, src, dst, hops));
}

void check_advert(const Bytes& f, const Bytes& dst, bool solicited) {
    Bytes ip(f.begin() + 14, f.begin() + 54);
    Bytes icmp(f.begin() + 54, f.end());
    ASSERT_EQ(icmp.size(), kNeighborAdvert);
    EXPECT_EQ(ip[6], kProtoIcmpv6);
    EXPECT_EQ(ip[7], 255);
    EXPECT_EQ(Bytes(ip.begin() + 8, ip.begin() + 24), addr6("fd53::2"));
    EXPECT_EQ(Bytes(ip.begin() + 24, ip.begin() + 40), dst);
    EXPECT_EQ(icmp[0], kIcmpv6NeighborAdvert);
    EXPECT_EQ((icmp[4] & 0x40) != 0, solicited);
    EXPECT_NE(icmp[4] & 0x20, 0) << "override";
    EXPECT_EQ(Bytes(icmp.begin() + 8, icmp.begin() + 24), addr6("fd53::2"));
    EXPECT_EQ(icmp[24], 2);
    EXPECT_EQ(Bytes(icmp.begin() + 26, icmp.end()), Bytes(kOurMac, kOurMac + 6));
    Bytes pseudo(ip.begin() + 8, ip.begin() + 40);
    pseudo.insert(pseudo.end(), {0, 0, 0, static_cast<uint8_t>(kNeighborAdvert), 0, 0, 0, kProtoIcmpv6});
    pseudo.insert(pseudo.end(), icmp.begin(), icmp.end());
    EXPECT_EQ(reference_sum(pseudo), 0) << "ICMPv6 checksum";
}

TEST(DpdkRewrite, NeighborAdvertisement) {
    Bytes client = addr6("fd53::1");
    Bytes solicited_node = addr6("ff02::1:ff00:2");
    Bytes f = solicitation(client, solicited_node, addr6("fd53::2"));
    Frame fr;
    ASSERT_EQ(run(f, fr), Verdict::kNeighborSolicit);
    f.resize(fr.l4 + kNeighborAdvert);
    ASSERT_EQ(rewrite_neighbor_advert(f.data(), fr, kOurMac), f.size());
    EXPECT_EQ(Bytes(f.begin(), f.begin() + 6), Bytes(kClientMac, kClientMac + 6));
    check_advert(f, client, true);

    // Duplicate address detection: from ::, answered to all nodes, not "solicited".
    Bytes dad = solicitation(Bytes(16, 0), solicited_node, addr6("fd53::2"));
    ASSERT_EQ(run(dad, fr), Verdict::kNeighborSolicit);
    dad.resize(fr.l4 + kNeighborAdvert);
    rewrite_neighbor_advert(dad.data(), fr, kOurMac);
    check_advert(dad, addr6("ff02::1"), false);

    EXPECT_EQ(run(solicitation(client, solicited_node, addr6("fd53::2"), 64)), Verdict::kKernel) << "hop limit";
    EXPECT_EQ(run(solicitation(client, addr6("ff02::1:ff00:9"), addr6("fd53::9"))), Verdict::kKernel);
    EXPECT_EQ(run(solicitation(client, addr6("ff02::1:ff00:3"), addr6("fd53::2"))), Verdict::kKernel)
        << "a solicited-node group that is not the target's";
    EXPECT_EQ(drop_of(solicitation(client, solicited_node, addr6("fd53::2"), 255, true)), DropReason::kBadChecksum);
}

TEST(DpdkAddresses, ParsesWithPrefixesAndRejectsGarbage) {
    std::vector<std::string> good = {"192.0.2.1/24", "2001:db8::1", "192.0.2.1"};
    auto set = parse_addresses(good);
    ASSERT_TRUE(set.ok());
    EXPECT_EQ(set->v4_count, 1);
    EXPECT_EQ(set->v6_count, 1);
    std::vector<std::string> bad = {"192.0.2.300"};
    auto err = parse_addresses(bad);
    ASSERT_FALSE(err.ok());
    EXPECT_NE(err.error().message.find("192.0.2.300"), std::string::npos);
}

}  // namespace
}  // namespace fz::io::dpdk
