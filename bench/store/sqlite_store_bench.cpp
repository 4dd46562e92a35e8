// The SQLite store: putting a whole zone (one transaction), reading it back at start-up,
// and one small change to a large zone (what each API change costs, fsync included).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "change/content.h"
#include "dns/rrtype.h"
#include "policy/record_set.h"
#include "store/sqlite_store.h"

namespace {

using fz::change::HistoryEntry;
using fz::change::ZoneContent;
using fz::store::SqliteStore;

// The store's folder, in $TMPDIR (or /tmp), removed when the benchmark ends.
class TempStore {
public:
    TempStore() {
        const char* tmp = std::getenv("TMPDIR");
        std::string tmpl = std::string(tmp != nullptr ? tmp : "/tmp") + "/fz_store_bench_XXXXXX";
        if (mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
    }
    ~TempStore() {
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    TempStore(const TempStore&) = delete;
    TempStore& operator=(const TempStore&) = delete;
    const std::string& dir() const { return dir_; }

private:
    std::string dir_;
};

fz::policy::RecordSet a_record(const std::string& owner, const std::string& value) {
    fz::policy::RecordSet rs;
    rs.name = *fz::dns::name_from_text(owner, nullptr);
    rs.type = fz::dns::type::A;
    rs.ttl = 300;
    rs.values = {value};
    return rs;
}

// A zone of `n` record sets: SOA, NS and n - 2 A record sets.
ZoneContent make_zone(int64_t n) {
    ZoneContent z;
    z.id = "ZBENCH0000001";
    z.origin = *fz::dns::name_from_text("bench.example.", nullptr);
    z.version = 1;
    fz::policy::RecordSet soa = a_record("bench.example.", "ns1.bench.example. h.bench.example. 1 7200 900 1209600 60");
    soa.type = fz::dns::type::SOA;
    fz::policy::RecordSet ns = a_record("bench.example.", "ns1.bench.example.");
    ns.type = fz::dns::type::NS;
    z.record_sets = {soa, ns};
    for (int64_t i = 2; i < n; ++i) {
        z.record_sets.push_back(a_record("h" + std::to_string(i) + ".bench.example.",
                                         "192.0.2." + std::to_string(i % 250 + 1)));
    }
    z.sort();
    return z;
}

std::unique_ptr<SqliteStore> open_or_skip(benchmark::State& state, const std::string& dir) {
    auto store = SqliteStore::open(dir);
    if (!store.ok()) {
        state.SkipWithError(store.error().to_string().c_str());
        return nullptr;
    }
    return std::move(*store);
}

// The commit includes SQLite's checkpoint of the log into the database (the log is past
// wal_autocheckpoint's 1000 pages), as it does in the server; removing the files does not.
void BM_PutZone(benchmark::State& state) {
    const ZoneContent z = make_zone(state.range(0));
    for (auto _ : state) {
        state.PauseTiming();
        auto tmp = std::make_unique<TempStore>();
        auto store = open_or_skip(state, tmp->dir());
        if (!store) return;
        state.ResumeTiming();
        if (!store->put_zone(z, HistoryEntry{.change_id = "C1"}).ok()) state.SkipWithError("put_zone failed");
        state.PauseTiming();
        store.reset();
        tmp.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_PutZone)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(1);

// What put_zone spends outside SQLite: each row's key and Route 53 JSON.
void BM_RowsOnly(benchmark::State& state) {
    const ZoneContent z = make_zone(state.range(0));
    for (auto _ : state) {
        for (const fz::policy::RecordSet& rs : z.record_sets) {
            benchmark::DoNotOptimize(fz::change::key_of(rs));
            benchmark::DoNotOptimize(fz::policy::record_set_to_json(rs));
        }
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RowsOnly)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_Load(benchmark::State& state) {
    TempStore tmp;
    {
        auto store = open_or_skip(state, tmp.dir());
        if (!store || !store->put_zone(make_zone(state.range(0)), HistoryEntry{.change_id = "C1"}).ok()) return;
    }
    for (auto _ : state) {
        auto store = open_or_skip(state, tmp.dir());
        if (!store) return;
        auto loaded = store->load();
        if (!loaded.ok()) state.SkipWithError(loaded.error().to_string().c_str());
        benchmark::DoNotOptimize(loaded);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Load)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(1);

// One record set replaced in a zone of range(0): the rows written do not depend on the
// zone's size.
void BM_ApplyOneChange(benchmark::State& state) {
    TempStore tmp;
    ZoneContent z = make_zone(state.range(0));
    auto store = open_or_skip(state, tmp.dir());
    if (!store || !store->put_zone(z, HistoryEntry{.change_id = "C1"}).ok()) return;
    ZoneContent after;
    after.id = z.id;
    after.origin = z.origin;
    uint64_t version = 1;
    for (auto _ : state) {
        HistoryEntry e;
        e.change_id = "C" + std::to_string(++version);
        e.version = version;
        e.removed = {a_record("h7.bench.example.", "192.0.2.8")};
        e.added = {a_record("h7.bench.example.", "192.0.2." + std::to_string(version % 250 + 1))};
        after.version = version;
        if (!store->apply(after, e).ok()) state.SkipWithError("apply failed");
    }
}
BENCHMARK(BM_ApplyOneChange)->Arg(1000)->Arg(1000000)->Unit(benchmark::kMicrosecond)->Iterations(200);

}  // namespace
