// An address and port to listen on, as the configuration writes it: "127.0.0.1@5300",
// "::1@5300", "[::1]:5300" or "0.0.0.0" (the default port).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "common/result.h"

namespace fz {

struct ListenAddress {
    std::string text;  // as written, for logs and errors
    int family = 0;    // AF_INET or AF_INET6
    uint8_t address[16] = {};
    uint16_t port = 53;

    // The same socket address, however it was written ("::1@53", "[::1]:53").
    bool operator==(const ListenAddress& o) const {
        return family == o.family && port == o.port && std::memcmp(address, o.address, sizeof address) == 0;
    }
};

// Parses `text`; `default_port` applies when it names none. Errors quote the text.
Result<ListenAddress> parse_listen_address(const std::string& text, uint16_t default_port);

}  // namespace fz
