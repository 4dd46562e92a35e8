// Flip events reach the webhook as JSON POSTs and the log as one structured line; a failing
// webhook is logged and holds nothing up.
#include "health/webhook.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/unit/health/checker_test_util.h"
#include "tests/unit/health/loopback_servers.h"

namespace fz::health::testing {
namespace {

std::string http_check(uint16_t port) {
    return check("web",
                 "\"Type\": \"HTTP\", \"IPAddress\": \"127.0.0.1\", \"RequestInterval\": 1, "
                 "\"FailureThreshold\": 1, \"Port\": " +
                     std::to_string(port));
}

TEST(HealthWebhook, PostsOneJsonEventPerFlip) {
    HttpServer target, hook;
    ASSERT_TRUE(target.start());
    ASSERT_TRUE(hook.start());
    Recorder rec;
    HealthChecker checker(rec.options("http://127.0.0.1:" + std::to_string(hook.port()) + "/events"));
    ASSERT_TRUE(checker.start(check_set({http_check(target.port())})).ok());
    ASSERT_TRUE(rec.wait_results(0, 1));
    target.set_status(500);
    ASSERT_TRUE(rec.wait_until([&] { return hook.lines("posts").size() >= 1; }));
    target.set_status(200);
    ASSERT_TRUE(rec.wait_until([&] { return hook.lines("posts").size() >= 2; }));

    const std::vector<std::string> posts = hook.lines("posts");
    const auto down = nlohmann::json::parse(posts[0]);
    EXPECT_EQ(down["event"], "health_check_flip");
    EXPECT_EQ(down["check_id"], "web");
    EXPECT_EQ(down["type"], "HTTP");
    EXPECT_EQ(down["old_state"], "healthy");
    EXPECT_EQ(down["new_state"], "unhealthy");
    EXPECT_EQ(down["reason"], "HTTP 500");
    EXPECT_EQ(down["target"], "127.0.0.1:" + std::to_string(target.port()));
    EXPECT_EQ(down["flips"], 1);
    EXPECT_GT(down["time_unix_ms"].get<int64_t>(), 0);
    const auto up = nlohmann::json::parse(posts[1]);
    EXPECT_EQ(up["old_state"], "unhealthy");
    EXPECT_EQ(up["new_state"], "healthy");
    EXPECT_EQ(up["reason"], "HTTP 200");
    EXPECT_EQ(up["flips"], 2);
}

TEST(HealthWebhook, FailuresAreLoggedAndHoldNothingUp) {
    HttpServer target;
    ASSERT_TRUE(target.start());
    TcpListener gone;
    ASSERT_TRUE(gone.open());
    gone.close();  // nobody listens at the webhook's port
    Recorder rec;
    HealthChecker checker(rec.options("http://127.0.0.1:" + std::to_string(gone.port()) + "/"));
    ::testing::internal::CaptureStderr();
    ASSERT_TRUE(checker.start(check_set({http_check(target.port())})).ok());
    ASSERT_TRUE(rec.wait_results(0, 1));
    target.set_status(500);
    ASSERT_TRUE(rec.wait_state(0, false));
    target.set_status(200);
    ASSERT_TRUE(rec.wait_state(0, true));
    checker.stop();
    const std::string log = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(log.find("level=warning msg=\"health check flipped\" check=web type=HTTP old=healthy new=unhealthy "
                       "reason=\"HTTP 500\" target=127.0.0.1:" +
                       std::to_string(target.port()) + " flips=1"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("level=info msg=\"health check flipped\" check=web type=HTTP old=unhealthy new=healthy"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("msg=\"health webhook post failed\""), std::string::npos) << log;
}

}  // namespace
}  // namespace fz::health::testing
