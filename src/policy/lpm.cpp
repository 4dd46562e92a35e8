// Building the longest-prefix-match tables (cold): flatten prefixes into disjoint blocks, fill strides.
#include "policy/lpm.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace fz::policy {
namespace {

// 128-bit arithmetic for address ranges; __extension__ keeps -Wpedantic quiet.
__extension__ typedef unsigned __int128 U128;

template <unsigned kBytes>
U128 to_number(const uint8_t* address) {
    U128 v = 0;
    for (unsigned i = 0; i < kBytes; ++i) v = (v << 8) | address[i];
    return v;
}

template <unsigned kBytes>
void to_bytes(U128 v, uint8_t* out) {
    for (unsigned i = kBytes; i-- > 0;) {
        out[i] = static_cast<uint8_t>(v);
        v >>= 8;
    }
}

// One run of addresses with the same value: [low, high] inclusive.
struct Segment {
    U128 low;
    U128 high;
    uint32_t value;
};

struct Interval {
    U128 low;
    U128 high;
    unsigned length;
    uint32_t value;
    size_t order;  // input position: the later of two equal prefixes wins
};

// Turns possibly nested prefixes into the sorted list of disjoint segments that cover
// the whole address space, gaps carrying kLpmNoValue, neighbours of equal value merged.
// CIDR prefixes are either nested or disjoint, so a stack of open prefixes suffices.
template <unsigned kBits>
std::vector<Segment> flatten(std::vector<Interval> in) {
    const U128 max = kBits == 128 ? ~U128{0} : ((U128{1} << kBits) - 1);
    std::sort(in.begin(), in.end(), [](const Interval& a, const Interval& b) {
        if (a.low != b.low) return a.low < b.low;
        if (a.length != b.length) return a.length < b.length;
        return a.order < b.order;
    });
    std::vector<Segment> out;
    auto emit = [&out](U128 low, U128 high, uint32_t value) {
        if (!out.empty() && out.back().value == value && out.back().high + 1 == low) {
            out.back().high = high;
        } else {
            out.push_back(Segment{low, high, value});
        }
    };
    std::vector<Interval> open;
    U128 cursor = 0;
    bool done = false;  // cursor ran past `max` (cannot be represented when kBits == 128)
    auto close_until = [&](const Interval* next) {
        while (!open.empty() && (next == nullptr || open.back().high < next->low)) {
            const Interval top = open.back();
            open.pop_back();
            if (!done && cursor <= top.high) {
                emit(cursor, top.high, top.value);
                if (top.high == max) {
                    done = true;
                } else {
                    cursor = top.high + 1;
                }
            }
        }
    };
    for (const Interval& iv : in) {
        close_until(&iv);
        if (!open.empty() && open.back().low == iv.low && open.back().high == iv.high) {
            open.back() = iv;  // equal prefix: the later one replaces it
            continue;
        }
        if (!done && cursor < iv.low) {
            emit(cursor, iv.low - 1, open.empty() ? kLpmNoValue : open.back().value);
            cursor = iv.low;
        }
        open.push_back(iv);
    }
    close_until(nullptr);
    if (!done) emit(cursor, max, kLpmNoValue);
    return out;
}

// 'text' in quotes. Built by appending: g++ 12 at -O3 warns falsely (-Wrestrict) on
// "'" + std::string(...).
std::string quoted(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out += '\'';
    out += text;
    out += '\'';
    return out;
}

}  // namespace

template <unsigned kAddressBytes, unsigned kRootBits>
void PrefixTable<kAddressBytes, kRootBits>::insert_block(const uint8_t* address, unsigned depth, uint32_t value) {
    const uint32_t leaf = (static_cast<uint32_t>(depth) << kDepthShift) | value;
    if (depth <= kRootBits) {
        const uint32_t count = uint32_t{1} << (kRootBits - depth);
        std::fill_n(&root_[root_index(address)], count, leaf);
        return;
    }
    // Blocks are disjoint and inserted in address order, so a link met on the way down
    // was made by a neighbouring block under the same entry and is reused. The slot is
    // kept as an index because growing `groups_` moves it.
    bool in_root = true;
    size_t position = root_index(address);
    auto slot = [&]() -> uint32_t& { return in_root ? root_[position] : groups_[position]; };
    unsigned level_end = kRootBits + 8;
    unsigned byte = kRootBits / 8;
    while (true) {
        if (!(slot() & kLink)) {
            const auto group = static_cast<uint32_t>(groups_.size() / 256);
            groups_.resize(groups_.size() + 256, 0);
            slot() = kLink | group;
        }
        const size_t base = static_cast<size_t>(slot() & kGroupMask) << 8;
        if (depth <= level_end) {
            const uint32_t count = uint32_t{1} << (level_end - depth);
            std::fill_n(groups_.begin() + static_cast<ptrdiff_t>(base + address[byte]), count, leaf);
            return;
        }
        in_root = false;
        position = base + address[byte];
        ++byte;
        level_end += 8;
    }
}

