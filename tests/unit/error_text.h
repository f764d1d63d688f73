// error_text.h — what an ember::Error says, for tests that check messages.
#pragma once

#include <functional>
#include <string>

#include "ember/error.h"

namespace ember::testing {

// The message `f` fails with, or "<no error>" when it does not throw ember::Error.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace ember::testing

// Expects `needle` inside the text `haystack`, printing the text when it is not.
#define EXPECT_HAS(haystack, needle) EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)
