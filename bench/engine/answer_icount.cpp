// Instructions per answer() call for each kind of query, counted by callgrind (stable
// from run to run, unlike time on a shared machine). Run it through scripts/bench
// --callgrind, or: valgrind --tool=callgrind --instr-atstart=no answer_icount
#include <valgrind/callgrind.h>

#include <cstdio>
#include <memory>

#include "bench/support/answer_fixture.h"
#include "engine/answer.h"

int main() {
    constexpr int kCalls = 10000;
    auto worker = std::make_unique<fz::engine::Worker>();
    fz::engine::Peer peer;
    peer.family = 4;
    uint8_t out[1500];
    for (const auto& k : fz::bench::query_kinds()) {
        const auto& snap = fz::bench::snapshot_of(k);
        auto q = fz::bench::query_of(k);
        // Warm up outside the measurement, then count exactly kCalls calls.
        fz::engine::answer(snap, q.data(), q.size(), peer, fz::engine::Transport::kUdp, out, sizeof(out), *worker);
        CALLGRIND_START_INSTRUMENTATION;
        CALLGRIND_ZERO_STATS;
        for (int i = 0; i < kCalls; ++i) {
            fz::engine::answer(snap, q.data(), q.size(), peer, fz::engine::Transport::kUdp, out, sizeof(out), *worker);
        }
        CALLGRIND_DUMP_STATS_AT(k.label);
        CALLGRIND_STOP_INSTRUMENTATION;
    }
    std::printf("calls per kind: %d\n", kCalls);
    return 0;
}
