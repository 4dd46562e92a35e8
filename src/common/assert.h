// FZ_ASSERT: checks a hot-path invariant in debug and sanitizer builds; compiles to nothing
// in release builds (meson's b_ndebug=if-release defines NDEBUG there).
//
// For invariants the code itself guarantees (an offset inside the buffer, a count within
// its array), never for what input decides: bad packets and files are answered or reported.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace fz::detail {

[[noreturn, gnu::cold, gnu::noinline]] inline void assert_failed(const char* expr, const char* file, int line,
                                                                 const char* function) {
    std::fprintf(stderr, "%s:%d: %s: assertion failed: %s\n", file, line, function, expr);
    std::abort();
}

}  // namespace fz::detail

#ifdef NDEBUG
// Unevaluated, so no code, but the names in it still count as used (no -Wunused warnings).
#define FZ_ASSERT(cond) static_cast<void>(sizeof(!(cond)))
#else
#define FZ_ASSERT(cond)                                                                              \
    (__builtin_expect(!(cond), 0) ? ::fz::detail::assert_failed(#cond, __FILE__, __LINE__, __func__) \
                                  : static_cast<void>(0))
#endif
