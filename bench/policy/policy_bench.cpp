// ns per decide() for each routing policy, with a real-size GeoIP table (Debian's
// tor-geoipdb: about 200k IPv4 ranges) and random client addresses.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "dns/wire.h"
#include "policy/tables.h"

namespace fz::policy {
namespace {

constexpr const char* kTorGeoip = "/usr/share/tor/geoip";

struct World {
    std::unique_ptr<PolicyTables> tables;
    std::vector<ClientInfo> v4_clients;
    std::vector<ClientInfo> v6_clients;
    std::string geo_source;
};

// Concatenation by appending: g++ 12 at -O3 warns falsely (-Wrestrict) on
// "literal" + std::string temporaries.
template <typename... Parts>
std::string cat(const Parts&... parts) {
    std::string out;
    ((out += parts), ...);
    return out;
}

std::string rr(const std::string& name, const std::string& id, const std::string& routing) {
    return "{\"Name\": \"" + name + "\", \"Type\": \"A\", \"TTL\": 60, \"SetIdentifier\": \"" + id +
           "\", \"ResourceRecords\": [{\"Value\": \"192.0.2.1\"}], " + routing + "}";
}

World build_world() {
    World w;
    std::ifstream tor(kTorGeoip);
    auto geo = tor ? load_geoip(kTorGeoip) : load_geoip(FZ_SOURCE_ROOT "/../shared/data/geoip/GeoIP2-City-Test.mmdb");
    if (!geo.ok()) {
        std::fprintf(stderr, "%s\n", geo.error().to_string().c_str());
        std::exit(1);
    }
    w.geo_source = (*geo)->source();

    std::mt19937_64 gen(1);
    // Latency: 20k client /24s over 6 regions, nested in /16s.
    std::string csv;
    const char* regions[] = {"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1"};
    std::set<uint32_t> seen;
    for (int i = 0; i < 20000; ++i) {
        const uint32_t a = static_cast<uint32_t>(gen());
        if (!seen.insert(a >> 8).second) continue;
        char prefix[32];
        std::snprintf(prefix, sizeof prefix, "%u.%u.%u.0/24", a >> 24, (a >> 16) & 255, (a >> 8) & 255);
        for (int r = 0; r < 3; ++r)
            csv += std::string(prefix) + "," + regions[(a + r) % 6] + "," + std::to_string(10 + gen() % 200) + "\n";
    }
    auto latency = parse_latency_text(csv, "bench.csv", LatencyOptions{{"us-east-1", "eu-west-1"}});
    // CIDR collection: 2000 /20-/24 blocks in 8 locations.
    std::string cidr = R"({"CidrCollections": [{"Id": "c1", "Locations": [)";
    for (int l = 0; l < 8; ++l) {
        cidr += std::string(l ? "," : "") + "{\"LocationName\": \"loc" + std::to_string(l) + "\", \"CidrList\": [";
        for (int b = 0; b < 250; ++b) {
            const uint32_t a = static_cast<uint32_t>(gen()) & 0xffffff00u;
            if (!seen.insert(a >> 8).second) continue;
            char block[32];
            std::snprintf(block, sizeof block, "%u.%u.%u.0/24", a >> 24, (a >> 16) & 255, (a >> 8) & 255);
            cidr += std::string(b ? "," : "") + "\"" + block + "\"";
        }
        cidr += "]}";
    }
    cidr += "]}]}";
    auto collections = parse_cidr_collections_text(cidr, "bench-cidr.json");
    if (!latency.ok() || !collections.ok()) {
        std::fprintf(stderr, "bench inputs: %s %s\n", latency.ok() ? "" : latency.error().to_string().c_str(),
                     collections.ok() ? "" : collections.error().to_string().c_str());
        std::exit(1);
    }

    std::string items;
    auto add = [&items](const std::string& s) { items += (items.empty() ? "" : ",") + s; };
    for (int i = 0; i < 5; ++i)
        add(rr("weighted.example.com.", cat("w", std::to_string(i)), cat("\"Weight\": ", std::to_string(10 * i + 1))));
    const char* countries[] = {"US", "DE", "FR", "GB", "JP", "CN", "BR", "IN", "RU", "AU"};
    for (const char* c : countries)
        add(rr("geo.example.com.", c, std::string("\"GeoLocation\": {\"CountryCode\": \"") + c + "\"}"));
    for (const char* c : {"EU", "AS", "NA"})
        add(rr("geo.example.com.", c, std::string("\"GeoLocation\": {\"ContinentCode\": \"") + c + "\"}"));
    add(rr("geo.example.com.", "default", "\"GeoLocation\": {\"CountryCode\": \"*\"}"));
    for (const char* r : regions) add(rr("latency.example.com.", r, std::string("\"Region\": \"") + r + "\""));
    for (int l = 0; l < 8; ++l) {
        add(rr("ip.example.com.", cat("l", std::to_string(l)),
               cat("\"CidrRoutingConfig\": {\"CollectionId\": \"c1\", \"LocationName\": \"loc", std::to_string(l),
                   "\"}")));
    }
    add(rr("ip.example.com.", "rest", "\"CidrRoutingConfig\": {\"CollectionId\": \"c1\", \"LocationName\": \"*\"}"));
    add(rr("failover.example.com.", "p", "\"Failover\": \"PRIMARY\""));
    add(rr("failover.example.com.", "s", "\"Failover\": \"SECONDARY\""));
    for (int i = 0; i < 20; ++i)
        add(rr("multi.example.com.", cat("m", std::to_string(i)), "\"MultiValueAnswer\": true"));
    for (const char* r : regions) {
        add(rr("proximity.example.com.", r,
               std::string("\"GeoProximityLocation\": {\"AWSRegion\": \"") + r + "\", \"Bias\": 10}"));
    }
    add("{\"Name\": \"alias.example.com.\", \"Type\": \"A\", \"AliasTarget\": {\"HostedZoneId\": \"Z1\", "
        "\"DNSName\": \"geo.example.com.\", \"EvaluateTargetHealth\": true}}");

    const dns::Name origin = *dns::name_from_text("example.com.", nullptr);
    auto file = parse_record_sets_text("{\"ResourceRecordSets\": [" + items + "]}", "bench.json", origin);
    if (!file.ok()) {
        std::fprintf(stderr, "%s\n", file.error().to_string().c_str());
        std::exit(1);
    }
    PolicyInputs in;
    in.record_sets.push_back(std::move(*file));
    in.zones.push_back(ZoneInfo{origin, "Z1"});
    in.geo = *geo;
    in.latency = *latency;
    in.cidr_collections = std::move(*collections);
    auto set = build_policy_set(std::move(in));
    if (!set.ok()) {
        std::fprintf(stderr, "%s\n", set.error().to_string().c_str());
        std::exit(1);
    }
    w.tables = PolicyTables::create(*set);

    // 64k random clients: beyond the caches, as real traffic from many resolvers is.
    for (int i = 0; i < 65536; ++i) {
        uint8_t a[16];
        for (auto& b : a) b = static_cast<uint8_t>(gen());
        w.v4_clients.push_back(make_client(Family::kIpv4, a, 24));
        a[0] = 0x20;
        a[1] = static_cast<uint8_t>(gen() % 16);  // 2000::/12: where allocations are
        w.v6_clients.push_back(make_client(Family::kIpv6, a, 56));
    }
    return w;
}

World& world() {
    static World w = build_world();
    return w;
}

void run(benchmark::State& state, const char* name, bool v6, bool follow_aliases) {
    World& w = world();
    const uint32_t id = w.tables->find(*dns::name_from_text(name, nullptr), dns::type::A);
    const std::vector<ClientInfo>& clients = v6 ? w.v6_clients : w.v4_clients;
    Rng rng(7);
    size_t i = 0;
    for (auto _ : state) {
        const ClientInfo& c = clients[i++ & (clients.size() - 1)];
        if (follow_aliases) {
            benchmark::DoNotOptimize(resolve(*w.tables, id, c, rng));
        } else {
            benchmark::DoNotOptimize(decide(*w.tables->get(id), c, rng));
        }
    }
    state.SetLabel(w.geo_source);
}

void BM_Weighted(benchmark::State& s) { run(s, "weighted.example.com.", false, false); }
void BM_Failover(benchmark::State& s) { run(s, "failover.example.com.", false, false); }
void BM_MultiValue20(benchmark::State& s) { run(s, "multi.example.com.", false, false); }
void BM_GeolocationV4(benchmark::State& s) { run(s, "geo.example.com.", false, false); }
void BM_GeolocationV6(benchmark::State& s) { run(s, "geo.example.com.", true, false); }
void BM_GeoproximityV4(benchmark::State& s) { run(s, "proximity.example.com.", false, false); }
void BM_LatencyV4(benchmark::State& s) { run(s, "latency.example.com.", false, false); }
void BM_IpBasedV4(benchmark::State& s) { run(s, "ip.example.com.", false, false); }
void BM_AliasToGeolocationV4(benchmark::State& s) { run(s, "alias.example.com.", false, true); }

void BM_GeoLpmOnlyV4(benchmark::State& state) {
    World& w = world();
    const GeoDatabase& geo = *w.tables->set().geo;
    size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(geo.lookup(w.v4_clients[i++ & 65535]));
}

BENCHMARK(BM_Weighted);
BENCHMARK(BM_Failover);
BENCHMARK(BM_MultiValue20);
BENCHMARK(BM_GeolocationV4);
BENCHMARK(BM_GeolocationV6);
BENCHMARK(BM_GeoproximityV4);
BENCHMARK(BM_LatencyV4);
BENCHMARK(BM_IpBasedV4);
BENCHMARK(BM_AliasToGeolocationV4);
BENCHMARK(BM_GeoLpmOnlyV4);

}  // namespace
}  // namespace fz::policy

BENCHMARK_MAIN();
