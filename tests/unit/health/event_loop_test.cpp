// The health checker's event loop: timers in order, cancellation, tasks posted from other
// threads, deferred tasks, fd readiness, and a stop request from another thread.
#include "health/event_loop.h"

#include <gtest/gtest.h>

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace fz::health {
namespace {

using namespace std::chrono_literals;
using Clock = EventLoop::Clock;

TEST(HealthEventLoop, TimersRunInDueOrderAndCancelledOnesNever) {
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop.ok()) << loop.error().to_string();
    EventLoop& l = **loop;
    std::vector<int> order;
    const auto now = Clock::now();
    l.add_timer(now + 30ms, [&] { order.push_back(3); });
    l.add_timer(now + 10ms, [&] { order.push_back(1); });
    const auto cancelled = l.add_timer(now + 20ms, [&] { order.push_back(99); });
    l.add_timer(now + 20ms, [&] {
        order.push_back(2);
        l.defer([&] { order.push_back(20); });
        order.push_back(21);  // a deferred task waits for the callback that deferred it
    });
    l.cancel_timer(cancelled);
    l.cancel_timer(0);
    l.add_timer(now + 40ms, [&] { l.request_stop(); });
    l.run();
    auto at = [&](int v) { return std::find(order.begin(), order.end(), v) - order.begin(); };
    ASSERT_EQ(order.size(), 5u);
    EXPECT_EQ(std::count(order.begin(), order.end(), 99), 0);
    EXPECT_LT(at(1), at(2));
    EXPECT_LT(at(2), at(3));
    EXPECT_LT(at(2), at(21));
    EXPECT_LT(at(21), at(20));
}

TEST(HealthEventLoop, PostedTasksAndStopFromAnotherThread) {
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop.ok());
    EventLoop& l = **loop;
    std::thread::id ran_on;
    std::thread runner([&] { l.run(); });
    std::thread poster([&] { l.post([&] { ran_on = std::this_thread::get_id(); }); });
    poster.join();
    // The task has run once a second one posted after it has.
    std::atomic<bool> done{false};  // release/acquire: the loop thread's write of ran_on is seen here
    l.post([&] { done.store(true, std::memory_order_release); });
    while (!done.load(std::memory_order_acquire)) std::this_thread::sleep_for(1ms);
    EXPECT_EQ(ran_on, runner.get_id());
    l.request_stop();
    runner.join();
}

TEST(HealthEventLoop, WatchesDescriptors) {
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop.ok());
    EventLoop& l = **loop;
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    int seen = 0;
    ASSERT_TRUE(l.watch(fds[0], EPOLLIN, [&](uint32_t events) {
                     EXPECT_TRUE(events & EPOLLIN);
                     char c;
                     EXPECT_EQ(read(fds[0], &c, 1), 1);
                     ++seen;
                     l.unwatch(fds[0]);
                     l.request_stop();
                 }).ok());
    ASSERT_EQ(write(fds[1], "x", 1), 1);
    l.add_timer(Clock::now() + 10s, [&] { l.request_stop(); });  // a failing test still ends
    l.run();
    EXPECT_EQ(seen, 1);
    close(fds[0]);
    close(fds[1]);
}

}  // namespace
}  // namespace fz::health
