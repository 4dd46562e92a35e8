// HealthChecker against real servers on loopback: thresholds both ways, string match, HTTPS
// with and without SNI, TCP, timeouts, CALCULATED, Inverted, Disabled, carry-over, stop.
#include "health/checker.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

#include "tests/unit/health/checker_test_util.h"
#include "tests/unit/health/loopback_servers.h"

namespace fz::health::testing {
namespace {

std::string endpoint(const std::string& type, uint16_t port, const std::string& extra = "") {
    return "\"Type\": \"" + type + "\", \"IPAddress\": \"127.0.0.1\", \"Port\": " + std::to_string(port) +
           ", \"RequestInterval\": 1" + (extra.empty() ? "" : ", " + extra);
}

// Index of the first result at or after `from` whose success is `ok`; results.size() if none.
size_t first_with(const std::vector<Recorder::Result>& r, bool ok, size_t from = 0) {
    for (size_t i = from; i < r.size(); ++i) {
        if (r[i].status.last_ok == ok) return i;
    }
    return r.size();
}

TEST(HealthChecker, HttpFlipsAfterThresholdFailuresAndBackAfterAsManySuccesses) {
    HttpServer server;
    ASSERT_TRUE(server.start());
    Recorder rec;
    HealthChecker checker(rec.options());
    ASSERT_TRUE(
        checker.start(check_set({check("web", endpoint("HTTP", server.port(), "\"FailureThreshold\": 3"))})).ok());
    ASSERT_TRUE(rec.wait_results(0, 1));
    EXPECT_TRUE(rec.results(0)[0].status.last_ok);
    EXPECT_EQ(rec.results(0)[0].status.last_reason, "HTTP 200");

    server.set_status(500);
    ASSERT_TRUE(rec.wait_state(0, false));
    std::vector<Recorder::Result> r = rec.results(0);
    const size_t f = first_with(r, false);
    ASSERT_GE(r.size(), f + 3);
    for (size_t i = f; i < f + 3; ++i) EXPECT_EQ(r[i].status.last_reason, "HTTP 500");
    EXPECT_TRUE(r[f].status.healthy) << "one failure is not enough";
    EXPECT_TRUE(r[f + 1].status.healthy) << "two failures are not enough";
    EXPECT_FALSE(r[f + 2].status.healthy) << "unhealthy at the third failure, not later";
    EXPECT_EQ(r[f + 2].status.consecutive, 3u);
    // Three results at one-second intervals: the flip cannot come sooner than two seconds
    // after the first failure.
    EXPECT_GE(r[f + 2].at - r[f].at, 1500ms);

    server.set_status(200);
    ASSERT_TRUE(rec.wait_state(0, true));
    r = rec.results(0);
    const size_t g = first_with(r, true, f + 3);
    ASSERT_GE(r.size(), g + 3);
    EXPECT_FALSE(r[g].status.healthy);
    EXPECT_FALSE(r[g + 1].status.healthy);
    EXPECT_TRUE(r[g + 2].status.healthy) << "healthy at the third success, not later";

    const std::vector<Recorder::Flip> flips = rec.flips();
    ASSERT_EQ(flips.size(), 2u);
    EXPECT_EQ(flips[0].health, policy::HealthVector{0});
    EXPECT_EQ(flips[0].changed, std::vector<uint32_t>{0});
    EXPECT_EQ(flips[1].health, policy::HealthVector{1});
    const CheckStatus s = checker.status(0);
    EXPECT_EQ(s.flips, 2u);
    EXPECT_GT(s.last_change_ms, 0);
    EXPECT_GE(s.last_result_ms, s.last_change_ms);
    EXPECT_EQ(s.target, "127.0.0.1:" + std::to_string(server.port()));
    EXPECT_EQ(checker.health(), policy::HealthVector{1});
}

TEST(HealthChecker, StringMatchWithinTheFirst5120BytesOfTheBody) {
    HttpServer server;
    server.set_body("all good here");
    ASSERT_TRUE(server.start());
    Recorder rec;
    HealthChecker checker(rec.options());
    ASSERT_TRUE(checker
                    .start(check_set({check("str", endpoint("HTTP_STR_MATCH", server.port(),
                                                            R"("SearchString": "good", "FailureThreshold": 1)"))}))
                    .ok());
    auto settled_after = [&](const std::string& body, int status = 200) {
        server.set_body(body);
        server.set_status(status);
        return rec.settled_result(0);
    };
    auto r = settled_after("all good here");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->last_ok);
    EXPECT_TRUE(r->healthy);

