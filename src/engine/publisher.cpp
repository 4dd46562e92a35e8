// Snapshot publication by RCU (liburcu QSBR through common/rcu.h). The library calls are
// not inlined (no _LGPL_SOURCE): one call per burst costs nothing measurable.
#include "engine/publisher.h"

#include "common/rcu.h"

namespace fz::engine {

Publisher::~Publisher() { delete ptr_.load(std::memory_order_acquire); }

const Snapshot* Publisher::current() const {
    // Acquire pairs with publish()'s release: the snapshot behind the pointer is complete.
    return ptr_.load(std::memory_order_acquire);
}

void Publisher::publish(std::unique_ptr<const Snapshot> next, const std::function<void(const Snapshot&)>& retired) {
    const Snapshot* old;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        // Release: readers that load the new pointer see a fully built snapshot.
        old = ptr_.exchange(next.release(), std::memory_order_acq_rel);
    }
    if (old != nullptr) {
        // Grace period: every reader has passed a quiescent state, so none holds `old`.
        rcu::synchronize();
        if (retired) retired(*old);
        delete old;
    }
}

RcuReader::RcuReader() { rcu::register_thread(); }
RcuReader::~RcuReader() { rcu::unregister_thread(); }
void RcuReader::quiescent() { rcu::quiescent(); }
void RcuReader::offline() { rcu::offline(); }
void RcuReader::online() { rcu::online(); }

}  // namespace fz::engine
