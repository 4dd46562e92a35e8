// PolicyTables: health changes rebuild only the affected policies (and EvaluateTargetHealth
// aliases transitively), swap pointers under concurrent readers, retire after RCU.
#include "policy/tables.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "common/rcu.h"
#include "dns/wire.h"
#include "policy/compile.h"
#include "policy_test_util.h"

namespace fz::policy {
namespace {

using testing::build_from_json;
using testing::client;
using testing::name_of;

std::string rr(const std::string& name, const std::string& id, const std::string& routing, int check = -1) {
    return "{\"Name\": \"" + name + "\", \"Type\": \"A\", \"TTL\": 60, \"SetIdentifier\": \"" + id +
           "\", \"ResourceRecords\": [{\"Value\": \"192.0.2.1\"}], " + routing +
           (check >= 0 ? ", \"HealthCheckId\": \"hc-" + std::to_string(check) + "\"" : "") + "}";
}

std::string alias_member(const std::string& name, const std::string& id, const std::string& routing,
                         const std::string& target, bool eth) {
    return "{\"Name\": \"" + name + "\", \"Type\": \"A\", \"SetIdentifier\": \"" + id + "\", " + routing +
           ", \"AliasTarget\": {\"HostedZoneId\": \"Z0EXAMPLE\", \"DNSName\": \"" + target +
           "\", \"EvaluateTargetHealth\": " + (eth ? "true" : "false") + "}}";
}

struct HealthWorld {
    std::unique_ptr<PolicyTables> tables;
    uint32_t pool, front, other, plain;
};

// pool (weighted, checks 0 and 1) <- front (failover, ETH alias to pool) ;
// other (weighted, check 2) ; plain (failover, non-ETH alias to pool).
HealthWorld make_world() {
    const std::string items =
        rr("pool.example.com.", "a", "\"Weight\": 1", 0) + "," + rr("pool.example.com.", "b", "\"Weight\": 1", 1) +
        "," + alias_member("front.example.com.", "p", "\"Failover\": \"PRIMARY\"", "pool.example.com.", true) + "," +
        rr("front.example.com.", "s", "\"Failover\": \"SECONDARY\"") + "," +
        rr("other.example.com.", "x", "\"Weight\": 1", 2) + "," +
        alias_member("plain.example.com.", "p", "\"Failover\": \"PRIMARY\"", "pool.example.com.", false) + "," +
        rr("plain.example.com.", "s", "\"Failover\": \"SECONDARY\"");
    PolicyInputs in;
    in.health_checks = testing::tcp_checks(3);
    auto set = build_from_json("{\"ResourceRecordSets\": [" + items + "]}", std::move(in));
    EXPECT_TRUE(set.ok()) << set.error().to_string();
    HealthWorld s;
    s.tables = PolicyTables::create(*set);
    s.pool = s.tables->find(name_of("pool.example.com."), dns::type::A);
    s.front = s.tables->find(name_of("front.example.com."), dns::type::A);
    s.other = s.tables->find(name_of("other.example.com."), dns::type::A);
    s.plain = s.tables->find(name_of("plain.example.com."), dns::type::A);
    return s;
}

std::vector<uint32_t> sorted(std::vector<uint32_t> v) {
    std::sort(v.begin(), v.end());
    return v;
}

TEST(Tables, RebuildsOnlyAffectedPoliciesAndTheirEthAliases) {
    HealthWorld s = make_world();
    PolicyTables::Retired retired;
    auto keep = [&retired](PolicyTables::Retired old) {
        for (auto& p : old) retired.push_back(std::move(p));
    };
    const CompiledPolicy* other_before = s.tables->get(s.other);
    // One pool member down: pool still has a healthy record, so front is left alone.
    EXPECT_EQ(s.tables->update_health({0, 1, 1}, keep), (std::vector<uint32_t>{s.pool}));
    EXPECT_EQ(retired.size(), 1u);
    // Both down: pool's "has a healthy record" flips, so the ETH alias front is rebuilt,
    // but plain (no EvaluateTargetHealth) is not.
    EXPECT_EQ(sorted(s.tables->update_health({0, 0, 1}, keep)), sorted({s.pool, s.front}));
    EXPECT_EQ(s.tables->get(s.other), other_before);
    Rng rng(1);
    Decision d = decide(*s.tables->get(s.front), client("192.0.2.1"), rng);
    EXPECT_EQ(testing::set_id(s.tables->set(), s.front, d.members[0]), "s");
    d = decide(*s.tables->get(s.plain), client("192.0.2.1"), rng);
    EXPECT_EQ(testing::set_id(s.tables->set(), s.plain, d.members[0]), "p");
    // No change: nothing rebuilt.
    EXPECT_TRUE(s.tables->update_health({0, 0, 1}, keep).empty());
    EXPECT_EQ(s.tables->update_health({0, 0, 0}, keep), (std::vector<uint32_t>{s.other}));
    // Recovery flips front back.
    EXPECT_EQ(sorted(s.tables->update_health({1, 0, 0}, keep)), sorted({s.pool, s.front}));
    d = decide(*s.tables->get(s.front), client("192.0.2.1"), rng);
    EXPECT_EQ(testing::set_id(s.tables->set(), s.front, d.members[0]), "p");
}

TEST(Tables, CalculatedChecksReachTheirUsers) {
    const std::string checks = R"({"HealthChecks": [
      {"Id": "a", "HealthCheckConfig": {"Type": "TCP", "IPAddress": "192.0.2.1", "Port": 1}},
      {"Id": "b", "HealthCheckConfig": {"Type": "TCP", "IPAddress": "192.0.2.2", "Port": 1}},
      {"Id": "both", "HealthCheckConfig": {"Type": "CALCULATED", "ChildHealthChecks": ["a", "b"], "HealthThreshold": 2}}]})";
    PolicyInputs in;
    in.health_checks = testing::checks_from_json(checks);
    const std::string items =
        "{\"Name\": \"f.example.com.\", \"Type\": \"A\", \"TTL\": 60, \"SetIdentifier\": \"p\", \"Failover\": \"PRIMARY\", "
        "\"HealthCheckId\": \"both\", \"ResourceRecords\": [{\"Value\": \"192.0.2.1\"}]}," +
        rr("f.example.com.", "s", "\"Failover\": \"SECONDARY\"");
    auto set = build_from_json("{\"ResourceRecordSets\": [" + items + "]}", std::move(in));
    ASSERT_TRUE(set.ok()) << set.error().to_string();
    auto tables = PolicyTables::create(*set);
    const uint32_t f = tables->find(name_of("f.example.com."), dns::type::A);
    EXPECT_EQ(tables->update_health({1, 0, 1}, [](PolicyTables::Retired) {}), (std::vector<uint32_t>{f}));
    EXPECT_EQ(tables->health()[2], 0);  // derived from the children, whatever was passed
    Rng rng(1);
    EXPECT_EQ(testing::set_id(tables->set(), f, decide(*tables->get(f), client("192.0.2.1"), rng).members[0]), "s");
}

