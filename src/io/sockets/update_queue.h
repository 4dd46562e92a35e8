// UPDATE messages received over UDP, answered off the UDP workers: a worker only copies
// the datagram in (or drops it, counted, when the queue is full), and one thread of its
// own runs the handler, which may wait for the store's fsync, and sends the response from
// the socket the message came to. DNS answering never waits for a change to be written.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/answer.h"
#include "io/sockets/options.h"

namespace fz::io {

class UdpUpdateQueue {
public:
    UdpUpdateQueue(UpdateHandler handler, size_t capacity, size_t max_response);
    ~UdpUpdateQueue();
    UdpUpdateQueue(const UdpUpdateQueue&) = delete;
    UdpUpdateQueue& operator=(const UdpUpdateQueue&) = delete;

    void start();
    void stop();  // drops what is still queued; idempotent

    // Queues one UPDATE: `cmsg` is the reply's control data (the source address to send
    // from). False when the queue is full and the message was dropped.
    bool push(int fd, const sockaddr_storage& addr, socklen_t addr_len, const uint8_t* cmsg, size_t cmsg_len,
              const uint8_t* msg, size_t len, const engine::Peer& peer);

    // Dropped for a full queue. Relaxed: a counter that orders nothing.
    uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

private:
    struct Item {
        int fd = -1;
        sockaddr_storage addr{};
        socklen_t addr_len = 0;
        std::vector<uint8_t> cmsg;
        std::vector<uint8_t> msg;
        engine::Peer peer;
    };
    void loop();

    UpdateHandler handler_;
    size_t capacity_;
    size_t max_response_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Item> items_;
    bool stopping_ = false;
    std::thread thread_;
    std::atomic<uint64_t> dropped_{0};
};

}  // namespace fz::io
