// Listen addresses as the configuration writes them.
#include "common/listen_address.h"

#include <arpa/inet.h>
#include <sys/socket.h>

namespace fz {

Result<ListenAddress> parse_listen_address(const std::string& text, uint16_t default_port) {
    ListenAddress a;
    a.text = text;
    std::string host = text;
    std::string port;
    if (!host.empty() && host[0] == '[') {
        size_t close = host.find(']');
        if (close == std::string::npos) return Error{"", 0, "bad listen address '" + text + "'"};
        std::string rest = host.substr(close + 1);
        host = host.substr(1, close - 1);
        if (!rest.empty()) {
            if (rest[0] != ':' && rest[0] != '@') return Error{"", 0, "bad listen address '" + text + "'"};
            port = rest.substr(1);
        }
    } else if (size_t at = host.rfind('@'); at != std::string::npos) {
        port = host.substr(at + 1);
        host = host.substr(0, at);
    }
    a.port = default_port;
    if (!port.empty()) {
        unsigned long v = 0;
        for (char c : port) {
            if (c < '0' || c > '9') return Error{"", 0, "bad port in listen address '" + text + "'"};
            v = v * 10 + static_cast<unsigned long>(c - '0');
            if (v > 65535) return Error{"", 0, "port above 65535 in listen address '" + text + "'"};
        }
        a.port = static_cast<uint16_t>(v);
    }
    if (inet_pton(AF_INET, host.c_str(), a.address) == 1) {
        a.family = AF_INET;
    } else if (inet_pton(AF_INET6, host.c_str(), a.address) == 1) {
        a.family = AF_INET6;
    } else {
        return Error{"", 0, "bad IP address in listen address '" + text + "'"};
    }
    return a;
}

}  // namespace fz