TEST(Tables, ConcurrentReadersWithRcuRetirement) {
    HealthWorld s = make_world();
    std::atomic<bool> stop{false};  // relaxed is enough: only ends the loops
    std::atomic<uint64_t> answers{0};
    std::atomic<int> started{0};
    auto reader = [&]() {
        // Through common/rcu.h, as the data plane: its quiescent states tell ThreadSanitizer
        // what the grace period orders (liburcu itself is not instrumented).
        rcu::register_thread();
        started.fetch_add(1, std::memory_order_relaxed);  // relaxed: a start signal only
        Rng rng(std::hash<std::thread::id>{}(std::this_thread::get_id()));
        uint64_t local = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            for (int i = 0; i < 64; ++i) {
                const Resolution r = resolve(*s.tables, s.front, client("192.0.2.1"), rng);
                local += r.decision.count;
            }
            rcu::quiescent();  // between bursts, as the data plane does
        }
        rcu::unregister_thread();
        answers.fetch_add(local, std::memory_order_relaxed);  // relaxed: read after join
    };
    std::thread r1(reader), r2(reader);
    while (started.load(std::memory_order_relaxed) < 2) std::this_thread::yield();
    for (int i = 0; i < 200; ++i) {
        const uint8_t up = static_cast<uint8_t>(i & 1);
        s.tables->update_health({up, up, 1}, retire_after_grace_period);
    }
    stop.store(true, std::memory_order_relaxed);
    r1.join();
    r2.join();
    EXPECT_GT(answers.load(std::memory_order_relaxed), 0u);
}

