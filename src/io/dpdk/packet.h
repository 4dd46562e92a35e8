// Frame classification and in-place rewriting on plain bytes: the data plane's per-packet
// L2/L3/L4 work (Ethernet, 802.1Q, IPv4, IPv6, UDP, ARP, neighbour discovery), kept free of
// DPDK so that it is tested on crafted frames and benchmarked without an EAL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "common/assert.h"
#include "common/bytes.h"
#include "common/result.h"
#include "engine/answer.h"
#include "io/dpdk/checksum.h"

namespace fz::io::dpdk {

inline constexpr size_t kEthernetHeader = 14;
inline constexpr size_t kVlanTag = 4;
inline constexpr size_t kIpv4Header = 20;
inline constexpr size_t kIpv6Header = 40;
inline constexpr size_t kUdpHeader = 8;
inline constexpr size_t kArpPayload = 28;
inline constexpr size_t kNeighborAdvert = 32;  // ICMPv6 NA + target link-layer address option
// Most header bytes in front of a DNS message we answer (Ethernet, 802.1Q, IPv6, UDP):
// an mbuf's data room must hold this plus the largest UDP response.
inline constexpr size_t kMaxHeaders = kEthernetHeader + kVlanTag + kIpv6Header + kUdpHeader;
inline constexpr uint16_t kDnsPort = 53;

inline constexpr uint16_t kEtherIpv4 = 0x0800;
inline constexpr uint16_t kEtherArp = 0x0806;
inline constexpr uint16_t kEtherVlan = 0x8100;
inline constexpr uint16_t kEtherIpv6 = 0x86DD;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmpv6 = 58;
inline constexpr uint8_t kIcmpv6NeighborSolicit = 135;
inline constexpr uint8_t kIcmpv6NeighborAdvert = 136;

// What the data plane does with a frame.
enum class Verdict : uint8_t {
    kDns,              // UDP to port 53 at one of our addresses: answer()
    kArpRequest,       // ARP request for one of our IPv4 addresses: reply in place
    kNeighborSolicit,  // ICMPv6 NS for one of our IPv6 addresses: advertise in place
    kKernel,           // someone else's business (TCP, ICMP, ARP for others, options...)
    kDrop,             // malformed or never to be answered: counted by reason
};

// Why a frame was dropped (the data plane's own reasons; answer() counts its own).
enum class DropReason : uint8_t {
    kTruncated,    // shorter than the headers it announces
    kBadIp,        // IP version, IHL or length field inconsistent
    kBadChecksum,  // IPv4 header checksum wrong, or flagged bad by the NIC
    kBadUdp,       // UDP length inconsistent, or source port 0 (cannot be answered)
    kBadSource,    // multicast/broadcast/unspecified source: answering would reflect
    kNotForUs,     // unicast to another MAC address (promiscuous ports see the segment)
    kCount,
};

inline constexpr const char* kDropReasonNames[] = {
    "truncated", "bad_ip", "bad_checksum", "bad_udp", "bad_source", "not_for_us",
};
static_assert(std::size(kDropReasonNames) == static_cast<size_t>(DropReason::kCount));

// The addresses one port answers for (few: a linear scan beats any hash at this size).
struct AddressSet {
    static constexpr size_t kMax = 16;
    uint8_t v4[kMax][4] = {};
    uint8_t v6[kMax][16] = {};
    uint8_t v4_count = 0;
    uint8_t v6_count = 0;

