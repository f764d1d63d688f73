#include "kernels/cpu/pool.h"

#include <algorithm>
#include <atomic>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "kernels/cpu/dnnl_util.h"
#include "kernels/cpu/nn_util.h"
#include "kernels/cpu/vec_math.h"
#include "tensor/iterator.h"

namespace ember::cpu {
namespace {

// Spatial sizes padded to three dimensions with leading 1s (kernel 1, stride 1, no padding), so
// one loop nest pools 1-D, 2-D and 3-D planes.
struct Geometry {
  int64_t planes = 0;
  std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1}, k{1, 1, 1}, stride{1, 1, 1}, pad{0, 0, 0},
      dil{1, 1, 1};
  int64_t in_plane() const { return in[0] * in[1] * in[2]; }
  int64_t out_plane() const { return out[0] * out[1] * out[2]; }
};

std::string pool_name(const char* kind, size_t spatial) {
  return std::string(kind) + std::to_string(spatial) + "d";
}

void check_input(size_t spatial, const Tensor& input, const std::string& op) {
  const auto dim = static_cast<size_t>(input.dim());
  if (dim != spatial + 1 && dim != spatial + 2)
    fail(op, ": expected ", spatial + 1, "D or ", spatial + 2, "D input, but got input of size ",
         shape_string(input.sizes()));
  // The batch dimension may be empty; channels and spatial sizes may not.
  for (size_t i = (dim == spatial + 2 ? 1 : 0); i < dim; ++i)
    if (input.size(static_cast<int64_t>(i)) == 0)
      fail(op, ": expected input with non-zero sizes in its non-batch dimensions, but got ",
           shape_string(input.sizes()));
}

// Output sizes and the 3-D geometry; fails like PyTorch on bad parameters.
Geometry pool_geometry(size_t spatial, const Tensor& input, const PoolParams& p,
                       const std::string& op, Shape* out_sizes) {
  check_input(spatial, input, op);
  const size_t dim = static_cast<size_t>(input.dim());
  Geometry g;
  g.planes = prod(input.sizes(), 0, dim - spatial);
  *out_sizes = Shape(input.sizes().begin(), input.sizes().end() - static_cast<std::ptrdiff_t>(spatial));
  bool too_small = false;
  for (size_t i = 0; i < spatial; ++i) {
    const size_t j = 3 - spatial + i;
    const int64_t in = input.size(static_cast<int64_t>(dim - spatial + i));
    if (p.padding[i] > p.kernel[i] / 2)
      fail(op, ": pad should be at most half of kernel size, but got pad=", p.padding[i],
           " and kernel_size=", p.kernel[i]);
    const int64_t o =
        pool_output_size(in, p.kernel[i], p.padding[i], p.stride[i], p.dilation[i], p.ceil_mode);
    if (o < 1) too_small = true;
    out_sizes->push_back(o);
    g.in[j] = in;
    g.out[j] = o;
    g.k[j] = p.kernel[i];
    g.stride[j] = p.stride[i];
    g.pad[j] = p.padding[i];
    g.dil[j] = p.dilation[i];
  }
  if (too_small)
    fail(op, ": given input size ", shape_string(input.sizes()), ", calculated output size ",
         shape_string(*out_sizes), " is too small");
  return g;
}

template <class T>
void max_pool_ref(const T* x, T* y, int64_t* idx, const Geometry& g) {
  for (int64_t pl = 0; pl < g.planes; ++pl) {
    const T* xp = x + pl * g.in_plane();
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          int64_t d0 = od * g.stride[0] - g.pad[0], h0 = oh * g.stride[1] - g.pad[1],
                  w0 = ow * g.stride[2] - g.pad[2];
          const int64_t d1 = std::min(d0 + (g.k[0] - 1) * g.dil[0] + 1, g.in[0]);
          const int64_t h1 = std::min(h0 + (g.k[1] - 1) * g.dil[1] + 1, g.in[1]);
          const int64_t w1 = std::min(w0 + (g.k[2] - 1) * g.dil[2] + 1, g.in[2]);
          while (d0 < 0) d0 += g.dil[0];
          while (h0 < 0) h0 += g.dil[1];
          while (w0 < 0) w0 += g.dil[2];
          // PyTorch starts from the first in-bounds position with -inf and lets NaN win.
          int64_t best = (d0 * g.in[1] + h0) * g.in[2] + w0;
          T best_v = -std::numeric_limits<T>::infinity();
          for (int64_t d = d0; d < d1; d += g.dil[0])
            for (int64_t h = h0; h < h1; h += g.dil[1])
              for (int64_t w = w0; w < w1; w += g.dil[2]) {
                const int64_t i = (d * g.in[1] + h) * g.in[2] + w;
                const T v = xp[i];
                if (v > best_v || std::isnan(v)) best_v = v, best = i;
              }
          const int64_t o = pl * g.out_plane() + (od * g.out[1] + oh) * g.out[2] + ow;
          y[o] = best_v;
          if (idx) idx[o] = best;
        }
  }
}

