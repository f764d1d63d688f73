// nn_util.h — argument helpers shared by the neural-network kernels (conv, pool, norm,
// upsample, pad): per-dimension parameter lists and the floating dtypes the math runs in.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "ember/error.h"
#include "ember/tensor.h"
#include "core/check.h"

namespace ember::cpu {

// A per-spatial-dimension parameter (stride, padding, ...): one value applies to every
// dimension, n values are taken as they are.
inline Shape expand_param(std::span<const int64_t> v, size_t n, std::string_view op,
                          std::string_view name) {
  if (v.size() == 1) return Shape(n, v[0]);
  if (v.size() != n) fail(op, ": ", name, " must have 1 or ", n, " elements, got ", v.size());
  return Shape(v.begin(), v.end());
}

// A 4-D tensor with NCHW sizes laid out NHWC (channels-last: what oneDNN's fast kernels read
// and write, and what fused convolutions hand each other). A size-1 batch may have any batch
// stride; a contiguous tensor is not channels-last (ambiguous ones, C or H·W of 1, count as
// NCHW).
inline bool is_channels_last_2d(const Tensor& t) {
  if (t.dim() != 4 || t.is_contiguous()) return false;
  const auto z = t.sizes();
  const auto st = t.strides();
  return st[1] == 1 && st[3] == z[1] && st[2] == z[3] * z[1] && (z[0] == 1 || st[0] == z[1] * z[2] * z[3]);
}

// Calls f(T{}) with T = float or double for the dtype; half and bfloat16 inputs are computed in
// float by the callers (converted before and after), as PyTorch's CPU kernels accumulate them.
template <class F>
decltype(auto) visit_floating(DType dtype, std::string_view op, F&& f) {
  switch (dtype) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    default: break;
  }
  fail(op, ": not implemented for ", dtype_name(dtype), " (floating point tensors only)");
}

// True for dtypes computed by converting to float32 and back.
inline bool is_reduced_float(DType d) { return d == DType::Float16 || d == DType::BFloat16; }

// Product of sizes[from, to).
inline int64_t prod(std::span<const int64_t> sizes, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= sizes[i];
  return p;
}

}  // namespace ember::cpu

namespace ember::cpu {

// The same elements under new sizes; `t` must be contiguous (callers call .contiguous() first).
inline Tensor reshape_contiguous(const Tensor& t, Shape sizes) {
  EMBER_ASSERT(t.is_contiguous(), "reshape_contiguous of a strided tensor");
  EMBER_ASSERT(checked_numel(sizes) == t.numel(), "reshape_contiguous changes the element count");
  Shape strides = contiguous_strides(sizes);
  return t.as_strided(std::move(sizes), std::move(strides), t.offset());
}

// Sizes with a 1 inserted at `dim` / removed at `dim`.
inline Shape with_dim_inserted(const Shape& s, size_t dim) {
  Shape out = s;
  out.insert(out.begin() + static_cast<std::ptrdiff_t>(dim), 1);
  return out;
}
inline Shape with_dim_removed(const Shape& s, size_t dim) {
  Shape out = s;
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(dim));
  return out;
}

}  // namespace ember::cpu
