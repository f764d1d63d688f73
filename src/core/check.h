// check.h — EMBER_ASSERT, the one checked-invariant macro: a broken internal invariant is a bug in
// ember, so it prints where it happened and aborts. Bad input (a corrupt file, a wrong argument,
// misuse of the public API) is never checked with it: that is an ember::Error (fail()).
// Internal: no public header includes this.
#pragma once

#include <string>

#include "ember/error.h"

namespace ember::detail {
[[noreturn]] void assert_fail(const char* cond, const char* file, int line, const std::string& msg);
}  // namespace ember::detail

#define EMBER_ASSERT(cond, ...)                                                                      \
  do {                                                                                               \
    if (!(cond))                                                                                     \
      ::ember::detail::assert_fail(#cond, __FILE__, __LINE__, ::ember::detail::cat("" __VA_OPT__(, ) __VA_ARGS__)); \
  } while (0)
