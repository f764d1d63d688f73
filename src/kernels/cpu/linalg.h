// linalg.h — matrix products: mm, bmm, matmul (every 1-D/2-D/N-D broadcasting case), addmm,
// baddbmm and linear. Simple reference kernels (row-major, cache-friendly loop order); a
// oneDNN path can be checked against them later.
#pragma once

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

}  // namespace ember::cpu
