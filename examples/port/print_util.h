// print_util.h — the one output format both versions of each program print, so a script can
// compare them with each other and with PyTorch: `name: [d0, d1] v0 v1 ...` (values %.6g).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

inline void print_values(const std::string& name, const std::vector<int64_t>& shape, const std::vector<double>& v) {
  std::printf("%s: [", name.c_str());
  for (size_t i = 0; i < shape.size(); ++i) std::printf("%s%lld", i ? ", " : "", static_cast<long long>(shape[i]));
  std::printf("]");
  for (double x : v) std::printf(" %.6g", x);
  std::printf("\n");
}
