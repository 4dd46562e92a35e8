// The health checker's event loop: epoll, timers, posted tasks and libcurl's socket API.
#include "health/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "common/log.h"

namespace fz::health {
namespace {

constexpr int kMaxEvents = 256;
// Marks the eventfd in epoll data; real registrations carry (generation << 32 | fd) with a
// generation that is never 0.
constexpr uint64_t kWakeTag = 0;

std::once_flag g_curl_init;

Error sys_error(const char* what) { return Error{"", 0, std::string(what) + ": " + std::strerror(errno)}; }

}  // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
    // curl_global_init is not guaranteed thread-safe on every build: do it once, before any
    // easy handle exists.
    std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    std::unique_ptr<EventLoop> loop(new EventLoop());
    loop->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epoll_fd_ < 0) return sys_error("epoll_create1");
    loop->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (loop->wake_fd_ < 0) return sys_error("eventfd");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeTag;
    if (epoll_ctl(loop->epoll_fd_, EPOLL_CTL_ADD, loop->wake_fd_, &ev) != 0) return sys_error("epoll_ctl");
    loop->multi_ = curl_multi_init();
    if (loop->multi_ == nullptr) return Error{"", 0, "curl_multi_init failed"};
    curl_multi_setopt(loop->multi_, CURLMOPT_SOCKETFUNCTION, &EventLoop::on_curl_socket);
    curl_multi_setopt(loop->multi_, CURLMOPT_SOCKETDATA, loop.get());
    curl_multi_setopt(loop->multi_, CURLMOPT_TIMERFUNCTION, &EventLoop::on_curl_timer);
    curl_multi_setopt(loop->multi_, CURLMOPT_TIMERDATA, loop.get());
    return loop;
}

EventLoop::~EventLoop() {
    if (multi_ != nullptr) {
        for (auto& [easy, done] : transfers_) curl_multi_remove_handle(multi_, easy);
        transfers_.clear();
        // May still report sockets to on_curl_socket, which needs epoll_fd_ open.
        curl_multi_cleanup(multi_);
    }
    if (wake_fd_ >= 0) close(wake_fd_);
    if (epoll_fd_ >= 0) close(epoll_fd_);
}

void EventLoop::request_stop() {
    // Release pairs with the acquire in run(): see the member comment.
    stop_.store(true, std::memory_order_release);
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
}

void EventLoop::post(Task task) {
    {
        std::lock_guard<std::mutex> lock(posted_mutex_);
        posted_.push_back(std::move(task));
    }
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));  // EAGAIN only when already signalled
}

EventLoop::TimerId EventLoop::add_timer(Clock::time_point at, Task task) {
    const TimerId id = next_timer_++;
    timers_.emplace(std::pair{at, id}, std::move(task));
    timer_due_.emplace(id, at);
    return id;
}

void EventLoop::cancel_timer(TimerId id) {
    auto it = timer_due_.find(id);
    if (it == timer_due_.end()) return;
    timers_.erase(std::pair{it->second, id});
    timer_due_.erase(it);
}

void EventLoop::defer(Task task) { deferred_.push_back(std::move(task)); }

Status EventLoop::set_watch(int fd, uint32_t events, FdHandler handler) {
    uint32_t generation = next_generation_++;
    if (generation == 0) generation = next_generation_++;  // 0 would read as the wake tag's generation
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = (static_cast<uint64_t>(generation) << 32) | static_cast<uint32_t>(fd);
    const bool known = watches_.count(fd) != 0;
    int rc = epoll_ctl(epoll_fd_, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
    // A descriptor closed without unwatch() left epoll by itself; one reused while still
    // registered under another owner is modified in place.
    if (rc != 0 && known && errno == ENOENT) rc = epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    if (rc != 0 && !known && errno == EEXIST) rc = epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
    if (rc != 0) return sys_error("epoll_ctl");
    watches_[fd] = Watch{generation, std::move(handler)};
    return Ok{};
}

Status EventLoop::watch(int fd, uint32_t events, FdHandler handler) {
    return set_watch(fd, events, std::move(handler));
}

void EventLoop::unwatch(int fd) {
    if (watches_.erase(fd) == 0) return;
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);  // ENOENT/EBADF if already closed: nothing to undo
}

Status EventLoop::add_transfer(CURL* easy, TransferDone done) {
    transfers_.emplace(easy, std::move(done));
    const CURLMcode rc = curl_multi_add_handle(multi_, easy);
    if (rc != CURLM_OK) {
        transfers_.erase(easy);
        return Error{"", 0, std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc)};
    }
    return Ok{};
}

void EventLoop::remove_transfer(CURL* easy) {
    if (transfers_.erase(easy) == 0) return;
    curl_multi_remove_handle(multi_, easy);
}

