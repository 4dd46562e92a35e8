// answer() on routing-policy names: ns per query through the whole query path, for each
// Route 53 policy and for a static answer of the same size (the baseline to subtract).
//
// The snapshot is built as fastzoned builds it: configuration, zone, record sets, CIDR
// collections and latency files written to a temporary folder, then loader::load_config
// and loader::build_snapshot. GeoIP is Debian's tor-geoipdb (about 200k IPv4 ranges; the
// MaxMind City test database if it is missing). Every query carries ECS; the benchmarks
// cycle through many client prefixes:
//   BM_PolicyAnswer/<kind>      16384 prefixes: table lookups miss the caches, as with
//                               traffic from many resolvers
//   BM_PolicyAnswerHot/<kind>   64 prefixes: the compute cost alone
// Static baselines: "static" (one A record, like every policy answer but multivalue) and
// "static8" (eight A records, the size of a multivalue answer).
//
// The same zone signed by fastzone (ECDSA KSK + ZSK made here), queried with DO:
//   BM_PolicyAnswerSignedHot/<kind>  to set against BM_PolicyAnswerHot/<kind> (DO=1 / DO=0)
// and the control plane's cost of drawing a multivalue policy's answers again (every
// PolicyTables::kRedrawSeconds, and on each health change of a member), which in the
// signed zone signs every window (256 for the 20-member pool):
//   BM_Redraw/unsigned, BM_Redraw/signed
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "dns/message_builder.h"
#include "dns/wire.h"
#include "dnssec/keys.h"
#include "engine/answer.h"
#include "engine/counter_slots.h"
#include "loader/config.h"
#include "loader/loader.h"

namespace fz::bench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTorGeoip = "/usr/share/tor/geoip";
constexpr const char* kRegions[] = {"us-east-1",    "us-west-2",      "eu-west-1",
                                    "eu-central-1", "ap-southeast-1", "ap-northeast-1"};
constexpr size_t kColdClients = 16384;  // a power of two: the loop masks the index
constexpr size_t kHotClients = 64;

// Names of one length (six letters) so that name hashing costs the same for every kind.
struct Kind {
    const char* label;
    const char* name;
};
constexpr Kind kKinds[] = {
    {"static", "static.example.com."},
    {"static8", "statc8.example.com."},
    {"weighted", "weighd.example.com."},
    {"geolocation", "geoloc.example.com."},
    {"latency", "latncy.example.com."},
    {"ip_based", "cidrip.example.com."},
    {"failover", "failov.example.com."},
    {"multivalue", "multiv.example.com."},
    {"geoproximity", "geoprx.example.com."},
    {"alias", "alias1.example.com."},
    {"alias_to_geolocation", "alias2.example.com."},
};

// Concatenation by appending: g++ 12 at -O3 warns falsely (-Wrestrict) on
// "literal" + std::string temporaries.
template <typename... Parts>
std::string cat(const Parts&... parts) {
    std::string out;
    ((out += parts), ...);
    return out;
}

std::string record(const std::string& name, const std::string& id, const std::string& routing, const std::string& value,
                   const std::string& extra = "") {
    return cat("{\"Name\": \"", name, "\", \"Type\": \"A\", \"TTL\": 60, \"SetIdentifier\": \"", id, "\", ", routing,
               ", \"ResourceRecords\": [{\"Value\": \"", value, "\"}]", extra, "}");
}

std::string v4_text(uint32_t a) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    return buf;
}

struct ClientPrefix {
    uint16_t family;  // ECS FAMILY: 1 IPv4, 2 IPv6
    uint8_t prefix;
    uint8_t address[16];
};

struct World {
    fs::path dir;
    std::unique_ptr<engine::Snapshot> snapshot;
    std::unique_ptr<engine::Snapshot> signed_snapshot;  // the zone signed by fastzone
    std::vector<ClientPrefix> clients;                  // kColdClients
    std::string geo_source;
};

