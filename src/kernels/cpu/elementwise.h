// elementwise.h — elementwise tensor ops (binary, unary, ternary) for the CPU.
//
// The unary and binary ops of the table in tensor/elementwise_ops.h (BinaryOp, UnaryOp) run
// through binary/unary: the shared meta step (tensor/elementwise_meta.h) promotes, checks and
// allocates, then the row's math runs over the iterator — its float32 vector kernel on
// unit-stride runs when it has one, else its scalar form; Path::Reference runs the scalar form
// alone (the Backend::CPUReference kernels the ops register for comparison). A Scalar operand
// behaves as PyTorch's wrapped number: `int_tensor + 2` stays integral, `int_tensor + 2.5`
// becomes float32. Functions ending in `_` write into their first argument (which may be a view)
// and return it. The ops with parameters or three operands below are written by hand.
#pragma once

#include <optional>
#include <string>

#include "ember/tensor.h"
#include "tensor/elementwise_ops.h"
#include "tensor/scalar.h"

namespace ember::cpu {

using ember::BinaryOp;
using ember::UnaryOp;

// Fast: vector kernels and other fast paths where they apply; Reference: the scalar form alone.
enum class Path : uint8_t { Fast, Reference };

// One entry point per operand form; `alpha` only applies to Add/Sub (other + alpha * b).
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, const Scalar& alpha = Scalar(int64_t{1}),
              Path path = Path::Fast);
Tensor binary(BinaryOp op, const Tensor& a, const Scalar& b, const Scalar& alpha = Scalar(int64_t{1}),
              Path path = Path::Fast);
Tensor binary(BinaryOp op, const Scalar& a, const Tensor& b, const Scalar& alpha = Scalar(int64_t{1}),
              Path path = Path::Fast);
Tensor binary_(BinaryOp op, const Tensor& self, const Tensor& b, const Scalar& alpha = Scalar(int64_t{1}),
               Path path = Path::Fast);
Tensor binary_(BinaryOp op, const Tensor& self, const Scalar& b, const Scalar& alpha = Scalar(int64_t{1}),
               Path path = Path::Fast);
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

Tensor unary(UnaryOp op, const Tensor& x, Path path = Path::Fast);
Tensor unary_(UnaryOp op, const Tensor& self, Path path = Path::Fast);

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