int EventLoop::on_curl_socket(CURL*, curl_socket_t fd, int what, void* self, void*) {
    auto* loop = static_cast<EventLoop*>(self);
    if (what == CURL_POLL_REMOVE) {
        loop->unwatch(fd);
        return 0;
    }
    uint32_t events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= EPOLLIN;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= EPOLLOUT;
    // Called from inside libcurl: only our own tables and epoll are touched here, never
    // the multi handle (libcurl forbids re-entering it from its callbacks).
    const Status st = loop->set_watch(fd, events, [loop, fd](uint32_t ev) {
        int flags = 0;
        if (ev & EPOLLIN) flags |= CURL_CSELECT_IN;
        if (ev & EPOLLOUT) flags |= CURL_CSELECT_OUT;
        if (ev & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
        loop->drive_curl(fd, flags);
    });
    return st.ok() ? 0 : -1;  // -1 makes libcurl fail the transfer rather than hang
}

int EventLoop::on_curl_timer(CURLM*, long timeout_ms, void* self) {
    auto* loop = static_cast<EventLoop*>(self);
    if (timeout_ms < 0) {
        loop->curl_due_.reset();
    } else {
        loop->curl_due_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
    }
    return 0;
}

void EventLoop::drive_curl(curl_socket_t fd, int flags) {
    int running = 0;
    curl_multi_socket_action(multi_, fd, flags, &running);
    finish_transfers();
}

void EventLoop::finish_transfers() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        // Copy before removing the handle: the message does not outlive it.
        CURL* easy = msg->easy_handle;
        const CURLcode code = msg->data.result;
        auto it = transfers_.find(easy);
        if (it == transfers_.end()) continue;
        TransferDone done = std::move(it->second);
        transfers_.erase(it);
        curl_multi_remove_handle(multi_, easy);
        done(code);
    }
}

int EventLoop::wait_timeout_ms(Clock::time_point now) const {
    if (!deferred_.empty()) return 0;
    std::optional<Clock::time_point> due = curl_due_;
    if (!timers_.empty() && (!due || timers_.begin()->first.first < *due)) due = timers_.begin()->first.first;
    if (!due) return -1;
    if (*due <= now) return 0;
    // Round up: waking a little early would only spin until the deadline.
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(*due - now).count();
    return static_cast<int>(std::min<int64_t>((us + 999) / 1000, 60 * 1000));
}

void EventLoop::run_due_timers(Clock::time_point now) {
    // Timers added by these callbacks wait for the next round, so that a timer re-armed
    // for "now" cannot keep this loop from returning to epoll.
    std::vector<Task> due;
    while (!timers_.empty() && timers_.begin()->first.first <= now) {
        auto it = timers_.begin();
        timer_due_.erase(it->first.second);
        due.push_back(std::move(it->second));
        timers_.erase(it);
    }
    for (Task& task : due) task();
}

void EventLoop::run() {
    epoll_event events[kMaxEvents];
    // Acquire pairs with the release in request_stop().
    while (!stop_.load(std::memory_order_acquire)) {
        const int n = epoll_wait(epoll_fd_, events, kMaxEvents, wait_timeout_ms(Clock::now()));
        if (n < 0 && errno != EINTR) {  // only EBADF/EINVAL: a broken loop cannot recover
            fz::log::error("health check loop stopped", fz::log::kv("error", std::strerror(errno)));
            break;
        }
        for (int i = 0; i < n; ++i) {
            const uint64_t tag = events[i].data.u64;
            if (tag == kWakeTag) {
                uint64_t count;
                [[maybe_unused]] ssize_t r = read(wake_fd_, &count, sizeof(count));
                continue;
            }
            const int fd = static_cast<int>(tag & 0xffffffffu);
            auto it = watches_.find(fd);
            if (it == watches_.end() || it->second.generation != (tag >> 32)) continue;  // stale event
            // The handler may unwatch its own descriptor: call a copy.
            FdHandler handler = it->second.handler;
            handler(events[i].events);
        }
        const Clock::time_point now = Clock::now();
        if (curl_due_ && *curl_due_ <= now) {
            curl_due_.reset();
            drive_curl(CURL_SOCKET_TIMEOUT, 0);
        }
        std::vector<Task> posted;
        {
            std::lock_guard<std::mutex> lock(posted_mutex_);
            posted.swap(posted_);
        }
        for (Task& task : posted) task();
        run_due_timers(now);
        while (!deferred_.empty()) {
            std::vector<Task> deferred;
            deferred.swap(deferred_);
            for (Task& task : deferred) task();
        }
    }
}

}  // namespace fz::health
