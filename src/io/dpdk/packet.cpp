// Cold helpers of packet.h: turning configured address text into an AddressSet.
#include "io/dpdk/packet.h"

#include <arpa/inet.h>

namespace fz::io::dpdk {

Result<AddressSet> parse_addresses(std::span<const std::string> addresses) {
    AddressSet set;
    for (const auto& text : addresses) {
        std::string addr = text.substr(0, text.find('/'));
        uint8_t bytes[16];
        if (inet_pton(AF_INET, addr.c_str(), bytes) == 1) {
            if (set.v4_count == AddressSet::kMax) return Error{"", 0, "more than 16 IPv4 addresses on one port"};
            if (!set.has_v4(bytes)) std::memcpy(set.v4[set.v4_count++], bytes, 4);
        } else if (inet_pton(AF_INET6, addr.c_str(), bytes) == 1) {
            if (set.v6_count == AddressSet::kMax) return Error{"", 0, "more than 16 IPv6 addresses on one port"};
            if (!set.has_v6(bytes)) std::memcpy(set.v6[set.v6_count++], bytes, 16);
        } else {
            return Error{"", 0, "'" + text + "' is not an IPv4 or IPv6 address"};
        }
    }
    return set;
}

}  // namespace fz::io::dpdk
