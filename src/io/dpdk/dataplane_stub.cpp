// Dataplane when fastzoned is built without DPDK: a configuration with a dataplane
// section is refused with the reason, and socket mode is unaffected.
#include "io/dpdk/dataplane.h"

namespace fz::io::dpdk {

struct Dataplane::State {};

Dataplane::Dataplane(std::unique_ptr<State> state) : state_(std::move(state)) {}
Dataplane::~Dataplane() = default;

Result<std::unique_ptr<Dataplane>> Dataplane::start(const DataplaneOptions& options, engine::Publisher&) {
    return Error{options.source, options.line,
                 "'dataplane' needs DPDK, and this fastzoned was built without it (install libdpdk-dev and "
                 "rebuild with meson -Ddpdk=enabled), or remove the section to serve on kernel sockets only"};
}

void Dataplane::stop() {}
std::unique_ptr<DataplaneStats> Dataplane::stats() const { return std::make_unique<DataplaneStats>(); }
std::vector<const engine::Counters*> Dataplane::counters() const { return {}; }
std::string Dataplane::stats_fields() const { return {}; }
std::string Dataplane::fault() const { return "not built in"; }
std::vector<std::pair<std::string, uint64_t>> Dataplane::lcore_queries() const { return {}; }

}  // namespace fz::io::dpdk