    r = settled_after("all bad here");
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->last_ok);
    EXPECT_EQ(r->last_reason, "string not found");
    EXPECT_FALSE(r->healthy);

    r = settled_after(std::string(5120 - 4, 'x') + "good");  // ends at byte 5,120
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->last_ok) << r->last_reason;

    r = settled_after(std::string(5120 - 3, 'x') + "good" + std::string(4000, 'y'));  // ends at byte 5,121
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->last_ok);
    EXPECT_EQ(r->last_reason, "string not found");

    r = settled_after("all good here", 500);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->last_reason, "HTTP 500");
}

TEST(HealthChecker, HttpsWithAndWithoutSniSurvivesAServerRestart) {
    HttpServer server(true);
    ASSERT_TRUE(server.ok()) << "openssl could not make a certificate";
    ASSERT_TRUE(server.start());
    const std::string port = std::to_string(server.port());
    const std::string named = R"("FullyQualifiedDomainName": "health.example.test", "FailureThreshold": 1)";
    Recorder rec;
    HealthChecker checker(rec.options());
    ASSERT_TRUE(
        checker
            .start(check_set({
                check("sni", endpoint("HTTPS", server.port(), named + R"(, "ResourcePath": "/sni")")),
                check("nosni",
                      endpoint("HTTPS", server.port(), named + R"(, "ResourcePath": "/nosni", "EnableSNI": false)")),
                check("str", endpoint("HTTPS_STR_MATCH", server.port(),
                                      R"("SearchString": "ok", "ResourcePath": "/str?x=1", "FailureThreshold": 1)")),
            }))
            .ok());
    for (uint32_t i = 0; i < 3; ++i) {
        ASSERT_TRUE(rec.wait_results(i, 1));
        const CheckStatus s = rec.results(i)[0].status;
        EXPECT_TRUE(s.last_ok) << s.id << ": " << s.last_reason;
        EXPECT_EQ(s.last_reason, "HTTP 200");
    }
    std::map<std::string, nlohmann::json> by_path;
    for (const std::string& line : server.lines("requests")) {
        auto j = nlohmann::json::parse(line);
        by_path[j["path"]] = j;
    }
    ASSERT_EQ(by_path.count("/sni"), 1u);
    EXPECT_EQ(by_path["/sni"]["sni"], "health.example.test");
    EXPECT_EQ(by_path["/sni"]["host"], "health.example.test:" + port);
    ASSERT_EQ(by_path.count("/nosni"), 1u);
    EXPECT_EQ(by_path["/nosni"]["sni"], "-");
    EXPECT_EQ(by_path["/nosni"]["host"], "health.example.test:" + port);
    ASSERT_EQ(by_path.count("/str?x=1"), 1u);
    EXPECT_EQ(by_path["/str?x=1"]["host"], "127.0.0.1:" + port);

    server.stop();
    ASSERT_TRUE(rec.wait_state(0, false));
    EXPECT_EQ(rec.results(0).back().status.last_reason, "connection refused");
    ASSERT_TRUE(server.start());  // same port
    ASSERT_TRUE(rec.wait_until([&] { return checker.health() == policy::HealthVector{1, 1, 1}; }));
}

