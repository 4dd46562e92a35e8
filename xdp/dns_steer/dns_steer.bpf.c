// XDP program: hands DNS-over-UDP to the AF_XDP socket of its RX queue, passes the rest.
//
// Everything that is not plainly a UDP datagram to a steered port (and address) goes to
// the kernel untouched: ARP, neighbour discovery, ICMP, TCP/53, SSH, fragments, IPv6
// with extension headers, QinQ. The data plane then only sees what it can answer, and
// the host keeps a working network stack on the same NIC.
//
// Configuration lives in maps, not in .rodata, because DPDK's net_af_xdp PMD
// (xdp_prog=) loads this object file itself: it cannot fill .rodata before the load,
// while the loader can find and update maps of a program that is already attached.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "dns_steer_abi.h"

// The IPv4 fragment-offset field: "more fragments" bit and the offset itself.
#define FZ_IP_MF 0x2000
#define FZ_IP_OFFSET 0x1fff

// One 802.1Q / 802.1ad tag, after the MAC addresses (<linux/if_vlan.h> is kernel-only).
struct VlanTag {
    __be16 tci;
    __be16 encapsulated_proto;
};

// Name fixed by DPDK's net_af_xdp (xdp_prog=): it inserts each socket at its queue index.
struct {
    __uint(type, BPF_MAP_TYPE_XSKMAP);
    __uint(max_entries, kDnsSteerMaxQueues);
    __type(key, __u32);
    __type(value, __u32);
} xsks_map SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct DnsSteerConfig);
} fz_config SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, kDnsSteerMaxAddrs4);
    __type(key, __u32);
    __type(value, __u8);
} fz_addrs4 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, kDnsSteerMaxAddrs6);
    __type(key, struct DnsSteerAddr6);
    __type(value, __u8);
} fz_addrs6 SEC(".maps");

// Per CPU so that counting needs no atomic instruction; user space sums the CPUs.
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, kDnsSteerCounterCount);
    __type(key, __u32);
    __type(value, __u64);
} fz_counters SEC(".maps");

static __always_inline int count(int action, __u32 counter)
{
    __u64 *value = bpf_map_lookup_elem(&fz_counters, &counter);

    if (value)
        *value += 1;  // this CPU's slot: no other writer while we run
    return action;
}

static __always_inline int port_is_steered(const struct DnsSteerConfig *config, __be16 port)
{
    if (config->port_count == 0)
        return port == bpf_htons(kDnsSteerDefaultPort);
    for (int i = 0; i < kDnsSteerMaxPorts; i++) {
        if (i >= config->port_count)
            break;
        if (port == config->ports_be[i])
            return 1;
    }
    return 0;
}

static __always_inline int inline_has4(const struct DnsSteerConfig *config, __u32 addr)
{
    for (int i = 0; i < kDnsSteerInlineAddrs; i++) {
        if (i >= config->addr4_count)
            break;
        if (config->addrs4[i] == addr)
            return 1;
    }
    return 0;
}

static __always_inline int inline_has6(const struct DnsSteerConfig *config, const struct in6_addr *addr)
{
    for (int i = 0; i < kDnsSteerInlineAddrs; i++) {
        if (i >= config->addr6_count)
            break;
        const __u32 *want = (const __u32 *)config->addrs6[i].bytes;
        if (want[0] == addr->in6_u.u6_addr32[0] && want[1] == addr->in6_u.u6_addr32[1] &&
            want[2] == addr->in6_u.u6_addr32[2] && want[3] == addr->in6_u.u6_addr32[3])
            return 1;
    }
    return 0;
}

