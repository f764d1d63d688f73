// aten_recent.cpp — ops that PyTorch 2.x models call and ember had not declared: aten::glu
// (gated linear units: conformer and wav2vec-style audio blocks), aten::isclose, and
// aten::rms_norm (PyTorch 2.4+, nn.RMSNorm: Llama-style blocks). Each follows the formula in
// PyTorch's documentation and native implementation; schemas are 2.11's
// (../shared/reference/schemas-torch-2.11.txt).
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cpu/shape.h"
#include "ops/aten_util.h"

namespace ember::ops {
namespace {

using cpu::BinaryOp;
using cpu::UnaryOp;

// glu(x, dim) = a * sigmoid(b), with a, b the two halves of x along dim.
Tensor glu(const Tensor& x, int64_t dim) {
  if (x.dim() == 0) fail("glu does not support scalars because halving size must be even");
  const int64_t d = dim < 0 ? dim + x.dim() : dim;
  if (d < 0 || d >= x.dim())
    fail("Dimension out of range (expected to be in range of [", -x.dim(), ", ", x.dim() - 1, "], but got ", dim, ")");
  const int64_t n = x.size(d);
  if (n % 2 != 0) fail("Halving dimension must be even, but dimension ", d, " is size ", n);
  if (!is_floating(x.dtype())) fail("\"glu\" not implemented for '", dtype_name(x.dtype()), "'");
  const Tensor a = cpu::narrow(x, d, 0, n / 2), b = cpu::narrow(x, d, n / 2, n / 2);
  return cpu::binary(BinaryOp::Mul, a, cpu::unary(UnaryOp::Sigmoid, b));
}

// |self - other| <= atol + rtol * |other| where both are finite; equal values (infinities
// included) are close; NaNs are close to each other only with equal_nan.
Tensor isclose(const Tensor& self, const Tensor& other, double rtol, double atol, bool equal_nan) {
  if (self.dtype() != other.dtype())
    fail(dtype_name(self.dtype()), " did not match ", dtype_name(other.dtype()));
  if (is_complex(self.dtype()) && equal_nan) fail("isclose with equal_nan=True is not supported for complex inputs");
  if (rtol < 0) fail("rtol must be greater than or equal to zero, but got ", rtol);
  if (atol < 0) fail("atol must be greater than or equal to zero, but got ", atol);
  Tensor close = cpu::binary(BinaryOp::Eq, self, other);
  if (equal_nan && is_floating(self.dtype()))
    close = cpu::binary(BinaryOp::LogicalOr, close,
                        cpu::binary(BinaryOp::LogicalAnd, cpu::unary(UnaryOp::IsNan, self), cpu::unary(UnaryOp::IsNan, other)));
  if (rtol == 0 && atol == 0) return close;
  // Bools compute in the default float dtype; integers promote with the double tolerances.
  const Tensor a = self.dtype() == DType::Bool ? self.to(DType::Float32) : self;
  const Tensor b = other.dtype() == DType::Bool ? other.to(DType::Float32) : other;
  const Tensor allowed = cpu::binary(BinaryOp::Add, cpu::unary(UnaryOp::Abs, cpu::binary(BinaryOp::Mul, b, Scalar(rtol))), Scalar(atol));
  const Tensor actual = cpu::unary(UnaryOp::Abs, cpu::binary(BinaryOp::Sub, a, b));
  const Tensor within = cpu::binary(BinaryOp::LogicalAnd, cpu::unary(UnaryOp::IsFinite, actual),
                                    cpu::binary(BinaryOp::Le, actual, allowed));
  return cpu::binary(BinaryOp::LogicalOr, close, within);
}

// x * rsqrt(mean(x², normalized dims) + eps) * weight, computed in float32 for 16-bit inputs;
// eps defaults to the input dtype's machine epsilon.
Tensor rms_norm(const Tensor& x, const std::vector<int64_t>& normalized_shape, const std::optional<Tensor>& weight,
                std::optional<double> eps) {
  const auto nd = static_cast<int64_t>(normalized_shape.size());
  if (nd == 0) fail("rms_norm: normalized_shape must have at least one dimension");
  if (x.dim() < nd) fail("rms_norm: input has ", x.dim(), " dimensions, fewer than normalized_shape's ", nd);
  for (int64_t i = 0; i < nd; ++i)
    if (x.size(x.dim() - nd + i) != normalized_shape[static_cast<size_t>(i)])
      fail("Given normalized_shape=", shape_string(Shape(normalized_shape.begin(), normalized_shape.end())),
           ", expected input with shape [*, ", shape_string(Shape(normalized_shape.begin(), normalized_shape.end())),
           "], but got input of size", shape_string(x.sizes()));
  if (weight && weight->sizes() != Shape(normalized_shape.begin(), normalized_shape.end()))
    fail("rms_norm: weight has shape ", shape_string(weight->sizes()), ", expected ",
         shape_string(Shape(normalized_shape.begin(), normalized_shape.end())));
  if (!is_floating(x.dtype())) fail("rms_norm: expected a floating-point input but got ", dtype_name(x.dtype()));
  const bool half = x.dtype() == DType::Float16 || x.dtype() == DType::BFloat16;
  const double e = eps ? *eps
                   : x.dtype() == DType::Float64  ? std::numeric_limits<double>::epsilon()
                   : x.dtype() == DType::Float16  ? 0.0009765625
                   : x.dtype() == DType::BFloat16 ? 0.0078125
                                                  : static_cast<double>(std::numeric_limits<float>::epsilon());
  const Tensor xf = half ? x.to(DType::Float32) : x;
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < nd; ++i) dims.push_back(x.dim() - nd + i);
  const Tensor ms = cpu::mean(cpu::binary(BinaryOp::Mul, xf, xf), std::span<const int64_t>(dims), true, std::nullopt);
  Tensor y = cpu::binary(BinaryOp::Mul, xf, cpu::unary(UnaryOp::Rsqrt, cpu::binary(BinaryOp::Add, ms, Scalar(e))));
  if (half) y = y.to(x.dtype());
  if (weight) y = cpu::binary(BinaryOp::Mul, y, *weight);
  return y;
}

}  // namespace

void register_recent_ops(Registry& r) {
  r.add("aten::glu(Tensor self, int dim=-1) -> Tensor", wrap(glu));
  r.add("aten::isclose(Tensor self, Tensor other, float rtol=1.0000000000000001e-05, float atol=1e-08, bool equal_nan=False) -> Tensor",
        wrap(isclose));
  r.add("aten::rms_norm(Tensor input, SymInt[] normalized_shape, Tensor? weight=None, float? eps=None) -> Tensor",
        wrap(rms_norm));
}

}  // namespace ember::ops
