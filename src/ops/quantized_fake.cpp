// quantized_fake.cpp — the ops of quantization-aware training models saved before convert:
// fake quantization per tensor and per channel (FakeQuantize modules) and the fused
// moving-average observer (FusedMovingAvgObsFakeQuantize, the default QAT qconfigs since 1.10),
// whose observer_on / fake_quant_on flags are read on every call as PyTorch reads them.
#include <algorithm>

#include "kernels/cpu/fake_quantize.h"
#include "ops/kernel_util.h"
#include "tensor/quantized.h"

namespace ember::ops {

namespace {

using TensorPair = std::tuple<Tensor, Tensor>;

TensorPair pair(std::pair<Tensor, Tensor> p) { return {std::move(p.first), std::move(p.second)}; }

float scale_of(const Tensor& scale, const char* op) {
  if (scale.numel() != 1) fail(op, ": expected a one-element scale tensor, got ", scale.numel(), " elements");
  return static_cast<float>(scale.item_double());
}
int64_t zero_point_of(const Tensor& zero_point, const char* op) {
  if (zero_point.numel() != 1) fail(op, ": expected a one-element zero_point tensor, got ", zero_point.numel(), " elements");
  if (is_floating(zero_point.dtype())) fail(op, ": zero_point must be an integer tensor, got ", dtype_name(zero_point.dtype()));
  return zero_point.item_int();
}
bool flag(const Tensor& t, const char* what) {
  if (t.numel() < 1) fail("fused_moving_avg_obs_fake_quant: ", what, " is empty");
  return t.at_double(0) != 0;
}

TensorPair fused(const Tensor& x, const Tensor& observer_on, const Tensor& fake_quant_on, const Tensor& running_min,
                 const Tensor& running_max, const Tensor& scale, const Tensor& zero_point, double averaging_const,
                 int64_t quant_min, int64_t quant_max, int64_t ch_axis, bool per_row, bool symmetric) {
  cpu::FusedObserverState state{running_min, running_max, scale, zero_point};
  return pair(cpu::fused_moving_avg_obs_fake_quant(x, flag(observer_on, "observer_on"), flag(fake_quant_on, "fake_quant_on"),
                                                   state, averaging_const, quant_min, quant_max, ch_axis, per_row,
                                                   symmetric));
}

}  // namespace

void register_fake_quantize_ops(Registry& r) {
  r.add("aten::fake_quantize_per_tensor_affine(Tensor self, float scale, int zero_point, int quant_min, int quant_max) -> Tensor",
        wrap([](const Tensor& x, double s, int64_t zp, int64_t qmin, int64_t qmax) {
          return cpu::fake_quantize_per_tensor(x, static_cast<float>(s), zp, qmin, qmax, false).first;
        }));
  r.add("aten::fake_quantize_per_tensor_affine.tensor_qparams(Tensor self, Tensor scale, Tensor zero_point, int quant_min, int quant_max) -> Tensor",
        wrap([](const Tensor& x, const Tensor& s, const Tensor& zp, int64_t qmin, int64_t qmax) {
          const char* op = "fake_quantize_per_tensor_affine";
          return cpu::fake_quantize_per_tensor(x, scale_of(s, op), zero_point_of(zp, op), qmin, qmax, false).first;
        }));
  r.add("aten::fake_quantize_per_tensor_affine_cachemask(Tensor self, float scale, int zero_point, int quant_min, int quant_max) -> (Tensor output, Tensor mask)",
        wrap([](const Tensor& x, double s, int64_t zp, int64_t qmin, int64_t qmax) {
          return pair(cpu::fake_quantize_per_tensor(x, static_cast<float>(s), zp, qmin, qmax, true));
        }));
  r.add("aten::_fake_quantize_per_tensor_affine_cachemask_tensor_qparams(Tensor self, Tensor scale, Tensor zero_point, Tensor fake_quant_enabled, int quant_min, int quant_max) -> (Tensor output, Tensor mask)",
        wrap([](const Tensor& x, const Tensor& s, const Tensor& zp, const Tensor& enabled, int64_t qmin, int64_t qmax) {
          const char* op = "_fake_quantize_per_tensor_affine_cachemask_tensor_qparams";
          if (enabled.numel() < 1) fail(op, ": fake_quant_enabled is empty");
          if (enabled.at_double(0) == 0) {
            Tensor mask = Tensor::empty_uninitialized(x.sizes(), DType::Bool);
            std::fill_n(mask.data<bool>(), mask.numel(), true);
            return TensorPair{x.clone(), mask};
          }
          return pair(cpu::fake_quantize_per_tensor(x, scale_of(s, op), zero_point_of(zp, op), qmin, qmax, true));
        }));
  r.add("aten::fake_quantize_per_channel_affine(Tensor self, Tensor scale, Tensor zero_point, int axis, int quant_min, int quant_max) -> Tensor",
        wrap([](const Tensor& x, const Tensor& s, const Tensor& zp, int64_t axis, int64_t qmin, int64_t qmax) {
          return cpu::fake_quantize_per_channel(x, s, zp, axis, qmin, qmax, false).first;
        }));
  r.add("aten::fake_quantize_per_channel_affine_cachemask(Tensor self, Tensor scale, Tensor zero_point, int axis, int quant_min, int quant_max) -> (Tensor output, Tensor mask)",
        wrap([](const Tensor& x, const Tensor& s, const Tensor& zp, int64_t axis, int64_t qmin, int64_t qmax) {
          return pair(cpu::fake_quantize_per_channel(x, s, zp, axis, qmin, qmax, true));
        }));
  r.add("aten::fused_moving_avg_obs_fake_quant(Tensor self, Tensor observer_on, Tensor fake_quant_on, Tensor(a!) running_min, Tensor(b!) running_max, Tensor(c!) scale, Tensor(d!) zero_point, float averaging_const, int quant_min, int quant_max, int ch_axis, bool per_row_fake_quant=False, bool symmetric_quant=False) -> Tensor",
        wrap([](const Tensor& x, const Tensor& obs, const Tensor& fq, const Tensor& rmin, const Tensor& rmax, const Tensor& s,
                const Tensor& zp, double c, int64_t qmin, int64_t qmax, int64_t axis, bool per_row, bool symmetric) {
          return std::get<0>(fused(x, obs, fq, rmin, rmax, s, zp, c, qmin, qmax, axis, per_row, symmetric));
        }));
  r.add("aten::_fused_moving_avg_obs_fq_helper(Tensor self, Tensor observer_on, Tensor fake_quant_on, Tensor(a!) running_min, Tensor(b!) running_max, Tensor(c!) scale, Tensor(d!) zero_point, float averaging_const, int quant_min, int quant_max, int ch_axis, bool per_row_fake_quant=False, bool symmetric_quant=False) -> (Tensor output, Tensor mask)",
        wrap(fused));
  r.add("aten::qscheme(Tensor self) -> QScheme", wrap([](const Tensor& x) {
          // PyTorch's quantizers: per-tensor tensors report per_tensor_affine, per-channel ones
          // per_channel_affine (or its float-qparams form), whatever observer made them.
          const QuantParams& q = qparams(x);
          if (!q.per_channel()) return static_cast<int64_t>(QScheme::PerTensorAffine);
          return static_cast<int64_t>(q.scheme == QScheme::PerChannelAffineFloatQParams ? QScheme::PerChannelAffineFloatQParams
                                                                                          : QScheme::PerChannelAffine);
        }));
  r.add("prim::is_quantized(Tensor a) -> bool", wrap([](const Tensor& x) { return is_quantized(x.dtype()); }));
}

}  // namespace ember::ops
