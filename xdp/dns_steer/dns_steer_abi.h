// The ABI between dns_steer.bpf.c and user space: map sizes, config layout, counters.
//
// Shared verbatim by the BPF program (C, clang -target bpf) and the C++ loader, so it
// uses only <linux/types.h> fixed-width types and enum constants (usable as array
// sizes in BTF map definitions). Changing a layout here changes both sides at once: the
// loader embeds the object through its skeleton, and when it adopts an object that
// someone else loaded (DPDK's xdp_prog=) it checks the maps' key and value sizes first.
#pragma once

#include <linux/types.h>

// Map names (the BPF variable names) are part of the ABI too:
//   xsks_map    XSKMAP, key = RX queue index, value = AF_XDP socket fd. DPDK's
//               net_af_xdp PMD (xdp_prog=) looks this name up, so it must not change.
//   fz_config   ARRAY[1] of DnsSteerConfig.
//   fz_addrs4   HASH: __u32 IPv4 address (network order) -> __u8 (unused, 1).
//   fz_addrs6   HASH: DnsSteerAddr6 -> __u8 (unused, 1).
//   fz_counters PERCPU_ARRAY[kDnsSteerCounterCount] of __u64, indexed by DnsSteerCounter.

enum {
    kDnsSteerMaxPorts = 8,       // UDP destination ports steered at once
    kDnsSteerMaxQueues = 256,    // xsks_map entries: RX queues that can carry a socket
    kDnsSteerMaxAddrs4 = 256,    // fz_addrs4 entries
    kDnsSteerMaxAddrs6 = 256,    // fz_addrs6 entries
    kDnsSteerDefaultPort = 53,   // steered when DnsSteerConfig.port_count is 0
    kDnsSteerInlineAddrs = 4,    // addresses per family that DnsSteerConfig holds itself
};

// DnsSteerConfig.flags bits.
enum {
    // Steer only packets whose destination address is in fz_addrs4 / fz_addrs6. Without
    // it any destination address matches. A flag rather than "map not empty" because
    // BPF cannot ask a hash map for its size.
    kDnsSteerFilterAddresses = 1u << 0,
    // With kDnsSteerFilterAddresses: every address is in DnsSteerConfig.addrs4/addrs6
    // (first addr4_count/addr6_count), compared in place; the hash maps are not looked
    // up. A few compares cost less than a hash lookup per packet, and on a real NIC the
    // program runs on the server's own cores.
    kDnsSteerInlineAddresses = 1u << 1,
};

// What happened to a packet; each packet increments exactly one counter.
enum DnsSteerCounter {
    kDnsSteerRedirected = 0,    // DNS, handed to the AF_XDP socket of its RX queue
    kDnsSteerPassNoSocket = 1,  // DNS, but no socket on its RX queue: kernel gets it
    kDnsSteerPassNotDns = 2,    // not UDP to a steered port/address (ARP, TCP, ICMP...)
    kDnsSteerPassFragment = 3,  // IPv4 fragment or IPv6 Fragment header: kernel reassembles
    kDnsSteerPassMalformed = 4, // frame too short for its headers, bad version or IHL
    kDnsSteerCounterCount = 5,
};

// fz_config[0]. An all-zero value (a fresh map, e.g. when DPDK loaded the object file
// itself) means: port 53, any address.
// fz_addrs6 key: an IPv6 address as on the wire.
struct DnsSteerAddr6 {
    __u8 bytes[16];
};

struct DnsSteerConfig {
    __u16 ports_be[kDnsSteerMaxPorts];  // network byte order, first port_count used
    __u8 port_count;                    // 0 = kDnsSteerDefaultPort only
    __u8 flags;                         // kDnsSteer* flag bits
    __u8 addr4_count;                   // used entries of addrs4 (kDnsSteerInlineAddresses)
    __u8 addr6_count;                   // used entries of addrs6
    __u8 reserved[4];                   // zero; keeps the size a multiple of 8
    __u32 addrs4[kDnsSteerInlineAddrs];                 // network byte order
    struct DnsSteerAddr6 addrs6[kDnsSteerInlineAddrs];
};
