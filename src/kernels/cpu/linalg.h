// linalg.h — matrix products: mm, bmm, matmul (every 1-D/2-D/N-D broadcasting case), addmm,
// baddbmm and linear, and `gemm`, the one dense-product entry point every kernel that multiplies
// matrices (these ops, the recurrent layers, attention, einsum) goes through.
//
// float32 runs on oneDNN's sgemm and float64 on a blocked loop, both threaded over the OpenMP pool;
// operands that are transposed or row-strided views are passed through leading dimensions and
// transpose flags rather than copied. Other dtypes (integers, float16, bfloat16) run the reference
// loop, which is also the oracle the tests compare the fast paths against.
#pragma once

#include <cstdint>
#include <optional>

#include "ember/tensor.h"
#include "tensor/scalar.h"

namespace ember::cpu {

Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor dot(const Tensor& a, const Tensor& b);
Tensor mv(const Tensor& a, const Tensor& v);
// beta * self + alpha * (m1 @ m2); beta == 0 ignores self (NaNs in it do not propagate).
Tensor addmm(const Tensor& self, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha);
Tensor baddbmm(const Tensor& self, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha);
// x @ weight.T + bias
Tensor linear(const Tensor& x, const Tensor& weight, const std::optional<Tensor>& bias);

// The same ops with the same checks, every product computed by direct strided indexing with a
// double (or wrapping 64-bit integer) sum per element, single-threaded, without oneDNN, layout
// choices or copies: the ops' reference paths, which the replay harness compares with them.
Tensor mm_reference(const Tensor& a, const Tensor& b);
Tensor bmm_reference(const Tensor& a, const Tensor& b);
Tensor matmul_reference(const Tensor& a, const Tensor& b);
Tensor dot_reference(const Tensor& a, const Tensor& b);
Tensor mv_reference(const Tensor& a, const Tensor& v);
Tensor addmm_reference(const Tensor& self, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha);
Tensor baddbmm_reference(const Tensor& self, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha);
Tensor linear_reference(const Tensor& x, const Tensor& weight, const std::optional<Tensor>& bias);

// Row-major C[m, n] = alpha · op(A) · op(B) + beta · C. op(A) is A ([m, k], row stride lda) or,
// when trans_a, Aᵀ with A stored [k, m] (row stride lda); likewise B ([k, n], or [n, k] when
// trans_b). lda must be at least the stored row length (k, or m when trans_a), the same for ldb
// and ldc >= n. beta == 0 ignores C's previous contents (NaNs there do not propagate).
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
          const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c,
          int64_t ldc);

// The same product as the plain single-threaded loop (each C element sums its k products in
// order). Defined for float and double; the oracle `gemm` is tested against.
template <class T>
void gemm_reference(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha,
                    const T* a, int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

}  // namespace ember::cpu
