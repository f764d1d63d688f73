// upsample.h — interpolation (F.interpolate): nearest, nearest-exact, linear / bilinear /
// trilinear and bicubic over 1 to 3 spatial dimensions of an [N, C, *S] input.
//
// Source indices and weights follow PyTorch's CPU kernels: they are computed in the input's
// floating type from the explicit scale when one was given (1/scale) and from in/out otherwise,
// align_corners maps corner to corner, an output size equal to the input size copies for linear
// modes, and bicubic uses A = -0.75 with clamped borders.
//
// The antialiased forms (`_upsample_bilinear2d_aa`, `_upsample_bicubic2d_aa`, F.interpolate's
// antialias=True) follow PyTorch's separable filter: per output pixel the triangle (bilinear) or
// Keys cubic with A = -0.5 (bicubic) is evaluated around the centre scale * (i + 0.5), its support
// widened by the scale when downsampling, and the weights are normalised to sum to one; the width
// is filtered first, then the height, each pass accumulating in the input's floating type.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "ember/tensor.h"

namespace ember::cpu {

enum class InterpMode { Nearest, NearestExact, Linear, Cubic };

// The output spatial sizes of the `.vec` overloads: exactly one of output_size and scale_factors
// (floor(in * scale)).
Shape upsample_output_size(const Tensor& input, size_t spatial,
                           const std::optional<Shape>& output_size,
                           const std::optional<std::vector<double>>& scale_factors);

// The non-vec overloads (aten::upsample_bilinear2d(self, output_size, align_corners, scales_h,
// scales_w) ...): `scales` holds one optional scale per spatial dimension (or is empty);
// align_corners is ignored by the nearest modes.
Tensor upsample(InterpMode mode, size_t spatial, const Tensor& input,
                std::span<const int64_t> output_size, bool align_corners,
                std::span<const std::optional<double>> scales);

// The `.vec` overloads: sizes from upsample_output_size, scales from scale_factors.
Tensor upsample_vec(InterpMode mode, size_t spatial, const Tensor& input,
                    const std::optional<Shape>& output_size, bool align_corners,
                    const std::optional<std::vector<double>>& scale_factors);

// aten::_upsample_bilinear2d_aa / _upsample_bicubic2d_aa (mode Linear or Cubic) on [N, C, H, W].
Tensor upsample_aa(InterpMode mode, const Tensor& input, std::span<const int64_t> output_size,
                   bool align_corners, std::span<const std::optional<double>> scales);
// Their `.vec` overloads.
Tensor upsample_aa_vec(InterpMode mode, const Tensor& input, const std::optional<Shape>& output_size,
                       bool align_corners, const std::optional<std::vector<double>>& scale_factors);

}  // namespace ember::cpu
