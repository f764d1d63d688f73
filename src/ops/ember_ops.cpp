// ember_ops.cpp — ember's own operators: the fused forms load-time passes (src/opt) rewrite
// graphs into. They never appear in an archive's code, so `ember check` never lists them.
//
// ember::conv_fused(x, w, b, geometry..., activation, lo, hi, residual, scale, shift) is
//   act((conv(x, w) + b) * scale[c] + shift[c] + residual)
// with scale/shift an eval batch-norm folded in (both None when there was none). With
// channels_last the result may come back NHWC-strided: the pass sets it only when every reader
// of the result is another ember::conv_fused.
#include <cmath>
#include <optional>
#include <vector>

#include "kernels/cpu/conv.h"
#include "kernels/cpu/shape.h"
#include "ops/kernel_util.h"

namespace ember::ops {
namespace {

using OptTensor = std::optional<Tensor>;
using Ints = std::vector<int64_t>;
using Act = cpu::ConvEpilogue::Act;

// The unfused meaning of the epilogue, through the same ops the graph held before fusion.
Tensor epilogue_unfused(Tensor y, const OptTensor& residual, Act act, double lo, double hi) {
  const Registry& r = Registry::global();
  if (residual) y = r.call("aten::add", {Value(y), Value(*residual)})[0].to_tensor();
  auto call = [&](const char* name, std::vector<Value> extra = {}) {
    std::vector<Value> args{Value(y)};
    for (auto& v : extra) args.push_back(std::move(v));
    return r.call(name, std::move(args))[0].to_tensor();
  };
  switch (act) {
    case Act::None: return y;
    case Act::Relu: return call("aten::relu");
    case Act::Clamp:
      return call("aten::clamp", {std::isinf(lo) ? Value() : Value(lo), std::isinf(hi) ? Value() : Value(hi)});
    case Act::Silu: return call("aten::silu");
    case Act::Sigmoid: return call("aten::sigmoid");
    case Act::HardSwish: return call("aten::hardswish");
    case Act::Tanh: return call("aten::tanh");
    case Act::Gelu: return call("aten::gelu");
  }
  fail("ember::conv_fused: unknown activation ", static_cast<int>(act));
}

Tensor conv_fused(const Tensor& x_, const Tensor& w, const OptTensor& b, const Ints& stride, const Ints& padding,
                  const Ints& dilation, int64_t groups, int64_t act_code, double lo, double hi, const OptTensor& residual_,
                  const OptTensor& scale, const OptTensor& shift, bool channels_last) {
  if (act_code < 0 || act_code > static_cast<int64_t>(Act::Gelu)) fail("ember::conv_fused: unknown activation ", act_code);
  const Act act = static_cast<Act>(act_code);
  const size_t spatial = static_cast<size_t>(w.dim()) - 2;
  // conv1d/2d/3d accept an unbatched input; its residual is unbatched too.
  const bool unbatched = x_.dim() == w.dim() - 1;
  Tensor x = unbatched ? cpu::unsqueeze(x_, 0) : x_;
  OptTensor residual;
  if (residual_) residual = unbatched && residual_->dim() == x_.dim() ? cpu::unsqueeze(*residual_, 0) : *residual_;
  const cpu::ConvParams p = cpu::make_conv_params(spatial, stride, padding, dilation, false, {}, groups);
  Tensor y;
  const bool fusable = x.dtype() == DType::Float32 &&
                       (!residual || (residual->dtype() == DType::Float32 &&
                                      residual->sizes() == cpu::conv_output_sizes(x, w, b, p)));
  cpu::ConvEpilogue e;
  e.channels_last = channels_last;
  e.scale = scale ? &*scale : nullptr;
  e.shift = shift ? &*shift : nullptr;
  if (fusable) {
    e.act = act;
    e.lo = static_cast<float>(lo);
    e.hi = static_cast<float>(hi);
    e.residual = residual ? &*residual : nullptr;
    y = cpu::convolution_fused(x, w, b, p, e);
  } else {
    // A residual that broadcasts or differs in dtype: the add and the activation run as ops.
    y = epilogue_unfused(cpu::convolution_fused(x, w, b, p, e), residual, act, lo, hi);
  }
  return unbatched ? cpu::squeeze(y, 0) : y;
}

// The reference path: cpu::convolution_reference (direct loops), then the folded batch norm and
// the epilogue as the ops the graph held before fusion, one after the other.
Tensor conv_fused_reference(const Tensor& x_, const Tensor& w, const OptTensor& b, const Ints& stride,
                            const Ints& padding, const Ints& dilation, int64_t groups, int64_t act_code, double lo,
                            double hi, const OptTensor& residual_, const OptTensor& scale, const OptTensor& shift,
                            bool /*channels_last*/) {
  if (act_code < 0 || act_code > static_cast<int64_t>(Act::Gelu)) fail("ember::conv_fused: unknown activation ", act_code);
  const size_t spatial = static_cast<size_t>(w.dim()) - 2;
  const bool unbatched = x_.dim() == w.dim() - 1;
  Tensor x = unbatched ? cpu::unsqueeze(x_, 0) : x_;
  OptTensor residual;
  if (residual_) residual = unbatched && residual_->dim() == x_.dim() ? cpu::unsqueeze(*residual_, 0) : *residual_;
  Tensor y = cpu::convolution_reference(x, w, b, cpu::make_conv_params(spatial, stride, padding, dilation, false, {}, groups));
  // scale and shift are per output channel: [C_out] viewed as [C_out, 1, ...] against [N, C_out, ...].
  const auto per_channel = [&](const Tensor& t) {
    Shape s(static_cast<size_t>(y.dim()) - 1, 1);
    s[0] = t.numel();
    return cpu::reshape(t, s);
  };
  const Registry& r = Registry::global();
  if (scale) y = r.call("aten::mul", {Value(y), Value(per_channel(*scale))})[0].to_tensor();
  if (shift) y = r.call("aten::add", {Value(y), Value(per_channel(*shift))})[0].to_tensor();
  y = epilogue_unfused(y, residual, static_cast<Act>(act_code), lo, hi);
  return unbatched ? cpu::squeeze(y, 0) : y;
}

}  // namespace

void register_ember_ops(Registry& r) {
  add_with_reference(r, "ember::conv_fused(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] dilation, "
                     "int groups, int activation, float lo, float hi, Tensor? residual, Tensor? scale, Tensor? shift, bool channels_last) -> Tensor",
                     &conv_fused, &conv_fused_reference, [](auto f) { return wrap(f); });
}

}  // namespace ember::ops
