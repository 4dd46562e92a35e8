// The log of a C library that reports through a printf-style callback (libmicrohttpd's
// MHD_OPTION_EXTERNAL_LOGGER): its messages go to our log at most one per 10 s, with the
// count of the rest.
#pragma once

#include <cstdarg>
#include <mutex>
#include <string>

#include "common/log.h"

namespace fz {

class LibraryLog {
public:
    // `what` names the endpoint in each line ("metrics endpoint").
    explicit LibraryLog(std::string what) : what_(std::move(what)) {}

    // The callback; `cls` is the LibraryLog. Out of descriptors with no connection open,
    // libmicrohttpd retries accept() at once, forever ("Hit process or system resource
    // limit at FIRST connection"); this runs on its thread, so resting here turns that
    // spin into a retry every 100 ms.
    static void write(void* cls, const char* format, va_list args);

private:
    std::string what_;
    std::mutex mutex_;  // the library's threads, and stop() on the caller's
    log::Throttle throttle_{10000};
};

}  // namespace fz