// Window counters: each multivalue policy with windows gets two ranges of its own, its
// versions alternate between them (a retired version's range is not counted into by the
// version that replaced it), and policies that do not fit count their members instead.
TEST(PolicyTables, MultivalueWindowCountersAlternateAndOverflowFallsBack) {
    std::string items;
    for (int p = 0; p < 3; ++p) {
        for (int m = 0; m < 10; ++m) {
            if (!items.empty()) items += ",";
            items += rr("mv" + std::to_string(p) + ".example.com.", "m" + std::to_string(m),
                        "\"MultiValueAnswer\": true");
        }
    }
    items += "," + rr("small.example.com.", "a", "\"MultiValueAnswer\": true") + "," +
             rr("w.example.com.", "a", "\"Weight\": 1");
    auto set = build_from_json("{\"ResourceRecordSets\": [" + items + "]}");
    ASSERT_TRUE(set.ok()) << set.error().to_string();
    auto tables = PolicyTables::create(*set, {}, 5);
    const uint32_t windows = static_cast<uint32_t>(multivalue_windows(10));
    // Room for two policies' two ranges, starting at 1000.
    tables->set_hit_space(1000, 4 * windows);
    std::vector<uint32_t> bases;
    for (const char* name : {"mv0.example.com.", "mv1.example.com.", "mv2.example.com."}) {
        bases.push_back(tables->get(tables->find(name_of(name), dns::type::A))->hit_base);
    }
    EXPECT_EQ(bases[0], 1000u);
    EXPECT_EQ(bases[1], 1000u + 2 * windows);
    EXPECT_EQ(bases[2], kNoHits) << "no room left: counts its members one by one";
    EXPECT_EQ(tables->get(tables->find(name_of("small.example.com."), dns::type::A))->hit_base, kNoHits);
    EXPECT_EQ(tables->get(tables->find(name_of("w.example.com."), dns::type::A))->hit_base, kNoHits);

    // A decision from a window names its counter; one without windows names none.
    Rng rng(1);
    const uint32_t mv0 = tables->find(name_of("mv0.example.com."), dns::type::A);
    const Decision d = decide(*tables->get(mv0), client("192.0.2.1"), rng);
    EXPECT_GE(d.hit, 1000u);
    EXPECT_LT(d.hit, 1000u + windows);
    const uint32_t mv2 = tables->find(name_of("mv2.example.com."), dns::type::A);
    EXPECT_GE(decide(*tables->get(mv2), client("192.0.2.1"), rng).hit, kNoHits);

    // Each redraw moves to the other range and back.
    auto keep_nothing = [](PolicyTables::Retired) {};
    tables->redraw(keep_nothing);
    EXPECT_EQ(tables->get(mv0)->hit_base, 1000u + windows);
    EXPECT_EQ(tables->get(mv2)->hit_base, kNoHits);
    tables->redraw(keep_nothing);
    EXPECT_EQ(tables->get(mv0)->hit_base, 1000u);
}

}  // namespace
}  // namespace fz::policy
