// extra.h — the less common aten math real models call (issue 11): elementwise functions with
// their own formulas (xlogy, hypot, logaddexp, fmax, heaviside, lcm, logit, sinc, erfinv, the
// shrink activations, float_power), the vision kernels (im2col/col2im, grid sampling, affine grids,
// max unpooling), embedding bags, counting (bincount, histc, isin), scans and scatters
// (logcumsumexp, scatter_reduce), quantiles, pairwise distances and small LU-based linear algebra
// (det, slogdet, inverse). Each follows PyTorch 1.13's CPU implementation: its dtype rules, its
// edge cases and its error wording.
#pragma once

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/tensor.h"
#include "tensor/scalar.h"

namespace ember::cpu {

// ---- elementwise (extra_elementwise.cpp) ----------------------------------------------------------

enum class ExtraBinary { Xlogy, Hypot, LogAddExp, LogAddExp2, Fmax, Fmin, Heaviside, Gcd, Lcm, NextAfter };
Tensor extra_binary(ExtraBinary op, const Tensor& a, const Tensor& b);
// A Python scalar operand takes part in promotion as a wrapped number.
Tensor extra_binary(ExtraBinary op, const Tensor& a, const Scalar& b);
Tensor extra_binary(ExtraBinary op, const Scalar& a, const Tensor& b);

// eps < 0 (PyTorch's None) leaves the input unclamped.
Tensor logit(const Tensor& x, double eps);
Tensor sinc(const Tensor& x);
Tensor erfinv(const Tensor& x);
// The modified Bessel function of the first kind, order 0 (torch.i0), and the Kaiser window made of it.
double bessel_i0(double x);
Tensor i0(const Tensor& x);
Tensor kaiser_window(int64_t n, bool periodic, double beta, std::optional<DType> dtype);
// polygamma(0, x) is digamma; computed in double.
Tensor polygamma(int64_t n, const Tensor& x);
Tensor hardshrink(const Tensor& x, const Scalar& lambd);
Tensor softshrink(const Tensor& x, const Scalar& lambd);
// pow computed in float64 (complex128 for complex operands), as torch.float_power.
Tensor float_power(const Tensor& a, const Tensor& b);

// ---- vision (extra.cpp) ---------------------------------------------------------------------------

// F.unfold: [N, C, H, W] (or [C, H, W]) -> [N, C*kh*kw, L].
Tensor im2col(const Tensor& x, std::span<const int64_t> kernel, std::span<const int64_t> dilation,
              std::span<const int64_t> padding, std::span<const int64_t> stride);
// F.fold: [N, C*kh*kw, L] (or [C*kh*kw, L]) -> [N, C, H, W], overlapping patches summed.
Tensor col2im(const Tensor& x, std::span<const int64_t> output_size, std::span<const int64_t> kernel,
              std::span<const int64_t> dilation, std::span<const int64_t> padding, std::span<const int64_t> stride);
// interpolation 0 bilinear, 1 nearest, 2 bicubic; padding 0 zeros, 1 border, 2 reflection.
Tensor grid_sampler_2d(const Tensor& input, const Tensor& grid, int64_t interpolation, int64_t padding,
                       bool align_corners);
// 5-D volumes: trilinear (0) or nearest (1).
Tensor grid_sampler_3d(const Tensor& input, const Tensor& grid, int64_t interpolation, int64_t padding,
                       bool align_corners);
// theta [N, 2, 3] with size [N, C, H, W], or [N, 3, 4] with [N, C, D, H, W].
Tensor affine_grid_generator(const Tensor& theta, std::span<const int64_t> size, bool align_corners);
Tensor max_unpool2d(const Tensor& self, const Tensor& indices, std::span<const int64_t> output_size);
Tensor max_unpool3d(const Tensor& self, const Tensor& indices, std::span<const int64_t> output_size,
                    std::span<const int64_t> stride, std::span<const int64_t> padding);
// torch.combinations: [C, r], the r-element index tuples of a 1-D tensor in lexicographic order.
Tensor combinations(const Tensor& self, int64_t r, bool with_replacement);

// (output, offset2bag, bag_size, max_indices); mode 0 sum, 1 mean, 2 max.
std::tuple<Tensor, Tensor, Tensor, Tensor> embedding_bag(const Tensor& weight, const Tensor& indices,
                                                         const Tensor& offsets, int64_t mode,
                                                         const std::optional<Tensor>& per_sample_weights,
                                                         bool include_last_offset, int64_t padding_idx);

// ---- counting, scans, scatters ---------------------------------------------------------------------

Tensor bincount(const Tensor& self, const std::optional<Tensor>& weights, int64_t minlength);
Tensor histc(const Tensor& self, int64_t bins, const Scalar& min, const Scalar& max);
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool invert);
Tensor take(const Tensor& self, const Tensor& index);
Tensor logcumsumexp(const Tensor& x, int64_t dim);
// reduce: sum, prod, mean, amax, amin.
Tensor scatter_reduce(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                      const std::string& reduce, bool include_self);
// tril_indices / triu_indices: a [2, N] tensor of row and column coordinates.
Tensor tri_indices(bool lower, int64_t row, int64_t col, int64_t offset, DType dtype);
// torch.range: start..end inclusive.
Tensor range(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<DType> dtype);

// ---- statistics, distances, linear algebra ---------------------------------------------------------

// q is 0-dim or 1-D in x's dtype; dim nullopt flattens; interpolation linear, lower, higher,
// midpoint or nearest.
Tensor quantile(const Tensor& x, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                const std::string& interpolation, bool ignore_nan);
Tensor cdist(const Tensor& x1, const Tensor& x2, double p);
// Batched [..., n, n] in float32/float64; computed in double by LU with partial pivoting.
Tensor det(const Tensor& a);
std::tuple<Tensor, Tensor> slogdet(const Tensor& a);
Tensor inverse(const Tensor& a);

}  // namespace ember::cpu
