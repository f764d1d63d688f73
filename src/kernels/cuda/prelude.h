// prelude.h — the CUDA C++ source every ember kernel program begins with: type traits, 16-bit
// float conversions, the math overloads and the one-element helpers of the elementwise table
// (namespaces `ewm` and `ew`), and the strided geometry of elementwise launches (`Geo`).
#pragma once

#include <cstdint>

namespace ember::cuda {

const char* prelude();

// The host side of the prelude's `Geo` (same layout): what an elementwise kernel iterates.
struct Geo {
  int64_t n = 0;
  int32_t nd = 0;
  int32_t nt = 0;
  int64_t shape[8] = {};
  int64_t strides[3][8] = {};
  uint64_t data[3] = {};
};
inline constexpr int kMaxGeoDims = 8;

}  // namespace ember::cuda