template <class T>
void avg_pool_ref(const T* x, T* y, const Geometry& g, bool count_include_pad,
                  std::optional<int64_t> divisor) {
  for (int64_t pl = 0; pl < g.planes; ++pl) {
    const T* xp = x + pl * g.in_plane();
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          int64_t s[3] = {od * g.stride[0] - g.pad[0], oh * g.stride[1] - g.pad[1],
                          ow * g.stride[2] - g.pad[2]};
          int64_t e[3];
          int64_t pool_size = 1;
          for (int a = 0; a < 3; ++a) {
            // The window may cover padding but not beyond it (ceil mode's extra windows).
            e[a] = std::min(s[a] + g.k[a], g.in[a] + g.pad[a]);
            pool_size *= e[a] - s[a];
            s[a] = std::max<int64_t>(s[a], 0);
            e[a] = std::min(e[a], g.in[a]);
          }
          const int64_t o = pl * g.out_plane() + (od * g.out[1] + oh) * g.out[2] + ow;
          if (s[0] >= e[0] || s[1] >= e[1] || s[2] >= e[2]) {
            y[o] = T(0);
            continue;
          }
          double sum = 0;
          for (int64_t d = s[0]; d < e[0]; ++d)
            for (int64_t h = s[1]; h < e[1]; ++h)
              for (int64_t w = s[2]; w < e[2]; ++w)
                sum += static_cast<double>(xp[(d * g.in[1] + h) * g.in[2] + w]);
          int64_t div;
          if (divisor) div = *divisor;
          else if (count_include_pad) div = pool_size;
          else div = (e[0] - s[0]) * (e[1] - s[1]) * (e[2] - s[2]);
          y[o] = static_cast<T>(sum / static_cast<double>(div));
        }
  }
}

// Runs f(float or double) after converting half/bfloat16 input to float; converts back.
template <class F>
Tensor float_compute(const Tensor& input, const std::string& op, F&& f) {
  if (is_reduced_float(input.dtype())) return f(input.to(DType::Float32)).to(input.dtype());
  return f(input);
}

// ---- oneDNN ------------------------------------------------------------------------------------

using dnnl::memory;

// Everything the pooling primitive descriptor depends on.
struct DnnlPoolDesc {
  dnnl::algorithm alg;
  memory::desc src, dst;
  memory::dims strides, kernel, dilation, pad_l, pad_r;
};

// oneDNN wants [N, C, *S]: an unbatched input is a batch of one.
Shape batched_sizes(size_t spatial, const Shape& sizes) {
  return sizes.size() == spatial + 2 ? sizes : with_dim_inserted(sizes, 0);
}

DnnlPoolDesc dnnl_pool_desc(dnnl::algorithm alg, size_t spatial, const Tensor& input,
                            const Shape& out_sizes, const PoolParams& p) {
  DnnlPoolDesc d;
  d.alg = alg;
  const Shape in_b = batched_sizes(spatial, input.sizes());
  d.src = dnnl_util::plain_desc(in_b, DType::Float32);
  d.dst = dnnl_util::plain_desc(batched_sizes(spatial, out_sizes), DType::Float32);
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t in = in_b[2 + i], out = out_sizes[out_sizes.size() - spatial + i];
    const int64_t ek = (p.kernel[i] - 1) * p.dilation[i] + 1;
    d.strides.push_back(p.stride[i]);
    d.kernel.push_back(p.kernel[i]);
    d.dilation.push_back(p.dilation[i] - 1);
    d.pad_l.push_back(p.padding[i]);
    // Enough right padding for the last window and no more, so oneDNN's floor formula yields
    // PyTorch's output size in both floor and ceil mode.
    d.pad_r.push_back(std::max<int64_t>(0, (out - 1) * p.stride[i] + ek - in - p.padding[i]));
  }
  return d;
}

