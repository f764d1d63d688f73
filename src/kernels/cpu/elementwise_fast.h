// elementwise_fast.h — float32 elementwise ops through vec_math's array kernels.
//
// float32_run (float32_map on a new iterator) runs a one-input op over the shared TensorIterator
// (so broadcasting, views, in-place writes and thread splitting behave as everywhere else) and
// hands every run whose operands are unit-stride to an array kernel, compiled for the CPU's
// vector ISA; other runs go element by element through the scalar form, which must compute the
// same values.
// float32_run2 does the same for two inputs, where an input may also be constant along the run
// (stride 0: a scalar, a per-channel value) and the kernel gets it as one value.
#pragma once

#include <cstdint>

#include "ember/tensor.h"
#include "tensor/iterator.h"

namespace ember::cpu {

// array(const float* x, float* y, n); scalar(float) -> float, over a built iterator with one
// float32 output and one float32 input.
template <class Array, class Scalar1>
void float32_run(const TensorIterator& it, Array array, Scalar1 scalar) {
  it.parallel_for_each([&](char** data, const int64_t* strides, int64_t n) {
    constexpr int64_t f = sizeof(float);
    if (strides[0] == f && strides[1] == f) {
      array(reinterpret_cast<const float*>(data[1]), reinterpret_cast<float*>(data[0]), n);
      return;
    }
    for (int64_t j = 0; j < n; ++j)
      *reinterpret_cast<float*>(data[0] + j * strides[0]) = scalar(*reinterpret_cast<const float*>(data[1] + j * strides[1]));
  });
}

// The same over a new iterator; `out` undefined allocates.
template <class Array, class Scalar1>
Tensor float32_map(const Tensor& out, const Tensor& x, Array array, Scalar1 scalar) {
  TensorIterator it;
  it.add_output(out, DType::Float32).add_input(x).build();
  float32_run(it, array, scalar);
  return it.output();
}

// array(const float* a, int64_t a_step, const float* b, int64_t b_step, float* y, n) with steps 1
// or 0; scalar(float, float) -> float, over a built iterator with one float32 output and two
// float32 inputs.
template <class Array, class Scalar2>
void float32_run2(const TensorIterator& it, Array array, Scalar2 scalar) {
  it.parallel_for_each([&](char** data, const int64_t* strides, int64_t n) {
    constexpr int64_t f = sizeof(float);
    if (strides[0] == f && (strides[1] == f || strides[1] == 0) && (strides[2] == f || strides[2] == 0)) {
      array(reinterpret_cast<const float*>(data[1]), strides[1] / f, reinterpret_cast<const float*>(data[2]),
            strides[2] / f, reinterpret_cast<float*>(data[0]), n);
      return;
    }
    for (int64_t j = 0; j < n; ++j)
      *reinterpret_cast<float*>(data[0] + j * strides[0]) = scalar(
          *reinterpret_cast<const float*>(data[1] + j * strides[1]), *reinterpret_cast<const float*>(data[2] + j * strides[2]));
  });
}

}  // namespace ember::cpu
