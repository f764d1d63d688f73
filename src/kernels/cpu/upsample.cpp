#include "kernels/cpu/upsample.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "kernels/cpu/nn_util.h"

namespace ember::cpu {
namespace {

const char* mode_name(InterpMode m) {
  switch (m) {
    case InterpMode::Nearest: return "upsample_nearest";
    case InterpMode::NearestExact: return "upsample_nearest_exact";
    case InterpMode::Linear: return "upsample_linear";
    case InterpMode::Cubic: return "upsample_bicubic";
  }
  return "upsample";
}

// Taps of one output position along one dimension: input indices and their weights.
struct Taps {
  int count = 0;
  std::array<int64_t, 4> index{};
  std::array<double, 4> weight{};
};

template <class T>
T scale_value(std::optional<double> scale, int64_t in, int64_t out) {
  if (scale && *scale > 0) return static_cast<T>(1.0 / *scale);
  return static_cast<T>(in) / static_cast<T>(out);
}

template <class T>
T area_scale(int64_t in, int64_t out, bool align_corners, std::optional<double> scale) {
  if (align_corners) return out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
  return scale_value<T>(scale, in, out);
}

template <class T>
T source_index(T scale, int64_t dst, bool align_corners, bool cubic) {
  if (align_corners) return scale * static_cast<T>(dst);
  const T src = scale * (static_cast<T>(dst) + T(0.5)) - T(0.5);
  return (!cubic && src < T(0)) ? T(0) : src;
}

template <class T>
double cubic1(T x, T a) { return static_cast<double>(((a + 2) * x - (a + 3)) * x * x + 1); }
template <class T>
double cubic2(T x, T a) { return static_cast<double>(((a * x - 5 * a) * x + 8 * a) * x - 4 * a); }

template <class T>
std::vector<Taps> taps_for(InterpMode mode, int64_t in, int64_t out, bool align_corners,
                           std::optional<double> scale) {
  std::vector<Taps> taps(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    Taps& t = taps[static_cast<size_t>(o)];
    switch (mode) {
      case InterpMode::Nearest: {
        const T s = area_scale<T>(in, out, false, scale);
        const auto i = static_cast<int64_t>(std::floor(s * static_cast<T>(o)));
        t.count = 1, t.index[0] = std::min(i, in - 1), t.weight[0] = 1;
        break;
      }
      case InterpMode::NearestExact: {
        const T s = area_scale<T>(in, out, false, scale);
        const T src = source_index<T>(s, o, false, false);
        const auto i = static_cast<int64_t>(std::floor(src + T(0.5)));
        t.count = 1, t.index[0] = std::min(i, in - 1), t.weight[0] = 1;
        break;
      }
      case InterpMode::Linear: {
        t.count = 2;
        if (in == out) {
          t.index = {o, o}, t.weight = {1, 0};
          break;
        }
        const T s = area_scale<T>(in, out, align_corners, scale);
        const T src = source_index<T>(s, o, align_corners, false);
        const int64_t i0 = std::min(static_cast<int64_t>(std::floor(src)), in - 1);
        const T l1 = std::clamp(src - static_cast<T>(i0), T(0), T(1));
        t.index = {i0, i0 + (i0 < in - 1 ? 1 : 0)};
        t.weight = {static_cast<double>(T(1) - l1), static_cast<double>(l1)};
        break;
      }
      case InterpMode::Cubic: {
        const T s = area_scale<T>(in, out, align_corners, scale);
        const T src = source_index<T>(s, o, align_corners, true);
        const auto i = static_cast<int64_t>(std::floor(src));
        const T x = src - static_cast<T>(i);
        const T a = T(-0.75);
        t.count = 4;
        t.weight = {cubic2<T>(x + 1, a), cubic1<T>(x, a), cubic1<T>(1 - x, a), cubic2<T>(2 - x, a)};
        for (int j = 0; j < 4; ++j) t.index[static_cast<size_t>(j)] = std::clamp<int64_t>(i - 1 + j, 0, in - 1);
        break;
      }
    }
  }
  return taps;
}

template <class T>
void interpolate(const T* x, T* y, int64_t planes, const std::array<int64_t, 3>& in,
                 const std::array<int64_t, 3>& out, const std::array<std::vector<Taps>, 3>& taps) {
  const int64_t in_plane = in[0] * in[1] * in[2], out_plane = out[0] * out[1] * out[2];
  for (int64_t p = 0; p < planes; ++p) {
    const T* xp = x + p * in_plane;
    T* yp = y + p * out_plane;
    for (int64_t od = 0; od < out[0]; ++od) {
      const Taps& td = taps[0][static_cast<size_t>(od)];
      for (int64_t oh = 0; oh < out[1]; ++oh) {
        const Taps& th = taps[1][static_cast<size_t>(oh)];
        for (int64_t ow = 0; ow < out[2]; ++ow) {
          const Taps& tw = taps[2][static_cast<size_t>(ow)];
          double acc = 0;
          for (int a = 0; a < td.count; ++a)
            for (int b = 0; b < th.count; ++b) {
              const double wab = td.weight[static_cast<size_t>(a)] * th.weight[static_cast<size_t>(b)];
              const T* row = xp + (td.index[static_cast<size_t>(a)] * in[1] + th.index[static_cast<size_t>(b)]) * in[2];
              for (int c = 0; c < tw.count; ++c)
                acc += wab * tw.weight[static_cast<size_t>(c)] *
                       static_cast<double>(row[tw.index[static_cast<size_t>(c)]]);
            }
          yp[(od * out[1] + oh) * out[2] + ow] = static_cast<T>(acc);
        }
      }
    }
  }
}

// The antialiasing filters PyTorch's `_upsample_*_aa` kernels use (Pillow's): a triangle for
// bilinear and Keys' cubic convolution with A = -0.5 for bicubic.
template <class T>
T aa_filter(bool cubic, T x) {
  if (x < T(0)) x = -x;
  if (!cubic) return x < T(1) ? T(1) - x : T(0);
  const T a = T(-0.5);
  if (x < T(1)) return ((a + T(2)) * x - (a + T(3))) * x * x + T(1);
  if (x < T(2)) return (((x - T(5)) * x + T(8)) * x - T(4)) * a;
  return T(0);
}

// Per output index along one dimension: the first input index, the tap count and `max_taps`
// weights (normalised, zero past the count).
template <class T>
struct AaTaps {
  int64_t max_taps = 0;
  std::vector<int64_t> first, count;
  std::vector<T> weights;
};

template <class T>
AaTaps<T> aa_taps_for(bool cubic, int64_t in, int64_t out, bool align_corners,
                      std::optional<double> scale_opt) {
  const T scale = area_scale<T>(in, out, align_corners, scale_opt);
  const T half_width = cubic ? T(2) : T(1);
  // Downsampling widens the filter so that every input pixel contributes.
  const T support = scale >= T(1) ? half_width * scale : half_width;
  const T invscale = scale >= T(1) ? T(1) / scale : T(1);
  AaTaps<T> t;
  t.max_taps = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  t.first.resize(static_cast<size_t>(out));
  t.count.resize(static_cast<size_t>(out));
  t.weights.assign(static_cast<size_t>(out * t.max_taps), T(0));
  for (int64_t i = 0; i < out; ++i) {
    const T center = scale * (static_cast<T>(i) + T(0.5));
    // Truncation toward zero, as PyTorch's int64 casts do.
    const int64_t lo = std::max<int64_t>(static_cast<int64_t>(center - support + T(0.5)), 0);
    const int64_t hi = std::min<int64_t>(static_cast<int64_t>(center + support + T(0.5)), in);
    const int64_t n = std::clamp<int64_t>(hi - lo, 0, t.max_taps);
    T* w = t.weights.data() + i * t.max_taps;
    T total = 0;
    for (int64_t j = 0; j < n; ++j) {
      const T x = (static_cast<T>(j + lo) - center + T(0.5)) * invscale;
      w[j] = aa_filter<T>(cubic, x);
      total += w[j];
    }
    if (total != T(0))
      for (int64_t j = 0; j < n; ++j) w[j] /= total;
    t.first[static_cast<size_t>(i)] = lo;
    t.count[static_cast<size_t>(i)] = n;
  }
  return t;
}

// One separable pass over x viewed as [outer, in, inner] into y [outer, out, inner].
template <class T>
void aa_pass(const T* x, T* y, int64_t outer, int64_t in, int64_t inner, const AaTaps<T>& taps,
             int64_t out) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < out; ++i) {
      const T* w = taps.weights.data() + i * taps.max_taps;
      const int64_t lo = taps.first[static_cast<size_t>(i)], n = taps.count[static_cast<size_t>(i)];
      T* yrow = y + (o * out + i) * inner;
      for (int64_t k = 0; k < inner; ++k) {
        const T* src = x + (o * in + lo) * inner + k;
        T acc = n > 0 ? src[0] * w[0] : T(0);
        for (int64_t j = 1; j < n; ++j) acc += src[j * inner] * w[j];
        yrow[k] = acc;
      }
    }
}

}  // namespace