// Built pooling primitives, one per distinct geometry.
std::shared_ptr<const dnnl::primitive> pool_primitive(const DnnlPoolDesc& d) {
  static dnnl_util::LruCache<dnnl::primitive> cache(256);
  dnnl_util::PrimitiveKey key("pooling");
  key.add(static_cast<int64_t>(d.alg)).add(d.src.dims()).add(d.dst.dims());
  key.add(d.strides).add(d.kernel).add(d.dilation).add(d.pad_l).add(d.pad_r);
  return cache.get_or_make(key.bytes(), [&] {
    dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, d.alg, d.src, d.dst,
                                        d.strides, d.kernel, d.dilation, d.pad_l, d.pad_r);
    dnnl::pooling_v2_forward::primitive_desc pd(desc, dnnl_util::attr(), dnnl_util::engine());
    return std::make_shared<const dnnl::primitive>(dnnl::pooling_v2_forward(pd));
  });
}

Tensor run_dnnl_pool(dnnl::algorithm alg, size_t spatial, const Tensor& input_,
                     const Shape& out_sizes, const PoolParams& p, const std::string& op) {
  if (input_.dtype() != DType::Float32)
    fail(op, ": the oneDNN kernel takes float32, got ", dtype_name(input_.dtype()));
  Tensor out = Tensor::empty(out_sizes, DType::Float32);
  if (out.numel() == 0) return out;
  Tensor input = input_.contiguous();
  try {
    const DnnlPoolDesc d = dnnl_pool_desc(alg, spatial, input, out_sizes, p);
    dnnl_util::execute(op, *pool_primitive(d),
                       {{DNNL_ARG_SRC, dnnl_util::wrap(input, d.src)},
                        {DNNL_ARG_DST, dnnl_util::wrap(out, d.dst)}});
  } catch (const dnnl::error& e) {
    dnnl_util::rethrow(op, e);
  }
  return out;
}

}  // namespace

