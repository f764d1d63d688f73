// elementwise_meta.cpp — promotion, checks and output allocation shared by every backend's unary
// and binary kernels (elementwise_meta.h).
#include "tensor/elementwise_meta.h"

#include <array>
#include <utility>

#include "tensor/dispatch.h"
#include "tensor/elementwise.h"
#include "tensor/promotion.h"

namespace ember {

unsigned dtype_category(DType t) {
  if (t == DType::Bool) return kB;
  if (is_integral(t, false)) return kI;
  if (is_floating(t)) return kF;
  if (is_complex(t)) return kC;
  return 0;
}

namespace {
const DeviceElementwise* g_runners[8] = {};

const DeviceElementwise* runner_for(const ElementwiseCall& call) {
  const auto type = static_cast<size_t>(call.iter.output().device().type);
  return type < 8 ? g_runners[type] : nullptr;
}

[[noreturn]] void no_runner(const char* name, const ElementwiseCall& call) {
  const Device d = call.iter.output().device();
  fail(name, " on ", dtype_name(call.in_dtype), " tensors is not supported on ", d.str(), " (no ",
       device_type_name(d.type), " kernel for that dtype)");
}
}  // namespace

void register_device_elementwise(DeviceType type, const DeviceElementwise* runner) {
  const auto t = static_cast<size_t>(type);
  if (t < 8) g_runners[t] = runner;
}

Tensor run_on_device(BinaryOp op, const ElementwiseCall& call, const Scalar& alpha) {
  const DeviceElementwise* r = runner_for(call);
  if (!r || !r->binary(op, call, alpha)) no_runner(info(op).name, call);
  return call.finish();
}

Tensor run_on_device(UnaryOp op, const ElementwiseCall& call) {
  const DeviceElementwise* r = runner_for(call);
  if (!r || !r->unary(op, call)) no_runner(info(op).name, call);
  return call.finish();
}

Tensor ElementwiseCall::finish() const {
  if (!out.defined()) return iter.output();
  copy_into(out, iter.output());
  return out;
}

namespace {

// Converts the inputs to the loop's dtype and builds the iterator, as map_into does: an `out` of
// another dtype gets a temporary of the result dtype, copied in by finish().
template <size_t N>
ElementwiseCall build_call(DType in_dtype, DType out_dtype, const Tensor& out, std::array<Tensor, N> inputs) {
  ElementwiseCall call;
  call.in_dtype = in_dtype;
  call.out_dtype = out_dtype;
  bool unconverted = !out.defined() || out.dtype() == out_dtype;
  for (Tensor& t : inputs)
    if (t.dtype() != in_dtype) {
      t = t.to(in_dtype);
      unconverted = false;
    }
  call.unconverted = unconverted;
  const bool direct = !out.defined() || out.dtype() == out_dtype;
  call.iter.add_output(direct ? out : Tensor(), out_dtype);
  for (const Tensor& t : inputs) call.iter.add_input(t);
  if (!direct) {
    call.iter.declare_shape(out.sizes());
    call.out = out;
  }
  call.iter.build();
  return call;
}

void check_sub_operands(DType a, DType b) {
  if (a == DType::Bool && b == DType::Bool)
    fail("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
         "`logical_xor()` operator instead.");
  if (a == DType::Bool || b == DType::Bool)
    fail("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
         "invert a mask, use the `~` or `logical_not()` operator instead.");
}

void check_pow_scalar_exponent(DType common, const Scalar& e) {
  if (is_integral(common, false) && e.is_integral(false) && e.to_int() < 0)
    fail("Integers to negative integer powers are not allowed.");
}

// The dtype the math runs in, given the promoted operand dtype.
DType compute_dtype(const BinaryOpInfo& op, DType common) {
  return op.kind == ResultKind::Float ? to_floating(common) : common;
}

// The checks and dtypes of a binary op whose operands are already tensors of the promoted dtype
// (scalars) or of their own; then the call.
ElementwiseCall binary_call(BinaryOp id, const Tensor& out, const Tensor& a, const Tensor& b, DType common,
                            const Scalar& alpha) {
  const BinaryOpInfo& op = info(id);
  if ((op.checks & kCheckAlpha) && is_integral(common, true) && (alpha.is_double() || alpha.is_complex()))
    fail("For integral input tensors, argument alpha must not be a floating point number.");
  const DType compute = compute_dtype(op, common);
  const bool boolean = op.kind == ResultKind::Bool || op.kind == ResultKind::Logical;
  const DType result = boolean ? DType::Bool : compute;
  if (out.defined()) check_can_cast_to_output(result, out.dtype());
  if (!(op.dtypes & dtype_category(compute))) fail_dtype(op.name, compute);
  const DType in = op.kind == ResultKind::Logical ? DType::Bool : compute;
  return build_call<2>(in, result, out, {a, b});
}

}  // namespace

ElementwiseCall binary_meta(BinaryOp id, const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha) {
  const BinaryOpInfo& op = info(id);
  // An in-place op's `out` is its `a`: the checks read the operands only.
  if (op.checks & kCheckNoBool) check_sub_operands(a.dtype(), b.dtype());
  return binary_call(id, out, a, b, result_type(a, b), alpha);
}

// A Python scalar joins the math in the compute dtype (so uint8 / -3 divides by -3.0).
ElementwiseCall binary_meta(BinaryOp id, const Tensor& out, const Tensor& a, const Scalar& b, const Scalar& alpha) {
  const BinaryOpInfo& op = info(id);
  if ((op.checks & kCheckNoBool) && a.dtype() == DType::Bool) check_sub_operands(a.dtype(), DType::Bool);
  const DType common = result_type(a, b);
  if (op.checks & kCheckIntPow) check_pow_scalar_exponent(common, b);
  return binary_call(id, out, a, scalar_to_tensor(b, compute_dtype(op, common)), common, alpha);
}

ElementwiseCall binary_meta(BinaryOp id, const Tensor& out, const Scalar& a, const Tensor& b, const Scalar& alpha) {
  const BinaryOpInfo& op = info(id);
  if ((op.checks & kCheckNoBool) && b.dtype() == DType::Bool) check_sub_operands(DType::Bool, DType::Bool);
  const DType common = ResultType().add(a).add(b).result();
  return binary_call(id, out, scalar_to_tensor(a, compute_dtype(op, common)), b, common, alpha);
}

ElementwiseCall unary_meta(UnaryOp id, const Tensor& out, const Tensor& x) {
  const UnaryOpInfo& op = info(id);
  const DType in = x.dtype();
  const unsigned category = dtype_category(in);
  if (!(op.dtypes & category)) {
    if (category == kC) fail_dtype("unary op on complex input", in);
    if (op.kind == ResultKind::Float) fail_dtype("unary float op", in);
    if (id == UnaryOp::Neg && in == DType::Bool)
      fail("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
           "mask, use the `~` or `logical_not()` operator instead.");
    fail_dtype(op.error_name, in);
  }
  if (op.kind == ResultKind::Magnitude && category == kC && out.defined())
    fail("In-place abs is not supported for complex tensors.");
  DType loop_in = in, result = in;
  switch (op.kind) {
    case ResultKind::Same: break;
    case ResultKind::Magnitude: result = category == kC ? to_real(in) : in; break;
    case ResultKind::Float: loop_in = result = to_floating(in); break;
    case ResultKind::Bool: result = DType::Bool; break;
    case ResultKind::Logical: loop_in = result = DType::Bool; break;
  }
  if (out.defined()) check_can_cast_to_output(result, out.dtype());
  return build_call<1>(loop_in, result, out, {x});
}

}  // namespace ember
