// prepacked_ops.cpp — what torch.utils.mobile_optimizer.optimize_for_mobile leaves in a model:
// the XNNPACK op contexts (torch.classes.xnnpack.{Linear,Conv2d,TransposeConv2d}OpContext, kept
// as CONSTANTS.cN objects) and the prepacked::*_clamp_run ops that read them, plus
// aten::_add_relu, the fused add + relu the same pass writes.
//
// A context is restored from its __getstate__ tuple, whose layout changed across PyTorch
// versions (aten/src/ATen/native/xnnpack/OpContext.h):
//   Linear:  (weight, bias)                                          PyTorch 1.4
//            (weight, bias, output_min, output_max)                  1.5 and later
//   Conv2d:  (weight, bias, padding, stride, dilation, groups)       1.4
//            (weight, bias, stride, padding, dilation, groups, min, max)   1.13 and later
//   TransposeConv2d: (weight, bias, stride, padding, output_padding, dilation, groups, min, max)
// The weights are the module's own (nn.Linear [out, in]; nn.Conv2d [C_out, C_in/g, kH, kW];
// nn.ConvTranspose2d [C_in, C_out/g, kH, kW]); running one is the plain op then the clamp.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kernels/cpu/conv.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/linalg.h"
#include "ops/aten_util.h"
#include "ops/custom_class.h"
#include "core/check.h"

