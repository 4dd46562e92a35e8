// Throughput of the data plane's whole per-packet path on one core: classify, answer(),
// rewrite in place, over real mbufs from a DPDK pool (the NIC is left out: each burst's
// mbufs are refilled with the query frames, as an RX burst would be). Reported as
// items_per_second = queries per second per core.
//
// Needs an EAL (started with --no-huge, so root is enough, no hugepages needed).
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/support/zone_gen.h"
#include "dns/message_builder.h"
#include "engine/counter_slots.h"
#include "io/dpdk/lcore.h"
#include "loader/config.h"
#include "loader/loader.h"
#include "tests/support/signed_config.h"
#include "tests/support/zone_snapshot.h"

namespace {

using fz::io::dpdk::Lcore;

constexpr uint8_t kServerMac[6] = {0x02, 0, 0, 0, 0x53, 0x02};
constexpr uint8_t kClientMac[6] = {0x02, 0, 0, 0, 0x53, 0x01};

rte_mempool* pool = nullptr;
std::unique_ptr<const fz::engine::Snapshot> snapshot;

// push_back one by one: GCC 12 warns wrongly (stringop-overflow) on vector::insert of lists.
void append(std::vector<uint8_t>& v, std::initializer_list<unsigned> bytes) {
    for (unsigned b : bytes) v.push_back(static_cast<uint8_t>(b));
}

uint16_t sum16(const std::vector<uint8_t>& b, size_t from, size_t len, uint32_t s = 0) {
    for (size_t i = 0; i + 1 < len; i += 2) s += static_cast<uint32_t>(b[from + i] << 8 | b[from + i + 1]);
    if (len % 2) s += static_cast<uint32_t>(b[from + len - 1] << 8);
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<uint16_t>(~s);
}

// With `ecs24` (the first three bytes of an IPv4 /24), the query carries EDNS Client Subnet.
std::vector<uint8_t> dns_query(const std::string& name, uint16_t qtype, bool edns, const uint8_t* ecs24 = nullptr,
                               bool do_bit = false) {
    fz::dns::QueryBuilder q;
    q.id = 0x1234;
    q.qname = name;
    q.qtype = qtype;
    q.edns = edns || do_bit;
    q.do_bit = do_bit;
    if (ecs24 != nullptr) q.options.push_back(fz::dns::client_subnet_option(1, 24, ecs24));
    return q.build().value();
}

// An Ethernet/IPv4 or IPv6/UDP frame to the server's port 53.
std::vector<uint8_t> frame(const std::vector<uint8_t>& dns, bool v6) {
    std::vector<uint8_t> f;
    for (uint8_t b : kServerMac) f.push_back(b);
    for (uint8_t b : kClientMac) f.push_back(b);
    auto ulen = static_cast<unsigned>(8 + dns.size());
    if (!v6) {
        append(f,
               {0x08, 0x00, 0x45, 0, (20 + ulen) >> 8, (20 + ulen) & 0xff, 0x12, 0x34, 0, 0, 64, 17, 0, 0, 10, 53, 0, 1,
                10,   53,   0,    2});
        uint16_t c = sum16(f, 14, 20);
        f[24] = static_cast<uint8_t>(c >> 8);
        f[25] = static_cast<uint8_t>(c);
    } else {
        append(f,
               {0x86, 0xdd, 0x60, 0, 0, 0,    ulen >> 8, ulen & 0xff, 17, 64, 0xfd, 0x53, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0,    0,    0,    0, 1, 0xfd, 0x53,      0,           0,  0,  0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 2});
    }
    append(f, {0x9c, 0x40, 0, 53, ulen >> 8, ulen & 0xff, 0, 0});
    for (uint8_t b : dns) f.push_back(b);
    return f;
}

void run_path(benchmark::State& state, const std::vector<std::vector<uint8_t>>& frames, bool offload,
              const fz::engine::Snapshot* snap = nullptr, bool ipv4_udp_checksum = true) {
    if (snap == nullptr) snap = snapshot.get();
    auto lc = std::make_unique<Lcore>();
    std::memcpy(lc->mac, kServerMac, 6);
    std::vector<std::string> addrs = {"10.53.0.2", "fd53::2"};
    lc->addresses = *fz::io::dpdk::parse_addresses(addrs);
    lc->tx_checksum_offload = offload;
    lc->ipv4_udp_checksum = ipv4_udp_checksum;
    rte_mbuf* mbufs[fz::io::dpdk::kBurst];
    if (rte_pktmbuf_alloc_bulk(pool, mbufs, fz::io::dpdk::kBurst) != 0) {
        state.SkipWithError("mbuf pool empty");
        return;
    }
    fz::io::dpdk::TxBatch to_port;
    fz::io::dpdk::TxBatch to_kernel;
    size_t next = 0;
    for (auto _ : state) {
        // What the NIC's DMA would have done: a query frame in each mbuf of the burst.
        for (rte_mbuf* m : mbufs) {
            const auto& f = frames[next];
            next = next + 1 == frames.size() ? 0 : next + 1;
            std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), f.data(), f.size());
            m->data_len = m->pkt_len = static_cast<uint16_t>(f.size());
            m->ol_flags = 0;
        }
        fz::io::dpdk::handle_burst(*lc, *snap, std::span<rte_mbuf* const>(mbufs, fz::io::dpdk::kBurst), to_port,
                                   to_kernel);
        if (to_port.count != fz::io::dpdk::kBurst) {
            state.SkipWithError("a query was not answered");
            break;
        }
        to_port.count = 0;
        benchmark::DoNotOptimize(mbufs[0]);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * fz::io::dpdk::kBurst);
    state.counters["ns_per_query"] = benchmark::Counter(static_cast<double>(state.iterations()) * fz::io::dpdk::kBurst,
                                                        benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    rte_pktmbuf_free_bulk(mbufs, fz::io::dpdk::kBurst);
}

