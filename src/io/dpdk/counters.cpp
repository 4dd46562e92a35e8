// Log formatting of the data plane's counters (control plane only).
#include "io/dpdk/counters.h"

namespace fz::io::dpdk {

std::string to_log_fields(const IoCounters& c) {
    std::string out = "rx=" + std::to_string(c.rx) + " tx=" + std::to_string(c.tx) +
                      " tx_dropped=" + std::to_string(c.tx_dropped) + " answered=" + std::to_string(c.answered) +
                      " arp_replies=" + std::to_string(c.arp_replies) + " nd_adverts=" + std::to_string(c.nd_adverts) +
                      " to_kernel=" + std::to_string(c.to_kernel) + " from_kernel=" + std::to_string(c.from_kernel) +
                      " kernel_dropped=" + std::to_string(c.kernel_dropped) + " too_big=" + std::to_string(c.too_big);
    for (size_t i = 0; i < std::size(c.dropped); ++i) {
        out += " dropped_";
        out += kDropReasonNames[i];
        out += '=' + std::to_string(c.dropped[i]);
    }
    return out;
}

}  // namespace fz::io::dpdk
