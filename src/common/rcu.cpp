// QSBR RCU over liburcu-qsbr, with ThreadSanitizer annotations.
#include "common/rcu.h"

#include <urcu-qsbr.h>

#if defined(__SANITIZE_THREAD__)
#define FZ_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FZ_TSAN 1
#endif
#endif

#ifdef FZ_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace fz::rcu {
namespace {

#ifdef FZ_TSAN
// What a grace period orders, told to TSan: each reader's quiescent state "releases"
// this object, and synchronize() "acquires" it, joining every release before it.
char g_grace_period;
#endif

void reader_done() {
#ifdef FZ_TSAN
    __tsan_release(&g_grace_period);
#endif
}

}  // namespace

void register_thread() { rcu_register_thread(); }
void unregister_thread() {
    reader_done();
    rcu_unregister_thread();
}
void quiescent() {
    reader_done();
    rcu_quiescent_state();
}
void offline() {
    reader_done();
    rcu_thread_offline();
}
void online() { rcu_thread_online(); }
void synchronize() {
    synchronize_rcu();
#ifdef FZ_TSAN
    __tsan_acquire(&g_grace_period);
#endif
}

}  // namespace fz::rcu