int64_t pool_output_size(int64_t in, int64_t kernel, int64_t pad, int64_t stride,
                         int64_t dilation, bool ceil_mode) {
  const int64_t num = in + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  // Division rounding toward negative infinity.
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  // In ceil mode the last window must start inside the input or its left padding.
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

PoolParams make_pool_params(size_t spatial, std::span<const int64_t> kernel,
                            std::span<const int64_t> stride, std::span<const int64_t> padding,
                            std::span<const int64_t> dilation, bool ceil_mode) {
  PoolParams p;
  p.kernel = expand_param(kernel, spatial, "pooling", "kernel_size");
  p.stride = stride.empty() ? p.kernel : expand_param(stride, spatial, "pooling", "stride");
  p.padding = expand_param(padding, spatial, "pooling", "padding");
  p.dilation = dilation.empty() ? Shape(spatial, 1)
                                : expand_param(dilation, spatial, "pooling", "dilation");
  p.ceil_mode = ceil_mode;
  for (size_t i = 0; i < spatial; ++i) {
    if (p.kernel[i] <= 0)
      fail("pooling: kernel size should be greater than zero, but got ", p.kernel[i]);
    if (p.stride[i] <= 0) fail("pooling: stride should be greater than zero, but got ", p.stride[i]);
    if (p.dilation[i] <= 0)
      fail("pooling: dilation should be greater than zero, but got ", p.dilation[i]);
    if (p.padding[i] < 0) fail("pooling: padding should be non-negative, but got ", p.padding[i]);
  }
  return p;
}

Tensor max_pool_reference(size_t spatial, const Tensor& input, const PoolParams& p) {
  return max_pool_with_indices(spatial, input, p).first;
}

std::pair<Tensor, Tensor> max_pool_with_indices(size_t spatial, const Tensor& input_,
                                                const PoolParams& p) {
  const std::string op = pool_name("max_pool", spatial);
  Shape out_sizes;
  const Geometry g = pool_geometry(spatial, input_, p, op, &out_sizes);
  Tensor indices = Tensor::empty(out_sizes, DType::Int64);
  Tensor values = float_compute(input_, op, [&](const Tensor& in) {
    const Tensor input = in.contiguous();
    Tensor out = Tensor::empty(out_sizes, input.dtype());
    visit_floating(input.dtype(), op, [&](auto t) {
      using T = decltype(t);
      max_pool_ref(input.data<T>(), out.data<T>(), indices.data<int64_t>(), g);
    });
    return out;
  });
  return {values, indices};
}

Tensor max_pool_dnnl(size_t spatial, const Tensor& input, const PoolParams& p) {
  const std::string op = pool_name("max_pool", spatial);
  Shape out_sizes;
  pool_geometry(spatial, input, p, op, &out_sizes);
  return run_dnnl_pool(dnnl::algorithm::pooling_max, spatial, input, out_sizes, p, op);
}

namespace {

// Whether a float32 tensor holds a NaN. A tensor whose elements fill their storage span in some
// order (contiguous, channels-last, any permutation) is scanned where it lies, over the thread
// pool: a copy to contiguous first was a serial pass as long as the pool itself.
bool has_nan(const Tensor& t) {
  const int64_t n = t.numel();
  if (n == 0) return false;
  int64_t span = 1;
  bool positive = true;
  for (size_t d = 0; d < t.sizes().size(); ++d) {
    if (t.sizes()[d] == 1) continue;
    positive = positive && t.strides()[d] > 0;
    span += (t.sizes()[d] - 1) * t.strides()[d];
  }
  const Tensor c = positive && span == n ? t : t.contiguous();
  const float* p = static_cast<const float*>(c.raw_data());
  std::atomic<bool> found{false};
  parallel_range(n, 1 << 16, [&](int64_t b, int64_t e) {
    bool nan = false;
    for (int64_t i = b; i < e; ++i) nan |= p[i] != p[i];
    if (nan) found = true;
  });
  return found.load();
}

}  // namespace

Tensor max_pool(size_t spatial, const Tensor& input, const PoolParams& p) {
  // oneDNN's max ignores NaN where PyTorch propagates it; NaN inputs take the reference path.
  if (input.dtype() == DType::Float32 && !has_nan(input)) return max_pool_dnnl(spatial, input, p);
  return max_pool_reference(spatial, input, p);
}

Tensor avg_pool_reference(size_t spatial, const Tensor& input_, const PoolParams& p) {
  const std::string op = pool_name("avg_pool", spatial);
  Shape out_sizes;
  const Geometry g = pool_geometry(spatial, input_, p, op, &out_sizes);
  if (p.divisor_override && *p.divisor_override == 0) fail(op, ": divisor must be not zero");
  return float_compute(input_, op, [&](const Tensor& in) {
    const Tensor input = in.contiguous();
    Tensor out = Tensor::empty(out_sizes, input.dtype());
    visit_floating(input.dtype(), op, [&](auto t) {
      using T = decltype(t);
      avg_pool_ref(input.data<T>(), out.data<T>(), g, p.count_include_pad, p.divisor_override);
    });
    return out;
  });
}

bool avg_pool_dnnl_matches(size_t spatial, const Tensor& input, const PoolParams& p) {
  if (p.divisor_override) return false;
  if (!p.count_include_pad) return true;  // both divide by the in-bounds element count
  // oneDNN divides by the whole kernel; PyTorch by the window clipped to the padded input,
  // which differs only for ceil mode's extra windows running past the right padding.
  const auto dim = static_cast<size_t>(input.dim());
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t in = input.size(static_cast<int64_t>(dim - spatial + i));
    const int64_t out = pool_output_size(in, p.kernel[i], p.padding[i], p.stride[i], 1, p.ceil_mode);
    if ((out - 1) * p.stride[i] - p.padding[i] + p.kernel[i] > in + p.padding[i]) return false;
  }
  return true;
}

