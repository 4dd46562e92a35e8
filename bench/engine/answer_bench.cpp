// answer(): nanoseconds per query for the common kinds of answer, in process.
#include "engine/answer.h"

#include <benchmark/benchmark.h>

#include "bench/support/answer_fixture.h"

namespace {

void run(benchmark::State& state, const fz::bench::QueryKind& kind) {
    const auto& snap = fz::bench::snapshot_of(kind);
    auto q = fz::bench::query_of(kind);
    uint8_t out[1500];
    auto worker = std::make_unique<fz::engine::Worker>();
    fz::engine::Peer peer;
    peer.family = 4;
    size_t len = 0;
    for (auto _ : state) {
        len = fz::engine::answer(snap, q.data(), q.size(), peer, fz::engine::Transport::kUdp, out, sizeof(out),
                                 *worker);
        benchmark::DoNotOptimize(len);
        benchmark::ClobberMemory();
    }
    if (len == 0) state.SkipWithError("no response");
    state.counters["response_bytes"] = static_cast<double>(len);
}

[[maybe_unused]] const bool registered = [] {
    for (const auto& k : fz::bench::query_kinds()) {
        benchmark::RegisterBenchmark(("BM_Answer/" + std::string(k.label)).c_str(),
                                     [k](benchmark::State& s) { run(s, k); });
    }
    return true;
}();

}  // namespace
