// say.h — the CLI's text output. What the commands print quotes the file (module and tensor names,
// producer strings, code, string outputs), which may hold any byte: control bytes are written as
// \xNN (detail::printable, as in error messages) so a hostile archive cannot drive the terminal.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <string>

#include "ember/error.h"

namespace ember::cli {

[[gnu::format(printf, 1, 2)]] inline void say(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  std::string text(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0) std::vsnprintf(text.data(), text.size() + 1, format, again);
  va_end(again);
  std::fputs(detail::printable(std::move(text)).c_str(), stdout);
}

}  // namespace ember::cli
