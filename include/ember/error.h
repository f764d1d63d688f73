// ember/error.h — how ember reports problems.
//
// Bad input (a corrupt archive, a wrong argument, an unsupported op) is an ember::Error carrying a
// message written for the user. A broken internal invariant is a bug in ember and aborts (inside
// the library, never for anything a caller passes).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace ember {

namespace detail {
// The message with control bytes (terminal escapes among them) written as \xNN: messages quote
// names and text from files, which may hold any byte. Newlines and tabs stay.
std::string printable(std::string message);
}  // namespace detail

class Error : public std::runtime_error {
 public:
  explicit Error(std::string message) : std::runtime_error(detail::printable(std::move(message))) {}
};

namespace detail {
template <class... Args>
std::string cat(Args&&... args) {
  std::ostringstream out;
  (out << ... << std::forward<Args>(args));
  return out.str();
}
}  // namespace detail

// Throws ember::Error with the pieces streamed together: fail("expected ", n, " bytes").
template <class... Args>
[[noreturn]] void fail(Args&&... args) {
  throw Error(detail::cat(std::forward<Args>(args)...));
}

}  // namespace ember