void BM_StaticA_Ipv4(benchmark::State& state) {
    run_path(state, {frame(dns_query("www.example.com", 1, false), false)}, false);
}
void BM_StaticA_Ipv4_Edns(benchmark::State& state) {
    run_path(state, {frame(dns_query("www.example.com", 1, true), false)}, false);
}
void BM_StaticA_Ipv4_ChecksumOffload(benchmark::State& state) {
    run_path(state, {frame(dns_query("www.example.com", 1, false), false)}, true);
}
// dataplane.ipv4_udp_checksum: false (what Knot DNS's XDP mode sends).
void BM_StaticA_Ipv4_NoUdpChecksum(benchmark::State& state) {
    run_path(state, {frame(dns_query("www.example.com", 1, false), false)}, false, nullptr, false);
}
void BM_StaticAAAA_Ipv6(benchmark::State& state) {
    run_path(state, {frame(dns_query("www.example.com", 28, false), true)}, false);
}
void BM_Nxdomain_Ipv4(benchmark::State& state) {
    run_path(state, {frame(dns_query("nothere.example.com", 1, false), false)}, false);
}
void BM_Mixed(benchmark::State& state) {
    run_path(state,
             {frame(dns_query("www.example.com", 1, false), false), frame(dns_query("Mail.Example.com", 1, true), true),
              frame(dns_query("blog.example.com", 1, false), false),
              frame(dns_query("x.apps.example.com", 1, false), true),
              frame(dns_query("nothere.example.com", 28, true), false),
              frame(dns_query("host.sub.example.com", 1, false), false), frame(dns_query("example.com", 2, true), true),
              frame(dns_query("example.com", 15, false), false)},
             false);
}

