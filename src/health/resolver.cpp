// Endpoint addresses and the getaddrinfo helper threads of the health checker.
#include "health/resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace fz::health {
namespace {

// Enough that one slow name does not hold up the others; the count does not grow with the
// number of checks.
constexpr unsigned kHelperThreads = 2;

Result<Address> lookup(const std::string& host, uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list);
    if (rc != 0) return Error{"", 0, std::string("resolve failed: ") + gai_strerror(rc)};
    const addrinfo* pick = nullptr;
    for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            pick = ai;
            break;
        }
        if (ai->ai_family == AF_INET6 && pick == nullptr) pick = ai;
    }
    Result<Address> out = Error{"", 0, "resolve failed: no address"};
    if (pick != nullptr) {
        char text[INET6_ADDRSTRLEN] = {};
        const void* raw =
            pick->ai_family == AF_INET
                ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(pick->ai_addr)->sin_addr)
                : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(pick->ai_addr)->sin6_addr);
        inet_ntop(pick->ai_family, raw, text, sizeof(text));
        out = parse_address(text, port);
    }
    freeaddrinfo(list);
    return out;
}

}  // namespace

std::string Address::url_host() const { return family() == AF_INET6 ? "[" + ip + "]" : ip; }

std::string Address::to_string() const { return url_host() + ":" + std::to_string(port); }

Result<Address> parse_address(const std::string& ip, uint16_t port) {
    Address a;
    a.ip = ip;
    a.port = port;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        a.length = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        a.length = sizeof(sockaddr_in6);
    } else {
        return Error{"", 0, "\"" + ip + "\" is not an IPv4 or IPv6 address"};
    }
    return a;
}

// Lives as long as the longest-lived helper: a detached helper still in getaddrinfo keeps it.
struct Resolver::Shared {
    struct Request {
        std::string host;
        uint16_t port;
        EventLoop::Clock::time_point deadline;
        Done done;
    };

    std::mutex mutex;
    std::condition_variable wake;
    std::deque<Request> queue;  // guarded by mutex
    EventLoop* loop = nullptr;  // guarded by mutex; null once the resolver is gone
    std::vector<std::thread> helpers;
    std::vector<uint8_t> busy;  // guarded by mutex: helper i is inside getaddrinfo

    void helper(size_t self) {
        std::unique_lock<std::mutex> lock(mutex);
        for (;;) {
            wake.wait(lock, [&] { return loop == nullptr || !queue.empty(); });
            if (loop == nullptr) return;
            Request r = std::move(queue.front());
            queue.pop_front();
            busy[self] = 1;
            lock.unlock();
            Result<Address> result = EventLoop::Clock::now() < r.deadline ? lookup(r.host, r.port)
                                                                          : Error{"", 0, "resolve timeout"};
            lock.lock();
            busy[self] = 0;
            if (loop == nullptr) return;  // the checker stopped while we waited for DNS
            loop->post([done = std::move(r.done), result = std::move(result)] { done(result); });
        }
    }
};

Resolver::Resolver(EventLoop& loop) : shared_(std::make_shared<Shared>()) { shared_->loop = &loop; }

Resolver::~Resolver() {
    std::vector<std::thread> join;
    {
        std::lock_guard<std::mutex> lock(shared_->mutex);
        shared_->loop = nullptr;
        shared_->queue.clear();
        for (size_t i = 0; i < shared_->helpers.size(); ++i) {
            if (shared_->busy[i]) {
                shared_->helpers[i].detach();  // it holds its own reference to `shared_`
            } else {
                join.push_back(std::move(shared_->helpers[i]));
            }
        }
    }
    shared_->wake.notify_all();
    for (std::thread& t : join) t.join();
}

void Resolver::resolve(std::string host, uint16_t port, EventLoop::Clock::time_point deadline, Done done) {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    if (shared_->helpers.empty()) {
        shared_->busy.assign(kHelperThreads, 0);
        for (size_t i = 0; i < kHelperThreads; ++i) {
            shared_->helpers.emplace_back([shared = shared_, i] { shared->helper(i); });
        }
    }
    shared_->queue.push_back(Shared::Request{std::move(host), port, deadline, std::move(done)});
    shared_->wake.notify_one();
}

}  // namespace fz::health
