// pool.h — max, average and adaptive pooling over 1 to 3 spatial dimensions.
//
// Inputs are [N, C, *S] or unbatched [C, *S]; every (n, c) plane is pooled on its own. Output
// sizes, ceil_mode, padding and divisor rules follow PyTorch's CPU kernels exactly (the last
// window in ceil mode must start inside the input or its left padding). float32 max and average
// pooling run on oneDNN where its semantics coincide with PyTorch's; everything else runs the
// reference kernels, which the tests also compare oneDNN against.
#pragma once

#include <optional>
#include <span>
#include <utility>

#include "ember/tensor.h"

namespace ember::cpu {

struct PoolParams {
  // One entry per spatial dimension; stride defaults to the kernel size.
  Shape kernel, stride, padding, dilation;
  bool ceil_mode = false;
  // Average pooling only.
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override;
};

// Expands the schema's lists (1 or `spatial` entries; an empty stride means the kernel size)
// and checks them.
PoolParams make_pool_params(size_t spatial, std::span<const int64_t> kernel,
                            std::span<const int64_t> stride, std::span<const int64_t> padding,
                            std::span<const int64_t> dilation, bool ceil_mode);

// PyTorch's pooling_output_shape for one dimension.
int64_t pool_output_size(int64_t in, int64_t kernel, int64_t pad, int64_t stride,
                         int64_t dilation, bool ceil_mode);

// aten::max_pool{1,2,3}d. NaN wins a window, as in PyTorch (oneDNN alone would skip it).
Tensor max_pool(size_t spatial, const Tensor& input, const PoolParams& p);
Tensor max_pool_reference(size_t spatial, const Tensor& input, const PoolParams& p);
Tensor max_pool_dnnl(size_t spatial, const Tensor& input, const PoolParams& p);
// aten::max_pool{1,2,3}d_with_indices: indices (int64) are flat positions within each plane.
std::pair<Tensor, Tensor> max_pool_with_indices(size_t spatial, const Tensor& input,
                                                const PoolParams& p);

// aten::avg_pool{1,2,3}d.
Tensor avg_pool(size_t spatial, const Tensor& input, const PoolParams& p);
Tensor avg_pool_reference(size_t spatial, const Tensor& input, const PoolParams& p);
// Fails when oneDNN's divisor differs from PyTorch's for these parameters (see
// avg_pool_dnnl_matches).
Tensor avg_pool_dnnl(size_t spatial, const Tensor& input, const PoolParams& p);
bool avg_pool_dnnl_matches(size_t spatial, const Tensor& input, const PoolParams& p);

// aten::adaptive_avg_pool{1,2,3}d: window i covers [floor(i*in/out), ceil((i+1)*in/out)).
Tensor adaptive_avg_pool(size_t spatial, const Tensor& input, std::span<const int64_t> output_size);
// The window loop for every input (float32 global pooling, output 1x1, otherwise takes a
// vectorised mean per plane or, channels-last, per pixel row): the ops' reference path.
Tensor adaptive_avg_pool_reference(size_t spatial, const Tensor& input, std::span<const int64_t> output_size);
// aten::adaptive_max_pool{1,2,3}d: (values, int64 indices within each plane).
std::pair<Tensor, Tensor> adaptive_max_pool(size_t spatial, const Tensor& input,
                                            std::span<const int64_t> output_size);

}  // namespace ember::cpu
