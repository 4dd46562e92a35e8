// Structured one-line logging for the control plane.
#include "common/log.h"

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace fz::log {
namespace {

std::mutex g_mutex;
Level g_level = [] {
    const char* env = std::getenv("FASTZONE_LOG");
    if (env == nullptr) return Level::kInfo;
    if (std::strcmp(env, "debug") == 0) return Level::kDebug;
    if (std::strcmp(env, "warning") == 0) return Level::kWarning;
    if (std::strcmp(env, "error") == 0) return Level::kError;
    return Level::kInfo;
}();
FILE* g_out = nullptr;

const char* level_name(Level l) {
    switch (l) {
        case Level::kDebug: return "debug";
        case Level::kInfo: return "info";
        case Level::kWarning: return "warning";
        case Level::kError: return "error";
    }
    return "info";
}

std::string quote(std::string_view v) {
    bool plain = !v.empty();
    for (char c : v) {
        if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) plain = false;
    }
    if (plain) return std::string(v);
    std::string out = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += ' ';
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

}  // namespace

void set_level(Level level) {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_level = level;
}

bool set_file(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "a");
    if (f == nullptr) return false;
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_out != nullptr) std::fclose(g_out);
    g_out = f;
    return true;
}

std::string kv(std::string_view key, std::string_view value) { return std::string(key) + "=" + quote(value); }
std::string kv(std::string_view key, long long value) { return std::string(key) + "=" + std::to_string(value); }

void write(Level level, std::string_view message, std::string_view fields) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (level < g_level) return;
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    tm t;
    gmtime_r(&ts.tv_sec, &t);
    char stamp[96];
    std::snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", t.tm_year + 1900, t.tm_mon + 1,
                  t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec / 1000000);
    std::string line = "ts=" + std::string(stamp) + " level=" + level_name(level) + " msg=" + quote(message);
    if (!fields.empty()) {
        line += ' ';
        line += fields;
    }
    line += '\n';
    FILE* out = g_out != nullptr ? g_out : stderr;
    std::fwrite(line.data(), 1, line.size(), out);
    std::fflush(out);
}

}  // namespace fz::log
