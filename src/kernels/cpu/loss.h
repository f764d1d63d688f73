// loss.h — the loss functions scripted training and detection code references: l1, mse,
// smooth-l1, huber, binary cross-entropy (with and without logits), negative log-likelihood and
// cross-entropy (class indices with ignore_index and label smoothing, or class probabilities).
//
// `reduction` is PyTorch's enum as TorchScript passes it: 0 none, 1 mean, 2 sum. Pointwise losses
// promote and broadcast input and target as PyTorch's TensorIterator does and need a floating
// result. The nll/cross-entropy family takes input [N, C, d1, ...] (or unbatched [C]) and int64
// targets [N, d1, ...]; a mean divides by the summed weights of the targets that are not
// ignore_index (NaN when every target is ignored, as in PyTorch).
#pragma once

#include <cstdint>
#include <optional>

#include "ember/tensor.h"

namespace ember::cpu {

enum class Reduction : int64_t { None = 0, Mean = 1, Sum = 2 };
// Fails for values other than 0, 1 and 2.
Reduction to_reduction(int64_t r);

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction r);
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction r);
// beta == 0 is the l1 loss.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction r, double beta);
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction r, double delta);
// input holds probabilities in [0, 1]; the logs are clamped at -100 as PyTorch does.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const std::optional<Tensor>& weight, Reduction r);
// The numerically stable form: max(-x, 0) shifts the log-sum-exp; pos_weight scales the positive
// term per class (broadcast along the last dimension).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const std::optional<Tensor>& weight,
                                        const std::optional<Tensor>& pos_weight, Reduction r);

// Which input ranks an nll entry point accepts (aten::nll_loss: 1-D/2-D, nll_loss2d: 4-D,
// nll_loss_nd: any rank >= 1).
enum class NllForm { Flat, Spatial2d, Nd };
// input holds log-probabilities.
Tensor nll_loss(NllForm form, const Tensor& input, const Tensor& target,
                const std::optional<Tensor>& weight, Reduction r, int64_t ignore_index);
// log_softmax over the class dim then nll, blended with the uniform-target loss when
// label_smoothing > 0; a floating target of input's shape holds class probabilities instead.
Tensor cross_entropy_loss(const Tensor& input, const Tensor& target,
                          const std::optional<Tensor>& weight, Reduction r, int64_t ignore_index,
                          double label_smoothing);

}  // namespace ember::cpu