// Writes the inputs, loads them as the daemon does, and draws the client prefixes: a third
// uniformly over IPv4, a third inside the latency table's prefixes, a sixth inside the
// CIDR collection's blocks, the rest IPv6 /48s in 2000::/12.
World build_world() {
    World w;
    w.dir = fs::temp_directory_path() / cat("fz-answer-policy-bench-", std::to_string(::getpid()));
    fs::create_directories(w.dir);
    auto write = [&w](const std::string& name, const std::string& text) { std::ofstream(w.dir / name) << text; };
    std::mt19937_64 gen(1);

    write("example.com.zone",
          "$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ NS ns1\n"
          "ns1 A 192.0.2.53\nstatic A 192.0.2.10\n"
          "statc8 A 192.0.2.1\nstatc8 A 192.0.2.2\nstatc8 A 192.0.2.3\nstatc8 A 192.0.2.4\n"
          "statc8 A 192.0.2.5\nstatc8 A 192.0.2.6\nstatc8 A 192.0.2.7\nstatc8 A 192.0.2.8\n");

    // Latency: 20k client /24s, three regions each.
    std::string csv = "client prefix,region,latency ms\n";
    std::vector<uint32_t> latency_24s;
    std::set<uint32_t> used;
    while (latency_24s.size() < 20000) {
        const uint32_t a = static_cast<uint32_t>(gen()) & 0xffffff00u;
        if (!used.insert(a >> 8).second) continue;
        latency_24s.push_back(a);
        for (int r = 0; r < 3; ++r) {
            csv += cat(v4_text(a), "/24,", kRegions[((a >> 8) + static_cast<uint32_t>(r)) % 6], ",",
                       std::to_string(10 + gen() % 200), "\n");
        }
    }
    write("latency.csv", csv);

    // CIDR collection: 2000 /24 blocks in 8 locations.
    std::vector<uint32_t> cidr_24s;
    std::string cidr = R"({"CidrCollections": [{"Id": "c1", "Name": "bench", "Locations": [)";
    for (int l = 0; l < 8; ++l) {
        cidr += cat(l ? "," : "", "{\"LocationName\": \"loc", std::to_string(l), "\", \"CidrList\": [");
        for (int b = 0; b < 250;) {
            const uint32_t a = static_cast<uint32_t>(gen()) & 0xffffff00u;
            if (!used.insert(a >> 8).second) continue;
            cidr_24s.push_back(a);
            cidr += cat(b ? "," : "", "\"", v4_text(a), "/24\"");
            ++b;
        }
        cidr += "]}";
    }
    cidr += "]}]}";
    write("cidr.json", cidr);

    write(
        "health-checks.json",
        R"({"HealthChecks": [{"Id": "hc1", "HealthCheckConfig": {"Type": "TCP", "IPAddress": "192.0.2.1", "Port": 80}},
                               {"Id": "hc2", "HealthCheckConfig": {"Type": "TCP", "IPAddress": "192.0.2.2", "Port": 80}}]})");

    std::string items;
    auto add = [&items](const std::string& s) { items += cat(items.empty() ? "" : ",\n", s); };
    for (int i = 0; i < 5; ++i) {
        add(record("weighd.example.com.", cat("w", std::to_string(i)), cat("\"Weight\": ", std::to_string(10 * i + 1)),
                   cat("192.0.2.", std::to_string(20 + i))));
    }
    const char* countries[] = {"US", "DE", "FR", "GB", "JP", "CN", "BR", "IN", "RU", "AU"};
    int n = 0;
    for (const char* c : countries) {
        add(record("geoloc.example.com.", c, cat("\"GeoLocation\": {\"CountryCode\": \"", c, "\"}"),
                   cat("192.0.2.", std::to_string(30 + n++))));
    }
    for (const char* c : {"EU", "AS", "NA"}) {
        add(record("geoloc.example.com.", c, cat("\"GeoLocation\": {\"ContinentCode\": \"", c, "\"}"),
                   cat("192.0.2.", std::to_string(30 + n++))));
    }
    add(record("geoloc.example.com.", "default", "\"GeoLocation\": {\"CountryCode\": \"*\"}", "192.0.2.49"));
    n = 0;
    for (const char* r : kRegions) {
        add(record("latncy.example.com.", r, cat("\"Region\": \"", r, "\""),
                   cat("192.0.2.", std::to_string(50 + n++))));
    }
    for (int l = 0; l < 8; ++l) {
        add(record("cidrip.example.com.", cat("l", std::to_string(l)),
                   cat("\"CidrRoutingConfig\": {\"CollectionId\": \"c1\", \"LocationName\": \"loc", std::to_string(l),
                       "\"}"),
                   cat("192.0.2.", std::to_string(60 + l))));
    }
    add(record("cidrip.example.com.", "rest",
               "\"CidrRoutingConfig\": {\"CollectionId\": \"c1\", \"LocationName\": \"*\"}", "192.0.2.69"));
    add(record("failov.example.com.", "p", "\"Failover\": \"PRIMARY\"", "192.0.2.71", ", \"HealthCheckId\": \"hc1\""));
    add(record("failov.example.com.", "s", "\"Failover\": \"SECONDARY\"", "192.0.2.72",
               ", \"HealthCheckId\": \"hc2\""));
    for (int i = 0; i < 20; ++i) {
        add(record("multiv.example.com.", cat("m", std::to_string(i)), "\"MultiValueAnswer\": true",
                   cat("192.0.2.", std::to_string(80 + i))));
    }
    n = 0;
    for (const char* r : kRegions) {
        add(record("geoprx.example.com.", r,
                   cat("\"GeoProximityLocation\": {\"AWSRegion\": \"", r, "\", \"Bias\": 10}"),
                   cat("192.0.2.", std::to_string(110 + n++))));
    }
    add(R"({"Name": "alias1.example.com.", "Type": "A", "AliasTarget": {"HostedZoneId": "ZBENCH", "DNSName": "static.example.com.", "EvaluateTargetHealth": false}})");
    add(R"({"Name": "alias3.example.com.", "Type": "A", "AliasTarget": {"HostedZoneId": "ZBENCH", "DNSName": "geoloc.example.com.", "EvaluateTargetHealth": true}})");
    add(R"({"Name": "alias2.example.com.", "Type": "A", "AliasTarget": {"HostedZoneId": "ZBENCH", "DNSName": "alias3.example.com.", "EvaluateTargetHealth": true}})");
    write("record-sets.json", cat("{\"ResourceRecordSets\": [\n", items, "\n]}\n"));

    const bool tor = std::ifstream(kTorGeoip).good();
    const std::string geo = tor ? kTorGeoip : FZ_SOURCE_ROOT "/../shared/data/geoip/GeoIP2-City-Test.mmdb";
    write("fastzone.yaml", cat("zones:\n  - origin: example.com.\n    file: example.com.zone\n"
                               "    record_sets: record-sets.json\n    hosted_zone_id: ZBENCH\n"
                               "health_checks: health-checks.json\ncidr_collections: cidr.json\n"
                               "latency: latency.csv\nlatency_default_order: [us-east-1, eu-west-1]\n"
                               "geoip: ",
                               geo, "\n"));
    const dns::Name origin = *dns::name_from_text("example.com.", nullptr);
    fs::create_directories(w.dir / "keys");
    for (bool ksk : {true, false}) {
        if (auto k = dnssec::generate_key((w.dir / "keys").string(), origin, dnssec::kEcdsaP256Sha256, ksk); !k.ok()) {
            std::fprintf(stderr, "%s\n", k.error().to_string().c_str());
            std::exit(1);
        }
    }
    std::ifstream plain(w.dir / "fastzone.yaml");
    std::string text((std::istreambuf_iterator<char>(plain)), std::istreambuf_iterator<char>());
    text.insert(text.find("health_checks:"), cat("    dnssec: {keys_dir: ", (w.dir / "keys").string(), "}\n"));
    write("signed.yaml", text);
    for (const char* file : {"fastzone.yaml", "signed.yaml"}) {
        auto config = loader::load_config((w.dir / file).string());
        if (!config.ok()) {
            std::fprintf(stderr, "%s\n", config.error().to_string().c_str());
            std::exit(1);
        }
        auto snap = loader::build_snapshot(*config, nullptr);
        if (!snap.ok()) {
            std::fprintf(stderr, "%s\n", snap.error().to_string().c_str());
            std::exit(1);
        }
        // Counter slots as the daemon assigns them: one per member (left unassigned, every
        // member would count into slot 0 and a multivalue answer's eight increments would
        // wait on each other).
        engine::CounterSlots slots;
        slots.assign(**snap);
        (file == std::string("signed.yaml") ? w.signed_snapshot : w.snapshot) = std::move(snap.value());
    }
    w.geo_source = geo;
    fs::remove_all(w.dir);

    for (size_t i = 0; i < kColdClients; ++i) {
        ClientPrefix c{};
        const unsigned pick = static_cast<unsigned>(gen() % 6);
        if (pick < 5) {
            uint32_t a = static_cast<uint32_t>(gen());
            if (pick == 2 || pick == 3) a = latency_24s[gen() % latency_24s.size()];
            if (pick == 4) a = cidr_24s[gen() % cidr_24s.size()];
            c.family = 1;
            c.prefix = 24;
            c.address[0] = static_cast<uint8_t>(a >> 24);
            c.address[1] = static_cast<uint8_t>(a >> 16);
            c.address[2] = static_cast<uint8_t>(a >> 8);
        } else {
            c.family = 2;
            c.prefix = 48;
            for (int b = 0; b < 6; ++b) c.address[b] = static_cast<uint8_t>(gen());
            c.address[0] = 0x20;
            c.address[1] = static_cast<uint8_t>(c.address[1] & 0x0f);  // 2000::/12
        }
        w.clients.push_back(c);
    }
    return w;
}

