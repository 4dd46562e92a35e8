// Snapshot publication by RCU (liburcu's QSBR flavour, one mechanism for every backend):
// readers load one pointer with no lock; the control plane swaps it and frees the old
// snapshot only after every registered reader has passed a quiescent state.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

#include "engine/snapshot.h"

namespace fz::engine {

class Publisher {
public:
    Publisher() = default;
    ~Publisher();
    Publisher(const Publisher&) = delete;
    Publisher& operator=(const Publisher&) = delete;

    // Reader side: the current snapshot, valid until the calling reader thread's next
    // quiescent state (or offline period). Never null after the first publish().
    const Snapshot* current() const;

    // Control plane: makes `next` current, waits one grace period, hands the previous
    // snapshot to `retired` (if given; no reader holds it any more) and frees it. The
    // caller must not be an online RCU reader. Serialized internally.
    void publish(std::unique_ptr<const Snapshot> next, const std::function<void(const Snapshot&)>& retired = {});

    // The current snapshot for control-plane readers (stats, explain), which hold the
    // publish lock instead of being RCU readers.
    template <typename F>
    auto with_current(F&& f) const {
        std::lock_guard<std::mutex> lock(mutex_);
        return f(*ptr_.load(std::memory_order_acquire));
    }

private:
    // Release store in publish(), acquire load in current(): a reader that sees the new
    // pointer sees the snapshot fully built (on x86 both are plain moves).
    std::atomic<const Snapshot*> ptr_{nullptr};
    mutable std::mutex mutex_;  // one writer at a time; control-plane readers
};

// Registers the calling thread as an RCU reader for its lifetime.
class RcuReader {
public:
    RcuReader();
    ~RcuReader();
    RcuReader(const RcuReader&) = delete;
    RcuReader& operator=(const RcuReader&) = delete;

    // Declares that this thread holds no snapshot pointer (call after each burst).
    void quiescent();
    // Around blocking waits (recvmmsg, epoll_wait): a blocked reader must not stall
    // the grace period, so it goes offline, and back online before touching a snapshot.
    void offline();
    void online();
};

}  // namespace fz::engine
