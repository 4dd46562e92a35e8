// The DPDK data plane, control-plane side: EAL, ports, exception ports and the polling
// lcores (lcore.h) that answer queries with engine::answer(). Free of DPDK headers, so
// that fastzoned includes it whether or not DPDK is built in.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "engine/answer.h"
#include "engine/publisher.h"
#include "io/dpdk/counters.h"
#include "io/dpdk/options.h"

namespace fz::io::dpdk {

// The sum over every polling lcore.
struct DataplaneStats {
    engine::QueryCounts engine;  // queries, rcodes, truncations (answer()); zones: counters()
    IoCounters io;               // frames, ARP/ND, exception path, drops by reason
};

class Dataplane {
public:
    // Starts the EAL (options.eal plus what the ports need), each port with its
    // exception port, and one polling lcore per (port, RX queue), reading snapshots from
    // `publisher` (call after the first publish()). Once per process: the EAL cannot start
    // twice. Fails, leaving every interface as it was, with a message that says what to
    // fix: not root, no hugepages, a missing device, too few lcores.
    [[gnu::cold]] static Result<std::unique_ptr<Dataplane>> start(const DataplaneOptions& options,
                                                                  engine::Publisher& publisher);

    Dataplane(const Dataplane&) = delete;
    Dataplane& operator=(const Dataplane&) = delete;
    ~Dataplane();

    // Stops the lcores, then the ports; removes the exception taps, restores promiscuous
    // mode and leaves no XDP program attached. Idempotent.
    [[gnu::cold]] void stop();

    [[gnu::cold]] std::unique_ptr<DataplaneStats> stats() const;
    // Each polling lcore's engine counters, for the control plane to sum with the rest
    // (per zone and member too); valid while the data plane is.
    [[gnu::cold]] std::vector<const engine::Counters*> counters() const;
    // Queries per polling lcore, named "port P queue Q" (metrics per lcore).
    [[gnu::cold]] std::vector<std::pair<std::string, uint64_t>> lcore_queries() const;
    // Why the data plane cannot answer now, or "" when every port's link is up and every
    // polling lcore still runs: "port 0 link down (net_af_packet0)". For the anycast
    // announcement, read about once a second.
    [[gnu::cold]] std::string fault() const;
    // The stats (and the XDP programs' counters) as log fields.
    [[gnu::cold]] std::string stats_fields() const;

    struct State;

private:
    explicit Dataplane(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace fz::io::dpdk
