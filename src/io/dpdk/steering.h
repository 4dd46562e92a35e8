// The XDP steering program (xdp/dns_steer) on net_af_xdp ports: the object file DPDK's
// PMD loads (xdp_prog=), and a handle on the attached program to configure it and read
// its counters. Built as steering.cpp with XDP, steering_none.cpp without.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "common/result.h"

namespace fz::io::dpdk {

class PortSteering {
public:
    // False when fastzoned was built without the XDP program (no clang/bpftool/libbpf).
    [[gnu::cold]] static bool available();
    // The object file for xdp_prog=.
    [[gnu::cold]] static Result<std::string> object_path();
    // Takes hold of the dns_steer program DPDK attached to `iface` and tells it to steer
    // UDP/53 to `addresses` only ("10.53.0.2/24" as in the configuration).
    [[gnu::cold]] static Result<std::unique_ptr<PortSteering>> adopt(const std::string& iface,
                                                                     std::span<const std::string> addresses);

    PortSteering(const PortSteering&) = delete;
    PortSteering& operator=(const PortSteering&) = delete;
    ~PortSteering();

    // "xdp_redirected=... xdp_pass_not_dns=..." for logs; empty when unreadable.
    [[gnu::cold]] std::string counters_fields() const;
    // Removes the program from the interface if it is still attached (after DPDK closed
    // the port it should be gone; this makes sure).
    [[gnu::cold]] void detach();

    struct Impl;

private:
    explicit PortSteering(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace fz::io::dpdk
