// Readers answer continuously while health flips hundreds of times a second and whole
// snapshots are replaced: every answer must match one consistent state, old or new.
// Built normally in unit_tests, and with ThreadSanitizer by scripts/test (thread_tests),
// where any data race fails the run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "dns/wire.h"
#include "engine/answer.h"
#include "engine/publisher.h"
#include "loader/config.h"
#include "loader/loader.h"
#include "policy/tables.h"
#include "tests/support/dns_test_util.h"

namespace fz::engine {
namespace {

namespace fs = std::filesystem;

// Generation g serves www with two records 10.0.g.1 and 10.0.g.2: a response mixing two
// generations (or anything else) is an inconsistent answer.
std::string zone_text(int g) {
    return "$ORIGIN example.com.\n$TTL 60\n@ SOA ns1 hostmaster " + std::to_string(g) +
           " 7200 3600 1209600 60\n@ NS ns1\nns1 A 192.0.2.53\nwww A 10.0." + std::to_string(g) + ".1\nwww A 10.0." +
           std::to_string(g) + ".2\n";
}

constexpr const char* kRecordSets = R"({"ResourceRecordSets": [
  {"Name": "fo.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "p", "Failover": "PRIMARY",
   "HealthCheckId": "hc-p", "ResourceRecords": [{"Value": "192.0.2.1"}]},
  {"Name": "fo.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "s", "Failover": "SECONDARY",
   "ResourceRecords": [{"Value": "192.0.2.2"}]}]})";

constexpr const char* kHealthChecks = R"({"HealthChecks": [
  {"Id": "hc-p", "HealthCheckConfig": {"Type": "TCP", "IPAddress": "192.0.2.1", "Port": 80}}]})";

TEST(RaceTest, AnswersStayConsistentWhileHealthFlipsAndSnapshotsChange) {
    fs::path dir = fs::temp_directory_path() / ("fz-race-" + std::to_string(getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "rs.json") << kRecordSets;
    std::ofstream(dir / "hc.json") << kHealthChecks;
    std::ofstream(dir / "c.yaml") << "zones:\n  - origin: example.com.\n    file: z.zone\n    record_sets: rs.json\n"
                                     "health_checks: hc.json\n";
    auto load = [&](int g) {
        std::ofstream(dir / "z.zone") << zone_text(g);
        auto cfg = loader::load_config((dir / "c.yaml").string());
        EXPECT_TRUE(cfg.ok());
        auto snap = loader::build_snapshot(*cfg, nullptr);
        EXPECT_TRUE(snap.ok()) << (snap.ok() ? "" : snap.error().to_string());
        snap.value()->generation = static_cast<uint64_t>(g);
        return std::move(snap.value());
    };

    Publisher publisher;
    publisher.publish(load(1));
    std::atomic<bool> stop{false};  // relaxed: a flag polled in loops, ordering nothing
    std::atomic<int> published{1};  // release/acquire: readers never see an unpublished generation
    std::atomic<uint64_t> answers{0}, bad{0};

    auto reader = [&]() {
        RcuReader rcu;
        auto worker = std::make_unique<Worker>();
        test::QueryBuilder www, fo;
        www.qname = "www.example.com.";
        fo.qname = "fo.example.com.";
        auto qw = www.build(), qf = fo.build();
        std::vector<uint8_t> out(1500);
        Peer peer;
        while (!stop.load(std::memory_order_relaxed)) {
            for (int i = 0; i < 64; ++i) {
                int max_gen = published.load(std::memory_order_acquire);
                const Snapshot* snap = publisher.current();
                size_t n = answer(*snap, qw.data(), qw.size(), peer, Transport::kUdp, out.data(), out.size(), *worker);
                auto d = test::decode(out.data(), n);
                bool ok = d.ok && d.answer.size() == 2;
                if (ok) {
                    // Both records of one generation, and a generation already published.
                    int g1 = std::stoi(d.answer[0].rdata_text.substr(5));
                    int g2 = std::stoi(d.answer[1].rdata_text.substr(5));
                    ok = g1 == g2 && g1 >= 1 && g1 <= max_gen + 1;
                }
                n = answer(*snap, qf.data(), qf.size(), peer, Transport::kUdp, out.data(), out.size(), *worker);
                d = test::decode(out.data(), n);
                ok = ok && d.ok && d.answer.size() == 1 &&
                     (d.answer[0].rdata_text == "192.0.2.1" || d.answer[0].rdata_text == "192.0.2.2");
                if (!ok) bad.fetch_add(1, std::memory_order_relaxed);
                answers.fetch_add(1, std::memory_order_relaxed);
            }
            rcu.quiescent();  // between bursts, as the I/O loops do
        }
        rcu.offline();
    };
    std::vector<std::thread> readers;
    for (int i = 0; i < 2; ++i) readers.emplace_back(reader);

    // Health flips: hundreds a second, each one swapping the failover policy's tables.
    std::atomic<uint64_t> flips{0};
    std::thread flipper([&] {
        uint8_t healthy = 1;
        while (!stop.load(std::memory_order_relaxed)) {
            healthy ^= 1;
            publisher.with_current([&](const Snapshot& s) {
                s.policies->update_health({healthy}, policy::retire_after_grace_period);
                return 0;
            });
            flips.fetch_add(1, std::memory_order_relaxed);
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });

    // Reloads: whole snapshots replaced while the others run.
    // At least 19, and until a hundred flips and a thousand answers interleaved with them,
    // however slow the machine (a sanitizer build on a loaded one flipped 72 times in 19).
    for (int g = 2; g <= 20 || ((flips.load() <= 100u || answers.load() <= 1000u) && g <= 400); ++g) {
        auto next = load(g);
        published.store(g, std::memory_order_release);
        publisher.publish(std::move(next));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop.store(true, std::memory_order_relaxed);
    flipper.join();
    for (auto& t : readers) t.join();
    fs::remove_all(dir);

    EXPECT_EQ(bad.load(), 0u);
    EXPECT_GT(answers.load(), 1000u);
    EXPECT_GT(flips.load(), 100u);
}

}  // namespace
}  // namespace fz::engine
