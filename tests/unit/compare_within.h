// compare_within.h — one output tensor against PyTorch's with an explicit tolerance: the same
// dtype and shape, integer (and quantized-as-integer) elements exactly, floating ones within
// `atol`. Used where the fixture lists its own tolerance (tests/unit/quant and the quantized rows
// of the conformance report), unlike case_file.h's fixed relative one.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>

#include "ember/tensor.h"

namespace ember::testing {

// Empty when `got` matches; else what differs. `max_error` gets the largest absolute error.
inline std::string compare_within(const Tensor& got, const Tensor& want, double atol, double* max_error) {
  if (got.dtype() != want.dtype())
    return "dtype " + std::string(dtype_name(got.dtype())) + ", PyTorch " + std::string(dtype_name(want.dtype()));
  if (got.sizes() != want.sizes()) return "shape " + shape_string(got.sizes()) + ", PyTorch " + shape_string(want.sizes());
  const bool exact = !is_floating(want.dtype());
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double a = got.at_double(i), b = want.at_double(i);
    const double err = std::abs(a - b);
    if (exact ? a != b : !(err <= atol))
      return "element " + std::to_string(i) + ": ember " + std::to_string(a) + ", PyTorch " + std::to_string(b) +
             " (tolerance " + std::to_string(exact ? 0.0 : atol) + ")";
    *max_error = std::max(*max_error, err);
  }
  return "";
}

}  // namespace ember::testing
