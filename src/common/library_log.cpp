// A C library's log messages, throttled into ours.
#include "common/library_log.h"

#include <chrono>
#include <cstdio>
#include <thread>

namespace fz {

void LibraryLog::write(void* cls, const char* format, va_list args) {
    auto* self = static_cast<LibraryLog*>(cls);
    char text[512];
    std::vsnprintf(text, sizeof(text), format, args);
    std::string message(text);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    const bool accept_failed = message.find("accepting connection") != std::string::npos ||
                               message.find("resource limit") != std::string::npos;
    {
        std::lock_guard<std::mutex> lock(self->mutex_);
        uint64_t suppressed = 0;
        const auto now = std::chrono::steady_clock::now().time_since_epoch();
        if (self->throttle_.allow(
                static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()),
                suppressed)) {
            log::warning(self->what_,
                         log::kv("error", message) + " " + log::kv("suppressed", static_cast<long long>(suppressed)));
        }
    }
    if (accept_failed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

}  // namespace fz
