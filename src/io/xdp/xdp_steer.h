// XdpSteering: loads the dns_steer XDP program (xdp/dns_steer), configures it, attaches it.
//
// Control plane only: every call is a bpf() or netlink system call. The program sends
// UDP to the configured DNS ports (and addresses) to the AF_XDP socket of the packet's
// RX queue and leaves everything else to the kernel.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

struct dns_steer_bpf;  // the generated skeleton; only xdp_steer.cpp sees its layout

namespace fz::io {

enum class XdpAttachMode {
    kNative,           // driver mode only: fails when the driver has no XDP support
    kNativeOrGeneric,  // driver mode, else generic (skb) mode
    kGeneric,          // generic (skb) mode: works on any interface, costs a copy
};

// The program's counters summed over CPUs (DnsSteerCounter in dns_steer_abi.h).
// Each packet the program saw is in exactly one of them.
struct XdpSteerCounters {
    uint64_t redirected = 0;      // DNS handed to an AF_XDP socket
    uint64_t pass_no_socket = 0;  // DNS, but its RX queue had no socket
    uint64_t pass_not_dns = 0;    // everything that is not UDP to a steered port/address
    uint64_t pass_fragment = 0;   // IPv4 fragments, IPv6 with a Fragment header
    uint64_t pass_malformed = 0;  // frames too short for their headers, bad IP version/IHL

    uint64_t total() const { return redirected + pass_no_socket + pass_not_dns + pass_fragment + pass_malformed; }
};

class XdpSteering {
public:
    // Loads the program embedded in this binary (port 53, any address) without
    // attaching it. Needs root (CAP_BPF and CAP_NET_ADMIN).
    static Result<XdpSteering> load();

    // Takes hold of the dns_steer program already attached to `ifindex` by someone else,
    // typically DPDK's net_af_xdp PMD given xdp_prog=dns_steer_object_path(), so that
    // it can be configured and its counters read. The attachment stays its owner's:
    // destruction leaves it in place; detach() removes it only if it is still there.
    static Result<XdpSteering> adopt(uint32_t ifindex);

    XdpSteering(XdpSteering&& other) noexcept;
    XdpSteering& operator=(XdpSteering&& other) noexcept;
    XdpSteering(const XdpSteering&) = delete;
    XdpSteering& operator=(const XdpSteering&) = delete;
    // Detaches what attach() attached, then unloads (the kernel frees the program once
    // no interface and no other process holds it).
    ~XdpSteering();

    // UDP destination ports to steer, host byte order; empty means 53 only.
    // At most kDnsSteerMaxPorts (8) ports, none of them 0.
    Status set_ports(std::span<const uint16_t> ports);

    // Destination addresses to steer; both empty means any address. With only IPv4
    // addresses given, IPv6 queries all go to the kernel (and the reverse), since the
    // data plane would have no address to answer them from.
    // Safe while attached: no wanted address is missing from the maps at any moment.
    Status set_addresses(std::span<const in_addr> v4, std::span<const in6_addr> v6);
    // The same from text, as in the configuration's dataplane.ports[].addresses:
    // "192.0.2.1", "2001:db8::1"; a "/prefix" suffix is accepted and ignored.
    Status set_addresses(std::span<const std::string> addresses);

    // Attaches to the interface through a BPF link, so the program also goes away if
    // this process dies. Runs in the caller's network namespace.
    Status attach(uint32_t ifindex, XdpAttachMode mode = XdpAttachMode::kNative);
    Status attach(std::string_view ifname, XdpAttachMode mode = XdpAttachMode::kNative);
    // Leaves no program of ours on the interface; a no-op when not attached.
    Status detach();

    bool attached() const { return ifindex_ != 0; }
    uint32_t ifindex() const { return ifindex_; }
    // kNative or kGeneric: the mode in effect while attached.
    XdpAttachMode mode() const { return mode_; }

    // Puts / removes an AF_XDP socket for RX queue `queue` (for a data plane that
    // creates its own sockets; DPDK's PMD does this itself through the map's name).
    Status register_socket(uint32_t queue, int xsk_fd);
    Status unregister_socket(uint32_t queue);

    int program_fd() const { return prog_fd_; }
    int xsks_map_fd() const { return xsks_fd_; }
    // The kernel's id of the program, as `bpftool prog show id N` and `ip link` print it.
    uint32_t program_id() const;

    Result<XdpSteerCounters> counters() const;
    Status reset_counters();

private:
    XdpSteering() = default;
    void close_all() noexcept;
    Status update_config_flags(uint8_t set, uint8_t clear);

    dns_steer_bpf* skel_ = nullptr;  // owns the fds below when we loaded the program
    bool owns_fds_ = false;          // adopted: the fds below are ours to close
    int prog_fd_ = -1;
    int xsks_fd_ = -1;
    int config_fd_ = -1;
    int addrs4_fd_ = -1;
    int addrs6_fd_ = -1;
    int counters_fd_ = -1;

    int link_fd_ = -1;        // our BPF link while attached by attach()
    uint32_t ifindex_ = 0;    // 0 when not attached
    uint32_t xdp_flags_ = 0;  // adopted: the attachment's mode flag, for detach()
    XdpAttachMode mode_ = XdpAttachMode::kNative;
};

// The object file to give DPDK's net_af_xdp as xdp_prog=: $FZ_DNS_STEER_OBJECT when
// set, else the installed copy, else the one in the build tree.
Result<std::string> dns_steer_object_path();

}  // namespace fz::io
