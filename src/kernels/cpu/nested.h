// nested.h — the minimal nested tensors PyTorch 1.13's nn.TransformerEncoder builds on its eval
// fast path: `_nested_tensor_from_mask(src, ~src_key_padding_mask)` before the layers,
// `_transformer_encoder_layer_fwd` on the nested tensor, `to_padded_tensor(out, 0.)` after.
//
// ember keeps such a tensor dense and padded, [B, T, D], and marks it with the valid length of
// each batch entry (TensorImpl::nested_lengths); padded rows hold zeros when it is made. Ops that
// understand it (prim::is_nested, the encoder-layer fast path, to_padded_tensor) read the mark;
// every other op sees the dense tensor and its result is an ordinary tensor. The encoder layer
// masks padded keys, which is what running each sequence at its own length computes, and
// to_padded_tensor writes the padding value over the rows the nested tensor does not hold.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ember/tensor.h"

namespace ember::cpu {

bool is_nested(const Tensor& t);
// The valid length of each batch entry; fails when t is not nested.
const std::vector<int64_t>& nested_lengths(const Tensor& t);

// aten::_nested_tensor_from_mask: t [B, T, D], bool mask [B, T] (True = keep). Entry b keeps the
// rows before its first False; mask_check fails when the mask has True values after that.
Tensor nested_tensor_from_mask(const Tensor& t, const Tensor& mask, bool mask_check);
// aten::_nested_tensor_from_mask_left_aligned: true when every mask row is a run of True
// followed only by False.
bool nested_tensor_from_mask_left_aligned(const Tensor& t, const Tensor& mask);
// aten::to_padded_tensor: [B, max length, ...] (or output_size, which must not be smaller) with
// `padding` outside the valid rows.
Tensor to_padded_tensor(const Tensor& t, double padding, const std::optional<Shape>& output_size);

// The key-padding mask [B, T] (True = padded row) of a nested tensor.
Tensor nested_padding_mask(const Tensor& t);
// `dense` ([B, T, ...], freshly computed) marked with like's lengths, padded rows zeroed.
Tensor nested_like(const Tensor& dense, const Tensor& like);

}  // namespace ember::cpu