SEC("xdp")
int dns_steer(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct udphdr *udp;
    void *l3;
    __u16 proto;

    if ((void *)(eth + 1) > data_end)
        return count(XDP_PASS, kDnsSteerPassMalformed);
    proto = eth->h_proto;
    l3 = eth + 1;
    if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
        struct VlanTag *tag = l3;

        if ((void *)(tag + 1) > data_end)
            return count(XDP_PASS, kDnsSteerPassMalformed);
        proto = tag->encapsulated_proto;
        l3 = tag + 1;
    }

    // A zero-filled element always exists in an ARRAY map; the check is for the verifier.
    __u32 zero = 0;
    const struct DnsSteerConfig *config = bpf_map_lookup_elem(&fz_config, &zero);
    if (!config)
        return count(XDP_PASS, kDnsSteerPassNotDns);
    // A concurrent update from user space may be seen half-written: the worst outcome
    // is one query classified by a mix of old and new settings, so no lock is taken.

    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = l3;

        if ((void *)(ip + 1) > data_end)
            return count(XDP_PASS, kDnsSteerPassMalformed);
        if (ip->version != 4 || ip->ihl < 5)
            return count(XDP_PASS, kDnsSteerPassMalformed);
        // Non-first fragments carry no UDP header, and a first fragment is useless
        // without the rest: the kernel reassembles both.
        if (ip->frag_off & bpf_htons(FZ_IP_MF | FZ_IP_OFFSET))
            return count(XDP_PASS, kDnsSteerPassFragment);
        if (ip->protocol != IPPROTO_UDP)
            return count(XDP_PASS, kDnsSteerPassNotDns);
        udp = (void *)ip + ip->ihl * 4;  // options are skipped, not refused
        if ((void *)(udp + 1) > data_end)
            return count(XDP_PASS, kDnsSteerPassMalformed);
        if (!port_is_steered(config, udp->dest))
            return count(XDP_PASS, kDnsSteerPassNotDns);
        if (config->flags & kDnsSteerFilterAddresses) {
            if (config->flags & kDnsSteerInlineAddresses) {
                if (!inline_has4(config, ip->daddr))
                    return count(XDP_PASS, kDnsSteerPassNotDns);
            } else if (!bpf_map_lookup_elem(&fz_addrs4, &ip->daddr)) {
                return count(XDP_PASS, kDnsSteerPassNotDns);
            }
        }
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = l3;

        if ((void *)(ip6 + 1) > data_end)
            return count(XDP_PASS, kDnsSteerPassMalformed);
        if (ip6->version != 6)
            return count(XDP_PASS, kDnsSteerPassMalformed);
        if (ip6->nexthdr == IPPROTO_FRAGMENT)
            return count(XDP_PASS, kDnsSteerPassFragment);
        // Extension headers (hop-by-hop, routing...) are rare for DNS and walking them
        // costs more than it saves: the kernel handles such packets.
        if (ip6->nexthdr != IPPROTO_UDP)
            return count(XDP_PASS, kDnsSteerPassNotDns);
        udp = (void *)(ip6 + 1);
        if ((void *)(udp + 1) > data_end)
            return count(XDP_PASS, kDnsSteerPassMalformed);
        if (!port_is_steered(config, udp->dest))
            return count(XDP_PASS, kDnsSteerPassNotDns);
        if (config->flags & kDnsSteerFilterAddresses) {
            if (config->flags & kDnsSteerInlineAddresses) {
                if (!inline_has6(config, &ip6->daddr))
                    return count(XDP_PASS, kDnsSteerPassNotDns);
            } else if (!bpf_map_lookup_elem(&fz_addrs6, &ip6->daddr)) {
                return count(XDP_PASS, kDnsSteerPassNotDns);
            }
        }
    } else {
        return count(XDP_PASS, kDnsSteerPassNotDns);
    }

    // XDP_PASS in the flags is what bpf_redirect_map returns when the queue has no
    // socket, so a queue the data plane does not poll keeps working through the kernel.
    int action = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
    return count(action, action == XDP_REDIRECT ? kDnsSteerRedirected : kDnsSteerPassNoSocket);
}

// Apache-2.0 like the rest of fastzone; the program uses no GPL-only helper.
char LICENSE[] SEC("license") = "Apache-2.0";
