// Zone compiler and image lookup: compile time, image bytes per record, lookup ns at
// 1k vs 1M names (the lookup cost must not grow with zone size).
#include "zone/compiler.h"

#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "bench/support/zone_gen.h"
#include "dns/message_builder.h"
#include "dns/name_hash.h"
#include "engine/answer.h"
#include "tests/support/zone_snapshot.h"
#include "zone/master_parser.h"

namespace {

using fz::bench::make_zone_source;

void BM_CompileZone(benchmark::State& state) {
    auto src = make_zone_source(static_cast<size_t>(state.range(0)));
    size_t bytes = 0;
    for (auto _ : state) {
        auto image = fz::zone::compile_zone(src);
        bytes = (*image)->size();
        benchmark::DoNotOptimize(bytes);
    }
    state.counters["records"] = static_cast<double>(src.records.size());
    state.counters["image_bytes_per_record"] = static_cast<double>(bytes) / static_cast<double>(src.records.size());
}
BENCHMARK(BM_CompileZone)->Arg(10000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_ParseAndCompileZone(benchmark::State& state) {
    std::string text = fz::bench::make_zone_text(static_cast<size_t>(state.range(0)));
    auto origin = *fz::dns::name_from_text("example.com.", nullptr);
    size_t records = 0;
    for (auto _ : state) {
        auto src = fz::zone::parse_zone_text(text, "bench.zone", origin);
        auto image = fz::zone::compile_zone(*src);
        records = src->records.size();
        benchmark::DoNotOptimize(image);
    }
    state.counters["records"] = static_cast<double>(records);
}
BENCHMARK(BM_ParseAndCompileZone)->Arg(10000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(1);

// Exact lookups of random existing names, hashes computed per lookup as answer() does.
void BM_Lookup(benchmark::State& state) {
    size_t names = static_cast<size_t>(state.range(0));
    auto image = *fz::zone::compile_zone(make_zone_source(names));
    std::vector<std::string> keys;
    std::mt19937_64 rng(42);
    for (int i = 0; i < 4096; ++i) {
        auto n = *fz::dns::name_from_text(fz::bench::host_name(rng() % names), nullptr);
        keys.push_back(n.lowered().bytes());
    }
    size_t i = 0, found = 0;
    for (auto _ : state) {
        const std::string& k = keys[i++ & 4095];
        const auto* w = reinterpret_cast<const uint8_t*>(k.data());
        found += image->find(w, k.size(), fz::dns::hash_name(w)) != nullptr;
    }
    if (found != static_cast<size_t>(state.iterations())) state.SkipWithError("lookup missed an existing name");
}
BENCHMARK(BM_Lookup)->Arg(1000)->Arg(1000000);

}  // namespace

namespace {

// The lookup as a query sees it: answer() for random existing names (hashing, zone choice,
// node lookup, the ready-made answer), 1k vs 1M names.
void BM_AnswerLookup(benchmark::State& state) {
    size_t names = static_cast<size_t>(state.range(0));
    auto snap = fz::test::snapshot_from_source(make_zone_source(names));
    if (!snap) {
        state.SkipWithError("snapshot");
        return;
    }
    std::vector<std::vector<uint8_t>> queries;
    std::mt19937_64 rng(42);
    fz::dns::QueryBuilder query;
    query.id = 0x1234;
    query.flags = fz::dns::flag::RD;
    for (int i = 0; i < 4096; ++i) {
        query.qname = fz::bench::host_name(rng() % names);
        queries.push_back(query.build().value());
    }
    auto worker = std::make_unique<fz::engine::Worker>();
    fz::engine::Peer peer;
    uint8_t out[512];
    size_t i = 0, answered = 0;
    for (auto _ : state) {
        const auto& q = queries[i++ & 4095];
        answered += fz::engine::answer(**snap, q.data(), q.size(), peer, fz::engine::Transport::kUdp, out, sizeof(out),
                                       *worker) > 0;
    }
    if (worker->counters.rcode[0] != static_cast<uint64_t>(state.iterations())) {
        state.SkipWithError("a query did not get NOERROR");
    }
}
BENCHMARK(BM_AnswerLookup)->Arg(1000)->Arg(1000000);

}  // namespace