namespace ember::ops {
namespace {

constexpr const char* kLinearContext = "__torch__.torch.classes.xnnpack.LinearOpContext";
constexpr const char* kConvContext = "__torch__.torch.classes.xnnpack.Conv2dOpContext";
constexpr const char* kTransposeContext = "__torch__.torch.classes.xnnpack.TransposeConv2dOpContext";

struct PrepackedOp {
  Tensor weight;
  std::optional<Tensor> bias;
  cpu::ConvParams conv;  // unused for linear
  std::optional<double> output_min, output_max;
};

const std::vector<Value>& state_items(const Value& state, std::initializer_list<size_t> sizes) {
  if (!state.is_tuple()) fail("its saved state is a ", state.tag_name(), ", not a tuple");
  const auto& items = state.to_tuple()->items;
  for (size_t n : sizes)
    if (items.size() == n) return items;
  std::string expected;
  for (size_t n : sizes) expected += (expected.empty() ? "" : " or ") + std::to_string(n);
  fail("its saved state has ", items.size(), " items; PyTorch writes ", expected);
}

Tensor float_tensor(const Value& v, const char* what, int64_t dim) {
  if (!v.is_tensor()) fail("its ", what, " is a ", v.tag_name(), ", not a tensor");
  const Tensor& t = v.to_tensor();
  if (t.dtype() != DType::Float32) fail("its ", what, " is ", dtype_name(t.dtype()), ", not float32");
  if (dim >= 0 && t.dim() != dim) fail("its ", what, " has ", t.dim(), " dimensions, not ", dim);
  return t;
}

std::optional<Tensor> optional_bias(const Value& v, int64_t channels) {
  if (v.is_none()) return std::nullopt;
  Tensor b = float_tensor(v, "bias", 1);
  if (b.size(0) != channels) fail("its bias has ", b.size(0), " elements for ", channels, " output channels");
  return b;
}

std::optional<double> optional_bound(const Value& v, const char* what) {
  if (v.is_none()) return std::nullopt;
  if (!v.is_double() && !v.is_int()) fail("its ", what, " is a ", v.tag_name(), ", not a number");
  return v.to_number();
}

std::vector<int64_t> int_pair(const Value& v, const char* what) {
  if (!v.is_list() && !v.is_tuple()) fail("its ", what, " is a ", v.tag_name(), ", not a list of ints");
  const auto& items = v.is_list() ? v.to_list()->items : v.to_tuple()->items;
  std::vector<int64_t> out;
  for (const Value& x : items) {
    if (!x.is_int()) fail("its ", what, " holds a ", x.tag_name(), ", not an int");
    out.push_back(x.to_int());
  }
  if (out.size() != 1 && out.size() != 2) fail("its ", what, " has ", out.size(), " entries, not 2");
  return out;
}

int64_t int_item(const Value& v, const char* what) {
  if (!v.is_int()) fail("its ", what, " is a ", v.tag_name(), ", not an int");
  return v.to_int();
}

Value wrap_op(const char* kind, PrepackedOp op) {
  auto c = std::make_shared<Capsule>();
  c->type_name = kind;
  c->payload = std::make_shared<PrepackedOp>(std::move(op));
  return Value(std::move(c));
}

const PrepackedOp& unwrap_op(const Value& context, const char* qualname) {
  const Value& v = custom_class_state(context, qualname);
  EMBER_ASSERT(v.is_capsule() && v.to_capsule()->type_name == qualname, "prepacked context holds the wrong state");
  return *static_cast<const PrepackedOp*>(v.to_capsule()->payload.get());
}

Value restore_linear(const Value& state) {
  const auto& s = state_items(state, {2, 4});
  PrepackedOp op;
  op.weight = float_tensor(s[0], "weight", 2);
  op.bias = optional_bias(s[1], op.weight.size(0));
  if (s.size() == 4) {
    op.output_min = optional_bound(s[2], "output_min");
    op.output_max = optional_bound(s[3], "output_max");
  }
  return wrap_op(kLinearContext, std::move(op));
}

Value restore_conv(const Value& state) {
  const auto& s = state_items(state, {6, 8});
  PrepackedOp op;
  op.weight = float_tensor(s[0], "weight", 4);
  op.bias = optional_bias(s[1], op.weight.size(0));
  // PyTorch 1.4 wrote padding before stride; later versions write them in conv2d's order.
  const bool padding_first = s.size() == 6;
  const auto stride = int_pair(s[padding_first ? 3 : 2], "stride");
  const auto padding = int_pair(s[padding_first ? 2 : 3], "padding");
  const auto dilation = int_pair(s[4], "dilation");
  const int64_t groups = int_item(s[5], "groups");
  op.conv = cpu::make_conv_params(2, stride, padding, dilation, false, {}, groups);
  if (s.size() == 8) {
    op.output_min = optional_bound(s[6], "output_min");
    op.output_max = optional_bound(s[7], "output_max");
  }
  return wrap_op(kConvContext, std::move(op));
}

Value restore_transpose_conv(const Value& state) {
  const auto& s = state_items(state, {9});
  PrepackedOp op;
  op.weight = float_tensor(s[0], "weight", 4);
  const auto stride = int_pair(s[2], "stride");
  const auto padding = int_pair(s[3], "padding");
  const auto output_padding = int_pair(s[4], "output_padding");
  const auto dilation = int_pair(s[5], "dilation");
  const int64_t groups = int_item(s[6], "groups");
  if (groups < 1) fail("its groups is ", groups);
  op.bias = optional_bias(s[1], op.weight.size(1) * groups);
  op.conv = cpu::make_conv_params(2, stride, padding, dilation, true, output_padding, groups);
  op.output_min = optional_bound(s[7], "output_min");
  op.output_max = optional_bound(s[8], "output_max");
  return wrap_op(kTransposeContext, std::move(op));
}

Tensor clamp_output(Tensor y, const PrepackedOp& op) {
  if (!op.output_min && !op.output_max) return y;
  std::optional<Scalar> lo, hi;
  if (op.output_min) lo = Scalar(*op.output_min);
  if (op.output_max) hi = Scalar(*op.output_max);
  return cpu::clamp_(y, lo, hi);
}

Tensor run_conv(const Tensor& x, const Value& context, const char* qualname, const char* op_name) {
  const PrepackedOp& op = unwrap_op(context, qualname);
  if (x.dim() != 4) fail(op_name, ": expected a 4-D input (N, C, H, W) but got ", x.dim(), " dimensions");
  if (x.dtype() != DType::Float32) fail(op_name, ": expected a float32 input but got ", dtype_name(x.dtype()));
  return clamp_output(cpu::convolution(x, op.weight, op.bias, op.conv), op);
}

}  // namespace

void register_prepacked_ops(Registry& r) {
  register_custom_class(kLinearContext, restore_linear);
  register_custom_class(kConvContext, restore_conv);
  register_custom_class(kTransposeContext, restore_transpose_conv);

  r.add("prepacked::linear_clamp_run(Tensor X, __torch__.torch.classes.xnnpack.LinearOpContext W_prepack) -> Tensor Y",
        wrap([](const Tensor& x, const Value& context) {
          const PrepackedOp& op = unwrap_op(context, kLinearContext);
          if (x.dtype() != DType::Float32)
            fail("prepacked::linear_clamp_run: expected a float32 input but got ", dtype_name(x.dtype()));
          return clamp_output(cpu::linear(x, op.weight, op.bias), op);
        }));
  r.add("prepacked::conv2d_clamp_run(Tensor X, __torch__.torch.classes.xnnpack.Conv2dOpContext W_prepack) -> Tensor Y",
        wrap([](const Tensor& x, const Value& context) {
          return run_conv(x, context, kConvContext, "prepacked::conv2d_clamp_run");
        }));
  r.add("prepacked::conv2d_transpose_clamp_run(Tensor X, __torch__.torch.classes.xnnpack.TransposeConv2dOpContext W_prepack) -> Tensor Y",
        wrap([](const Tensor& x, const Value& context) {
          return run_conv(x, context, kTransposeContext, "prepacked::conv2d_transpose_clamp_run");
        }));

  // add then relu, rounding once to the result dtype between them as PyTorch's kernel does.
  r.add("aten::_add_relu.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
        wrap([](const Tensor& a, const Tensor& b, const Scalar& alpha) {
          return cpu::unary_(cpu::UnaryOp::Relu, cpu::binary(cpu::BinaryOp::Add, a, b, alpha));
        }));
  r.add("aten::_add_relu.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",
        wrap([](const Tensor& a, const Scalar& b, const Scalar& alpha) {
          return cpu::unary_(cpu::UnaryOp::Relu, cpu::binary(cpu::BinaryOp::Add, a, b, alpha));
        }));
  r.add("aten::_add_relu_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)",
        wrap([](const Tensor& a, const Tensor& b, const Scalar& alpha) {
          return assign_inplace(a, cpu::unary_(cpu::UnaryOp::Relu, cpu::binary(cpu::BinaryOp::Add, a, b, alpha)));
        }));
  r.add("aten::_add_relu_.Scalar(Tensor(a!) self, Scalar other, Scalar alpha=1) -> Tensor(a!)",
        wrap([](const Tensor& a, const Scalar& b, const Scalar& alpha) {
          return assign_inplace(a, cpu::unary_(cpu::UnaryOp::Relu, cpu::binary(cpu::BinaryOp::Add, a, b, alpha)));
        }));
}

}  // namespace ember::ops
