// PortSteering when fastzoned is built without the XDP program: net_af_xdp ports then run
// with the PMD's own program, which sends every packet to the data plane.
#include "io/dpdk/steering.h"

namespace fz::io::dpdk {

struct PortSteering::Impl {};

PortSteering::PortSteering(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PortSteering::~PortSteering() = default;

bool PortSteering::available() { return false; }

Result<std::string> PortSteering::object_path() {
    return Error{"", 0, "built without the XDP steering program (needs clang, bpftool and libbpf-dev)"};
}

Result<std::unique_ptr<PortSteering>> PortSteering::adopt(const std::string&, std::span<const std::string>) {
    return object_path().error();
}

std::string PortSteering::counters_fields() const { return {}; }

void PortSteering::detach() {}

}  // namespace fz::io::dpdk
