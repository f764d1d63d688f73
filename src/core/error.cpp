// error.cpp — the one place a broken invariant aborts.
#include "ember/error.h"
#include "core/check.h"

#include <cstdio>
#include <cstdlib>

namespace ember::detail {

std::string printable(std::string message) {
  auto control = [&](size_t i) {
    const auto c = static_cast<unsigned char>(message[i]);
    if (c == 0x7f || (c < 0x20 && c != '\n' && c != '\t')) return size_t{1};
    // C1 controls (U+0080..U+009F, CSI among them) as UTF-8: C2 80..C2 9F.
    if (c == 0xc2 && i + 1 < message.size() && (static_cast<unsigned char>(message[i + 1]) & 0xe0) == 0x80)
      return size_t{2};
    return size_t{0};
  };
  size_t i = 0;
  while (i < message.size() && !control(i)) ++i;
  if (i == message.size()) return message;
  std::string out = message.substr(0, i);
  static const char hex[] = "0123456789abcdef";
  while (i < message.size()) {
    const size_t n = control(i);
    if (n == 0) {
      out += message[i++];
      continue;
    }
    for (size_t k = 0; k < n; ++k, ++i) {
      const auto c = static_cast<unsigned char>(message[i]);
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

void assert_fail(const char* cond, const char* file, int line, const std::string& msg) {
  std::fprintf(stderr, "ember internal error: %s:%d: assertion '%s' failed%s%s\n", file, line, cond,
               msg.empty() ? "" : ": ", msg.c_str());
  std::abort();
}

}  // namespace ember::detail
