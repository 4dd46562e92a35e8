// The wall clock in milliseconds, for what is shown or stored as a time (log fields,
// CheckedTime, a fleet's last contact); intervals use the steady clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace fz {

inline int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace fz
