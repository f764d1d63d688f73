// elementwise.h — the elementwise op table (tensor/elementwise_ops.h) on NVIDIA GPUs.
//
// Each row's scalar column is compiled for the GPU as it is written: its text becomes a CUDA C++
// lambda over the prelude's `ew::` helpers (kernels/cuda/prelude.h), one NVRTC program per
// (op, operand dtype, result dtype, which operands are host scalars), so adding a row to the table
// adds it here too. The kernels run over the geometry the shared meta step built (iterator.h):
// any strides, broadcasting, 0-dim CPU operands passed by value.
#pragma once

#include <string>

#include "ember/tensor.h"
#include "tensor/elementwise_meta.h"
#include "tensor/scalar.h"

namespace ember::cuda {

// True when GPU kernels exist for tensors of `t` (the real dtypes; not complex or quantized).
bool has_cuda_type(DType t);

// Runs a call built by binary_meta/unary_meta whose output is on a CUDA device. Returns false,
// having done nothing, when it cannot (a dtype without GPU kernels, more than 8 merged dims, a
// host operand that is not a single element): the caller then runs the op another way.
bool run_binary(BinaryOp op, const ElementwiseCall& call, const Scalar& alpha);
bool run_unary(UnaryOp op, const ElementwiseCall& call);

// dst[i] = src[i] converted to dst's dtype; both on one CUDA device, src broadcast to dst's sizes
// (zero strides). The strided copy, `.to(dtype)` and `contiguous()` of device tensors.
void copy_elements(const Tensor& dst, const Tensor& src);

// The CUDA C++ source of a table row's kernel (all operands on the device), for checks that
// compile the generated code without a GPU (tests/unit/kernels/cuda_source_test.cpp).
std::string binary_source(BinaryOp op, DType in, DType out);
std::string unary_source(UnaryOp op, DType in, DType out);
// The strided copy's source (copy_elements), from a device tensor or a host scalar.
std::string copy_source(DType dst, DType src, bool host_scalar);

// Every element of dst (any strides) set to v.
void fill(const Tensor& dst, const Scalar& v);

}  // namespace ember::cuda
