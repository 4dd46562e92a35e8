// UPDATE messages, answered on a thread of their own.
#include "io/sockets/update_queue.h"

#include <cerrno>
#include <cstring>

namespace fz::io {

UpdateQueue::UpdateQueue(UpdateHandler handler, engine::Transport transport, Deliver deliver, size_t capacity,
                         size_t max_response)
    : handler_(std::move(handler)),
      transport_(transport),
      deliver_(std::move(deliver)),
      capacity_(capacity),
      max_response_(max_response) {}

UpdateQueue::~UpdateQueue() { stop(); }

void UpdateQueue::start() {
    std::lock_guard lock(mu_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { loop(); });
}

void UpdateQueue::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        items_.clear();
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
}

bool UpdateQueue::push(Item item) {
    {
        std::lock_guard lock(mu_);
        if (stopping_ || items_.size() >= capacity_) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        items_.push_back(std::move(item));
    }
    cv_.notify_one();
    return true;
}

void UpdateQueue::loop() {
    std::vector<uint8_t> out(max_response_);
    while (true) {
        Item it;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [this] { return stopping_ || !items_.empty(); });
            if (stopping_) return;
            it = std::move(items_.front());
            items_.pop_front();
        }
        size_t n = handler_(it.msg.data(), it.msg.size(), it.peer, transport_, out.data(), out.size());
        if (n != 0) deliver_(it, out.data(), n);
    }
}

void send_udp_response(const UpdateQueue::Item& item, const uint8_t* response, size_t len) {
    iovec iov{const_cast<uint8_t*>(response), len};
    msghdr h{};
    h.msg_name = const_cast<sockaddr_storage*>(&item.addr);
    h.msg_namelen = item.addr_len;
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_control = item.cmsg.empty() ? nullptr : const_cast<uint8_t*>(item.cmsg.data());
    h.msg_controllen = item.cmsg.size();
    // A full socket buffer loses the response, as it would lose any; the client retries.
    while (sendmsg(item.fd, &h, MSG_DONTWAIT) < 0 && errno == EINTR) {
    }
}

}  // namespace fz::io
