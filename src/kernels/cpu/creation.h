// creation.h — tensors made from nothing but sizes and numbers: full/zeros/ones, arange,
// linspace/logspace, eye. Element counts and values follow PyTorch's CPU kernels exactly
// (arange counts ceil((end - start) / step) in double, or in int64 for int64 results; linspace
// fills the first half from start and the second half back from end), so shapes computed from
// these tensors match PyTorch's.
#pragma once

#include <optional>
#include <span>

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

}  // namespace ember::cpu