// The same path with answer() replaced by a copy of a ready response: what the data
// plane itself costs per query (refill, classify, rewrite, checksums).
// Routing-policy names of config/fastzone-policies.yaml (every health check counts as
// healthy: no checker runs here), with the client in ECS: the rate against BM_StaticA_Ipv4.
constexpr uint8_t kGbClient[3] = {81, 2, 69};  // GB in the GeoIP2 City test database
void BM_Policy_Ipv4(benchmark::State& state, const char* name) {
    run_path(state, {frame(dns_query(name, 1, true, kGbClient), false)}, false);
}
void BM_StaticA_Ipv4_Ecs(benchmark::State& state) {
    run_path(state, {frame(dns_query("www.example.com", 1, true, kGbClient), false)}, false);
}
// The same queries from many clients: 4096 random /24s in ECS, as traffic from many
// resolvers is. A location table lookup then misses the caches (the GeoIP table is a
// 64 MiB DIR-24-8 root whatever the database), as a static answer's does not.
std::vector<std::vector<uint8_t>> many_client_frames(const char* name) {
    std::vector<std::vector<uint8_t>> frames;
    std::mt19937_64 rng(24);
    for (int i = 0; i < 4096; ++i) {
        const auto a = static_cast<uint32_t>(rng());
        const uint8_t ecs[3] = {static_cast<uint8_t>(a >> 24), static_cast<uint8_t>(a >> 16),
                                static_cast<uint8_t>(a >> 8)};
        frames.push_back(frame(dns_query(name, 1, true, ecs), false));
    }
    return frames;
}
void BM_PolicyManyClients_Ipv4(benchmark::State& state, const char* name) {
    run_path(state, many_client_frames(name), false);
}

// The baseline for multivalue (eight one-record members): a static RRset of eight A
// records under a name of the same length, with the same ECS query.
void BM_StaticA8_Ipv4_Ecs(benchmark::State& state) {
    const char* text =
        "$ORIGIN example.net.\n@ 300 SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ 300 NS ns1\n"
        "multi 60 A 192.0.2.1\nmulti 60 A 192.0.2.2\nmulti 60 A 192.0.2.3\nmulti 60 A 192.0.2.4\n"
        "multi 60 A 192.0.2.5\nmulti 60 A 192.0.2.6\nmulti 60 A 192.0.2.7\nmulti 60 A 192.0.2.8\n";
    auto snap = fz::test::snapshot_from_text({{"example.net.", text}});
    if (!snap) {
        state.SkipWithError("zone");
        return;
    }
    run_path(state, {frame(dns_query("multi.example.net", 1, true, kGbClient), false)}, false, snap->get());
}

// The signed copies of tests/data/dnssec (dnssec-signzone): each query with EDNS, with
// and without DO, so that the DO rate reads against the DO=0 rate of the same zone.
const fz::engine::Snapshot* signed_snapshot(const std::string& denial) {
    static std::map<std::string, std::unique_ptr<const fz::engine::Snapshot>> built;
    auto& snap = built[denial];
    if (!snap) {
        std::ifstream in(FZ_SOURCE_ROOT "/tests/data/dnssec/example.com." + denial + ".zone");
        std::stringstream text;
        text << in.rdbuf();
        auto made = fz::test::snapshot_from_text({{"example.com.", text.str()}});
        if (made) snap = std::move(*made);
    }
    return snap.get();
}
void BM_Signed(benchmark::State& state, const char* denial, const char* name, uint16_t qtype) {
    const fz::engine::Snapshot* snap = signed_snapshot(denial);
    if (snap == nullptr) {
        state.SkipWithError("tests/data/dnssec zone");
        return;
    }
    const bool do_bit = state.range(0) != 0;
    run_path(state, {frame(dns_query(name, qtype, true, nullptr, do_bit), false)}, false, snap);
}

// The routing-policy names again, config/fastzone-policies.yaml signed by fastzone, DO
// clear then set: the DO rate reads against the DO=0 rate of the same snapshot.
std::unique_ptr<fz::engine::Snapshot> signed_policies;
void BM_SignedPolicy_Ipv4(benchmark::State& state, const char* name) {
    if (!signed_policies) {
        state.SkipWithError("signing the policy configuration");
        return;
    }
    const bool do_bit = state.range(0) != 0;
    run_path(state, {frame(dns_query(name, 1, true, kGbClient, do_bit), false)}, false, signed_policies.get());
}

