// Fuzz target for the master-file parser: any text must give a zone or an error, never a
// crash; every record parsed must print and parse back to the same rdata bytes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "dns/rrtype.h"
#include "zone/check.h"
#include "zone/master_parser.h"
#include "zone/rdata_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fz;
    static const dns::Name origin = *dns::name_from_text("example.com.", nullptr);
    std::string_view text(reinterpret_cast<const char*>(data), size);
    zone::ParseOptions options;
    options.default_ttl = 3600;
    options.max_include_depth = 0;  // no $INCLUDE: a fuzzer must not read the file system
    auto parsed = zone::parse_zone_text(text, "fuzz.zone", origin, options);
    if (!parsed.ok()) return 0;
    (void)zone::check_zone(*parsed);
    for (const zone::Record& r : parsed->records) {
        std::string shown = zone::rdata_to_text(r.type, r.rdata);
        auto back = zone::rdata_from_text(r.type, shown, origin);
        if (!back.ok() || *back != r.rdata) {
            std::fprintf(stderr, "round trip failed for %s %s: %s -> %s\n", r.owner.to_text().c_str(),
                         dns::type_to_text(r.type).c_str(), shown.c_str(),
                         back.ok() ? zone::rdata_to_text(r.type, *back).c_str() : back.error().message.c_str());
            std::abort();
        }
    }
    return 0;
}
