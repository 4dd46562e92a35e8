// UPDATE over UDP, answered on a thread of its own.
#include "io/sockets/update_queue.h"

#include <cerrno>
#include <cstring>

namespace fz::io {

UdpUpdateQueue::UdpUpdateQueue(UpdateHandler handler, size_t capacity, size_t max_response)
    : handler_(std::move(handler)), capacity_(capacity), max_response_(max_response) {}

UdpUpdateQueue::~UdpUpdateQueue() { stop(); }

void UdpUpdateQueue::start() {
    std::lock_guard lock(mu_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { loop(); });
}

void UdpUpdateQueue::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        items_.clear();
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
}

bool UdpUpdateQueue::push(int fd, const sockaddr_storage& addr, socklen_t addr_len, const uint8_t* cmsg,
                          size_t cmsg_len, const uint8_t* msg, size_t len, const engine::Peer& peer) {
    {
        std::lock_guard lock(mu_);
        if (stopping_ || items_.size() >= capacity_) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        Item& it = items_.emplace_back();
        it.fd = fd;
        it.addr = addr;
        it.addr_len = addr_len;
        it.cmsg.assign(cmsg, cmsg + cmsg_len);
        it.msg.assign(msg, msg + len);
        it.peer = peer;
    }
    cv_.notify_one();
    return true;
}

void UdpUpdateQueue::loop() {
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
        size_t n = handler_(it.msg.data(), it.msg.size(), it.peer, engine::Transport::kUdp, out.data(), out.size());
        if (n == 0) continue;
        iovec iov{out.data(), n};
        msghdr h{};
        h.msg_name = &it.addr;
        h.msg_namelen = it.addr_len;
        h.msg_iov = &iov;
        h.msg_iovlen = 1;
        h.msg_control = it.cmsg.empty() ? nullptr : it.cmsg.data();
        h.msg_controllen = it.cmsg.size();
        // A full socket buffer loses the response, as it would lose any; the client retries.
        while (sendmsg(it.fd, &h, MSG_DONTWAIT) < 0 && errno == EINTR) {
        }
    }
}

}  // namespace fz::io
