// promotion.h — PyTorch's type promotion: which dtype an op computes in and returns.
//
// Categories rank bool < integer < floating < complex. Dimensioned tensors decide the dtype;
// 0-dim tensors and Python scalars ("wrapped numbers") only matter when they belong to a higher
// category than every dimensioned operand, and a Python float then means the default float dtype
// (float32), not float64. This mirrors at::native::result_type.
#pragma once

#include <optional>

#include "ember/dtype.h"
#include "ember/tensor.h"
#include "tensor/scalar.h"

namespace ember {

// The default dtype of Python floats and of integer inputs to float-only ops.
inline constexpr DType kDefaultFloat = DType::Float32;

// torch.promote_types: the smallest dtype both a and b convert to without category loss.
DType promote_types(DType a, DType b);
// torch.can_cast: false for complex -> real, floating -> integral, non-bool -> bool.
bool can_cast(DType from, DType to);
// The float dtype ops like exp or true division compute in: integral and bool inputs give float32.
inline DType to_floating(DType t) { return is_integral(t, true) ? kDefaultFloat : t; }
// The real dtype of a complex one (complex64 -> float32); others unchanged.
DType to_real(DType t);

// Accumulates operands one by one, then result() combines the three tiers.
class ResultType {
 public:
  ResultType& add(const Tensor& t);          // 0-dim tensors count as their own tier
  ResultType& add(const Scalar& s);          // Python scalars: the wrapped-number tier
  // A tensor PyTorch marks as a wrapped number (a scalar the frontend turned into a tensor).
  ResultType& add_wrapped(DType t);
  DType result() const;

 private:
  std::optional<DType> dim_, zero_, wrapped_;
};

DType result_type(const Tensor& a, const Tensor& b);
DType result_type(const Tensor& a, const Scalar& b);
DType result_type(const Scalar& a, const Scalar& b);

// Fails with PyTorch's message when an in-place op's result dtype cannot be written to `out`.
void check_can_cast_to_output(DType result, DType out);

}  // namespace ember
