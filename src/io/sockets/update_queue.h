// UPDATE messages answered off the threads that answer queries: a UDP worker or the TCP
// thread only copies the message in (or drops it, counted, when the queue is full), and
// one thread of the queue's own runs the handler, which may wait for the store's fsync,
// and hands the response to a delivery function (UDP: sent from the socket the message
// came to; TCP: passed back to the TCP thread). DNS answering never waits for a change to
// be written.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/answer.h"
#include "io/sockets/options.h"

namespace fz::io {

class UpdateQueue {
public:
    // One UPDATE: where it came from and how to answer it.
    struct Item {
        int fd = -1;
        uint32_t seq = 0;  // TCP: the connection's sequence number (it may close meanwhile)
        sockaddr_storage addr{};
        socklen_t addr_len = 0;
        std::vector<uint8_t> cmsg;  // UDP: the reply's control data (the source address)
        std::vector<uint8_t> msg;
        engine::Peer peer;
    };
    // Called on the queue's thread with each response (`len` > 0).
    using Deliver = std::function<void(const Item& item, const uint8_t* response, size_t len)>;

    UpdateQueue(UpdateHandler handler, engine::Transport transport, Deliver deliver, size_t capacity,
                size_t max_response);
    ~UpdateQueue();
    UpdateQueue(const UpdateQueue&) = delete;
    UpdateQueue& operator=(const UpdateQueue&) = delete;

    void start();
    void stop();  // drops what is still queued; idempotent

    // Queues one UPDATE. False when the queue is full and the message was dropped.
    bool push(Item item);

    // Dropped for a full queue. Relaxed: a counter that orders nothing.
    uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

private:
    void loop();

    UpdateHandler handler_;
    engine::Transport transport_;
    Deliver deliver_;
    size_t capacity_;
    size_t max_response_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Item> items_;
    bool stopping_ = false;
    std::thread thread_;
    std::atomic<uint64_t> dropped_{0};
};

// The UDP delivery: the response sent from the socket the message came to.
void send_udp_response(const UpdateQueue::Item& item, const uint8_t* response, size_t len);

}  // namespace fz::io
