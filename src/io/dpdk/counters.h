// The data plane's own per-lcore counters (I/O and L2/L3 work; answer() counts queries
// and rcodes in engine::Counters), and their sum for the control plane.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/answer.h"
#include "io/dpdk/packet.h"

namespace fz::io::dpdk {

// Written only by the lcore that owns it; the control plane reads (and sums) them while
// the lcore runs, so a read may be torn across fields but never within one (aligned u64).
struct alignas(64) IoCounters {
    uint64_t rx = 0;              // frames received from the port
    uint64_t tx = 0;              // frames sent out of the port (answers, ARP/ND, from the kernel)
    uint64_t tx_dropped = 0;      // frames the port's TX queue had no room for
    uint64_t answered = 0;        // DNS responses sent (rcodes: engine::Counters)
    uint64_t arp_replies = 0;     // ARP requests answered for our addresses
    uint64_t nd_adverts = 0;      // IPv6 neighbour solicitations answered
    uint64_t to_kernel = 0;       // frames handed to the exception path
    uint64_t from_kernel = 0;     // frames the kernel sent through the exception path
    uint64_t kernel_dropped = 0;  // frames for the kernel with no exception path, or a full one
    uint64_t too_big = 0;         // queries whose mbuf cannot hold 512 bytes of answer
    uint64_t dropped[static_cast<size_t>(DropReason::kCount)] = {};

    IoCounters& operator+=(const IoCounters& o) {
        rx += o.rx;
        tx += o.tx;
        tx_dropped += o.tx_dropped;
        answered += o.answered;
        arp_replies += o.arp_replies;
        nd_adverts += o.nd_adverts;
        to_kernel += o.to_kernel;
        from_kernel += o.from_kernel;
        kernel_dropped += o.kernel_dropped;
        too_big += o.too_big;
        for (size_t i = 0; i < std::size(dropped); ++i) dropped[i] += o.dropped[i];
        return *this;
    }
};

// "rx=... tx=... dropped_bad_ip=..." for logs and fastzonectl.
[[gnu::cold]] std::string to_log_fields(const IoCounters& c);

}  // namespace fz::io::dpdk
