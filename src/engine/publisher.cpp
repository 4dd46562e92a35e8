// Snapshot publication by RCU (liburcu QSBR). The library calls are not inlined
// (no _LGPL_SOURCE): one call per burst costs nothing measurable.
#include "engine/publisher.h"

#include <urcu-qsbr.h>

namespace fz::engine {

Publisher::~Publisher() { delete ptr_; }

const Snapshot* Publisher::current() const {
    // rcu_dereference: a dependent load paired with rcu_assign_pointer's release store.
    Snapshot* p = rcu_dereference(const_cast<Snapshot*&>(ptr_));
    return p;
}

void Publisher::publish(std::unique_ptr<const Snapshot> next) {
    const Snapshot* old;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        old = ptr_;
        // Release store: readers that see the new pointer see a fully built snapshot.
        rcu_assign_pointer(ptr_, const_cast<Snapshot*>(next.release()));
    }
    if (old != nullptr) {
        // Grace period: every reader has passed a quiescent state, so none holds `old`.
        synchronize_rcu();
        delete old;
    }
}

RcuReader::RcuReader() { rcu_register_thread(); }
RcuReader::~RcuReader() { rcu_unregister_thread(); }
void RcuReader::quiescent() { rcu_quiescent_state(); }
void RcuReader::offline() { rcu_thread_offline(); }
void RcuReader::online() { rcu_thread_online(); }

}  // namespace fz::engine
