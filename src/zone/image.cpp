// Zone image helpers (out of line).
#include "zone/image.h"

#include "dns/name.h"
#include "dns/nsec3.h"

namespace fz::zone {

const Node* ZoneImage::nsec_at_or_before(const uint8_t* name) const {
    const auto* chain = reinterpret_cast<const uint32_t*>(base() + header().denial);
    // The last entry not after `name`: the apex's NSEC is first and every name of the
    // zone sorts after the apex, so one always exists when the chain is not empty.
    size_t lo = 0, hi = header().denial_count;
    while (hi - lo > 1) {
        const size_t mid = lo + (hi - lo) / 2;
        if (dns::canonical_compare_wire(node_at(chain[mid])->name(), name) <= 0) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return header().denial_count == 0 ? nullptr : node_at(chain[lo]);
}

const Nsec3Entry* ZoneImage::nsec3_at_or_before(const uint8_t* hash) const {
    const auto* chain = reinterpret_cast<const Nsec3Entry*>(base() + header().denial);
    const size_t n = header().denial_count;
    if (n == 0) return nullptr;
    size_t lo = 0, hi = n;  // first entry after `hash`
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (std::memcmp(chain[mid].hash, hash, dns::kNsec3HashLen) <= 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo == 0 ? &chain[n - 1] : &chain[lo - 1];
}

}  // namespace fz::zone
