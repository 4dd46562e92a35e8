// parse_query(): nanoseconds to parse a typical query, with and without EDNS/ECS.
#include "dns/query.h"

#include <benchmark/benchmark.h>

#include <vector>

#include "dns/message_builder.h"

namespace {

// "www.example.com. A IN" with RD; with `ecs`, EDNS with DO and ECS 198.51.100.0/24.
std::vector<uint8_t> www_query(bool ecs) {
    fz::dns::QueryBuilder q;
    q.id = 0x1234;
    q.flags = fz::dns::flag::RD;
    q.qname = "www.example.com.";
    if (ecs) {
        const uint8_t client[3] = {198, 51, 100};
        q.do_bit = true;
        q.options.push_back(fz::dns::client_subnet_option(1, 24, client));
    }
    return q.build().value();
}

void BM_ParsePlain(benchmark::State& state) {
    const std::vector<uint8_t> m = www_query(false);
    fz::dns::Query q;
    for (auto _ : state) {
        auto st = fz::dns::parse_query(m.data(), m.size(), q);
        benchmark::DoNotOptimize(st);
    }
}
BENCHMARK(BM_ParsePlain);

void BM_ParseEdnsEcs(benchmark::State& state) {
    const std::vector<uint8_t> m = www_query(true);
    fz::dns::Query q;
    for (auto _ : state) {
        auto st = fz::dns::parse_query(m.data(), m.size(), q);
        benchmark::DoNotOptimize(st);
    }
}
BENCHMARK(BM_ParseEdnsEcs);

}  // namespace
