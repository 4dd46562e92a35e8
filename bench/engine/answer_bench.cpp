// answer(): nanoseconds per query for the common kinds of answer, in process.
#include "engine/answer.h"

#include <benchmark/benchmark.h>

#include <vector>

#include "dns/name.h"
#include "dns/wire.h"
#include "zone/check.h"
#include "zone/compiler.h"
#include "zone/master_parser.h"

namespace {

constexpr const char* kZone = R"(
$ORIGIN example.com.
$TTL 3600
@        SOA   ns1 hostmaster 1 7200 3600 1209600 300
@        NS    ns1
@        NS    ns2
@        MX    10 mail
ns1      A     192.0.2.53
ns2      A     192.0.2.54
mail     A     192.0.2.25
www      A     192.0.2.10
alias    CNAME www
*.wild   A     192.0.2.80
sub      NS    ns1.sub
ns1.sub  A     192.0.2.99
)";

const fz::engine::Snapshot& snapshot() {
    static fz::engine::Snapshot* snap = [] {
        auto* s = new fz::engine::Snapshot();
        auto origin = *fz::dns::name_from_text("example.com.", nullptr);
        auto src = fz::zone::parse_zone_text(kZone, "bench.zone", origin);
        if (!src || !fz::zone::check_zone(*src)) std::abort();
        s->zones.push_back(*fz::zone::compile_zone(*src));
        if (!s->finish()) std::abort();
        return s;
    }();
    return *snap;
}

std::vector<uint8_t> make_query(const char* name, uint16_t type, bool edns) {
    std::vector<uint8_t> m = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, static_cast<uint8_t>(edns ? 1 : 0)};
    auto n = *fz::dns::name_from_text(name, nullptr);
    m.insert(m.end(), n.data(), n.data() + n.size());
    m.push_back(static_cast<uint8_t>(type >> 8));
    m.push_back(static_cast<uint8_t>(type));
    m.push_back(0);
    m.push_back(1);
    if (edns) {
        const uint8_t opt[11] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
        m.insert(m.end(), opt, opt + 11);
    }
    return m;
}

void run(benchmark::State& state, const char* name, uint16_t type, bool edns) {
    const auto& snap = snapshot();
    auto q = make_query(name, type, edns);
    uint8_t out[1500];
    fz::engine::Worker worker;
    fz::engine::Peer peer;
    peer.family = 4;
    size_t len = 0;
    for (auto _ : state) {
        len = fz::engine::answer(snap, q.data(), q.size(), peer, fz::engine::Transport::kUdp, out, sizeof(out), worker);
        benchmark::DoNotOptimize(len);
        benchmark::ClobberMemory();
    }
    if (len == 0) state.SkipWithError("no response");
    state.counters["response_bytes"] = static_cast<double>(len);
}

void BM_StaticA(benchmark::State& s) { run(s, "www.example.com.", fz::dns::type::A, false); }
void BM_StaticAEdns(benchmark::State& s) { run(s, "www.example.com.", fz::dns::type::A, true); }
void BM_MixedCaseA(benchmark::State& s) { run(s, "WwW.eXaMpLe.CoM.", fz::dns::type::A, false); }
void BM_Nxdomain(benchmark::State& s) { run(s, "nothere.example.com.", fz::dns::type::A, false); }
void BM_Nodata(benchmark::State& s) { run(s, "www.example.com.", fz::dns::type::TXT, false); }
void BM_Cname(benchmark::State& s) { run(s, "alias.example.com.", fz::dns::type::A, false); }
void BM_Wildcard(benchmark::State& s) { run(s, "x.wild.example.com.", fz::dns::type::A, false); }
void BM_Referral(benchmark::State& s) { run(s, "host.sub.example.com.", fz::dns::type::A, false); }
void BM_NsWithAdditional(benchmark::State& s) { run(s, "example.com.", fz::dns::type::NS, true); }
void BM_Refused(benchmark::State& s) { run(s, "www.example.net.", fz::dns::type::A, false); }

BENCHMARK(BM_StaticA);
BENCHMARK(BM_StaticAEdns);
BENCHMARK(BM_MixedCaseA);
BENCHMARK(BM_Nxdomain);
BENCHMARK(BM_Nodata);
BENCHMARK(BM_Cname);
BENCHMARK(BM_Wildcard);
BENCHMARK(BM_Referral);
BENCHMARK(BM_NsWithAdditional);
BENCHMARK(BM_Refused);

}  // namespace
