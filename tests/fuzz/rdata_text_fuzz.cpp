// Fuzz target for rdata presentation formats. Input: a 2-byte type, then wire rdata. For
// rdata valid for its type, what rdata_to_text prints must parse back to the very same
// bytes, so the printer and the parser can never drift apart; invalid rdata (printed as \#)
// must be refused by the parser.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dns/rrtype.h"
#include "dns/wire.h"
#include "zone/rdata_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fz;
    static const dns::Name origin = *dns::name_from_text("example.com.", nullptr);
    if (size < 2 || size - 2 > zone::kMaxRdata) return 0;
    uint16_t type = dns::load_u16(data);
    const uint8_t* rdata = data + 2;
    size_t len = size - 2;
    std::string text = zone::rdata_to_text(type, rdata, len);
    auto back = zone::rdata_from_text(type, text, origin);
    bool same = back.ok() && *back == std::string(reinterpret_cast<const char*>(rdata), len);
    if (!zone::rdata_is_valid(type, rdata, len)) same = !back.ok();
    if (!same) {
        std::fprintf(stderr, "round trip failed for %s: %s -> %s\n", dns::type_to_text(type).c_str(), text.c_str(),
                     back.ok() ? zone::rdata_to_text(type, *back).c_str() : back.error().message.c_str());
        std::abort();
    }
    return 0;
}
