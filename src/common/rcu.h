// QSBR RCU for every backend (liburcu's qsbr flavour), wrapped so that ThreadSanitizer
// sees the happens-before a grace period provides: liburcu itself is not instrumented.
#pragma once

namespace fz::rcu {

// A reader thread registers once; then holds no RCU-protected pointer across quiescent().
void register_thread();
void unregister_thread();
// This reader holds no protected pointer now (after each burst).
void quiescent();
// Around blocking waits: an offline reader does not hold up grace periods.
void offline();
void online();
// Control plane: returns once every registered reader has passed a quiescent state (or
// been offline) since the call began. The caller must not be an online reader.
void synchronize();

}  // namespace fz::rcu
