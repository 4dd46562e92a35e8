// The YAML reader the configuration's parts share: typed values with file:line errors.
// Internal to src/loader.
#pragma once

#include <charconv>
#include <filesystem>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/result.h"
#include "zone/rdata_text.h"

namespace fz::loader {

#define FZ_TRY(var, expr)                 \
    auto var##_r = (expr);                \
    if (!var##_r) return var##_r.error(); \
    auto var = std::move(var##_r.value())

class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    Error error(const YAML::Node& at, const std::string& message) const {
        return Error{file_, static_cast<uint32_t>(at.Mark().line + 1), message};
    }

    // Fails on keys outside `known`, so a typo never silently disables a setting.
    Status only_keys(const YAML::Node& map, const std::string& where, std::initializer_list<const char*> known) const {
        if (!map.IsMap()) return error(map, "'" + where + "' must be a mapping");
        std::set<std::string> k;
        for (const char* s : known) k.insert(s);
        for (const auto& it : map) {
            std::string key = it.first.as<std::string>();
            if (!k.count(key)) return error(it.first, "unknown key '" + key + "' in '" + where + "'");
        }
        return Ok{};
    }

    Result<std::string> string(const YAML::Node& n, const std::string& key) const {
        if (!n.IsScalar()) return error(n, "'" + key + "' must be a string");
        return n.as<std::string>();
    }

    Result<uint64_t> number(const YAML::Node& n, const std::string& key, uint64_t min, uint64_t max) const {
        if (!n.IsScalar()) return error(n, "'" + key + "' must be a number");
        std::string s = n.as<std::string>();
        uint64_t v = 0;
        if (s.empty() || s.size() > 19) return error(n, "'" + key + "' must be a number, not '" + s + "'");
        for (char c : s) {
            if (c < '0' || c > '9') return error(n, "'" + key + "' must be a number, not '" + s + "'");
            v = v * 10 + static_cast<uint64_t>(c - '0');
        }
        if (v < min || v > max) {
            return error(n, "'" + key + "' = " + s + " is outside " + std::to_string(min) + ".." + std::to_string(max));
        }
        return v;
    }

    Result<bool> boolean(const YAML::Node& n, const std::string& key) const {
        const std::string s = n.IsScalar() ? n.as<std::string>() : "";
        if (s == "true") return true;
        if (s == "false") return false;
        return error(n, "'" + key + "' must be true or false");
    }

    Result<std::vector<std::string>> strings(const YAML::Node& n, const std::string& key) const {
        std::vector<std::string> out;
        if (n.IsScalar()) {
            out.push_back(n.as<std::string>());
            return out;
        }
        if (!n.IsSequence()) return error(n, "'" + key + "' must be a list of strings");
        for (const auto& e : n) {
            if (!e.IsScalar()) return error(e, "'" + key + "' must be a list of strings");
            out.push_back(e.as<std::string>());
        }
        return out;
    }

    std::string resolve(const std::string& dir, const std::string& p) const {
        if (p.empty() || p[0] == '/') return p;
        return (std::filesystem::path(dir) / p).lexically_normal().string();
    }

    // "14d", "12h", "30s", "3600": seconds, at least 1, at most a year.
    Result<uint32_t> duration(const YAML::Node& n, const std::string& key) const {
        FZ_TRY(text, string(n, key));
        auto v = zone::duration_from_text(text, 366u * 86400u);
        if (!v || *v == 0) return error(n, "'" + key + "' is not a duration of a year or less (14d, 12h, 3600)");
        return *v;
    }

    // A number from 0 to 1 ("0.18").
    Result<double> fraction(const YAML::Node& n, const std::string& key) const {
        FZ_TRY(text, string(n, key));
        double v = -1;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || !(v >= 0 && v <= 1)) {
            return error(n, "'" + key + "' must be a number from 0 to 1, not '" + text + "'");
        }
        return v;
    }

    const std::string& file() const { return file_; }

private:
    std::string file_;
};

}  // namespace fz::loader
