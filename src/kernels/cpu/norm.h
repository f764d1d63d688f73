// norm.h — batch, layer, group and instance normalisation.
//
// For float32, eval-mode batch norm (running statistics) runs a threaded scale-and-shift kernel
// and layer norm runs on oneDNN; training-mode batch norm, group norm and instance norm run the reference kernels, which compute
// statistics in double with two passes. Training mode updates running_mean / running_var in
// place, as PyTorch does (momentum average, unbiased variance). half and bfloat16 inputs are
// computed in float32.
#pragma once

#include <optional>
#include <span>
#include <tuple>

#include "ember/tensor.h"

namespace ember::cpu {

using OptTensor = std::optional<Tensor>;

// aten::native_batch_norm: (output, save_mean, save_invstd). In eval mode the saved statistics
// are empty tensors, as on PyTorch's CPU; in training mode they are the batch mean and
// 1/sqrt(biased var + eps) per channel.
std::tuple<Tensor, Tensor, Tensor> native_batch_norm(const Tensor& input, const OptTensor& weight,
                                                     const OptTensor& bias,
                                                     const OptTensor& running_mean,
                                                     const OptTensor& running_var, bool training,
                                                     double momentum, double eps);
// The same with eval mode on batch_norm_inference_reference for every dtype (training mode
// runs the reference kernel in both): the ops' reference path.
std::tuple<Tensor, Tensor, Tensor> native_batch_norm_reference(const Tensor& input, const OptTensor& weight,
                                                               const OptTensor& bias,
                                                               const OptTensor& running_mean,
                                                               const OptTensor& running_var, bool training,
                                                               double momentum, double eps);
// aten::batch_norm (the output of native_batch_norm).
Tensor batch_norm(const Tensor& input, const OptTensor& weight, const OptTensor& bias,
                  const OptTensor& running_mean, const OptTensor& running_var, bool training,
                  double momentum, double eps);
// Eval mode with the given statistics: the reference kernel (double arithmetic) and the float32
// kernel the ops use, which computes as PyTorch does (a per-channel scale and shift in float,
// split over threads); oneDNN's batch-norm primitive on plain layouts was several times slower.
Tensor batch_norm_inference_reference(const Tensor& input, const OptTensor& weight,
                                      const OptTensor& bias, const Tensor& mean,
                                      const Tensor& var, double eps);
Tensor batch_norm_inference_float(const Tensor& input, const OptTensor& weight,
                                  const OptTensor& bias, const Tensor& mean, const Tensor& var,
                                  double eps);

// aten::native_layer_norm: (output, mean, rstd); mean and rstd keep the leading dimensions and
// have size 1 in the normalised ones.
std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input,
                                                     std::span<const int64_t> normalized_shape,
                                                     const OptTensor& weight,
                                                     const OptTensor& bias, double eps);
std::tuple<Tensor, Tensor, Tensor> layer_norm_reference(const Tensor& input,
                                                        std::span<const int64_t> normalized_shape,
                                                        const OptTensor& weight,
                                                        const OptTensor& bias, double eps);
std::tuple<Tensor, Tensor, Tensor> layer_norm_dnnl(const Tensor& input,
                                                   std::span<const int64_t> normalized_shape,
                                                   const OptTensor& weight, const OptTensor& bias,
                                                   double eps);
// aten::layer_norm.
Tensor layer_norm(const Tensor& input, std::span<const int64_t> normalized_shape,
                  const OptTensor& weight, const OptTensor& bias, double eps);

// aten::native_group_norm: (output, mean [N, G], rstd [N, G]); input [N, C, *].
std::tuple<Tensor, Tensor, Tensor> native_group_norm(const Tensor& input, const OptTensor& weight,
                                                     const OptTensor& bias, int64_t groups,
                                                     double eps);
// aten::group_norm.
Tensor group_norm(const Tensor& input, int64_t groups, const OptTensor& weight,
                  const OptTensor& bias, double eps);

// aten::instance_norm: per-(sample, channel) statistics when use_input_stats (updating the
// running statistics with their batch average when given), else the running statistics.
Tensor instance_norm(const Tensor& input, const OptTensor& weight, const OptTensor& bias,
                     const OptTensor& running_mean, const OptTensor& running_var,
                     bool use_input_stats, double momentum, double eps);

}  // namespace ember::cpu
