// fake_quantize.h — the fake quantization of quantization-aware training (QAT) models saved before
// convert: values quantized and dequantized in float, as aten/src/ATen/native/quantized's CPU
// kernels compute them, and the moving-average observer fused with it
// (aten::fused_moving_avg_obs_fake_quant, which FusedMovingAvgObsFakeQuantize modules call).
//
// Rounding follows PyTorch: q = zero_point + nearbyint(x * (1.0f / scale)) in float, clamped to
// [quant_min, quant_max]; the result is (q - zero_point) * scale. The mask is true where q was
// inside the range before clamping.
#pragma once

#include <cstdint>
#include <utility>

#include "ember/tensor.h"

namespace ember::cpu {

// aten::fake_quantize_per_tensor_affine[_cachemask]: `x` floating; the result has x's dtype.
std::pair<Tensor, Tensor> fake_quantize_per_tensor(const Tensor& x, float scale, int64_t zero_point, int64_t quant_min,
                                                   int64_t quant_max, bool with_mask);
// aten::fake_quantize_per_channel_affine[_cachemask]: scales float [C] and integer zero points [C]
// along `axis`.
std::pair<Tensor, Tensor> fake_quantize_per_channel(const Tensor& x, const Tensor& scales, const Tensor& zero_points,
                                                    int64_t axis, int64_t quant_min, int64_t quant_max,
                                                    bool with_mask);

// PyTorch's quant_utils::ChooseQuantizationParams for [min, max] over [qmin, qmax]
// (preserve_sparsity = symmetric), as fake quantization uses it (ranges below 6.1e-5 per step widened).
void choose_fake_quant_qparams(float min, float max, int64_t qmin, int64_t qmax, bool symmetric, float* scale,
                               int32_t* zero_point);

// aten::_fused_moving_avg_obs_fq_helper: when observer_on, running_min / running_max move towards
// this call's minimum and maximum (per row along ch_axis when per_row) by averaging_const; when
// fake_quant_on, scale and zero_point are recomputed from them and x is fake-quantized. The four
// state tensors are updated in place, as PyTorch does. Returns (output, mask).
struct FusedObserverState {
  Tensor running_min, running_max, scale, zero_point;
};
std::pair<Tensor, Tensor> fused_moving_avg_obs_fake_quant(const Tensor& x, bool observer_on, bool fake_quant_on,
                                                          FusedObserverState& state, double averaging_const,
                                                          int64_t quant_min, int64_t quant_max, int64_t ch_axis,
                                                          bool per_row, bool symmetric);

}  // namespace ember::cpu