TEST(HealthChecker, ChecksWhoseRegionsLeaveThisServersOutAreNotProbed) {
    TcpListener listener;
    ASSERT_TRUE(listener.open());
    Recorder rec;
    HealthChecker::Options o = rec.options();
    o.region = "eu-west-1";
    HealthChecker checker(o);
    const std::string port = std::to_string(listener.port());
    ASSERT_TRUE(checker
                    .start(check_set({check("there", endpoint("TCP", listener.port(),
                                                              "\"FailureThreshold\": 1, \"Regions\": [\"us-east-1\", "
                                                              "\"us-west-1\", \"ap-southeast-1\"]")),
                                      check("here", endpoint("TCP", listener.port(),
                                                             "\"FailureThreshold\": 1, \"Regions\": [\"us-east-1\", "
                                                             "\"eu-west-1\", \"ap-southeast-1\"]"))}))
                    .ok());
    ASSERT_TRUE(rec.wait_results(1, 1));
    const std::vector<CheckStatus> s = checker.statuses();
    EXPECT_EQ(s[0].id, "there");
    EXPECT_FALSE(s[0].probed_here);
    EXPECT_FALSE(s[0].has_result);
    EXPECT_EQ(s[0].last_reason, "not probed from region eu-west-1");
    EXPECT_TRUE(s[1].probed_here);
    EXPECT_TRUE(rec.results(0).empty());
}

TEST(HealthChecker, TcpPortOpenClosedReopened) {
    TcpListener listener;
    ASSERT_TRUE(listener.open());
    Recorder rec;
    HealthChecker checker(rec.options());
    ASSERT_TRUE(
        checker.start(check_set({check("tcp", endpoint("TCP", listener.port(), "\"FailureThreshold\": 1"))})).ok());
    ASSERT_TRUE(rec.wait_results(0, 1));
    EXPECT_TRUE(rec.results(0)[0].status.last_ok);
    EXPECT_EQ(rec.results(0)[0].status.last_reason, "connected");
    listener.close();
    ASSERT_TRUE(rec.wait_state(0, false));
    EXPECT_EQ(rec.results(0).back().status.last_reason, "connection refused");
    ASSERT_TRUE(listener.open());
    ASSERT_TRUE(rec.wait_state(0, true));
}

TEST(HealthChecker, ConnectAndResponseTimeouts) {
    HttpServer slow;
    slow.set_delay_ms(3000);
    ASSERT_TRUE(slow.start());
    BlackHole hole;
    std::vector<std::string> items = {check("slow", endpoint("HTTP", slow.port()))};
    if (hole.usable()) {
        items.push_back(check("tcp", endpoint("TCP", hole.port())));
        items.push_back(check("http", endpoint("HTTP", hole.port())));
    }
    Recorder rec;
    HealthChecker checker(rec.options());
    ASSERT_TRUE(checker.start(check_set(items)).ok());
    for (uint32_t i = 0; i < items.size(); ++i) {
        ASSERT_TRUE(rec.wait_results(i, 1));
        const CheckStatus s = rec.results(i)[0].status;
        EXPECT_FALSE(s.last_ok);
        EXPECT_EQ(s.last_reason, i == 0 ? "response timeout" : "connect timeout") << s.id;
        // RequestInterval 1: the probe gives up at 900 ms, before the next one is due (the
        // upper bound leaves room for a loaded machine's scheduling delays).
        EXPECT_GE(s.last_duration_ms, 850u) << s.id;
        EXPECT_LT(s.last_duration_ms, 1500u) << s.id;
    }
    if (!hole.usable())
        std::printf("note: this network stack completes connects to a full backlog; connect timeouts not tested\n");
}

