// quantized_norm.h — normalisation of quantized tensors as PyTorch 1.13+'s CPU kernels compute it
// (aten/src/ATen/native/quantized/cpu/kernels/QuantizedOpKernels.cpp):
//   layer / group / instance norm: per row of N stored integers q, mean and variance of q - zp
//   from integer sums (in float), then (q - zp - mean) * (x_scale / sqrt(var * x_scale^2 + eps))
//   times gamma plus beta, quantized with the output's parameters (layer norm's gamma and beta per
//   element of the normalized shape; group and instance norm's per channel);
//   batch norm (eval): alpha = weight / sqrt(var + eps) * x_scale / y_scale and
//   beta = (bias - mean * weight / sqrt(var + eps)) / y_scale per channel, y = y_zp +
//   nearbyint(fma(alpha, q - x_zp, beta)), clamped (at y_zp too with relu).
// Inputs are per-tensor quint8 or qint8; results have the input's dtype.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "ember/tensor.h"

namespace ember::cpu {

Tensor quantized_layer_norm(const Tensor& qx, std::span<const int64_t> normalized_shape,
                            const std::optional<Tensor>& weight, const std::optional<Tensor>& bias, double eps,
                            double y_scale, int64_t y_zp);
// Instance norm is group norm with one group per channel.
Tensor quantized_group_norm(const Tensor& qx, int64_t num_groups, const std::optional<Tensor>& weight,
                            const std::optional<Tensor>& bias, double eps, double y_scale, int64_t y_zp);
Tensor quantized_batch_norm(const Tensor& qx, const std::optional<Tensor>& weight, const std::optional<Tensor>& bias,
                            const Tensor& mean, const Tensor& var, double eps, double y_scale, int64_t y_zp, bool relu);

}  // namespace ember::cpu
