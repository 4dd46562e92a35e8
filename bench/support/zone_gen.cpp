// Synthetic zones for benchmarks.
#include "bench/support/zone_gen.h"

#include <arpa/inet.h>

#include "dns/wire.h"

namespace fz::bench {

std::string host_name(size_t i) { return "host-" + std::to_string(i) + ".example.com."; }

std::string make_zone_text(size_t names) {
    std::string t;
    t.reserve(names * 48 + 256);
    t += "$ORIGIN example.com.\n$TTL 3600\n";
    t += "@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.53\n";
    char buf[128];
    for (size_t i = 0; i < names; ++i) {
        int n = std::snprintf(buf, sizeof(buf), "host-%zu A 10.%zu.%zu.%zu\n", i, (i >> 16) & 255, (i >> 8) & 255,
                              i & 255);
        t.append(buf, static_cast<size_t>(n));
        if (i % 10 == 0) {
            n = std::snprintf(buf, sizeof(buf), "host-%zu AAAA 2001:db8::%zx\n", i, i & 0xffff);
            t.append(buf, static_cast<size_t>(n));
        }
        if (i % 10 == 5) {
            n = std::snprintf(buf, sizeof(buf), "host-%zu MX 10 ns1\n", i);
            t.append(buf, static_cast<size_t>(n));
        }
        if (i % 10 == 7) {
            n = std::snprintf(buf, sizeof(buf), "host-%zu TXT \"v=spf1 -all\" \"id %zu\"\n", i, i);
            t.append(buf, static_cast<size_t>(n));
        }
    }
    return t;
}

zone::ZoneSource make_zone_source(size_t names) {
    zone::ZoneSource z;
    z.origin = *dns::name_from_text("example.com.", nullptr);
    z.files.push_back("generated");
    auto add = [&](const std::string& owner, uint16_t type, std::string rdata) {
        zone::Record r;
        r.owner = *dns::name_from_text(owner, &z.origin);
        r.type = type;
        r.ttl = 3600;
        r.rdata = std::move(rdata);
        z.records.push_back(std::move(r));
    };
    dns::Name ns1 = *dns::name_from_text("ns1.example.com.", nullptr);
    dns::Name host = *dns::name_from_text("hostmaster.example.com.", nullptr);
    std::string soa = ns1.bytes() + host.bytes();
    uint8_t timers[20];
    uint32_t vals[5] = {1, 7200, 3600, 1209600, 300};
    for (int i = 0; i < 5; ++i) dns::store_u32(timers + 4 * i, vals[i]);
    soa.append(reinterpret_cast<const char*>(timers), 20);
    add("@", dns::type::SOA, soa);
    add("@", dns::type::NS, ns1.bytes());
    add("ns1", dns::type::A, std::string("\xc0\x00\x02\x35", 4));
    z.records.reserve(names * 14 / 10 + 8);
    for (size_t i = 0; i < names; ++i) {
        std::string owner = "host-" + std::to_string(i);
        char a[4] = {10, static_cast<char>((i >> 16) & 255), static_cast<char>((i >> 8) & 255),
                     static_cast<char>(i & 255)};
        add(owner, dns::type::A, std::string(a, 4));
        if (i % 10 == 0) {
            uint8_t v6[16];
            inet_pton(AF_INET6, "2001:db8::", v6);
            v6[14] = static_cast<uint8_t>(i >> 8);
            v6[15] = static_cast<uint8_t>(i);
            add(owner, dns::type::AAAA, std::string(reinterpret_cast<char*>(v6), 16));
        }
        if (i % 10 == 5) add(owner, dns::type::MX, std::string("\x00\x0a", 2) + ns1.bytes());
        if (i % 10 == 7) add(owner, dns::type::TXT, std::string("\x0bv=spf1 -all", 12));
    }
    return z;
}

}  // namespace fz::bench