TEST(HealthChecker, CalculatedChecksFollowTheirChildren) {
    TcpListener a, b, c;
    ASSERT_TRUE(a.open());
    ASSERT_TRUE(b.open());
    ASSERT_TRUE(c.open());
    c.close();  // refused from the start
    const std::string children = R"("Type": "CALCULATED", "ChildHealthChecks": ["a", "b", "c"], "HealthThreshold": )";
    Recorder rec;
    HealthChecker checker(rec.options());
    ASSERT_TRUE(checker
                    .start(check_set({
                        check("a", endpoint("TCP", a.port(), "\"FailureThreshold\": 1")),
                        check("b", endpoint("TCP", b.port(), "\"FailureThreshold\": 1")),
                        check("c", endpoint("TCP", c.port(), "\"FailureThreshold\": 1")),
                        check("and", children + "3"),
                        check("or", children + "1"),
                        check("two", children + "2"),
                        check("zero", children + "0"),
                        check("four", children + "4"),
                        check("not-or", children + "1, \"Inverted\": true"),
                    }))
                    .ok());
    // New checks count as healthy; "four" can never be met, and "not-or" inverts a healthy OR.
    EXPECT_EQ(checker.health(), (policy::HealthVector{1, 1, 1, 1, 1, 1, 1, 0, 0}));
    auto wait_health = [&](const policy::HealthVector& want) {
        return rec.wait_until([&] { return checker.health() == want; });
    };
    ASSERT_TRUE(wait_health({1, 1, 0, 0, 1, 1, 1, 0, 0}));
    b.close();
    ASSERT_TRUE(wait_health({1, 0, 0, 0, 1, 0, 1, 0, 0}));
    EXPECT_EQ(checker.status(5).last_reason, "1 of 3 children healthy, needs 2");
    a.close();
    ASSERT_TRUE(wait_health({0, 0, 0, 0, 0, 0, 1, 0, 1}));
    ASSERT_TRUE(a.open());
    ASSERT_TRUE(b.open());
    ASSERT_TRUE(c.open());
    ASSERT_TRUE(wait_health({1, 1, 1, 1, 1, 1, 1, 0, 0}));

    // Each flip reports the child with the CALCULATED checks it moved, and the whole vector.
    bool saw_c_fail = false;
    for (const Recorder::Flip& f : rec.flips()) {
        if (f.changed == std::vector<uint32_t>{2, 3}) {
            saw_c_fail = true;
            EXPECT_EQ(f.health, (policy::HealthVector{1, 1, 0, 0, 1, 1, 1, 0, 0}));
        }
        for (uint32_t i : f.changed) EXPECT_NE(i, 6u) << "threshold 0 is always healthy";
        for (uint32_t i : f.changed) EXPECT_NE(i, 7u) << "threshold 4 of 3 is always unhealthy";
    }
    EXPECT_TRUE(saw_c_fail);
    EXPECT_EQ(checker.status(4).flips, 2u);
    EXPECT_EQ(checker.status(8).flips, 2u);
}

TEST(HealthChecker, InvertedCheck) {
    HttpServer server;
    ASSERT_TRUE(server.start());
    Recorder rec;
    HealthChecker checker(rec.options());
    ASSERT_TRUE(checker
                    .start(check_set({check("inv", endpoint("HTTP", server.port(),
                                                            R"("FailureThreshold": 2, "Inverted": true)"))}))
                    .ok());
    ASSERT_TRUE(rec.wait_results(0, 2));
    auto r = rec.results(0);
    EXPECT_TRUE(r[0].status.last_ok);
    EXPECT_TRUE(r[0].status.healthy) << "a new check is healthy until FailureThreshold results say otherwise";
    EXPECT_FALSE(r[1].status.healthy) << "a healthy endpoint makes an inverted check unhealthy";
    server.set_status(503);
    ASSERT_TRUE(rec.wait_state(0, true));
    r = rec.results(0);
    const size_t f = first_with(r, false);
    ASSERT_GE(r.size(), f + 2);
    EXPECT_FALSE(r[f].status.healthy);
    EXPECT_TRUE(r[f + 1].status.healthy);
}

TEST(HealthChecker, DisabledChecksAreNeverProbed) {
    TcpListener clock, closed;
    ASSERT_TRUE(clock.open());
    ASSERT_TRUE(closed.open());
    closed.close();
    Recorder rec;
    HealthChecker checker(rec.options());
    ASSERT_TRUE(checker
                    .start(check_set({
                        check("off", endpoint("TCP", closed.port(), R"("FailureThreshold": 1, "Disabled": true)")),
                        check("off-inv", endpoint("TCP", closed.port(),
                                                  R"("FailureThreshold": 1, "Disabled": true, "Inverted": true)")),
                        check("clock", endpoint("TCP", clock.port())),
                    }))
                    .ok());
    ASSERT_TRUE(rec.wait_results(2, 3));
    EXPECT_EQ(rec.count(0), 0u);
    EXPECT_EQ(rec.count(1), 0u);
    EXPECT_EQ(checker.health(), (policy::HealthVector{1, 0, 1}));
    EXPECT_EQ(checker.status(0).last_reason, "disabled");
    EXPECT_TRUE(rec.flips().empty());
}

