// Building the EAL command line from dataplane.eal (see eal_args.h).
#include "io/dpdk/eal_args.h"

#include <algorithm>
#include <string_view>

namespace fz::io::dpdk {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// The vdev arguments in `eal`, as indexes into it ("--vdev=X" or "--vdev" "X").
std::vector<size_t> vdev_indexes(const std::vector<std::string>& eal) {
    std::vector<size_t> out;
    for (size_t i = 0; i < eal.size(); ++i) {
        if (starts_with(eal[i], "--vdev=")) {
            out.push_back(i);
        } else if (eal[i] == "--vdev" && i + 1 < eal.size()) {
            out.push_back(++i);
        }
    }
    return out;
}

std::string vdev_text(const std::string& arg) { return starts_with(arg, "--vdev=") ? arg.substr(7) : arg; }

std::string vdev_name(const std::string& vdev) { return vdev.substr(0, vdev.find(',')); }

}  // namespace

bool is_af_xdp(const std::string& device) { return starts_with(device, "net_af_xdp"); }

bool uses_kernel_interface(const std::string& device) {
    return is_af_xdp(device) || starts_with(device, "net_af_packet");
}

std::string vdev_value(const std::string& vdev, const std::string& key) {
    size_t pos = vdev.find(',');
    while (pos != std::string::npos) {
        size_t next = vdev.find(',', pos + 1);
        std::string kv = vdev.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
        if (starts_with(kv, key + "=")) return kv.substr(key.size() + 1);
        pos = next;
    }
    return {};
}

std::string vdev_args_for(const std::vector<std::string>& eal, const std::string& device) {
    for (size_t i : vdev_indexes(eal)) {
        std::string vdev = vdev_text(eal[i]);
        if (vdev_name(vdev) == device) return vdev;
    }
    return {};
}

Result<EalPlan> plan_eal(const DataplaneOptions& config, const std::string& xdp_prog, std::span<const unsigned> cpus,
                         const std::string& runtime_prefix) {
    EalPlan plan;
    plan.args.push_back("fastzoned");
    std::vector<std::string> eal = config.eal;

    for (const auto& port : config.ports) plan.workers += port.queues;

    for (size_t i : vdev_indexes(eal)) {
        std::string vdev = vdev_text(eal[i]);
        std::string name = vdev_name(vdev);
        std::string iface = vdev_value(vdev, "iface");
        if (!iface.empty() && uses_kernel_interface(name)) plan.ifaces.push_back(iface);
        if (!is_af_xdp(name)) continue;
        // One AF_XDP socket per configured queue, from queue 0, unless the operator said
        // otherwise; and our steering program unless they brought their own.
        for (const auto& port : config.ports) {
            if (port.device != name) continue;
            if (vdev_value(vdev, "start_queue").empty()) vdev += ",start_queue=0";
            if (vdev_value(vdev, "queue_count").empty()) vdev += ",queue_count=" + std::to_string(port.queues);
        }
        if (!xdp_prog.empty() && vdev_value(vdev, "xdp_prog").empty()) vdev += ",xdp_prog=" + xdp_prog;
        eal[i] = starts_with(eal[i], "--vdev=") ? "--vdev=" + vdev : vdev;
    }

    for (const auto& a : eal) {
        if (starts_with(a, "-l") || starts_with(a, "-c") || starts_with(a, "--lcores") ||
            starts_with(a, "--coremask")) {
            plan.lcores_given = true;
        }
    }
    bool memory_mode_given = false;
    for (const auto& a : eal) {
        if (starts_with(a, "--in-memory") || starts_with(a, "--file-prefix") || starts_with(a, "--proc-type")) {
            memory_mode_given = true;
        }
    }

    if (!plan.lcores_given) {
        size_t needed = 1 + plan.workers;
        if (cpus.size() < needed) {
            return Error{"", config.line,
                         "the data plane needs " + std::to_string(needed) +
                             " lcores (the main one for the control "
                             "plane and one polling lcore per port RX queue: " +
                             std::to_string(plan.workers) + ") but fastzoned may use only " +
                             std::to_string(cpus.size()) + " CPUs: lower dataplane.ports[].queues"};
        }
        std::string list;
        for (size_t i = 0; i < needed; ++i) list += (i ? "," : "") + std::to_string(cpus[i]);
        plan.args.push_back("-l");
        plan.args.push_back(list);
    }
    // A runtime directory of our own (config, telemetry socket): two fastzoned, or a test
    // beside a server, never clash. With hugepages, --in-memory also keeps hugepage files
    // off hugetlbfs (--no-huge implies legacy memory, which --in-memory refuses).
    if (!memory_mode_given) {
        plan.args.push_back("--file-prefix=" + runtime_prefix);
        bool no_huge = std::any_of(eal.begin(), eal.end(), [](const std::string& a) { return a == "--no-huge"; });
        if (!no_huge) plan.args.push_back("--in-memory");
    }
    plan.args.insert(plan.args.end(), eal.begin(), eal.end());
    return plan;
}

}  // namespace fz::io::dpdk