// A zone of `names` names (bench/support/zone_gen: about 1.3 records each) queried for
// random existing names: with 1M names (a 150 MB image) the table lookups miss the caches,
// and Snapshot::prefetch_lookups makes the data plane look up a burst's names ahead;
// /prefetch:0 turns that off to show what it saves.
void BM_LargeZone_Ipv4(benchmark::State& state) {
    const auto names = static_cast<size_t>(state.range(0));
    auto snap = fz::test::snapshot_from_source(fz::bench::make_zone_source(names));
    if (!snap) {
        state.SkipWithError("zone");
        return;
    }
    (*snap)->prefetch_lookups = state.range(1) != 0;
    std::vector<std::vector<uint8_t>> frames;
    std::mt19937_64 rng(42);
    for (int i = 0; i < 8192; ++i) {
        frames.push_back(frame(dns_query(fz::bench::host_name(rng() % names), 1, false), false));
    }
    run_path(state, frames, false, snap->get());
}

void BM_IoPathOnly_Ipv4(benchmark::State& state) {
    auto lc = std::make_unique<Lcore>();
    std::memcpy(lc->mac, kServerMac, 6);
    std::vector<std::string> addrs = {"10.53.0.2", "fd53::2"};
    lc->addresses = *fz::io::dpdk::parse_addresses(addrs);
    auto query = frame(dns_query("www.example.com", 1, false), false);
    std::vector<uint8_t> response(65, 0x5a);
    rte_mbuf* mbufs[fz::io::dpdk::kBurst];
    if (rte_pktmbuf_alloc_bulk(pool, mbufs, fz::io::dpdk::kBurst) != 0) {
        state.SkipWithError("mbuf pool empty");
        return;
    }
    for (auto _ : state) {
        for (rte_mbuf* m : mbufs) {
            auto* f = rte_pktmbuf_mtod(m, uint8_t*);
            std::memcpy(f, query.data(), query.size());
            fz::io::dpdk::Frame fr;
            if (fz::io::dpdk::classify(f, query.size(), lc->mac, lc->addresses, false, fr) !=
                fz::io::dpdk::Verdict::kDns) {
                state.SkipWithError("not classified as DNS");
                break;
            }
            auto peer = fz::io::dpdk::peer_of(f, fr);
            benchmark::DoNotOptimize(peer);
            std::memcpy(lc->query, f + fr.payload, fr.payload_len);
            std::memcpy(f + fr.payload, response.data(), response.size());
            m->data_len = m->pkt_len = static_cast<uint16_t>(fz::io::dpdk::rewrite_udp_response(
                f, fr, lc->mac, response.size(), fz::io::dpdk::ChecksumMode::kSoftware));
        }
        benchmark::DoNotOptimize(mbufs[0]);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * fz::io::dpdk::kBurst);
    rte_pktmbuf_free_bulk(mbufs, fz::io::dpdk::kBurst);
}