TEST(HealthChecker, NewChecksStartHealthyAndStateCarriesOverOnReload) {
    TcpListener open, closed;
    ASSERT_TRUE(open.open());
    ASSERT_TRUE(closed.open());
    closed.close();
    const std::string db = check("db", endpoint("TCP", closed.port(), "\"FailureThreshold\": 3"));
    Recorder rec;
    HealthChecker first(rec.options());
    ASSERT_TRUE(first.start(check_set({db})).ok());
    EXPECT_EQ(first.health(), policy::HealthVector{1});
    ASSERT_TRUE(rec.wait_state(0, false));
    const auto r = rec.results(0);
    EXPECT_TRUE(r[0].status.healthy);
    EXPECT_TRUE(r[1].status.healthy);
    EXPECT_FALSE(r[2].status.healthy);
    first.stop();
    const std::vector<CheckStatus> previous = first.statuses();
    ASSERT_EQ(previous.size(), 1u);
    EXPECT_FALSE(previous[0].healthy);

    Recorder rec2;
    HealthChecker second(rec2.options());
    ASSERT_TRUE(second.start(check_set({check("web", endpoint("TCP", open.port())), db}), previous).ok());
    EXPECT_EQ(second.health(), (policy::HealthVector{1, 0})) << "db stays down across the reload, web starts up";
    EXPECT_EQ(second.status(1).flips, 1u);
    EXPECT_EQ(second.status(1).results, previous[0].results);
    ASSERT_TRUE(rec2.wait_until([&] { return rec2.count(1) >= 2; }));
    const CheckStatus later = rec2.results(1)[1].status;
    EXPECT_FALSE(later.healthy);
    EXPECT_EQ(later.consecutive, previous[0].consecutive + 2);
    EXPECT_EQ(later.results, previous[0].results + 2);
    EXPECT_TRUE(rec2.flips().empty()) << "no flip: the carried state was already right";
}

TEST(HealthChecker, ResolvesFullyQualifiedDomainNameOffTheLoop) {
    HttpServer server;
    ASSERT_TRUE(server.start());
    Recorder rec;
    HealthChecker checker(rec.options());
    ASSERT_TRUE(checker
                    .start(check_set({check("named",
                                            "\"Type\": \"HTTP\", \"FullyQualifiedDomainName\": \"localhost\", "
                                            "\"RequestInterval\": 1, \"Port\": " +
                                                std::to_string(server.port()))}))
                    .ok());
    ASSERT_TRUE(rec.wait_results(0, 1));
    const CheckStatus s = rec.results(0)[0].status;
    EXPECT_TRUE(s.last_ok) << s.last_reason;
    EXPECT_EQ(s.target, "localhost -> 127.0.0.1:" + std::to_string(server.port()));
    const auto request = nlohmann::json::parse(server.lines("requests").at(0));
    EXPECT_EQ(request["host"], "localhost:" + std::to_string(server.port()));
}

TEST(HealthChecker, StaggersFirstProbesOverTheInterval) {
    TcpListener listener;
    ASSERT_TRUE(listener.open());
    std::vector<std::string> items;
    for (int i = 0; i < 10; ++i) {
        items.push_back(check("c" + std::to_string(i), "\"Type\": \"TCP\", \"IPAddress\": \"127.0.0.1\", \"Port\": " +
                                                           std::to_string(listener.port()) +
                                                           ", \"RequestInterval\": 2"));
    }
    Recorder rec;
    HealthChecker checker(rec.options());
    ASSERT_TRUE(checker.start(check_set(items)).ok());
    std::vector<std::chrono::steady_clock::time_point> first;
    for (uint32_t i = 0; i < 10; ++i) {
        ASSERT_TRUE(rec.wait_results(i, 1));
        first.push_back(rec.results(i)[0].at);
    }
    // Offsets 0, 0.2 s, ... 1.8 s into the 2 s interval.
    EXPECT_GE(*std::max_element(first.begin(), first.end()) - *std::min_element(first.begin(), first.end()), 1200ms);
    EXPECT_LT(first[0], first[9]);
}

