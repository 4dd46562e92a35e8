// What the registry's source files share: its errors and its clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "change/service.h"
#include "common/result.h"

namespace fz::change::registry_internal {

inline int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

inline ServiceError error(std::string code, std::string message) {
    return ServiceError{std::move(code), std::move(message), {}};
}

inline ServiceError store_error(const Error& e) {
    return error("ServiceUnavailable",
                 "the change could not be written to the store, nothing was applied: " + e.to_string());
}

}  // namespace fz::change::registry_internal
