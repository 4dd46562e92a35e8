// Zone image helpers (out of line).
#include "zone/image.h"

#include <cstring>

#include "dns/name.h"
#include "dns/nsec3.h"

namespace fz::zone {

bool nsec_sort_key(const uint8_t* name, size_t apex_labels, uint64_t* high, uint32_t* low) {
    uint8_t labels[dns::kMaxLabels + 1];
    size_t count = 0;
    for (size_t i = 0; name[i] != 0; i += name[i] + 1u) labels[count++] = static_cast<uint8_t>(i);
    uint8_t key[12] = {};
    size_t k = 0;
    bool exact = true;
    for (size_t l = count - apex_labels; l-- > 0;) {
        const uint8_t* label = name + labels[l];
        for (size_t b = 1; b <= label[0]; ++b) {
            exact &= label[b] != 0;
            if (k < sizeof key) key[k++] = label[b];
        }
        if (k < sizeof key) key[k++] = 0;
    }
    uint64_t h = 0;
    for (size_t i = 0; i < 8; ++i) h = h << 8 | key[i];
    uint32_t lo = 0;
    for (size_t i = 8; i < 12; ++i) lo = lo << 8 | key[i];
    *high = h;
    *low = lo;
    return exact;
}

const Node* ZoneImage::nsec_at_or_before(const uint8_t* name) const {
    const auto* chain = reinterpret_cast<const NsecEntry*>(base() + header().denial);
    if (header().denial_count == 0) return nullptr;
    uint64_t high = 0;
    uint32_t low = 0;
    const bool keys = nsec_sort_key(name, header().apex_labels, &high, &low) &&
                      (header().dnssec & kImageNsecNoKeys) == 0;
    // The last entry not after `name`: the apex's NSEC is first and every name of the
    // zone sorts after the apex, so there always is one.
    size_t lo = 0, hi = header().denial_count;
    while (hi - lo > 1) {
        const size_t mid = lo + (hi - lo) / 2;
        const NsecEntry& e = chain[mid];
        bool before;
        if (keys && (e.key_high != high || e.key_low != low)) {
            before = e.key_high < high || (e.key_high == high && e.key_low < low);
        } else {
            before = dns::canonical_compare_wire(node_at(e.node)->name(), name) <= 0;
        }
        if (before) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return node_at(chain[lo].node);
}

const Nsec3Entry* ZoneImage::nsec3_at_or_before(const uint8_t* hash) const {
    const auto* chain = reinterpret_cast<const Nsec3Entry*>(base() + header().denial);
    const size_t n = header().denial_count;
    if (n == 0) return nullptr;
    // The first 8 bytes as a big-endian number decide nearly every step; memcmp (a call
    // each) only on a tie.
    auto head = [](const uint8_t* h) {
        uint64_t v;
        std::memcpy(&v, h, 8);
        return __builtin_bswap64(v);
    };
    const uint64_t key = head(hash);
    size_t lo = 0, hi = n;  // first entry after `hash`
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const uint64_t at = head(chain[mid].hash);
        if (at < key || (at == key && std::memcmp(chain[mid].hash, hash, dns::kNsec3HashLen) <= 0)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo == 0 ? &chain[n - 1] : &chain[lo - 1];
}

}  // namespace fz::zone