TEST(HealthChecker, StopsPromptlyWithProbesInFlightAndLeaksNoSocket) {
    HttpServer slow;
    slow.set_delay_ms(5000);
    ASSERT_TRUE(slow.start());
    BlackHole hole;
    TcpListener listener;
    ASSERT_TRUE(listener.open());
    const size_t fds_before = open_fd_count();
    {
        HealthChecker checker;
        std::vector<std::string> items = {
            check("slow", endpoint("HTTP", slow.port())),
            check("named",
                  "\"Type\": \"TCP\", \"FullyQualifiedDomainName\": \"localhost\", \"RequestInterval\": 1, "
                  "\"Port\": " +
                      std::to_string(listener.port())),
        };
        if (hole.usable()) items.push_back(check("hole", endpoint("TCP", hole.port())));
        for (int round = 0; round < 2; ++round) {  // start again after stop
            ASSERT_TRUE(checker.start(check_set(items)).ok());
            EXPECT_FALSE(checker.start(check_set(items)).ok()) << "already running";
            std::this_thread::sleep_for(400ms);
            const auto t0 = std::chrono::steady_clock::now();
            checker.stop();
            EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
            EXPECT_FALSE(checker.running());
            EXPECT_EQ(open_fd_count(), fds_before);
        }
        ASSERT_TRUE(checker.start(check_set(items)).ok());
        std::this_thread::sleep_for(300ms);
    }  // the destructor stops it
    EXPECT_EQ(open_fd_count(), fds_before);
}

TEST(HealthChecker, RejectsAWebhookThatIsNotHttp) {
    HealthChecker::Options o;
    o.webhook_url = "ftp://example.com/";
    HealthChecker checker(o);
    const Status st = checker.start(check_set({check("a", endpoint("TCP", 9))}));
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("http://"), std::string::npos);
}

// Not a pass/fail figure: how long after an endpoint starts failing the flip callback runs,
// with RequestInterval 1 and FailureThreshold 1 (expected: up to one interval plus a probe).
TEST(HealthChecker, MeasuresTimeFromEndpointFailureToFlip) {
    HttpServer server;
    ASSERT_TRUE(server.start());
    Recorder rec;
    HealthChecker checker(rec.options());
    ASSERT_TRUE(
        checker.start(check_set({check("web", endpoint("HTTP", server.port(), "\"FailureThreshold\": 1"))})).ok());
    ASSERT_TRUE(rec.wait_results(0, 1));
    std::vector<double> ms;
    for (int i = 0; i < 6; ++i) {
        const size_t flips = rec.flips().size();
        // Change just after a result, so that the measure covers the wait for the next probe.
        ASSERT_TRUE(rec.wait_results(0, 1));
        std::this_thread::sleep_for(std::chrono::milliseconds(100 * i));
        server.set_status(i % 2 == 0 ? 500 : 200);
        const auto t0 = std::chrono::steady_clock::now();
        ASSERT_TRUE(rec.wait_until([&] { return rec.flips().size() > flips; }));
        ms.push_back(std::chrono::duration<double, std::milli>(rec.flips().back().at - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    double sum = 0;
    for (double m : ms) sum += m;
    std::printf(
        "endpoint failure/recovery to flip callback (interval 1 s, threshold 1): min %.0f ms, mean %.0f ms, "
        "max %.0f ms over %zu flips\n",
        ms.front(), sum / static_cast<double>(ms.size()), ms.back(), ms.size());
    RecordProperty("flip_latency_mean_ms", static_cast<int>(sum / static_cast<double>(ms.size())));
}

}  // namespace
}  // namespace fz::health::testing
