// Structured one-line logging for the control plane: "ts=... level=... msg=... k=v".
// Never called per query on the hot path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fz::log {

enum class Level { kDebug, kInfo, kWarning, kError };

// Minimum level printed (default info); FASTZONE_LOG=debug|info|warning|error overrides.
void set_level(Level level);
// Sends records to `path` (appending) instead of stderr; false if it cannot be opened.
bool set_file(const std::string& path);

// One record. `fields` is preformatted "key=value key2=value2" (values quoted by kv()).
void write(Level level, std::string_view message, std::string_view fields = {});

// "key=value", quoting the value when it holds spaces, quotes or '='.
std::string kv(std::string_view key, std::string_view value);
std::string kv(std::string_view key, long long value);

inline void info(std::string_view m, std::string_view f = {}) { write(Level::kInfo, m, f); }
inline void warning(std::string_view m, std::string_view f = {}) { write(Level::kWarning, m, f); }
inline void error(std::string_view m, std::string_view f = {}) { write(Level::kError, m, f); }
inline void debug(std::string_view m, std::string_view f = {}) { write(Level::kDebug, m, f); }

// Lets one record through per interval and counts the ones it held back, for a condition
// that can repeat thousands of times a second (accept() out of descriptors). Not
// synchronised: one per thread, or under the caller's lock.
class Throttle {
public:
    explicit Throttle(uint64_t interval_ms) : interval_ms_(interval_ms) {}

    // True when a record may be written at `now_ms` (a monotonic clock); `suppressed` is
    // then how many were held back since the last one.
    bool allow(uint64_t now_ms, uint64_t& suppressed) {
        if (any_ && now_ms - last_ms_ < interval_ms_) {
            ++held_;
            return false;
        }
        any_ = true;
        last_ms_ = now_ms;
        suppressed = held_;
        held_ = 0;
        return true;
    }

private:
    uint64_t interval_ms_;
    uint64_t last_ms_ = 0;
    uint64_t held_ = 0;
    bool any_ = false;
};

}  // namespace fz::log
