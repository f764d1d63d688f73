// elementwise_meta.h — the shared, device-agnostic step of every unary and binary op of
// elementwise_ops.h: promotion, argument and dtype checks, the broadcast shape and the output.
//
// binary_meta/unary_meta do everything an op needs before its math, with PyTorch 1.13's rules and
// messages: the promoted dtype (promotion.h; a Scalar operand is a wrapped number), the row's
// checks (alpha, sub on bool, negative integer powers), the dtype the math runs in and the one it
// returns (the row's ResultKind), whether an `out` (in-place ops: self) can take that result, and
// whether the row accepts the dtype. Then it converts the operands to the loop's input dtype and
// builds the TensorIterator, which broadcasts them and allocates the output
// (allocate_like_operands, iterator.h). A backend's kernel gets the built call and only runs its
// math over `iter`, then returns finish(). The CPU kernels are in kernels/cpu/elementwise_*.cpp.
#pragma once

#include <type_traits>

#include "ember/tensor.h"
#include "tensor/elementwise_ops.h"
#include "tensor/iterator.h"
#include "tensor/scalar.h"
#include "tensor/dispatch.h"
#include "core/check.h"

namespace ember {

struct ElementwiseCall {
  DType in_dtype = DType::Float32;   // every input of `iter` has it: the math's operand dtype
  DType out_dtype = DType::Float32;  // what the math writes into iter.output()
  // True when every operand (and `out`, if given) already had the loop's dtype before the meta
  // step, so no conversion was made (the CPU's vector kernels run only then, as before).
  bool unconverted = false;
  TensorIterator iter;  // built: inputs broadcast, output allocated or the caller's
  Tensor out;           // the caller's out when its dtype differs: finish() copies into it

  // The op's result: iter.output(), or `out` once the result is copied into it.
  Tensor finish() const;
};

// `out` undefined allocates the result; defined, the result is written into it (in-place ops).
ElementwiseCall binary_meta(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha);
ElementwiseCall binary_meta(BinaryOp op, const Tensor& out, const Tensor& a, const Scalar& b, const Scalar& alpha);
ElementwiseCall binary_meta(BinaryOp op, const Tensor& out, const Scalar& a, const Tensor& b, const Scalar& alpha);
ElementwiseCall unary_meta(UnaryOp op, const Tensor& out, const Tensor& x);

// A backend's loops for the table's ops when the output is on its device: the CPU kernels'
// entry points (kernels/cpu/elementwise.h) run the shared meta step, then hand calls whose output
// is on another device to that device's runner. A runner returns false when it cannot run a call
// (a dtype it has no kernel for); registered by the backend when it starts, like DeviceMemory.
struct DeviceElementwise {
  bool (*binary)(BinaryOp op, const ElementwiseCall& call, const Scalar& alpha);
  bool (*unary)(UnaryOp op, const ElementwiseCall& call);
};
void register_device_elementwise(DeviceType type, const DeviceElementwise* runner);
// Runs `call` (output not on the CPU) with its device's runner and returns call.finish(); fails
// with a message naming the op when no runner serves the device or it declines.
Tensor run_on_device(BinaryOp op, const ElementwiseCall& call, const Scalar& alpha);
Tensor run_on_device(UnaryOp op, const ElementwiseCall& call);

// The dtype category bit (kB, kI, kF, kC of elementwise_ops.h) of t; 0 for quantized dtypes.
unsigned dtype_category(DType t);
// The same for a C type, so a kernel instantiates its math only for the categories a row accepts.
template <class T>
inline constexpr unsigned category_of = std::is_same_v<T, bool>                               ? kB
                                        : std::is_integral_v<T>                                ? kI
                                        : std::is_floating_point_v<T> || std::is_same_v<T, Half> ||
                                                  std::is_same_v<T, BFloat16>                  ? kF
                                        : std::is_same_v<T, ComplexFloat> || std::is_same_v<T, ComplexDouble> ? kC
                                                                                               : 0u;
// Calls f(T{}) for the loop dtype t, instantiating f only for the categories in Set (the meta
// step has rejected the others before a kernel runs).
template <unsigned Set, class F>
void visit_loop_dtype(DType t, F&& f) {
  visit_dtype(t, [&](auto tag) {
    if constexpr ((Set & category_of<decltype(tag)>) != 0) f(tag);
    else EMBER_ASSERT(false, "dtype ", dtype_name(t), " reached a kernel its meta step rejects");
  });
}

// The loop's input categories of a row: Float rows compute in floating or complex dtypes only,
// Logical rows in bool.
inline constexpr unsigned loop_categories(ResultKind kind, unsigned dtypes) {
  return kind == ResultKind::Logical ? kB : kind == ResultKind::Float ? (dtypes & (kF | kC)) : dtypes;
}

}  // namespace ember
