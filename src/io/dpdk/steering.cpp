// PortSteering over the XDP loader (src/io/xdp): used when fastzoned is built with XDP.
#include "io/dpdk/steering.h"

#include <bpf/libbpf.h>
#include <net/if.h>

#include "io/xdp/xdp_steer.h"

namespace fz::io::dpdk {

struct PortSteering::Impl {
    XdpSteering steering;
};

PortSteering::PortSteering(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PortSteering::~PortSteering() = default;

bool PortSteering::available() { return true; }

Result<std::string> PortSteering::object_path() { return dns_steer_object_path(); }

Result<std::unique_ptr<PortSteering>> PortSteering::adopt(const std::string& iface,
                                                          std::span<const std::string> addresses) {
    unsigned ifindex = if_nametoindex(iface.c_str());
    if (ifindex == 0) return Error{"", 0, "interface '" + iface + "' not found"};
    auto adopted = XdpSteering::adopt(ifindex);
    if (!adopted) return adopted.error();
    static constexpr uint16_t kPorts[] = {53};
    auto st = adopted->set_ports(kPorts);
    if (!st) return st.error();
    st = adopted->set_addresses(addresses);
    if (!st) return st.error();
    return std::unique_ptr<PortSteering>(new PortSteering(std::make_unique<Impl>(Impl{std::move(adopted.value())})));
}

std::string PortSteering::counters_fields() const {
    auto c = impl_->steering.counters();
    if (!c) return {};
    return "xdp_redirected=" + std::to_string(c->redirected) + " xdp_pass_not_dns=" + std::to_string(c->pass_not_dns) +
           " xdp_pass_no_socket=" + std::to_string(c->pass_no_socket) +
           " xdp_pass_fragment=" + std::to_string(c->pass_fragment) +
           " xdp_pass_malformed=" + std::to_string(c->pass_malformed);
}

void PortSteering::detach() {
    // Only when our program is still there: DPDK normally removed it when the port closed.
    __u32 id = 0;
    uint32_t ifindex = impl_->steering.ifindex();
    if (ifindex == 0 || bpf_xdp_query_id(static_cast<int>(ifindex), 0, &id) != 0 || id == 0) return;
    if (id == impl_->steering.program_id()) (void)impl_->steering.detach();
}

}  // namespace fz::io::dpdk
