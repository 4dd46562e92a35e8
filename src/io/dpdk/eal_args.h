// The EAL command line fastzoned builds from dataplane.eal: the operator's arguments as
// given, plus what the ports need (our XDP program for net_af_xdp, lcores, a runtime prefix).
// Pure string work, so it is tested without starting an EAL.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "io/dpdk/options.h"

namespace fz::io::dpdk {

struct EalPlan {
    std::vector<std::string> args;    // argv, "fastzoned" first
    std::vector<std::string> ifaces;  // existing kernel interfaces that vdevs attach to (iface=...)
    unsigned workers = 0;             // polling lcores needed: one per (port, RX queue)
    bool lcores_given = false;        // the operator chose the lcores (-l, -c, --lcores)
};

// Builds the EAL arguments. `xdp_prog`: the object file to give every net_af_xdp vdev
// that names none (empty: add nothing). `cpus`: the CPUs fastzoned may run on (its
// affinity), used to choose lcores when the operator did not; an error says how many
// are missing when there are fewer CPUs than 1 main lcore + one per (port, queue).
// `runtime_prefix`: the --file-prefix to use unless the operator chose one.
[[gnu::cold]] Result<EalPlan> plan_eal(const DataplaneOptions& config, const std::string& xdp_prog,
                                       std::span<const unsigned> cpus, const std::string& runtime_prefix);

// The vdev argument ("net_af_xdp0,iface=eth1,...") that creates `device`, or empty.
[[gnu::cold]] std::string vdev_args_for(const std::vector<std::string>& eal, const std::string& device);

// The value of `key` in a vdev argument ("iface" in "net_af_packet0,iface=veth-fz"), or empty.
[[gnu::cold]] std::string vdev_value(const std::string& vdev, const std::string& key);

// True for a net_af_xdp device name ("net_af_xdp0").
bool is_af_xdp(const std::string& device);
// True for vdevs that attach to an existing kernel interface (net_af_packet, net_af_xdp),
// unlike net_tap, which creates its own.
bool uses_kernel_interface(const std::string& device);

}  // namespace fz::io::dpdk