BENCHMARK(BM_StaticA_Ipv4);
BENCHMARK(BM_StaticA_Ipv4_Edns);
BENCHMARK(BM_StaticA_Ipv4_ChecksumOffload);
BENCHMARK(BM_StaticA_Ipv4_NoUdpChecksum);
BENCHMARK(BM_StaticAAAA_Ipv6);
BENCHMARK(BM_Nxdomain_Ipv4);
BENCHMARK(BM_Mixed);
BENCHMARK(BM_IoPathOnly_Ipv4);
BENCHMARK(BM_StaticA_Ipv4_Ecs);
BENCHMARK(BM_StaticA8_Ipv4_Ecs);
BENCHMARK(BM_LargeZone_Ipv4)->ArgNames({"names", "prefetch"})->Args({1000, 0})->Args({1000000, 0})->Args({1000000, 1});
BENCHMARK_CAPTURE(BM_Signed, nsec_static, "nsec", "www.example.com", 1)->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Signed, nsec_nxdomain, "nsec", "nothere.example.com", 1)->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Signed, nsec_nodata, "nsec", "www.example.com", 16)->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Signed, nsec_wildcard, "nsec", "x.wild.example.com", 1)->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Signed, nsec_referral, "nsec", "host.sub.example.com", 1)->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Signed, nsec3_nxdomain, "nsec3", "nothere.example.com", 1)->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Signed, nsec3_nodata, "nsec3", "www.example.com", 16)->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Policy_Ipv4, weighted, "weighted.example.com");
BENCHMARK_CAPTURE(BM_Policy_Ipv4, geolocation, "geo.example.com");
BENCHMARK_CAPTURE(BM_Policy_Ipv4, latency, "latency.example.com");
BENCHMARK_CAPTURE(BM_Policy_Ipv4, ip_based, "cidr.example.com");
BENCHMARK_CAPTURE(BM_Policy_Ipv4, failover, "failover.example.com");
BENCHMARK_CAPTURE(BM_Policy_Ipv4, multivalue, "multi.example.com");
BENCHMARK_CAPTURE(BM_Policy_Ipv4, geoproximity, "proximity.example.com");
BENCHMARK_CAPTURE(BM_Policy_Ipv4, alias, "app.example.com");
BENCHMARK_CAPTURE(BM_SignedPolicy_Ipv4, static, "www.example.com")->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_SignedPolicy_Ipv4, weighted, "weighted.example.com")->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_SignedPolicy_Ipv4, geolocation, "geo.example.com")->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_SignedPolicy_Ipv4, latency, "latency.example.com")->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_SignedPolicy_Ipv4, ip_based, "cidr.example.com")->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_SignedPolicy_Ipv4, failover, "failover.example.com")->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_SignedPolicy_Ipv4, multivalue, "multi.example.com")->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_SignedPolicy_Ipv4, geoproximity, "proximity.example.com")->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_SignedPolicy_Ipv4, alias, "app.example.com")->ArgName("do")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_PolicyManyClients_Ipv4, static, "www.example.com");
BENCHMARK_CAPTURE(BM_PolicyManyClients_Ipv4, geolocation, "geo.example.com");
BENCHMARK_CAPTURE(BM_PolicyManyClients_Ipv4, latency, "latency.example.com");
BENCHMARK_CAPTURE(BM_PolicyManyClients_Ipv4, ip_based, "cidr.example.com");
BENCHMARK_CAPTURE(BM_PolicyManyClients_Ipv4, geoproximity, "proximity.example.com");
BENCHMARK_CAPTURE(BM_PolicyManyClients_Ipv4, alias, "app.example.com");

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    std::string prefix = "--file-prefix=fzbench-" + std::to_string(getpid());
    std::string lcore = std::to_string(sched_getcpu() < 0 ? 0 : sched_getcpu());
    const char* eal[] = {"dpdk_lcore_bench",
                         "--no-pci",
                         "--no-huge",
                         "-m",
                         "128",
                         "--no-telemetry",
                         "--log-level=lib.eal:warning",
                         "-l",
                         lcore.c_str(),
                         prefix.c_str()};
    std::vector<char*> args;
    for (const char* a : eal) args.push_back(const_cast<char*>(a));
    if (rte_eal_init(static_cast<int>(args.size()), args.data()) < 0) {
        std::fprintf(stderr, "dpdk_lcore_bench: the EAL cannot start (%s); run as root\n", rte_strerror(rte_errno));
        return 0;  // a benchmark reports, it does not fail
    }
    pool = rte_pktmbuf_pool_create("bench", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    auto config = fz::loader::load_config(FZ_SOURCE_ROOT "/config/fastzone-policies.yaml");
    if (pool == nullptr || !config) {
        std::fprintf(stderr, "dpdk_lcore_bench: setup failed\n");
        return 1;
    }
    auto snap = fz::loader::build_snapshot(*config, nullptr);
    if (!snap) {
        std::fprintf(stderr, "dpdk_lcore_bench: %s\n", snap.error().to_string().c_str());
        return 1;
    }
    fz::engine::CounterSlots slots;  // one counter per policy member, as the daemon does
    slots.assign(**snap);
    snapshot = std::move(snap.value());
    if (auto signed_snap = fz::test::signed_snapshot_of_config(FZ_SOURCE_ROOT "/config/fastzone-policies.yaml")) {
        slots.assign(**signed_snap);
        signed_policies = std::move(signed_snap.value());
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    snapshot.reset();
    signed_policies.reset();
    rte_mempool_free(pool);
    std::string runtime_dir = rte_eal_get_runtime_dir();  // our own prefix: leave nothing behind
    rte_eal_cleanup();
    std::error_code ec;
    std::filesystem::remove_all(runtime_dir, ec);
    return 0;
}
