// attention.h — the attention ops PyTorch 1.13's eval fast paths and functional API call:
// nn.MultiheadAttention's `_native_multi_head_attention`, nn.TransformerEncoderLayer's
// `_transformer_encoder_layer_fwd`, the math of `_scaled_dot_product_attention`, and the
// `_masked_softmax` / `_transform_bias_rescale_qkv` pieces they are built from.
//
// Semantics follow the Debian PyTorch 1.13 CPU build the fixtures come from. Masks differ by op:
// `_masked_softmax` and the fast paths take bool masks where True means "masked out" (a float
// mask is turned into bool, nonzero = masked); `_scaled_dot_product_attention` takes a bool mask
// where True means "attend" or a float mask that is added to the scores. A fully masked softmax
// row is NaN, as in PyTorch. float32 and float64.
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>

#include "ember/tensor.h"

namespace ember::cpu {

// aten::_masked_softmax: softmax of `input` along `dim` (last when nullopt) over the elements
// whose bool `mask` (same shape as input) is false; masked elements become 0. mask_type must be
// given; 1 (key padding) and 2 (generic) are computed alike, 0 (src_mask) is not supported on
// CPU in PyTorch 1.13 and is an error here too.
Tensor masked_softmax(const Tensor& input, const Tensor& mask, std::optional<int64_t> dim,
                      std::optional<int64_t> mask_type);
// The same in double with std::exp (no vectorised rows): the op's reference path.
Tensor masked_softmax_reference(const Tensor& input, const Tensor& mask, std::optional<int64_t> dim,
                                std::optional<int64_t> mask_type);

// aten::_transform_bias_rescale_qkv: qkv [B, T, 3*D] plus qkv_bias [3*D] split into q, k, v of
// shape [B, num_heads, T, D/num_heads], with q scaled by 1/sqrt(D/num_heads).
std::tuple<Tensor, Tensor, Tensor> transform_bias_rescale_qkv(const Tensor& qkv,
                                                              const Tensor& qkv_bias,
                                                              int64_t num_heads);

// aten::_native_multi_head_attention: query/key/value [B, T, D] (same shapes), packed in-proj
// weight [3D, D] / bias [3D], out-proj [D, D] / [D]. mask is a key-padding mask [B, T] or a
// full mask [B, num_heads, T, T]. Returns (output [B, T, D], weights): weights are None
// (nullopt) unless need_weights, then [B, T, T] averaged over heads or [B, num_heads, T, T].
std::tuple<Tensor, std::optional<Tensor>> native_multi_head_attention(
    const Tensor& query, const Tensor& key, const Tensor& value, int64_t embed_dim,
    int64_t num_heads, const Tensor& qkv_weight, const Tensor& qkv_bias, const Tensor& proj_weight,
    const Tensor& proj_bias, const std::optional<Tensor>& mask, bool need_weights,
    bool average_attn_weights, std::optional<int64_t> mask_type);
// The same with every product on gemm_reference and the softmax in double: the reference path.
std::tuple<Tensor, std::optional<Tensor>> native_multi_head_attention_reference(
    const Tensor& query, const Tensor& key, const Tensor& value, int64_t embed_dim,
    int64_t num_heads, const Tensor& qkv_weight, const Tensor& qkv_bias, const Tensor& proj_weight,
    const Tensor& proj_bias, const std::optional<Tensor>& mask, bool need_weights,
    bool average_attn_weights, std::optional<int64_t> mask_type);

// The parameters of one nn.TransformerEncoderLayer, in the fast path's argument order.
struct EncoderLayerWeights {
  Tensor qkv_weight, qkv_bias, proj_weight, proj_bias;
  Tensor norm_weight_1, norm_bias_1, norm_weight_2, norm_bias_2;
  Tensor ffn_weight_1, ffn_bias_1, ffn_weight_2, ffn_bias_2;
};

// aten::_transformer_encoder_layer_fwd: self-attention then a feed-forward block (relu, or
// exact gelu when use_gelu), each with a residual and a layer norm after it (before it when
// norm_first). src [B, T, D].
Tensor transformer_encoder_layer_fwd(const Tensor& src, int64_t embed_dim, int64_t num_heads,
                                     const EncoderLayerWeights& w, bool use_gelu, bool norm_first,
                                     double eps, const std::optional<Tensor>& mask,
                                     std::optional<int64_t> mask_type);
// The same on the reference kernels: the attention above's reference path, layer_norm_reference.
Tensor transformer_encoder_layer_fwd_reference(const Tensor& src, int64_t embed_dim, int64_t num_heads,
                                               const EncoderLayerWeights& w, bool use_gelu, bool norm_first,
                                               double eps, const std::optional<Tensor>& mask,
                                               std::optional<int64_t> mask_type);

// aten::_scaled_dot_product_attention (1.13's math path): query [..., L, E], key [..., S, E],
// value [..., S, Ev] with broadcasting batch dims → (output [..., L, Ev], weights [..., L, S]);
// the weights are returned whether or not need_attn_weights is set, as PyTorch does. is_causal
// masks keys after each query position (with no explicit attn_mask). dropout_p must be 0: the
// random dropout PyTorch would apply cannot be reproduced.
std::tuple<Tensor, Tensor> scaled_dot_product_attention(const Tensor& query, const Tensor& key,
                                                        const Tensor& value,
                                                        const std::optional<Tensor>& attn_mask,
                                                        double dropout_p, bool need_attn_weights,
                                                        bool is_causal);
// The same with the products on gemm_reference and the softmax in double: the reference path.
std::tuple<Tensor, Tensor> scaled_dot_product_attention_reference(const Tensor& query, const Tensor& key,
                                                                  const Tensor& value,
                                                                  const std::optional<Tensor>& attn_mask,
                                                                  double dropout_p, bool need_attn_weights,
                                                                  bool is_causal);

// aten::scaled_dot_product_attention (PyTorch 2.x's public F.scaled_dot_product_attention, its
// documented reference formula): softmax(q kᵀ * scale + bias) v, with scale 1/sqrt(E) unless
// given; bias from is_causal (lower-triangular) or attn_mask (bool: True attends; float: added);
// enable_gqa repeats each key/value head (dim -3) for its group of query heads; dropout_p > 0
// drops weights with ember's generator (training-mode semantics, not PyTorch's stream). Rows whose
// every score is -inf give 0, as PyTorch 2.5+'s _safe_softmax does (NaN in 1.13's op above).
Tensor scaled_dot_product_attention_v2(const Tensor& query, const Tensor& key, const Tensor& value,
                                       const std::optional<Tensor>& attn_mask, double dropout_p,
                                       bool is_causal, std::optional<double> scale, bool enable_gqa);

}  // namespace ember::cpu