template <unsigned kAddressBytes, unsigned kRootBits>
Result<PrefixTable<kAddressBytes, kRootBits>> PrefixTable<kAddressBytes, kRootBits>::build(
    const std::vector<PrefixValue>& prefixes) {
    std::vector<Interval> intervals;
    intervals.reserve(prefixes.size());
    for (size_t i = 0; i < prefixes.size(); ++i) {
        const PrefixValue& p = prefixes[i];
        if (p.prefix.length > kBits)
            return Error{"", 0, "prefix length " + std::to_string(p.prefix.length) + " too long"};
        if (p.value >= kLpmNoValue) return Error{"", 0, "prefix table value out of range"};
        const U128 base = to_number<kAddressBytes>(p.prefix.address.data());
        const unsigned host_bits = kBits - p.prefix.length;
        const U128 span_mask = host_bits == 128 ? ~U128{0} : ((U128{1} << host_bits) - 1);
        const U128 low = base & ~span_mask;
        intervals.push_back(Interval{low, low | span_mask, p.prefix.length, p.value, i});
    }
    const std::vector<Segment> segments = flatten<kBits>(std::move(intervals));

    PrefixTable table;
    table.root_ = make_huge_array<uint32_t>(size_t{1} << kRootBits);
    // Each segment becomes the fewest aligned blocks that tile it (range to CIDR).
    for (const Segment& s : segments) {
        U128 low = s.low;
        while (true) {
            unsigned host_bits = 0;
            while (host_bits < kBits) {
                const unsigned next = host_bits + 1;
                const U128 mask = next == 128 ? ~U128{0} : ((U128{1} << next) - 1);
                if ((low & mask) != 0 || (low | mask) > s.high) break;
                host_bits = next;
            }
            uint8_t bytes[16] = {};
            to_bytes<kAddressBytes>(low, bytes);
            table.insert_block(bytes, kBits - host_bits, s.value);
            const U128 block_mask = host_bits == 128 ? ~U128{0} : ((U128{1} << host_bits) - 1);
            const U128 block_high = low | block_mask;
            if (block_high >= s.high) break;
            low = block_high + 1;
        }
    }
    if (table.groups_.size() / 256 > kGroupMask) return Error{"", 0, "prefix table too large"};
    return table;
}

template class PrefixTable<4, 24>;
template class PrefixTable<4, 16>;
template class PrefixTable<16, 16>;

Result<Prefix> parse_prefix(std::string_view text, unsigned* family_bits) {
    Prefix p;
    std::string address(text);
    unsigned length = 0;
    bool has_length = false;
    if (const size_t slash = address.find('/'); slash != std::string::npos) {
        const std::string len_text = address.substr(slash + 1);
        address.resize(slash);
        if (len_text.empty() || len_text.size() > 3 ||
            !std::all_of(len_text.begin(), len_text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return Error{"", 0, "bad prefix length in " + quoted(text)};
        }
        length = static_cast<unsigned>(std::stoul(len_text));
        has_length = true;
    }
    unsigned bits = 0;
    if (inet_pton(AF_INET, address.c_str(), p.address.data()) == 1) {
        bits = 32;
    } else if (inet_pton(AF_INET6, address.c_str(), p.address.data()) == 1) {
        bits = 128;
    } else {
        return Error{"", 0, quoted(text) + " is not an IPv4 or IPv6 address or prefix"};
    }
    if (!has_length) length = bits;
    if (length > bits) return Error{"", 0, "prefix length " + std::to_string(length) + " too long in " + quoted(text)};
    for (unsigned i = 0; i < bits / 8; ++i) {
        const unsigned first = i * 8;
        const uint8_t keep = first >= length       ? 0
                             : first + 8 <= length ? 0xff
                                                   : static_cast<uint8_t>(0xff00u >> (length - first));
        if ((p.address[i] & ~keep) != 0) {
            return Error{"", 0, quoted(text) + " has bits set past the prefix length"};
        }
    }
    p.length = static_cast<uint8_t>(length);
    if (family_bits != nullptr) *family_bits = bits;
    return p;
}

std::vector<Prefix> range_to_prefixes(const uint8_t* first, const uint8_t* last, unsigned family_bits) {
    std::vector<Prefix> out;
    const bool v4 = family_bits == 32;
    U128 low = v4 ? to_number<4>(first) : to_number<16>(first);
    const U128 high = v4 ? to_number<4>(last) : to_number<16>(last);
    if (low > high) return out;
    while (true) {
        unsigned host_bits = 0;
        while (host_bits < family_bits) {
            const unsigned next = host_bits + 1;
            const U128 mask = next == 128 ? ~U128{0} : ((U128{1} << next) - 1);
            if ((low & mask) != 0 || (low | mask) > high) break;
            host_bits = next;
        }
        Prefix p;
        if (v4) {
            to_bytes<4>(low, p.address.data());
        } else {
            to_bytes<16>(low, p.address.data());
        }
        p.length = static_cast<uint8_t>(family_bits - host_bits);
        out.push_back(p);
        const U128 block_high = low | (host_bits == 128 ? ~U128{0} : ((U128{1} << host_bits) - 1));
        if (block_high >= high) break;
        low = block_high + 1;
    }
    return out;
}

std::string prefix_to_text(const Prefix& prefix, unsigned family_bits) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(family_bits == 32 ? AF_INET : AF_INET6, prefix.address.data(), buf, sizeof buf);
    return std::string(buf) + "/" + std::to_string(prefix.length);
}

}  // namespace fz::policy