Shape upsample_output_size(const Tensor& input, size_t spatial,
                           const std::optional<Shape>& output_size,
                           const std::optional<std::vector<double>>& scale_factors) {
  if (output_size.has_value() == scale_factors.has_value())
    fail("upsample: must specify exactly one of output_size and scale_factors");
  if (static_cast<size_t>(input.dim()) != spatial + 2)
    fail("upsample: expected a ", spatial + 2, "D input, but got input of size ",
         shape_string(input.sizes()));
  if (output_size) {
    if (output_size->size() != spatial)
      fail("upsample: output_size must have ", spatial, " elements, got ", output_size->size());
    return *output_size;
  }
  if (scale_factors->size() != spatial)
    fail("upsample: scale_factors must have ", spatial, " elements, got ", scale_factors->size());
  Shape out;
  for (size_t i = 0; i < spatial; ++i)
    out.push_back(static_cast<int64_t>(
        static_cast<double>(input.size(static_cast<int64_t>(i) + 2)) * (*scale_factors)[i]));
  return out;
}

Tensor upsample(InterpMode mode, size_t spatial, const Tensor& input_,
                std::span<const int64_t> output_size, bool align_corners,
                std::span<const std::optional<double>> scales) {
  const std::string op = std::string(mode_name(mode)) + std::to_string(spatial) + "d";
  if (static_cast<size_t>(input_.dim()) != spatial + 2)
    fail(op, ": expected a non-empty ", spatial + 2, "D input, but got input of size ",
         shape_string(input_.sizes()));
  if (output_size.size() != spatial)
    fail(op, ": output_size must have ", spatial, " elements, got ", output_size.size());
  if (!scales.empty() && scales.size() != spatial)
    fail(op, ": expected ", spatial, " scales, got ", scales.size());
  if (mode == InterpMode::Cubic && spatial != 2) fail(op, ": bicubic needs 2 spatial dimensions");
  Shape out_sizes{input_.size(0), input_.size(1)};
  std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1};
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t isz = input_.size(static_cast<int64_t>(i) + 2);
    if (isz <= 0 || output_size[i] <= 0)
      fail(op, ": input and output sizes should be greater than 0, but got input ",
           shape_string(input_.sizes()), " and output_size ", shape_string(output_size));
    in[3 - spatial + i] = isz;
    out[3 - spatial + i] = output_size[i];
    out_sizes.push_back(output_size[i]);
  }
  auto run = [&](const Tensor& input) {
    Tensor y = Tensor::empty(out_sizes, input.dtype());
    visit_floating(input.dtype(), op, [&](auto z) {
      using T = decltype(z);
      std::array<std::vector<Taps>, 3> taps;
      for (size_t j = 0; j < 3; ++j) {
        const size_t i = j + spatial - 3;  // wraps for the padding dimensions
        const bool real = j >= 3 - spatial;
        const std::optional<double> s = real && !scales.empty() ? scales[i] : std::nullopt;
        // Padding dimensions have size 1: nearest with one tap copies them.
        taps[j] = taps_for<T>(real ? mode : InterpMode::Nearest, in[j], out[j], align_corners, s);
      }
      interpolate(input.data<T>(), y.data<T>(), input.size(0) * input.size(1), in, out, taps);
    });
    return y;
  };
  if (is_reduced_float(input_.dtype())) return run(input_.to(DType::Float32)).to(input_.dtype());
  return run(input_.contiguous());
}

