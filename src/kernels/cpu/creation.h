// creation.h — tensors made from nothing but sizes and numbers: full/zeros/ones, arange,
// linspace/logspace, eye. Element counts and values follow PyTorch's CPU kernels exactly
// (arange counts ceil((end - start) / step) in double, or in int64 for int64 results; linspace
// fills the first half from start and the second half back from end), so shapes computed from
// these tensors match PyTorch's.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ember/tensor.h"
#include "tensor/scalar.h"

namespace ember::cpu {

// The dtype PyTorch gives a tensor built from this scalar when no dtype is asked for: bool,
// int64, the default float (float32) or complex64.
DType scalar_default_dtype(const Scalar& s);

Tensor full(std::span<const int64_t> size, const Scalar& value, DType dtype);
// dtype nullopt: int64 when start, end and step are all integral (bool included), else float32.
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<DType> dtype);
Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, DType dtype);
Tensor logspace(const Scalar& start, const Scalar& end, int64_t steps, double base, DType dtype);
Tensor eye(int64_t n, int64_t m, DType dtype);

// Built from other tensors: meshgrid (indexing "ij" or "xy") returns broadcast views.
std::vector<Tensor> meshgrid(std::span<const Tensor> tensors, const std::string& indexing);
// The int64 index vector [0]*r0 + [1]*r1 + ... for a 1-D repeats tensor.
Tensor repeat_interleave_index(const Tensor& repeats);
// dim nullopt flattens x first; repeats is a 0-dim or 1-D integer tensor (one per slice or one
// for all).
Tensor repeat_interleave(const Tensor& x, const Tensor& repeats, std::optional<int64_t> dim);

}  // namespace ember::cpu
