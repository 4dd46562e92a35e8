// EventLoop: one thread's epoll loop with timers, cross-thread tasks and libcurl's multi
// interface driven from the same epoll set, so thousands of probes share one thread.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.h"

namespace fz::health {

class EventLoop {
public:
    using Clock = std::chrono::steady_clock;
    using Task = std::function<void()>;
    using FdHandler = std::function<void(uint32_t epoll_events)>;
    using TransferDone = std::function<void(CURLcode)>;
    using TimerId = uint64_t;  // 0 is never a timer

    static Result<std::unique_ptr<EventLoop>> create();
    ~EventLoop();  // detaches transfers still running (their owners clean the handles up)
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // The loop thread: dispatches until request_stop().
    void run();

    // Any thread.
    void request_stop();
    void post(Task task);  // runs `task` on the loop thread soon; dropped if the loop stops first

    // Loop thread only, below. Callbacks may add and cancel timers, watches and transfers.

    // Runs `task` once at `at` (or as soon as possible after it).
    TimerId add_timer(Clock::time_point at, Task task);
    void cancel_timer(TimerId id);  // no-op for 0, or a timer that has fired or been cancelled

    // Runs `task` after the current round of callbacks: for destroying an object whose
    // method is still on the stack.
    void defer(Task task);

    // Calls `handler` with the epoll events while `fd` is ready for `events` (level-triggered).
    Status watch(int fd, uint32_t events, FdHandler handler);
    void unwatch(int fd);  // before closing `fd`

    // Starts a transfer on the shared multi handle; `done` gets its result once, after the
    // handle has been removed from the multi handle again (the caller owns `easy`).
    Status add_transfer(CURL* easy, TransferDone done);
    void remove_transfer(CURL* easy);  // abandons a running transfer: `done` is not called
    size_t transfers() const { return transfers_.size(); }

private:
    struct Watch {
        uint32_t generation;
        FdHandler handler;
    };

    EventLoop() = default;
    Status set_watch(int fd, uint32_t events, FdHandler handler);
    void drive_curl(curl_socket_t fd, int flags);
    void finish_transfers();
    int wait_timeout_ms(Clock::time_point now) const;
    void run_due_timers(Clock::time_point now);

    static int on_curl_socket(CURL* easy, curl_socket_t fd, int what, void* loop, void* socket_data);
    static int on_curl_timer(CURLM* multi, long timeout_ms, void* loop);

    int epoll_fd_ = -1;
    int wake_fd_ = -1;  // eventfd: post() and request_stop() wake epoll_wait through it
    CURLM* multi_ = nullptr;

    // Release/acquire: a stop request made on another thread is seen by the next check of
    // the loop, after which run() returns; nothing else is published through it.
    std::atomic<bool> stop_{false};
    std::mutex posted_mutex_;
    std::vector<Task> posted_;  // guarded by posted_mutex_

    std::map<std::pair<Clock::time_point, TimerId>, Task> timers_;  // ordered by due time
    std::unordered_map<TimerId, Clock::time_point> timer_due_;
    TimerId next_timer_ = 1;
    std::vector<Task> deferred_;
    // A generation per registration, carried in the epoll event, so that an event queued
    // for a file descriptor that was closed and reused in the same round is not delivered
    // to the new owner.
    std::unordered_map<int, Watch> watches_;
    uint32_t next_generation_ = 1;
    std::optional<Clock::time_point> curl_due_;  // when libcurl wants curl_multi_socket_action(TIMEOUT)
    std::unordered_map<CURL*, TransferDone> transfers_;
};

}  // namespace fz::health
