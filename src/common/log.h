// Structured one-line logging for the control plane: "ts=... level=... msg=... k=v".
// Never called per query on the hot path.
#pragma once

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

}  // namespace fz::log