World& world() {
    static World w = build_world();
    return w;
}

// A query for `name` A with EDNS (UDP 1232) and ECS for `c`, DO set with `dnssec`.
std::vector<uint8_t> make_query(const char* name, const ClientPrefix& c, bool dnssec) {
    dns::QueryBuilder q;
    q.id = 0x1234;
    q.flags = dns::flag::RD;
    q.do_bit = dnssec;
    q.qname = name;
    q.options.push_back(dns::client_subnet_option(c.family, c.prefix, c.address));
    return q.build().value();
}

void run(benchmark::State& state, const Kind& kind, size_t clients, bool dnssec = false) {
    World& w = world();
    const engine::Snapshot& snapshot = dnssec ? *w.signed_snapshot : *w.snapshot;
    std::vector<std::vector<uint8_t>> queries;
    for (size_t i = 0; i < clients; ++i) queries.push_back(make_query(kind.name, w.clients[i], dnssec));
    auto worker = std::make_unique<engine::Worker>();
    engine::Peer peer;
    peer.family = 4;
    peer.address[0] = 127;
    peer.address[3] = 1;
    uint8_t out[1500];
    size_t i = 0, len = 0, bytes = 0, answered = 0;
    const size_t mask = clients - 1;
    for (auto _ : state) {
        const auto& q = queries[i++ & mask];
        len = engine::answer(snapshot, q.data(), q.size(), peer, engine::Transport::kUdp, out, sizeof(out), *worker);
        benchmark::DoNotOptimize(len);
        benchmark::ClobberMemory();
        bytes += len;
        answered += len > 12 && (out[7] != 0);  // ANCOUNT low byte: an answer, not NODATA
    }
    if (len == 0) state.SkipWithError("no response");
    state.counters["response_bytes"] = benchmark::Counter(static_cast<double>(bytes),
                                                          benchmark::Counter::kAvgIterations);
    state.counters["answered"] = benchmark::Counter(static_cast<double>(answered), benchmark::Counter::kAvgIterations);
}

