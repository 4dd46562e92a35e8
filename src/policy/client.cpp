// Parsing client addresses for tools and tests (control plane).
#include "policy/client.h"

#include <arpa/inet.h>

#include <string>

namespace fz::policy {

std::optional<ClientInfo> parse_client(std::string_view address, std::optional<unsigned> prefix) {
    const std::string text(address);
    uint8_t bytes[16] = {};
    if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
        if (prefix && *prefix > 32) return std::nullopt;
        return make_client(Family::kIpv4, bytes, static_cast<uint8_t>(prefix.value_or(32)));
    }
    if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
        if (prefix && *prefix > 128) return std::nullopt;
        return make_client(Family::kIpv6, bytes, static_cast<uint8_t>(prefix.value_or(128)));
    }
    return std::nullopt;
}

}  // namespace fz::policy
