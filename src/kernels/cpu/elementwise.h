// elementwise.h — elementwise tensor ops (binary, unary, ternary) for the CPU.
//
// Each op promotes and broadcasts its operands with PyTorch's rules (tensor/promotion.h) and
// runs its math through the shared iterator. A Scalar operand behaves as PyTorch's wrapped
// number: `int_tensor + 2` stays integral, `int_tensor + 2.5` becomes float32. Functions ending
// in `_` write into their first argument (which may be a view) and return it.
#pragma once

#include <optional>
#include <string>

#include "ember/tensor.h"
#include "tensor/scalar.h"

namespace ember::cpu {

enum class BinaryOp {
  Add, Sub, Mul, Div, DivTrunc, DivFloor, Remainder, Fmod, Pow, Maximum, Minimum, Atan2,
  BitAnd, BitOr, BitXor, LShift, RShift, LogicalAnd, LogicalOr, LogicalXor,
  Eq, Ne, Lt, Le, Gt, Ge,
};

// One entry point per operand form; `alpha` only applies to Add/Sub (other + alpha * b).
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, const Scalar& alpha = Scalar(int64_t{1}));
Tensor binary(BinaryOp op, const Tensor& a, const Scalar& b, const Scalar& alpha = Scalar(int64_t{1}));
Tensor binary(BinaryOp op, const Scalar& a, const Tensor& b, const Scalar& alpha = Scalar(int64_t{1}));
Tensor binary_(BinaryOp op, const Tensor& self, const Tensor& b, const Scalar& alpha = Scalar(int64_t{1}));
Tensor binary_(BinaryOp op, const Tensor& self, const Scalar& b, const Scalar& alpha = Scalar(int64_t{1}));
// div with rounding_mode None, "trunc" or "floor".
BinaryOp div_mode(const std::optional<std::string>& rounding_mode);

// where(cond, a, b): cond is bool; a and b promote together.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Scalar& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, const Scalar& b);
Tensor where(const Tensor& cond, const Scalar& a, const Scalar& b);

// clamp with optional bounds; the result dtype promotes self with the bounds.
Tensor clamp(const Tensor& self, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi);
Tensor clamp(const Tensor& self, const std::optional<Tensor>& lo, const std::optional<Tensor>& hi);
Tensor clamp_(const Tensor& self, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi);
Tensor clamp_(const Tensor& self, const std::optional<Tensor>& lo, const std::optional<Tensor>& hi);
// clamp(self) written into `out` (same shape; its dtype must accept the promoted result).
Tensor clamp_out(const Tensor& out, const Tensor& self, const std::optional<Scalar>& lo,
                 const std::optional<Scalar>& hi);

Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight);
Tensor lerp(const Tensor& self, const Tensor& end, const Scalar& weight);
// self + value * t1 * t2 and self + value * t1 / t2.
Tensor addcmul(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value);
Tensor addcdiv(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value);

enum class UnaryOp {
  Neg, Abs, Sign, Exp, Exp2, Expm1, Log, Log1p, Log2, Log10, Sqrt, Rsqrt, Sin, Cos, Tan, Asin, Acos,
  Atan, Sinh, Cosh, Tanh, Asinh, Acosh, Atanh, Sigmoid, LogSigmoid, Relu, Silu, Mish, Hardswish,
  Hardsigmoid, Erf, Erfc, Floor, Ceil, Round, Trunc, Frac, Reciprocal, LogicalNot, BitwiseNot,
  IsNan, IsInf, IsFinite, IsPosInf, IsNegInf, Square, SignBit,
};
Tensor unary(UnaryOp op, const Tensor& x);
Tensor unary_(UnaryOp op, const Tensor& self);

// Activations and unary ops with parameters.
Tensor round_decimals(const Tensor& x, int64_t decimals);
Tensor relu6(const Tensor& x);
Tensor hardtanh(const Tensor& x, const Scalar& lo, const Scalar& hi);
Tensor hardtanh_(const Tensor& x, const Scalar& lo, const Scalar& hi);
Tensor gelu(const Tensor& x, const std::string& approximate);
Tensor softplus(const Tensor& x, const Scalar& beta, const Scalar& threshold);
Tensor elu(const Tensor& x, const Scalar& alpha, const Scalar& scale, const Scalar& input_scale);
Tensor elu_(const Tensor& x, const Scalar& alpha, const Scalar& scale, const Scalar& input_scale);
Tensor selu(const Tensor& x);
Tensor celu(const Tensor& x, const Scalar& alpha);
Tensor leaky_relu(const Tensor& x, const Scalar& slope);
Tensor leaky_relu_(const Tensor& x, const Scalar& slope);
Tensor threshold(const Tensor& x, const Scalar& threshold, const Scalar& value);
Tensor nan_to_num(const Tensor& x, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf);
// weight has one element or one per channel (dim 1 of x).
Tensor prelu(const Tensor& x, const Tensor& weight);
// Writes value into every element of self (a view writes through to its storage).
Tensor fill_(const Tensor& self, const Scalar& value);
Tensor fill_(const Tensor& self, const Tensor& value);

}  // namespace ember::cpu
