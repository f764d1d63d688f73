// pad.h — constant, reflection, replication and circular padding (F.pad).
//
// `pad` lists (before, after) pairs starting from the last dimension, as PyTorch does; negative
// amounts crop. Every kernel is a gather over any dtype and reads strided inputs directly.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "ember/tensor.h"

namespace ember::cpu {

// aten::constant_pad_nd: pads the last pad.size()/2 dimensions with `value` (converted to the
// input's dtype).
Tensor constant_pad_nd(const Tensor& input, std::span<const int64_t> pad, double value);
// aten::reflection_pad{1,2,3}d: input [N, C, *S] or [C, *S] with `spatial` dims in S; every
// amount must be smaller than its dimension.
Tensor reflection_pad(size_t spatial, const Tensor& input, std::span<const int64_t> pad);
// aten::replication_pad{1,2,3}d.
Tensor replication_pad(size_t spatial, const Tensor& input, std::span<const int64_t> pad);
// aten::_pad_circular: wraps around; amounts at most the dimension's size.
Tensor circular_pad(const Tensor& input, std::span<const int64_t> pad);
// aten::pad: mode "constant", "reflect", "replicate" or "circular".
Tensor pad(const Tensor& input, std::span<const int64_t> pad, std::string_view mode,
           std::optional<double> value);

}  // namespace ember::cpu
