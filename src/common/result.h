// Result<T>: a value or an error that names the file, line and problem (control plane only).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace fz {

// Where a problem was found and what it is. `line` is 0 when the problem is not tied
// to one line (a missing file, a zone-wide check).
struct Error {
    std::string file;
    uint32_t line = 0;
    std::string message;

    // "file:line: message", "file: message" or "message".
    std::string to_string() const {
        std::string out;
        if (!file.empty()) {
            out += file;
            if (line != 0) {
                out += ':';
                out += std::to_string(line);
            }
            out += ": ";
        }
        out += message;
        return out;
    }
};

// A small stand-in for C++23 std::expected<T, Error>.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
    Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

// Result of an operation that yields nothing but may fail.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string file, uint32_t line, std::string message) {
    return Error{std::move(file), line, std::move(message)};
}

}  // namespace fz
