// parse_query(): nanoseconds to parse a typical query, with and without EDNS/ECS.
#include "dns/query.h"

#include <benchmark/benchmark.h>

#include <vector>

namespace {

void BM_ParsePlain(benchmark::State& state) {
    const std::vector<uint8_t> m = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 7, 'e', 'x',
                                    'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
    fz::dns::Query q;
    for (auto _ : state) {
        auto st = fz::dns::parse_query(m.data(), m.size(), q);
        benchmark::DoNotOptimize(st);
    }
}
BENCHMARK(BM_ParsePlain);

void BM_ParseEdnsEcs(benchmark::State& state) {
    const std::vector<uint8_t> m = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, 3, 'w', 'w', 'w', 7, 'e',
                                    'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
                                    0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 11, 0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100};
    fz::dns::Query q;
    for (auto _ : state) {
        auto st = fz::dns::parse_query(m.data(), m.size(), q);
        benchmark::DoNotOptimize(st);
    }
}
BENCHMARK(BM_ParseEdnsEcs);

}  // namespace