Tensor avg_pool_dnnl(size_t spatial, const Tensor& input, const PoolParams& p) {
  const std::string op = pool_name("avg_pool", spatial);
  Shape out_sizes;
  pool_geometry(spatial, input, p, op, &out_sizes);
  if (!avg_pool_dnnl_matches(spatial, input, p))
    fail(op, ": oneDNN's divisor differs from PyTorch's for these parameters");
  return run_dnnl_pool(p.count_include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                           : dnnl::algorithm::pooling_avg_exclude_padding,
                       spatial, input, out_sizes, p, op);
}

Tensor avg_pool(size_t spatial, const Tensor& input, const PoolParams& p) {
  if (input.dtype() == DType::Float32 && avg_pool_dnnl_matches(spatial, input, p))
    return avg_pool_dnnl(spatial, input, p);
  return avg_pool_reference(spatial, input, p);
}

namespace {

int64_t adaptive_start(int64_t o, int64_t out, int64_t in) { return (o * in) / out; }
int64_t adaptive_end(int64_t o, int64_t out, int64_t in) { return ((o + 1) * in + out - 1) / out; }

Geometry adaptive_geometry(size_t spatial, const Tensor& input,
                           std::span<const int64_t> output_size, const std::string& op,
                           Shape* out_sizes) {
  check_input(spatial, input, op);
  if (output_size.size() != spatial)
    fail(op, ": output_size must have ", spatial, " elements, got ", output_size.size());
  const auto dim = static_cast<size_t>(input.dim());
  Geometry g;
  g.planes = prod(input.sizes(), 0, dim - spatial);
  *out_sizes = Shape(input.sizes().begin(), input.sizes().end() - static_cast<std::ptrdiff_t>(spatial));
  for (size_t i = 0; i < spatial; ++i) {
    if (output_size[i] < 0) fail(op, ": output_size must be non-negative, got ", output_size[i]);
    g.in[3 - spatial + i] = input.size(static_cast<int64_t>(dim - spatial + i));
    g.out[3 - spatial + i] = output_size[i];
    out_sizes->push_back(output_size[i]);
  }
  return g;
}

template <class T>
void adaptive_pool_ref(const T* x, T* y, int64_t* idx, const Geometry& g) {
  for (int64_t pl = 0; pl < g.planes; ++pl) {
    const T* xp = x + pl * g.in_plane();
    for (int64_t od = 0; od < g.out[0]; ++od) {
      const int64_t d0 = adaptive_start(od, g.out[0], g.in[0]), d1 = adaptive_end(od, g.out[0], g.in[0]);
      for (int64_t oh = 0; oh < g.out[1]; ++oh) {
        const int64_t h0 = adaptive_start(oh, g.out[1], g.in[1]), h1 = adaptive_end(oh, g.out[1], g.in[1]);
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          const int64_t w0 = adaptive_start(ow, g.out[2], g.in[2]), w1 = adaptive_end(ow, g.out[2], g.in[2]);
          const int64_t o = pl * g.out_plane() + (od * g.out[1] + oh) * g.out[2] + ow;
          if (idx) {
            int64_t best = (d0 * g.in[1] + h0) * g.in[2] + w0;
            T best_v = -std::numeric_limits<T>::infinity();
            for (int64_t d = d0; d < d1; ++d)
              for (int64_t h = h0; h < h1; ++h)
                for (int64_t w = w0; w < w1; ++w) {
                  const int64_t i = (d * g.in[1] + h) * g.in[2] + w;
                  if (xp[i] > best_v || std::isnan(xp[i])) best_v = xp[i], best = i;
                }
            y[o] = best_v;
            idx[o] = best;
          } else {
            double sum = 0;
            for (int64_t d = d0; d < d1; ++d)
              for (int64_t h = h0; h < h1; ++h)
                for (int64_t w = w0; w < w1; ++w)
                  sum += static_cast<double>(xp[(d * g.in[1] + h) * g.in[2] + w]);
            y[o] = static_cast<T>(sum / static_cast<double>((d1 - d0) * (h1 - h0) * (w1 - w0)));
          }
        }
      }
    }
  }
}

}  // namespace

