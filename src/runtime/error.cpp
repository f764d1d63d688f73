// error.cpp — the one place a broken invariant aborts.
#include "ember/error.h"

#include <cstdio>
#include <cstdlib>

namespace ember::detail {

void assert_fail(const char* cond, const char* file, int line, const std::string& msg) {
  std::fprintf(stderr, "ember internal error: %s:%d: assertion '%s' failed%s%s\n", file, line, cond,
               msg.empty() ? "" : ": ", msg.c_str());
  std::abort();
}

}  // namespace ember::detail