// One redraw of every multivalue policy's windows (the 20-member pool's 256), as the
// daemon runs it; in the signed zone each window is signed.
void redraw(benchmark::State& state, bool dnssec) {
    World& w = world();
    policy::PolicyTables& tables = *(dnssec ? w.signed_snapshot : w.snapshot)->policies;
    size_t rebuilt = 0;
    for (auto _ : state) rebuilt += tables.redraw([](policy::PolicyTables::Retired) {}).size();
    state.counters["policies"] = benchmark::Counter(static_cast<double>(rebuilt), benchmark::Counter::kAvgIterations);
}
BENCHMARK_CAPTURE(redraw, unsigned, false)->Name("BM_Redraw/unsigned")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(redraw, signed, true)->Name("BM_Redraw/signed")->Unit(benchmark::kMillisecond);

// FZ_BENCH_ITERATIONS=N runs each benchmark exactly N times: under
//   valgrind --tool=callgrind --toggle-collect='fz::engine::answer(*'
// the collected instructions divided by N are instructions per answer(), stable run to run.
[[maybe_unused]] const bool registered = [] {
    const char* fixed = std::getenv("FZ_BENCH_ITERATIONS");
    const benchmark::IterationCount iterations = fixed != nullptr ? std::atoll(fixed) : 0;
    for (size_t clients : {kColdClients, kHotClients}) {
        for (const Kind& k : kKinds) {
            auto* b = benchmark::RegisterBenchmark(
                cat(clients == kColdClients ? "BM_PolicyAnswer/" : "BM_PolicyAnswerHot/", k.label).c_str(),
                [k, clients](benchmark::State& s) { run(s, k, clients); });
            if (iterations > 0) b->Iterations(iterations);
        }
    }
    for (const Kind& k : kKinds) {
        auto* b = benchmark::RegisterBenchmark(cat("BM_PolicyAnswerSignedHot/", k.label).c_str(),
                                               [k](benchmark::State& s) { run(s, k, kHotClients, true); });
        if (iterations > 0) b->Iterations(iterations);
    }
    benchmark::AddCustomContext("geoip",
                                std::ifstream(kTorGeoip).good() ? kTorGeoip : "GeoIP2-City-Test.mmdb (no tor-geoipdb)");
    return true;
}();

}  // namespace
}  // namespace fz::bench
