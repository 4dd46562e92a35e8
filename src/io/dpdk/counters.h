// The data plane's own per-lcore counters (I/O and L2/L3 work; answer() counts queries
// and rcodes in engine::Counters), and their sum for the control plane.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/count.h"
#include "engine/answer.h"
#include "io/dpdk/packet.h"

namespace fz::io::dpdk {

// Written only by the lcore that owns it; the control plane reads (and sums) them while
// the lcore runs (fz::Count), so a sum may mix moments but a field is never torn.
struct alignas(64) IoCounters {
    Count rx;              // frames received from the port
    Count tx;              // frames sent out of the port (answers, ARP/ND, from the kernel)
    Count tx_dropped;      // frames the port's TX queue had no room for
    Count answered;        // DNS responses sent (rcodes: engine::Counters)
    Count arp_replies;     // ARP requests answered for our addresses
    Count nd_adverts;      // IPv6 neighbour solicitations answered
    Count to_kernel;       // frames handed to the exception path
    Count from_kernel;     // frames the kernel sent through the exception path
    Count kernel_dropped;  // frames for the kernel with no exception path, or a full one
    Count too_big;         // queries whose mbuf cannot hold 512 bytes of answer
    Count dropped[static_cast<size_t>(DropReason::kCount)];

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