    // Per packet: fixed-width compares, no call into libc.
    bool has_v4(const uint8_t* a) const {
        for (size_t i = 0; i < v4_count; ++i) {
            if (same_bytes(v4[i], a, 4)) return true;
        }
        return false;
    }
    bool has_v6(const uint8_t* a) const {
        for (size_t i = 0; i < v6_count; ++i) {
            if (same_bytes(v6[i], a, 16)) return true;
        }
        return false;
    }
};

// Parses "10.53.0.2/24", "fd53::2/64" (the prefix is accepted and ignored: the data
// plane answers for the address itself). Errors name the bad address.
[[gnu::cold]] Result<AddressSet> parse_addresses(std::span<const std::string> addresses);

// Where the headers of a classified frame are.
struct Frame {
    uint16_t l3 = 0;           // IPv4/IPv6/ARP header
    uint16_t l4 = 0;           // UDP or ICMPv6 header
    uint16_t payload = 0;      // DNS message
    uint16_t payload_len = 0;  // DNS message length
    uint8_t family = 0;        // 4 or 6 for kDns
    DropReason drop = DropReason::kCount;
};

namespace detail {

inline uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline void store_be16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

inline Verdict drop(Frame& out, DropReason why) {
    out.drop = why;
    return Verdict::kDrop;
}

inline Verdict classify_ipv4(const uint8_t* f, size_t len, const AddressSet& ours, bool ip_checksum_checked,
                             Frame& out) {
    const uint8_t* ip = f + out.l3;
    size_t avail = len - out.l3;
    if (avail < kIpv4Header) return drop(out, DropReason::kTruncated);
    if ((ip[0] >> 4) != 4) return drop(out, DropReason::kBadIp);
    size_t ihl = static_cast<size_t>(ip[0] & 0x0f) * 4;
    size_t total = load_be16(ip + 2);
    if (ihl < kIpv4Header || total < ihl) return drop(out, DropReason::kBadIp);
    // Frames may carry Ethernet padding after the datagram, never less than it.
    if (total > avail) return drop(out, DropReason::kTruncated);
    // Options, fragments and other protocols are the kernel's to handle (it reassembles).
    if (ihl != kIpv4Header || ip[9] != kProtoUdp || (load_be16(ip + 6) & 0x3fff) != 0) return Verdict::kKernel;
    if (!ours.has_v4(ip + 16)) return Verdict::kKernel;
    if (total < kIpv4Header + kUdpHeader) return drop(out, DropReason::kTruncated);
    const uint8_t* udp = ip + kIpv4Header;
    if (load_be16(udp + 2) != kDnsPort) return Verdict::kKernel;
    if (!ip_checksum_checked && !checksum_ok(checksum_add(0, ip, kIpv4Header))) {
        return drop(out, DropReason::kBadChecksum);
    }
    size_t ulen = load_be16(udp + 4);
    if (ulen < kUdpHeader || ulen > total - kIpv4Header || load_be16(udp) == 0) return drop(out, DropReason::kBadUdp);
    // 0.0.0.0/8, multicast, class E and broadcast sources cannot be (or must not be) answered.
    if (ip[12] == 0 || ip[12] >= 224) return drop(out, DropReason::kBadSource);
    out.l4 = static_cast<uint16_t>(out.l3 + kIpv4Header);
    out.payload = static_cast<uint16_t>(out.l4 + kUdpHeader);
    out.payload_len = static_cast<uint16_t>(ulen - kUdpHeader);
    FZ_ASSERT(size_t{out.payload} + out.payload_len <= len);
    out.family = 4;
    return Verdict::kDns;
}

inline bool is_solicited_node_of(const uint8_t* dst, const uint8_t* target) {
    static constexpr uint8_t kPrefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
    return std::memcmp(dst, kPrefix, 13) == 0 && std::memcmp(dst + 13, target + 13, 3) == 0;
}

inline uint64_t ipv6_pseudo_header(const uint8_t* ip, uint16_t l4_len, uint8_t proto) {
    uint64_t acc = checksum_add(0, ip + 8, 32);  // source and destination addresses
    acc = checksum_add_be16(acc, l4_len);
    return checksum_add_be16(acc, proto);
}

inline Verdict classify_ipv6(const uint8_t* f, size_t len, const AddressSet& ours, Frame& out) {
    const uint8_t* ip = f + out.l3;
    size_t avail = len - out.l3;
    if (avail < kIpv6Header) return drop(out, DropReason::kTruncated);
    if ((ip[0] >> 4) != 6) return drop(out, DropReason::kBadIp);
    size_t plen = load_be16(ip + 4);
    if (plen > avail - kIpv6Header) return drop(out, DropReason::kTruncated);
    const uint8_t* l4 = ip + kIpv6Header;
    if (ip[6] == kProtoUdp) {
        if (!ours.has_v6(ip + 24)) return Verdict::kKernel;
        if (plen < kUdpHeader) return drop(out, DropReason::kTruncated);
        if (load_be16(l4 + 2) != kDnsPort) return Verdict::kKernel;
        size_t ulen = load_be16(l4 + 4);
        if (ulen < kUdpHeader || ulen > plen || load_be16(l4) == 0) return drop(out, DropReason::kBadUdp);
        // Multicast and unspecified sources (RFC 4291 2.7, 2.5.2).
        static constexpr uint8_t kUnspecified[16] = {};
        if (ip[8] == 0xff || std::memcmp(ip + 8, kUnspecified, 16) == 0) return drop(out, DropReason::kBadSource);
        out.l4 = static_cast<uint16_t>(out.l3 + kIpv6Header);
        out.payload = static_cast<uint16_t>(out.l4 + kUdpHeader);
        out.payload_len = static_cast<uint16_t>(ulen - kUdpHeader);
        FZ_ASSERT(size_t{out.payload} + out.payload_len <= len);
        out.family = 6;
        return Verdict::kDns;
    }
    // Neighbour solicitation for one of our addresses (RFC 4861 7.1.1 validity checks:
    // hop limit 255, code 0, ICMPv6 length >= 24, target not multicast, checksum).
    if (ip[6] == kProtoIcmpv6 && plen >= 24 && l4[0] == kIcmpv6NeighborSolicit && l4[1] == 0 && ip[7] == 255) {
        const uint8_t* target = l4 + 8;
        if (!ours.has_v6(target)) return Verdict::kKernel;
        if (std::memcmp(ip + 24, target, 16) != 0 && !is_solicited_node_of(ip + 24, target)) return Verdict::kKernel;
        uint64_t acc = checksum_add(ipv6_pseudo_header(ip, static_cast<uint16_t>(plen), kProtoIcmpv6), l4, plen);
        if (!checksum_ok(acc)) return drop(out, DropReason::kBadChecksum);
        out.l4 = static_cast<uint16_t>(out.l3 + kIpv6Header);
        return Verdict::kNeighborSolicit;
    }
    // Extension headers, TCP, ICMPv6 echo, other neighbour discovery: the kernel's.
    return Verdict::kKernel;
}

inline Verdict classify_arp(const uint8_t* f, size_t len, const AddressSet& ours, Frame& out) {
    const uint8_t* a = f + out.l3;
    if (len - out.l3 < kArpPayload) return drop(out, DropReason::kTruncated);
    // Ethernet/IPv4 request (htype 1, ptype 0x0800, hlen 6, plen 4, op 1) for one of ours;
    // gratuitous ARP (sender == target) is an announcement, not a question.
    static constexpr uint8_t kRequest[8] = {0, 1, 0x08, 0x00, 6, 4, 0, 1};
    if (std::memcmp(a, kRequest, 8) != 0 || !ours.has_v4(a + 24) || std::memcmp(a + 14, a + 24, 4) == 0) {
        return Verdict::kKernel;
    }
    return Verdict::kArpRequest;
}

}  // namespace detail

// Classifies the Ethernet frame `f` (`len` bytes) that arrived on a port with MAC address
// `mac` answering for `ours`. `ip_checksum_checked`: the NIC already verified the IPv4
// header checksum (a bad one is dropped before this call). Fills `out` for kDns,
// kArpRequest and kNeighborSolicit, and out.drop for kDrop.
inline Verdict classify(const uint8_t* f, size_t len, const uint8_t* mac, const AddressSet& ours,
                        bool ip_checksum_checked, Frame& out) {
    if (len < kEthernetHeader) return detail::drop(out, DropReason::kTruncated);
    // Bit 0 of the first byte marks group (broadcast/multicast) addresses.
    if ((f[0] & 1) == 0 && !same_bytes(f, mac, 6)) return detail::drop(out, DropReason::kNotForUs);
    size_t l3 = kEthernetHeader;
    uint16_t type = detail::load_be16(f + 12);
    if (type == kEtherVlan) {
        if (len < kEthernetHeader + kVlanTag) return detail::drop(out, DropReason::kTruncated);
        type = detail::load_be16(f + 16);
        l3 += kVlanTag;
    }
    out.l3 = static_cast<uint16_t>(l3);
    switch (type) {
        case kEtherIpv4: return detail::classify_ipv4(f, len, ours, ip_checksum_checked, out);
        case kEtherIpv6: return detail::classify_ipv6(f, len, ours, out);
        case kEtherArp: return detail::classify_arp(f, len, ours, out);
        default: return Verdict::kKernel;  // QinQ, LLDP, anything else
    }
}

// The client of a kDns frame, for answer().
inline engine::Peer peer_of(const uint8_t* f, const Frame& fr) {
    FZ_ASSERT(fr.family == 4 || fr.family == 6);  // a kDns frame
    engine::Peer peer;
    peer.family = fr.family;
    if (fr.family == 4) {
        std::memcpy(peer.address, f + fr.l3 + 12, 4);
    } else {
        std::memcpy(peer.address, f + fr.l3 + 8, 16);
    }
    peer.port = detail::load_be16(f + fr.l4);
    return peer;
}

// How checksums of a response are produced.
enum class ChecksumMode : uint8_t {
    kSoftware,  // computed here
    kOffload,   // the NIC computes them: IPv4 header checksum 0, UDP checksum field holds
                // the pseudo-header sum, as DPDK's TX checksum offload expects
    kNoUdp4,    // IPv4: header checksum computed here, UDP checksum 0 ("none", RFC 768);
                // IPv6, where a UDP checksum is mandatory: as kSoftware
};

// Turns a kDns query frame into its response, in place, once the `dns_len` bytes of the
// DNS response sit at f + fr.payload: back to the sender from our MAC, addresses and
// ports swapped, lengths and checksums set. Returns the response frame's length.
inline size_t rewrite_udp_response(uint8_t* f, const Frame& fr, const uint8_t* mac, size_t dns_len, ChecksumMode mode) {
    using detail::load_be16;
    using detail::store_be16;
    uint8_t* ip = f + fr.l3;
    uint8_t* udp = f + fr.l4;
    FZ_ASSERT((fr.family == 4 || fr.family == 6) && kIpv4Header + kUdpHeader + dns_len <= 0xffff);
    auto ulen = static_cast<uint16_t>(kUdpHeader + dns_len);
    // Every checksum input is read, as 16-bit values, before the first store: a wide load
    // over bytes just written by narrower stores cannot be forwarded and stalls the core
    // (perf put a fifth of the path's samples on one such load). Swapping addresses or
    // ports changes no ones' complement sum.
    uint64_t pseudo = kProtoUdp + ulen;
    uint64_t ip_header = 0;
    if (fr.family == 4) {
        for (size_t i = 12; i < 20; i += 2) pseudo += load_be16(ip + i);
        ip_header = pseudo - kProtoUdp - ulen + load_be16(ip) + load_be16(ip + 4) + 0x4000u + (64u << 8 | kProtoUdp) +
                    kIpv4Header + ulen;
    } else {
        for (size_t i = 8; i < 40; i += 2) pseudo += load_be16(ip + i);
    }
    uint64_t datagram = pseudo + load_be16(udp) + load_be16(udp + 2) + ulen;
    if (mode == ChecksumMode::kNoUdp4 && fr.family == 6) mode = ChecksumMode::kSoftware;
    if (mode == ChecksumMode::kSoftware) {
        // answer() wrote the DNS header last, in 16-bit fields: read it the same way.
        const uint8_t* dns = f + fr.payload;
        size_t head = dns_len < 12 ? dns_len & ~size_t{1} : 12;
        for (size_t i = 0; i < head; i += 2) datagram += load_be16(dns + i);
        datagram += checksum_be(dns + head, dns_len - head);
    }

    // Not a plain MAC swap: a query sent to a group address is answered from ours.
    std::memcpy(f, f + 6, 6);
    std::memcpy(f + 6, mac, 6);
    uint8_t ports[4];
    std::memcpy(ports, udp + 2, 2);
    std::memcpy(ports + 2, udp, 2);
    std::memcpy(udp, ports, 4);
    store_be16(udp + 4, ulen);
    if (fr.family == 4) {
        uint8_t addrs[8];
        std::memcpy(addrs, ip + 16, 4);
        std::memcpy(addrs + 4, ip + 12, 4);
        std::memcpy(ip + 12, addrs, 8);
        store_be16(ip + 2, static_cast<uint16_t>(kIpv4Header + ulen));
        store_be16(ip + 6, 0x4000);  // DF: responses are sized to avoid fragmentation
        ip[8] = 64;                  // TTL
        store_be16(ip + 10, mode == ChecksumMode::kOffload ? 0 : static_cast<uint16_t>(~checksum_fold(ip_header)));
    } else {
        uint8_t addrs[32];
        std::memcpy(addrs, ip + 24, 16);
        std::memcpy(addrs + 16, ip + 8, 16);
        std::memcpy(ip + 8, addrs, 32);
        store_be16(ip + 4, ulen);
        ip[7] = 64;  // hop limit
    }
    if (mode == ChecksumMode::kSoftware) {
        auto c = static_cast<uint16_t>(~checksum_fold(datagram));
        store_be16(udp + 6, c == 0 ? 0xffff : c);  // 0 means "no checksum" (IPv4), invalid in IPv6
    } else if (mode == ChecksumMode::kNoUdp4) {
        store_be16(udp + 6, 0);
    } else {
        store_be16(udp + 6, checksum_fold(pseudo));  // what DPDK's TX checksum offload expects
    }
    return fr.l4 + ulen;
}

// Turns a kArpRequest frame into the reply, in place. Returns the reply frame's length.
inline size_t rewrite_arp_reply(uint8_t* f, const Frame& fr, const uint8_t* mac) {
    uint8_t* a = f + fr.l3;
    std::memcpy(f, f + 6, 6);
    std::memcpy(f + 6, mac, 6);
    a[7] = 2;  // reply
    uint8_t asked[4];
    std::memcpy(asked, a + 24, 4);
    std::memcpy(a + 18, a + 8, 10);  // target hardware + protocol address = the asker
    std::memcpy(a + 8, mac, 6);
    std::memcpy(a + 14, asked, 4);
    return fr.l3 + kArpPayload;
}

// Turns a kNeighborSolicit frame into the solicited neighbour advertisement (RFC 4861
// 7.2.4), in place, with our MAC as target link-layer address. The buffer must have room
// for kNeighborAdvert bytes after fr.l4 (a solicitation may be shorter). Returns its length.
inline size_t rewrite_neighbor_advert(uint8_t* f, const Frame& fr, const uint8_t* mac) {
    uint8_t* ip = f + fr.l3;
    uint8_t* icmp = f + fr.l4;
    static constexpr uint8_t kUnspecified[16] = {};
    // A duplicate-address-detection probe (from ::) is answered to all nodes, unsolicited.
    bool dad = std::memcmp(ip + 8, kUnspecified, 16) == 0;
    if (dad) {
        static constexpr uint8_t kAllNodesMac[6] = {0x33, 0x33, 0, 0, 0, 1};
        static constexpr uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        std::memcpy(f, kAllNodesMac, 6);
        std::memcpy(ip + 24, kAllNodes, 16);
    } else {
        std::memcpy(f, f + 6, 6);
        std::memcpy(ip + 24, ip + 8, 16);
    }
    std::memcpy(f + 6, mac, 6);
    std::memcpy(ip + 8, icmp + 8, 16);  // from the target address itself
    ip[0] = 0x60;
    ip[1] = ip[2] = ip[3] = 0;
    detail::store_be16(ip + 4, kNeighborAdvert);
    ip[7] = 255;  // RFC 4861 7.1.2: receivers drop ND with any other hop limit
    icmp[0] = kIcmpv6NeighborAdvert;
    icmp[1] = 0;
    icmp[2] = icmp[3] = 0;
    icmp[4] = dad ? 0x20 : 0x60;  // Solicited (unless DAD), Override; not a router
    icmp[5] = icmp[6] = icmp[7] = 0;
    icmp[24] = 2;  // target link-layer address option, 8 bytes
    icmp[25] = 1;
    std::memcpy(icmp + 26, mac, 6);
    uint64_t acc = detail::ipv6_pseudo_header(ip, kNeighborAdvert, kProtoIcmpv6);
    uint16_t c = checksum_finish(checksum_add(acc, icmp, kNeighborAdvert));
    std::memcpy(icmp + 2, &c, 2);
    return fr.l4 + kNeighborAdvert;
}

}  // namespace fz::io::dpdk
