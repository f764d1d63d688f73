// conv_prepare.cpp — the prepare step of every convolution op: each call site gets its own
// cpu::ConvSite, which packs a constant weight at load (so the first call does not) and keeps
// the primitives built per input size beside the instruction, instead of a process-wide cache.
//
// A site is made for every call site, constant weight or not; it packs only when the weight and
// the geometry arguments are known at load (frozen models: the load-time passes turn weights into
// constants). The prepared kernel makes the site active for the op's own kernel, whatever that
// kernel is by then (the quantized family wraps some of these ops after they are declared).
#include <optional>
#include <string_view>
#include <vector>

#include "kernels/cpu/conv.h"
#include "ops/registry.h"

namespace ember::ops {
namespace {

struct ConvState final : CallState {
  cpu::ConvSite site;
};

// Where each argument sits in an op's schema; -1 when the op has none.
struct ConvArgs {
  int stride, padding, dilation, groups, transposed = -1, output_padding = -1;
  bool padding_mode = false;   // padding is a string ("same"/"valid")
  bool fixed_transposed = false;  // conv_transpose{1,2,3}d
  int fused_flags = -1;        // ember::conv_fused: the first of activation, lo, hi, residual, scale, shift, channels_last
};

// A list of ints known at load: a constant list, or one int standing for every dimension.
std::optional<std::vector<int64_t>> int_list(const Value* v) {
  if (!v) return std::nullopt;
  if (v->is_int()) return std::vector<int64_t>{v->to_int()};
  if (!v->is_list()) return std::nullopt;
  std::vector<int64_t> out;
  for (const Value& x : v->to_list()->items) {
    if (!x.is_int()) return std::nullopt;
    out.push_back(x.to_int());
  }
  return out;
}

// Packs the weight when every argument the packing depends on is a constant.
void prepare_site(cpu::ConvSite& site, std::span<const Value* const> args, const ConvArgs& a) {
  const auto c = [&](int i) -> const Value* { return i >= 0 && static_cast<size_t>(i) < args.size() ? args[static_cast<size_t>(i)] : nullptr; };
  if (!c(1) || !c(1)->is_tensor() || !c(2)) return;
  const Tensor& w = c(1)->to_tensor();
  if (!w.defined() || w.dim() < 3) return;
  const size_t spatial = static_cast<size_t>(w.dim()) - 2;
  const bool has_bias = c(2)->is_tensor();
  auto stride = int_list(c(a.stride));
  auto dilation = int_list(c(a.dilation));
  const Value* groups = c(a.groups);
  if (!stride || !dilation || !groups || !groups->is_int()) return;
  cpu::ConvParams p;
  if (a.padding_mode) {
    const Value* mode = c(a.padding);
    if (!mode || !mode->is_string()) return;
    p = cpu::conv_mode_params(w, *stride, mode->to_string(), *dilation, groups->to_int());
  } else {
    auto padding = int_list(c(a.padding));
    if (!padding) return;
    bool transposed = a.fixed_transposed;
    if (a.transposed >= 0) {
      const Value* t = c(a.transposed);
      if (!t || !t->is_bool()) return;
      transposed = t->to_bool();
    }
    std::vector<int64_t> output_padding;
    if (a.output_padding >= 0) {
      auto op = int_list(c(a.output_padding));
      if (!op) return;
      output_padding = *op;
    }
    p = cpu::make_conv_params(spatial, *stride, *padding, *dilation, transposed, output_padding, groups->to_int());
  }
  bool blocked = false;
  if (a.fused_flags >= 0) {
    // ember::conv_fused's channels_last (last argument): the result is written in the blocked
    // kernels' layout, so even a 1x1 weight is read packed.
    const Value* cl = c(a.fused_flags + 6);
    blocked = cl && cl->is_bool() && cl->to_bool();
  }
  site.prepare(w, has_bias, p, blocked);
}

void give_prepare(Registry& r, std::string_view name, std::string_view overload, const ConvArgs& a) {
  const Operator* op = r.find(name, overload);
  if (!op) fail("conv prepare: no op ", name, overload.empty() ? "" : ".", overload);
  std::vector<size_t> reads{1, 2};
  for (int i : {a.stride, a.padding, a.dilation, a.groups, a.transposed, a.output_padding,
                a.fused_flags < 0 ? -1 : a.fused_flags + 6})
    if (i >= 0) reads.push_back(static_cast<size_t>(i));
  r.set_prepare(
      name, overload,
      [a](std::span<const Value* const> constants) -> std::shared_ptr<CallState> {
        auto state = std::make_shared<ConvState>();
        prepare_site(state->site, constants, a);
        return state;
      },
      [op](Stack& s, CallState& state) {
        cpu::ConvSite::Active use(static_cast<ConvState&>(state).site);
        op->kernel(s);
      },
      std::move(reads));
}

}  // namespace

void prepare_conv_ops(Registry& r) {
  // (input, weight, bias, stride, padding, dilation, groups)
  const ConvArgs plain{3, 4, 5, 6};
  for (const char* name : {"aten::conv1d", "aten::conv2d", "aten::conv3d"}) {
    give_prepare(r, name, "", plain);
    ConvArgs mode = plain;
    mode.padding_mode = true;
    give_prepare(r, name, "padding", mode);
  }
  // (input, weight, bias, stride, padding, output_padding, groups, dilation)
  ConvArgs transposed{3, 4, 7, 6};
  transposed.output_padding = 5;
  transposed.fixed_transposed = true;
  give_prepare(r, "aten::conv_transpose1d", "", transposed);
  give_prepare(r, "aten::conv_transpose2d", "input", transposed);
  give_prepare(r, "aten::conv_transpose3d", "input", transposed);
  // (input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, ...)
  ConvArgs general{3, 4, 5, 8};
  general.transposed = 6;
  general.output_padding = 7;
  give_prepare(r, "aten::convolution", "", general);
  give_prepare(r, "aten::_convolution", "", general);
  give_prepare(r, "aten::_convolution", "deprecated", general);
  ConvArgs mode{3, 4, 5, 6};
  mode.padding_mode = true;
  give_prepare(r, "aten::_convolution_mode", "", mode);
  // (input, weight, bias, stride, padding, dilation, groups, activation, lo, hi, residual, scale,
  //  shift, channels_last)
  ConvArgs fused{3, 4, 5, 6};
  fused.fused_flags = 7;
  give_prepare(r, "ember::conv_fused", "", fused);
}

}  // namespace ember::ops