namespace {

// Global average pooling of a channels-last float32 input: pixel rows of C channels summed
// (vec::column_sums), without first copying the input to NCHW.
Tensor channels_last_means(const Tensor& x, const Shape& out_sizes) {
  const int64_t N = x.size(0), C = x.size(1), P = x.size(2) * x.size(3);
  Tensor out = Tensor::empty_uninitialized(out_sizes, DType::Float32);
  float* y = out.data<float>();
  // Threads take blocks of channels (each sums its slice of every pixel row), so every
  // channel's sum runs in the same order whatever the thread count.
  constexpr int64_t kBlock = 16;
  const int64_t blocks = (C + kBlock - 1) / kBlock;
  for (int64_t n = 0; n < N; ++n) {
    const float* base = x.data<float>() + n * x.stride(0);
    parallel_range(blocks, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(P * kBlock, 1)),
                   [&](int64_t b0, int64_t b1) {
                     const int64_t c0 = b0 * kBlock, c1 = std::min(C, b1 * kBlock);
                     std::vector<double> acc(static_cast<size_t>(c1 - c0), 0.0);
                     vec::column_sums(base + c0, P, c1 - c0, C, acc.data());
                     for (int64_t c = c0; c < c1; ++c)
                       y[n * C + c] = static_cast<float>(acc[static_cast<size_t>(c - c0)] / static_cast<double>(P));
                   });
  }
  return out;
}

}  // namespace

namespace {

// adaptive_avg_pool; `reference` skips the float32 global-pooling kernels.
Tensor adaptive_avg_pool_impl(size_t spatial, const Tensor& input_, std::span<const int64_t> output_size,
                              bool reference) {
  const std::string op = pool_name("adaptive_avg_pool", spatial);
  Shape out_sizes;
  const Geometry g = adaptive_geometry(spatial, input_, output_size, op, &out_sizes);
  return float_compute(input_, op, [&](const Tensor& in) {
    const bool global = !reference && in.dtype() == DType::Float32 && g.out_plane() == 1 && g.in_plane() > 0;
    if (global && is_channels_last_2d(in)) return channels_last_means(in, out_sizes);
    const Tensor input = in.contiguous();
    Tensor out = Tensor::empty_uninitialized(out_sizes, input.dtype());
    if (global) {
      // Global average pooling (output 1x1): a vectorised mean per plane, planes split over
      // threads.
      const float* x = input.data<float>();
      float* y = out.data<float>();
      const int64_t n = g.in_plane();
      parallel_range(g.planes, std::max<int64_t>(1, kParallelGrain / n),
                     [&](int64_t p0, int64_t p1) { vec::plane_means(x + p0 * n, y + p0, p1 - p0, n); });
      return out;
    }
    visit_floating(input.dtype(), op, [&](auto t) {
      using T = decltype(t);
      adaptive_pool_ref<T>(input.data<T>(), out.data<T>(), nullptr, g);
    });
    return out;
  });
}

}  // namespace

Tensor adaptive_avg_pool(size_t spatial, const Tensor& input, std::span<const int64_t> output_size) {
  return adaptive_avg_pool_impl(spatial, input, output_size, false);
}

Tensor adaptive_avg_pool_reference(size_t spatial, const Tensor& input, std::span<const int64_t> output_size) {
  return adaptive_avg_pool_impl(spatial, input, output_size, true);
}

std::pair<Tensor, Tensor> adaptive_max_pool(size_t spatial, const Tensor& input_,
                                            std::span<const int64_t> output_size) {
  const std::string op = pool_name("adaptive_max_pool", spatial);
  Shape out_sizes;
  const Geometry g = adaptive_geometry(spatial, input_, output_size, op, &out_sizes);
  Tensor indices = Tensor::empty(out_sizes, DType::Int64);
  Tensor values = float_compute(input_, op, [&](const Tensor& in) {
    const Tensor input = in.contiguous();
    Tensor out = Tensor::empty(out_sizes, input.dtype());
    visit_floating(input.dtype(), op, [&](auto t) {
      using T = decltype(t);
      adaptive_pool_ref<T>(input.data<T>(), out.data<T>(), indices.data<int64_t>(), g);
    });
    return out;
  });
  return {values, indices};
}

}  // namespace ember::cpu