Tensor upsample_vec(InterpMode mode, size_t spatial, const Tensor& input,
                    const std::optional<Shape>& output_size, bool align_corners,
                    const std::optional<std::vector<double>>& scale_factors) {
  const Shape sizes = upsample_output_size(input, spatial, output_size, scale_factors);
  std::vector<std::optional<double>> scales(spatial);
  if (scale_factors)
    for (size_t i = 0; i < spatial; ++i) scales[i] = (*scale_factors)[i];
  return upsample(mode, spatial, input, sizes, align_corners, scales);
}

Tensor upsample_aa(InterpMode mode, const Tensor& input_, std::span<const int64_t> output_size,
                   bool align_corners, std::span<const std::optional<double>> scales) {
  if (mode != InterpMode::Linear && mode != InterpMode::Cubic)
    fail("upsample_aa: only bilinear and bicubic interpolation are antialiased");
  const bool cubic = mode == InterpMode::Cubic;
  const std::string op = cubic ? "_upsample_bicubic2d_aa" : "_upsample_bilinear2d_aa";
  if (input_.dim() != 4)
    fail(op, ": expected a non-empty 4D input, but got input of size ", shape_string(input_.sizes()));
  if (output_size.size() != 2) fail(op, ": output_size must have 2 elements, got ", output_size.size());
  if (!scales.empty() && scales.size() != 2) fail(op, ": expected 2 scales, got ", scales.size());
  const int64_t n = input_.size(0), c = input_.size(1), ih = input_.size(2), iw = input_.size(3);
  const int64_t oh = output_size[0], ow = output_size[1];
  if (ih <= 0 || iw <= 0 || oh <= 0 || ow <= 0)
    fail(op, ": input and output sizes should be greater than 0, but got input ",
         shape_string(input_.sizes()), " and output_size ", shape_string(output_size));
  const std::optional<double> sh = scales.empty() ? std::nullopt : scales[0];
  const std::optional<double> sw = scales.empty() ? std::nullopt : scales[1];
  auto run = [&](const Tensor& input) {
    if (oh == ih && ow == iw) return input.clone();
    Tensor y = Tensor::empty({n, c, oh, ow}, input.dtype());
    visit_floating(input.dtype(), op, [&](auto z) {
      using T = decltype(z);
      // Width first, then height, as PyTorch's separable kernel does.
      const AaTaps<T> tw = aa_taps_for<T>(cubic, iw, ow, align_corners, sw);
      const AaTaps<T> th = aa_taps_for<T>(cubic, ih, oh, align_corners, sh);
      std::vector<T> tmp(static_cast<size_t>(n * c * ih * ow));
      aa_pass<T>(input.data<T>(), tmp.data(), n * c * ih, iw, 1, tw, ow);
      aa_pass<T>(tmp.data(), y.data<T>(), n * c, ih, ow, th, oh);
    });
    return y;
  };
  if (is_reduced_float(input_.dtype())) return run(input_.to(DType::Float32)).to(input_.dtype());
  return run(input_.contiguous());
}

Tensor upsample_aa_vec(InterpMode mode, const Tensor& input, const std::optional<Shape>& output_size,
                       bool align_corners, const std::optional<std::vector<double>>& scale_factors) {
  const Shape sizes = upsample_output_size(input, 2, output_size, scale_factors);
  std::vector<std::optional<double>> scales(2);
  if (scale_factors)
    for (size_t i = 0; i < 2; ++i) scales[i] = (*scale_factors)[i];
  return upsample_aa(mode, input, sizes, align_corners, scales);
}

}  // namespace ember::cpu
