#include "kernels/cpu/extra.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <sstream>
#include <vector>

#include "kernels/cpu/reduce.h"
#include "kernels/cpu/shape.h"
#include "kernels/cpu/sort.h"
#include "tensor/broadcast.h"
#include "tensor/dispatch.h"
#include "tensor/elementwise.h"
#include "tensor/promotion.h"

namespace ember::cpu {

namespace {

std::string pair_string(std::span<const int64_t> v) {
  std::ostringstream o;
  o << "(" << v[0] << ", " << v[1] << ")";
  return o.str();
}

void check_pair(std::span<const int64_t> v, const char* what) {
  if (v.size() != 2) fail("It is expected ", what, " equals to 2, but got size ", v.size());
  // Products of these (kernel extents, padded sizes) must not overflow int64.
  for (int64_t x : v)
    if (x > (int64_t{1} << 31) || x < -(int64_t{1} << 31)) fail(what, " value ", x, " is out of range");
}

// im2col's and col2im's checks of the window's values (PyTorch's wording), after check_pair has
// checked each one's length.
void check_window(std::span<const int64_t> kernel, std::span<const int64_t> dilation, std::span<const int64_t> padding,
                  std::span<const int64_t> stride) {
  if (kernel[0] <= 0 || kernel[1] <= 0)
    fail("kernel size should be greater than zero, but got kernel_height: ", kernel[0], " kernel_width: ", kernel[1]);
  if (dilation[0] <= 0 || dilation[1] <= 0)
    fail("dilation should be greater than zero, but got dilation_height: ", dilation[0], " dilation_width: ", dilation[1]);
  if (stride[0] <= 0 || stride[1] <= 0)
    fail("stride should be greater than zero, but got stride_height: ", stride[0], " stride_width: ", stride[1]);
  if (padding[0] < 0 || padding[1] < 0)
    fail("padding should be non-negative, but got pad_height: ", padding[0], " pad_width: ", padding[1]);
}

}  // namespace

// ---- im2col / col2im ----------------------------------------------------------------------------

Tensor im2col(const Tensor& x, std::span<const int64_t> kernel, std::span<const int64_t> dilation,
              std::span<const int64_t> padding, std::span<const int64_t> stride) {
  check_pair(kernel, "kernel_size");
  check_pair(dilation, "dilation");
  check_pair(padding, "padding");
  check_pair(stride, "stride");
  check_window(kernel, dilation, padding, stride);
  const bool batched = x.dim() == 4;
  if (!((x.dim() == 3 || x.dim() == 4) && x.size(-1) > 0 && x.size(-2) > 0 && x.size(-3) > 0))
    fail("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: ",
         shape_string(x.sizes()));
  const Tensor in = batched ? x.contiguous() : unsqueeze(x, 0).contiguous();
  const int64_t n = in.size(0), c = in.size(1), h = in.size(2), w = in.size(3);
  const int64_t oh = (h + 2 * padding[0] - (dilation[0] * (kernel[0] - 1) + 1)) / stride[0] + 1;
  const int64_t ow = (w + 2 * padding[1] - (dilation[1] * (kernel[1] - 1) + 1)) / stride[1] + 1;
  if (oh < 1 || ow < 1)
    fail("Given input with spatial size ", pair_string(std::vector<int64_t>{h, w}), ", kernel_size=", pair_string(kernel),
         ", dilation=", pair_string(dilation), ", padding=", pair_string(padding),
         ", calculated shape of the array of sliding blocks as ", pair_string(std::vector<int64_t>{oh, ow}),
         ", but its components must be at least one.");
  const int64_t kh = kernel[0], kw = kernel[1], rows = c * kh * kw, cols = oh * ow;
  Tensor out = Tensor::empty({n, rows, cols}, in.dtype());
  dispatch_floating(in.dtype(), "im2col_out_cpu", [&](auto tag) {
    using T = decltype(tag);
    const T* src = in.data<T>();
    T* dst = out.data<T>();
    for (int64_t b = 0; b < n; ++b)
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t ch = r / (kh * kw), ki = (r / kw) % kh, kj = r % kw;
        const T* plane = src + (b * c + ch) * h * w;
        T* row = dst + (b * rows + r) * cols;
        for (int64_t i = 0; i < oh; ++i) {
          const int64_t y = i * stride[0] - padding[0] + ki * dilation[0];
          for (int64_t j = 0; j < ow; ++j) {
            const int64_t xx = j * stride[1] - padding[1] + kj * dilation[1];
            row[i * ow + j] = (y >= 0 && y < h && xx >= 0 && xx < w) ? plane[y * w + xx] : T{};
          }
        }
      }
  });
  return batched ? out : squeeze(out, 0);
}

Tensor col2im(const Tensor& x, std::span<const int64_t> output_size, std::span<const int64_t> kernel,
              std::span<const int64_t> dilation, std::span<const int64_t> padding, std::span<const int64_t> stride) {
  check_pair(output_size, "output_size");
  check_pair(kernel, "kernel_size");
  check_pair(dilation, "dilation");
  check_pair(padding, "padding");
  check_pair(stride, "stride");
  if (output_size[0] <= 0 || output_size[1] <= 0)
    fail("Expected output_size to be positive, but got output_size=", pair_string(output_size));
  check_window(kernel, dilation, padding, stride);
  const bool batched = x.dim() == 3;
  if (!((x.dim() == 2 || x.dim() == 3) && x.size(-1) > 0 && x.size(-2) > 0))
    fail("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: ",
         shape_string(x.sizes()));
  const int64_t kh = kernel[0], kw = kernel[1];
  const Tensor in = batched ? x.contiguous() : unsqueeze(x, 0).contiguous();
  if (in.size(1) % (kh * kw) != 0)
    fail("Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=",
         in.size(1), " and kernel_size=", pair_string(kernel), ".");
  const int64_t h = output_size[0], w = output_size[1];
  const int64_t bh = (h + 2 * padding[0] - (dilation[0] * (kh - 1) + 1)) / stride[0] + 1;
  const int64_t bw = (w + 2 * padding[1] - (dilation[1] * (kw - 1) + 1)) / stride[1] + 1;
  if (in.size(2) != bh * bw)
    fail("Given output_size=", pair_string(output_size), ", kernel_size=", pair_string(kernel), ", dilation=",
         pair_string(dilation), ", padding=", pair_string(padding), ", stride=", pair_string(stride),
         ", expected size of input's dimension 2 to match the calculated number of sliding blocks ", bh, " * ", bw,
         " = ", bh * bw, ", but got input.size(2)=", in.size(2), ".");
  if (bh < 1 || bw < 1)
    fail("Given output_size=", pair_string(output_size), ", kernel_size=", pair_string(kernel), ", dilation=",
         pair_string(dilation), ", padding=", pair_string(padding), ", stride=", pair_string(stride),
         ", calculated shape of the array of sliding blocks as ", pair_string(std::vector<int64_t>{bh, bw}),
         ", but its components must be at least one.");
  const int64_t n = in.size(0), c = in.size(1) / (kh * kw), rows = in.size(1), cols = in.size(2);
  Tensor out = Tensor::empty({n, c, h, w}, in.dtype());
  dispatch_floating(in.dtype(), "col2im_out_cpu", [&](auto tag) {
    using T = decltype(tag);
    using A = std::conditional_t<std::is_same_v<T, bool>, int, opmath_t<T>>;
    const T* src = in.data<T>();
    std::vector<A> acc(static_cast<size_t>(h * w));
    T* dst = out.data<T>();
    for (int64_t b = 0; b < n; ++b)
      for (int64_t ch = 0; ch < c; ++ch) {
        std::fill(acc.begin(), acc.end(), A(0));
        for (int64_t ki = 0; ki < kh; ++ki)
          for (int64_t kj = 0; kj < kw; ++kj) {
            const T* row = src + (b * rows + (ch * kh + ki) * kw + kj) * cols;
            for (int64_t i = 0; i < bh; ++i) {
              const int64_t y = i * stride[0] - padding[0] + ki * dilation[0];
              if (y < 0 || y >= h) continue;
              for (int64_t j = 0; j < bw; ++j) {
                const int64_t xx = j * stride[1] - padding[1] + kj * dilation[1];
                if (xx >= 0 && xx < w) acc[static_cast<size_t>(y * w + xx)] += static_cast<A>(row[i * bw + j]);
              }
            }
          }
        T* plane = dst + (b * c + ch) * h * w;
        for (int64_t i = 0; i < h * w; ++i) plane[i] = static_cast<T>(acc[static_cast<size_t>(i)]);
      }
  });
  return batched ? out : squeeze(out, 0);
}

// ---- grid sampling ------------------------------------------------------------------------------

namespace {

template <class A>
A unnormalize(A coord, int64_t size, bool align_corners) {
  if (align_corners) return ((coord + 1) / 2) * static_cast<A>(size - 1);
  return ((coord + 1) * static_cast<A>(size) - 1) / 2;
}

template <class A>
A clip_coordinates(A in, int64_t clip_limit) {
  return std::min(static_cast<A>(clip_limit - 1), std::max(in, static_cast<A>(0)));
}

template <class A>
A reflect_coordinates(A in, int64_t twice_low, int64_t twice_high) {
  if (twice_low == twice_high) return static_cast<A>(0);
  const A min = static_cast<A>(twice_low) / 2;
  const A span = static_cast<A>(twice_high - twice_low) / 2;
  in = std::fabs(in - min);
  const A extra = std::fmod(in, span);
  const int64_t flips = static_cast<int64_t>(std::floor(in / span));
  return flips % 2 == 0 ? extra + min : span - extra + min;
}

template <class A>
A compute_coordinates(A coord, int64_t size, int64_t padding, bool align_corners) {
  if (padding == 1) {
    coord = clip_coordinates(coord, size);
  } else if (padding == 2) {
    coord = align_corners ? reflect_coordinates(coord, 0, 2 * (size - 1)) : reflect_coordinates(coord, -1, 2 * size - 1);
    coord = clip_coordinates(coord, size);
  }
  return coord;
}

template <class A>
A cubic_convolution1(A x, A a) {
  return ((a + 2) * x - (a + 3)) * x * x + 1;
}

template <class A>
A cubic_convolution2(A x, A a) {
  return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
}

template <class A>
void cubic_coefficients(A coeffs[4], A t) {
  const A a = static_cast<A>(-0.75);
  coeffs[0] = cubic_convolution2<A>(t + 1, a);
  coeffs[1] = cubic_convolution1<A>(t, a);
  coeffs[2] = cubic_convolution1<A>(1 - t, a);
  coeffs[3] = cubic_convolution2<A>(2 - t, a);
}

// grid_sampler's argument checks (PyTorch's wording), for `spatial` = 2 or 3 dimensions.
void check_grid_sampler(const Tensor& input, const Tensor& grid, int64_t spatial, int64_t interpolation, int64_t padding) {
  if (input.dtype() != grid.dtype())
    fail("grid_sampler(): expected input and grid to have same dtype, but input has ", dtype_name(input.dtype()),
         " and grid has ", dtype_name(grid.dtype()));
  if (!(input.dim() == spatial + 2 && grid.dim() == spatial + 2))
    fail("grid_sampler(): expected ", spatial + 2, "D input and grid with same number of dimensions, but got input with sizes ",
         shape_string(input.sizes()), " and grid with sizes ", shape_string(grid.sizes()));
  if (input.size(0) != grid.size(0))
    fail("grid_sampler(): expected grid and input to have same batch size, but got input with sizes ",
         shape_string(input.sizes()), " and grid with sizes ", shape_string(grid.sizes()));
  if (grid.size(-1) != spatial)
    fail("grid_sampler(): expected grid to have size ", spatial, " in last dimension, but got grid with sizes ",
         shape_string(grid.sizes()));
  for (int64_t i = 2; i < spatial + 2; ++i)
    if (input.size(i) == 0)
      fail("grid_sampler(): expected input to have non-empty spatial dimensions, but input has sizes ",
           shape_string(input.sizes()), " with dimension ", i, " being empty");
  if (interpolation == 2 && spatial == 3) fail("grid_sampler(): bicubic interpolation only supports 4D input");
  if (interpolation < 0 || interpolation > (spatial == 2 ? 2 : 1)) fail("grid_sampler(): unknown interpolation mode ", interpolation);
  if (padding < 0 || padding > 2) fail("grid_sampler(): unknown padding mode ", padding);
}

}  // namespace

Tensor grid_sampler_2d(const Tensor& input, const Tensor& grid, int64_t interpolation, int64_t padding,
                       bool align_corners) {
  check_grid_sampler(input, grid, 2, interpolation, padding);
  const int64_t n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
  const int64_t oh = grid.size(1), ow = grid.size(2);
  Tensor out = Tensor::empty({n, c, oh, ow}, input.dtype());
  dispatch_floating(input.dtype(), "grid_sampler_2d_cpu", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const Tensor in = input.contiguous(), g = grid.contiguous();
    const T* ip = in.data<T>();
    const T* gp = g.data<T>();
    T* op = out.data<T>();
    auto at = [&](const T* plane, int64_t y, int64_t x) -> A {
      return (y >= 0 && y < h && x >= 0 && x < w) ? static_cast<A>(plane[y * w + x]) : A(0);
    };
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          const T* gxy = gp + ((b * oh + i) * ow + j) * 2;
          const A gx = static_cast<A>(gxy[0]), gy = static_cast<A>(gxy[1]);
          for (int64_t ch = 0; ch < c; ++ch) {
            const T* plane = ip + (b * c + ch) * h * w;
            A v = 0;
            if (interpolation == 2) {
              const A ix = unnormalize(gx, w, align_corners), iy = unnormalize(gy, h, align_corners);
              const A fx = std::floor(ix), fy = std::floor(iy);
              A cx[4], cy[4];
              cubic_coefficients(cx, ix - fx);
              cubic_coefficients(cy, iy - fy);
              auto bounded = [&](A y, A x) -> A {
                const A xc = compute_coordinates(x, w, padding, align_corners);
                const A yc = compute_coordinates(y, h, padding, align_corners);
                return at(plane, static_cast<int64_t>(yc), static_cast<int64_t>(xc));
              };
              for (int r = 0; r < 4; ++r) {
                A row = 0;
                for (int k = 0; k < 4; ++k) row += bounded(fy - 1 + r, fx - 1 + k) * cx[k];
                v += row * cy[r];
              }
            } else {
              const A ix = compute_coordinates(unnormalize(gx, w, align_corners), w, padding, align_corners);
              const A iy = compute_coordinates(unnormalize(gy, h, align_corners), h, padding, align_corners);
              if (interpolation == 1) {
                v = at(plane, static_cast<int64_t>(std::nearbyint(iy)), static_cast<int64_t>(std::nearbyint(ix)));
              } else {
                const A fx = std::floor(ix), fy = std::floor(iy);
                const int64_t x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
                const A nw = (fx + 1 - ix) * (fy + 1 - iy), ne = (ix - fx) * (fy + 1 - iy);
                const A sw = (fx + 1 - ix) * (iy - fy), se = (ix - fx) * (iy - fy);
                v = at(plane, y0, x0) * nw + at(plane, y0, x0 + 1) * ne + at(plane, y0 + 1, x0) * sw +
                    at(plane, y0 + 1, x0 + 1) * se;
              }
            }
            op[((b * c + ch) * oh + i) * ow + j] = static_cast<T>(v);
          }
        }
  });
  return out;
}

Tensor grid_sampler_3d(const Tensor& input, const Tensor& grid, int64_t interpolation, int64_t padding,
                       bool align_corners) {
  check_grid_sampler(input, grid, 3, interpolation, padding);
  const int64_t n = input.size(0), c = input.size(1), d = input.size(2), h = input.size(3), w = input.size(4);
  const int64_t od = grid.size(1), oh = grid.size(2), ow = grid.size(3);
  Tensor out = Tensor::empty({n, c, od, oh, ow}, input.dtype());
  dispatch_floating(input.dtype(), "grid_sampler_3d_cpu", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const Tensor in = input.contiguous(), g = grid.contiguous();
    const T* ip = in.data<T>();
    const T* gp = g.data<T>();
    T* op = out.data<T>();
    const int64_t plane = d * h * w, opl = od * oh * ow;
    auto at = [&](const T* vol, int64_t z, int64_t y, int64_t x) -> A {
      return (z >= 0 && z < d && y >= 0 && y < h && x >= 0 && x < w) ? static_cast<A>(vol[(z * h + y) * w + x]) : A(0);
    };
    for (int64_t b = 0; b < n; ++b)
      for (int64_t o = 0; o < opl; ++o) {
        const T* gxyz = gp + (b * opl + o) * 3;
        const A ix = compute_coordinates(unnormalize(static_cast<A>(gxyz[0]), w, align_corners), w, padding, align_corners);
        const A iy = compute_coordinates(unnormalize(static_cast<A>(gxyz[1]), h, align_corners), h, padding, align_corners);
        const A iz = compute_coordinates(unnormalize(static_cast<A>(gxyz[2]), d, align_corners), d, padding, align_corners);
        for (int64_t ch = 0; ch < c; ++ch) {
          const T* vol = ip + (b * c + ch) * plane;
          A v;
          if (interpolation == 1) {
            v = at(vol, static_cast<int64_t>(std::nearbyint(iz)), static_cast<int64_t>(std::nearbyint(iy)),
                   static_cast<int64_t>(std::nearbyint(ix)));
          } else {
            const A fx = std::floor(ix), fy = std::floor(iy), fz = std::floor(iz);
            const int64_t x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy), z0 = static_cast<int64_t>(fz);
            const A wx1 = ix - fx, wx0 = fx + 1 - ix, wy1 = iy - fy, wy0 = fy + 1 - iy, wz1 = iz - fz, wz0 = fz + 1 - iz;
            v = at(vol, z0, y0, x0) * (wx0 * wy0 * wz0) + at(vol, z0, y0, x0 + 1) * (wx1 * wy0 * wz0) +
                at(vol, z0, y0 + 1, x0) * (wx0 * wy1 * wz0) + at(vol, z0, y0 + 1, x0 + 1) * (wx1 * wy1 * wz0) +
                at(vol, z0 + 1, y0, x0) * (wx0 * wy0 * wz1) + at(vol, z0 + 1, y0, x0 + 1) * (wx1 * wy0 * wz1) +
                at(vol, z0 + 1, y0 + 1, x0) * (wx0 * wy1 * wz1) + at(vol, z0 + 1, y0 + 1, x0 + 1) * (wx1 * wy1 * wz1);
          }
          op[(b * c + ch) * opl + o] = static_cast<T>(v);
        }
      }
  });
  return out;
}

Tensor affine_grid_generator(const Tensor& theta, std::span<const int64_t> size, bool align_corners) {
  if (size.size() != 4 && size.size() != 5)
    fail("AffineGridGenerator needs 4d (spatial) or 5d (volumetric) inputs.");
  const bool vol = size.size() == 5;
  const int64_t n = size[0], k = vol ? 3 : 2;
  if (theta.dim() != 3 || theta.size(0) != n || theta.size(1) != k || theta.size(2) != k + 1)
    fail("affine_grid_generator: expected theta of shape [", n, ", ", k, ", ", k + 1, "] for size ",
         shape_string(size), ", but got ", shape_string(theta.sizes()));
  const int64_t d = vol ? size[2] : 1, h = size[size.size() - 2], w = size[size.size() - 1];
  Shape out_shape = vol ? Shape{n, d, h, w, 3} : Shape{n, h, w, 2};
  Tensor out = Tensor::empty(out_shape, theta.dtype());
  dispatch_floating(theta.dtype(), "affine_grid_generator", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    auto lin = [&](int64_t steps, int64_t i) -> A {
      if (steps <= 1) return A(0);
      const A step = static_cast<A>(2) / static_cast<A>(steps - 1);
      A v = i < steps / 2 ? A(-1) + step * static_cast<A>(i) : A(1) - step * static_cast<A>(steps - 1 - i);
      if (!align_corners) v = v * static_cast<A>(steps - 1) / static_cast<A>(steps);
      return v;
    };
    const Tensor th = theta.contiguous();
    const T* tp = th.data<T>();
    T* op = out.data<T>();
    for (int64_t b = 0; b < n; ++b)
      for (int64_t z = 0; z < d; ++z)
        for (int64_t y = 0; y < h; ++y)
          for (int64_t x = 0; x < w; ++x) {
            A base[4] = {lin(w, x), lin(h, y), vol ? lin(d, z) : A(1), A(1)};
            const T* m = tp + b * k * (k + 1);
            T* o = op + (((b * d + z) * h + y) * w + x) * k;
            for (int64_t r = 0; r < k; ++r) {
              A s = 0;
              for (int64_t cidx = 0; cidx <= k; ++cidx) s += base[cidx] * static_cast<A>(m[r * (k + 1) + cidx]);
              o[r] = static_cast<T>(s);
            }
          }
  });
  return out;
}

namespace {

// Scatters each input plane's values to the flat output positions its indices name; `spatial`
// is 2 or 3 trailing dims.
Tensor max_unpool(int spatial, const Tensor& self, const Tensor& indices, std::span<const int64_t> output_size) {
  const char* name = spatial == 2 ? "max_unpooling2d" : "max_unpooling3d";
  const bool batched = self.dim() == spatial + 2;
  if (self.dim() != spatial + 1 && !batched)
    fail("Input to ", name, " should be a ", spatial + 1, "d or ", spatial + 2, "d Tensor, but got a tensor with ",
         self.dim(), " dimensions.");
  if (self.sizes() != indices.sizes())
    fail("Expected shape of indices to be same as that of the input tensor (", shape_string(self.sizes()),
         ") but got indices tensor with shape: ", shape_string(indices.sizes()));
  if (indices.dtype() != DType::Int64)
    fail("elements in indices should be type int64 but got: ", dtype_name(indices.dtype()));
  const DType dt = self.dtype();
  // (16-bit floats run in float32, as elsewhere in ember, where PyTorch's CPU build has no kernel.)
  if (!is_floating(dt))
    fail_dtype(spatial == 2 ? "max_unpool2d" : "max_unpool3d", dt);
  for (int64_t i = 1; i < self.dim(); ++i)
    if (self.size(i) <= 0)
      fail(name, "(): Expected input to have non-zero size for non-batch dimensions, but got ",
           shape_string(self.sizes()), " with dimension ", i, " being empty.");
  const Tensor in = (batched ? self : unsqueeze(self, 0)).contiguous();
  const Tensor idx = (batched ? indices : unsqueeze(indices, 0)).contiguous();
  int64_t plane_in = 1, plane_out = 1;
  for (int i = 0; i < spatial; ++i) {
    plane_in *= in.size(2 + i);
    if (output_size[static_cast<size_t>(i)] < 0) fail(name, ": negative output size ", shape_string(output_size));
    plane_out = checked_numel(std::vector<int64_t>{plane_out, output_size[static_cast<size_t>(i)]});
  }
  Shape out_shape{in.size(0), in.size(1)};
  out_shape.insert(out_shape.end(), output_size.begin(), output_size.end());
  Tensor out = Tensor::empty(out_shape, in.dtype());
  std::ostringstream vol;
  for (size_t i = 0; i < output_size.size(); ++i) vol << (i ? "x" : "") << output_size[i];
  const size_t es = in.element_size();
  const char* ip = static_cast<const char*>(in.raw_data());
  const int64_t* xp = idx.data<int64_t>();
  char* op = static_cast<char*>(out.raw_data());
  const int64_t planes = in.size(0) * in.size(1);
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < plane_in; ++i) {
      const int64_t at = xp[p * plane_in + i];
      if (at < 0 || at >= plane_out)
        fail("Found an invalid max index: ", at, " (output volumes are of size ", vol.str());
      std::memcpy(op + static_cast<size_t>(p * plane_out + at) * es, ip + static_cast<size_t>(p * plane_in + i) * es, es);
    }
  return batched ? out : squeeze(out, 0);
}

}  // namespace

Tensor max_unpool2d(const Tensor& self, const Tensor& indices, std::span<const int64_t> output_size) {
  if (output_size.size() != 2)
    fail("There should be exactly two elements (height, width) in output_size, but got ", output_size.size(),
         " elements.");
  return max_unpool(2, self, indices, output_size);
}

Tensor max_unpool3d(const Tensor& self, const Tensor& indices, std::span<const int64_t> output_size,
                    std::span<const int64_t> stride, std::span<const int64_t> padding) {
  if (output_size.size() != 3)
    fail("There should be exactly three elements (depth, height, width) in output_size, but got: ",
         output_size.size(), " elements.");
  if (stride.size() != 3)
    fail("There should be exactly three elements (depth, height, width) in stride, but got: ", stride.size(), " elements.");
  if (padding.size() != 3)
    fail("There should be exactly three elements (depth, height, width) in padding, but got: ", padding.size(),
         " elements.");
  for (int64_t s : stride)
    if (s <= 0) fail("strides should be greater than zero, but got stride: ", shape_string(stride));
  return max_unpool(3, self, indices, output_size);
}

Tensor combinations(const Tensor& self, int64_t r, bool with_replacement) {
  if (self.dim() != 1) fail("Expect a 1D vector, but got shape ", shape_string(self.sizes()));
  if (r < 0) fail("Expect a non-negative number, but got ", r);
  if (r == 0) return Tensor::empty({0}, self.dtype());
  const int64_t n = self.numel();
  std::vector<int64_t> picks;  // r indices per combination, lexicographic order
  std::vector<int64_t> cur(static_cast<size_t>(r), 0);
  // Non-decreasing (with replacement) or strictly increasing index tuples, as the masked meshgrid
  // PyTorch builds selects them.
  std::function<void(int64_t, int64_t)> walk = [&](int64_t pos, int64_t from) {
    if (pos == r) {
      picks.insert(picks.end(), cur.begin(), cur.end());
      if (picks.size() > (size_t{1} << 32)) fail("combinations: more than ember will allocate");
      return;
    }
    for (int64_t i = from; i < n; ++i) {
      cur[static_cast<size_t>(pos)] = i;
      walk(pos + 1, with_replacement ? i : i + 1);
    }
  };
  walk(0, 0);
  const auto count = static_cast<int64_t>(picks.size()) / r;
  Tensor idx = Tensor::empty({count * r}, DType::Int64);
  std::copy(picks.begin(), picks.end(), idx.data<int64_t>());
  return reshape(take(self.contiguous(), idx), std::vector<int64_t>{count, r});
}

// ---- embedding bags -----------------------------------------------------------------------------

std::tuple<Tensor, Tensor, Tensor, Tensor> embedding_bag(const Tensor& weight, const Tensor& indices,
                                                         const Tensor& offsets, int64_t mode,
                                                         const std::optional<Tensor>& per_sample_weights,
                                                         bool include_last_offset, int64_t padding_idx) {
  if (weight.dim() != 2) fail("weight has to be a 2D Tensor, but got Tensor of dimension ", weight.dim());
  if (indices.dim() != 1) fail("input has to be a 1D Tensor, but got Tensor of dimension ", indices.dim());
  if (offsets.dim() != 1) fail("offsets has to be a 1D Tensor, but got Tensor of dimension ", offsets.dim());
  auto is_index = [](DType t) { return t == DType::Int64 || t == DType::Int32; };
  if (!is_index(indices.dtype()))
    fail("embedding_bag: expected indices to be Long or Int, but got ", dtype_name(indices.dtype()));
  if (!is_index(offsets.dtype()))
    fail("embedding_bag: expected offsets to be Long or Int, but got ", dtype_name(offsets.dtype()));
  if (mode < 0 || mode > 2) fail("embedding_bag: unknown mode ", mode);
  if (per_sample_weights) {
    if (mode != 0) fail("embedding_bag: per_sample_weights only supported with mode='sum'");
    if (per_sample_weights->dtype() != weight.dtype())
      fail("embedding_bag: expected per_sample_weights to have dtype ", dtype_name(weight.dtype()), ", but got ",
           dtype_name(per_sample_weights->dtype()));
    if (per_sample_weights->dim() != 1 || per_sample_weights->numel() != indices.numel())
      fail("embedding_bag: expected per_sample_weights.numel() (", per_sample_weights->numel(),
           ") to be the same as indices.numel() (", indices.numel(), ")");
  }
  const int64_t num_rows = weight.size(0), dim = weight.size(1), ni = indices.numel();
  const Tensor idx = indices.to(DType::Int64).contiguous(), off = offsets.to(DType::Int64).contiguous();
  const int64_t* ip = idx.data<int64_t>();
  const int64_t* opf = off.data<int64_t>();
  int64_t bags = off.numel();
  if (include_last_offset) {
    if (bags < 1) fail("include_last_offset: number of offset should be at least 1");
    bags -= 1;
  }
  if (bags > 0 && opf[0] != 0)
    fail("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. However, got ",
         opf[0]);
  for (int64_t b = 0; b + 1 < off.numel(); ++b)
    if (opf[b] > opf[b + 1]) fail("offsets has to be a monotonically increasing sequence, but got ", opf[b], " > ", opf[b + 1]);
  if (off.numel() > 0 && opf[off.numel() - 1] > ni)
    fail("offsets[-1] can not be greater than input's length ", ni, ", but got offsets[-1] of ", opf[off.numel() - 1]);
  for (int64_t i = 0; i < ni; ++i)
    if (ip[i] < 0 || ip[i] >= num_rows) fail("Index ", ip[i], " is out of bounds: range 0 to ", num_rows);
  // Python's F.embedding_bag already made padding_idx non-negative; -1 (or any negative) is none.
  const int64_t pad = padding_idx;
  Tensor output = Tensor::empty({bags, dim}, weight.dtype());
  Tensor offset2bag = Tensor::empty({ni}, DType::Int64);
  Tensor bag_size = Tensor::empty({bags}, DType::Int64);
  Tensor max_indices = mode == 2 ? Tensor::empty({bags, dim}, DType::Int64) : Tensor::empty({bags}, DType::Int64);
  dispatch_floating(weight.dtype(), "embedding_bag_cpu", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const Tensor wt = weight.contiguous();
    const T* wp = wt.data<T>();
    Tensor psw;
    if (per_sample_weights) psw = per_sample_weights->contiguous();
    const T* sp = per_sample_weights ? psw.data<T>() : nullptr;
    T* out = output.data<T>();
    std::vector<A> acc(static_cast<size_t>(dim));
    std::vector<int64_t> arg(static_cast<size_t>(dim));
    for (int64_t b = 0; b < bags; ++b) {
      const int64_t lo = opf[b], hi = b + 1 < off.numel() ? opf[b + 1] : ni;
      std::fill(acc.begin(), acc.end(), A(0));
      std::fill(arg.begin(), arg.end(), int64_t{-1});
      int64_t count = 0;
      for (int64_t i = lo; i < hi; ++i) {
        offset2bag.data<int64_t>()[i] = b;
        const int64_t row = ip[i];
        if (row == pad) continue;
        const T* wr = wp + row * dim;
        for (int64_t j = 0; j < dim; ++j) {
          const A v = static_cast<A>(wr[j]);
          if (mode == 2) {
            if (count == 0 || v > acc[static_cast<size_t>(j)]) {
              acc[static_cast<size_t>(j)] = v;
              arg[static_cast<size_t>(j)] = row;
            }
          } else {
            acc[static_cast<size_t>(j)] += sp ? v * static_cast<A>(sp[i]) : v;
          }
        }
        ++count;
      }
      bag_size.data<int64_t>()[b] = count;
      for (int64_t j = 0; j < dim; ++j) {
        A v = acc[static_cast<size_t>(j)];
        if (mode == 1 && count > 0) v /= static_cast<A>(count);
        out[b * dim + j] = static_cast<T>(v);
        if (mode == 2) max_indices.data<int64_t>()[b * dim + j] = arg[static_cast<size_t>(j)];
      }
    }
  });
  return {output, offset2bag, bag_size, max_indices};
}

// ---- counting -----------------------------------------------------------------------------------

Tensor bincount(const Tensor& self, const std::optional<Tensor>& weights, int64_t minlength) {
  if (minlength < 0) fail("minlength should be >= 0");
  if (self.dtype() == DType::Bool || !is_integral(self.dtype(), false)) fail_dtype("bincount_cpu", self.dtype());
  // An empty input gives int64 zeros whatever the weights (1.13's early return).
  if (self.dim() == 1 && self.numel() == 0) return Tensor::empty({minlength}, DType::Int64);
  const Tensor s = self.dim() == 1 ? self.to(DType::Int64).contiguous() : Tensor();
  if (self.dim() != 1) fail("bincount only supports 1-d non-negative integral inputs.");
  const int64_t* p = s.data<int64_t>();
  int64_t mx = -1;
  for (int64_t i = 0; i < s.numel(); ++i) {
    if (p[i] < 0) fail("bincount only supports 1-d non-negative integral inputs.");
    mx = std::max(mx, p[i]);
  }
  if (weights && (weights->dim() != 1 || weights->size(0) != s.numel()))
    fail("weights should be 1-d and have the same length as input");
  const int64_t nbins = std::max(mx + 1, minlength);
  if (!weights) {
    Tensor out = Tensor::empty({nbins}, DType::Int64);
    for (int64_t i = 0; i < s.numel(); ++i) ++out.data<int64_t>()[p[i]];
    return out;
  }
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const Tensor w = weights->to(dtype_of<T>::value).contiguous();
    Tensor out = Tensor::empty({nbins}, dtype_of<T>::value);
    for (int64_t i = 0; i < s.numel(); ++i) out.data<T>()[p[i]] += w.data<T>()[i];
    return out;
  };
  return weights->dtype() == DType::Float32 ? run(float{}) : run(double{});
}

Tensor histc(const Tensor& self, int64_t bins, const Scalar& min, const Scalar& max) {
  if (bins <= 0) fail("torch.histogram(): bins must be > 0, but got ", bins, " for dimension 0");
  return dispatch_floating(self.dtype(), "histogram_cpu", [&](auto tag) {
    using T = decltype(tag);
    double lo = min.to_double(), hi = max.to_double();
    const Tensor x = self.contiguous();
    const T* p = x.data<T>();
    const int64_t n = x.numel();
    if (lo == hi && n > 0) {
      double a = std::numeric_limits<double>::infinity(), b = -a;
      bool nan = false;
      for (int64_t i = 0; i < n; ++i) {
        const double v = static_cast<double>(p[i]);
        if (std::isnan(v)) nan = true;
        a = std::min(a, v);
        b = std::max(b, v);
      }
      if (nan) a = b = std::numeric_limits<double>::quiet_NaN();
      lo = a;
      hi = b;
    }
    if (lo == hi) {
      lo -= 1;
      hi += 1;
    }
    if (!(std::isfinite(lo) && std::isfinite(hi)))
      fail("torch.histc: range of [", lo, ", ", hi, "] is not finite");
    if (lo > hi) fail("torch.histc: max must be larger than min");
    // The bin edges as torch.linspace makes them, in the input's dtype.
    using A = opmath_t<T>;
    const int64_t ne = bins + 1;
    std::vector<T> edges(static_cast<size_t>(ne));
    const A s = static_cast<A>(lo), e = static_cast<A>(hi), step = (e - s) / static_cast<A>(ne - 1);
    for (int64_t i = 0; i < ne; ++i)
      edges[static_cast<size_t>(i)] = static_cast<T>(i < ne / 2 ? s + step * static_cast<A>(i)
                                                                : e - step * static_cast<A>(ne - 1 - i));
    Tensor out = Tensor::empty({bins}, self.dtype());
    T* o = out.data<T>();
    const A left = static_cast<A>(edges.front()), right = static_cast<A>(edges.back());
    for (int64_t i = 0; i < n; ++i) {
      const A v = static_cast<A>(p[i]);
      if (v != v) {
        // PyTorch's range test lets NaN through and its bin search leaves it in bin 0.
        o[0] = static_cast<T>(static_cast<A>(o[0]) + A(1));
        continue;
      }
      if (!(v >= left && v <= right)) continue;
      int64_t pos = static_cast<int64_t>((v - left) * static_cast<A>(ne - 1) / (right - left));
      const int64_t pmin = std::max<int64_t>(0, pos - 1), pmax = std::min<int64_t>(pos + 2, ne);
      pos = std::upper_bound(edges.begin() + pmin, edges.begin() + pmax, p[i],
                             [](T a, T b) { return static_cast<A>(a) < static_cast<A>(b); }) -
            edges.begin() - 1;
      if (pos == ne - 1) pos -= 1;
      o[pos] = static_cast<T>(static_cast<A>(o[pos]) + A(1));
    }
    return out;
  });
}

Tensor isin(const Tensor& elements, const Tensor& test_elements, bool invert) {
  for (DType t : {elements.dtype(), test_elements.dtype()})
    if (t == DType::Bool || is_complex(t)) fail("Unsupported input type encountered for isin(): ", dtype_name(t));
  const DType dt = result_type(elements, test_elements);
  return dispatch_real(dt, "isin_default_cpu", [&](auto tag) {
    using T = decltype(tag);
    const Tensor t = test_elements.to(dt).contiguous();
    std::vector<T> set;
    set.reserve(static_cast<size_t>(t.numel()));
    for (int64_t i = 0; i < t.numel(); ++i) {
      const T v = t.data<T>()[i];
      if constexpr (std::is_floating_point_v<opmath_t<T>>)
        if (std::isnan(static_cast<opmath_t<T>>(v))) continue;
      set.push_back(v);
    }
    auto less = [](T a, T b) { return static_cast<opmath_t<T>>(a) < static_cast<opmath_t<T>>(b); };
    std::sort(set.begin(), set.end(), less);
    return map<bool, T>({elements}, [&](opmath_t<T> v) {
      const bool found = std::binary_search(set.begin(), set.end(), static_cast<T>(v), less) &&
                         !(v != v);  // NaN is in no set
      return found != invert;
    });
  });
}

Tensor take(const Tensor& self, const Tensor& index) {
  if (index.dtype() != DType::Int64)
    fail("take(): Expected a long tensor for index, but got ", dtype_name(index.dtype()));
  const int64_t n = self.numel();
  if (n == 0 && index.numel() != 0) fail("take(): tried to take from an empty tensor");
  const Tensor src = self.contiguous(), idx = index.contiguous();
  Tensor out = Tensor::empty(index.sizes(), self.dtype());
  const size_t es = self.element_size();
  const char* sp = static_cast<const char*>(src.raw_data());
  char* op = static_cast<char*>(out.raw_data());
  for (int64_t i = 0; i < idx.numel(); ++i) {
    int64_t k = idx.data<int64_t>()[i];
    if (k < -n || k >= n)
      fail("out of range: tried to access index ", k, " on a tensor of ", n, " elements.");
    if (k < 0) k += n;
    std::memcpy(op + static_cast<size_t>(i) * es, sp + static_cast<size_t>(k) * es, es);
  }
  return out;
}

// ---- scans and scatters -------------------------------------------------------------------------

Tensor logcumsumexp(const Tensor& x, int64_t dim) {
  const int64_t d = wrap_dim(dim, std::max<int64_t>(x.dim(), 1));
  if (is_complex(x.dtype())) fail_dtype("logcumsumexp_out_cpu", x.dtype());
  return dispatch_floating(x.dtype(), "logcumsumexp_out_cpu", [&](auto tag) {
    using T = decltype(tag);
    const Tensor in = x.contiguous();
    Tensor out = Tensor::empty(x.sizes(), x.dtype());
    if (x.numel() == 0) return out;
    const int64_t len = x.dim() == 0 ? 1 : x.size(d);
    int64_t inner = 1;
    for (int64_t i = d + 1; i < x.dim(); ++i) inner *= x.size(i);
    const int64_t outer = x.numel() / (len * inner);
    const T* ip = in.data<T>();
    T* op = out.data<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k = 0; k < inner; ++k) {
        double cum = -std::numeric_limits<double>::infinity();
        for (int64_t i = 0; i < len; ++i) {
          const int64_t at = (o * len + i) * inner + k;
          const double v = static_cast<double>(ip[at]);
          const double lo = std::isnan(cum) ? cum : std::min(v, cum), hi = std::isnan(cum) ? cum : std::max(v, cum);
          cum = (lo != hi || std::isfinite(lo)) ? hi + std::log1p(std::exp(lo - hi)) : v;
          op[at] = static_cast<T>(cum);
        }
      }
    return out;
  });
}

Tensor scatter_reduce(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                      const std::string& reduce, bool include_self) {
  enum Kind { Sum, Prod, Mean, Amax, Amin } kind;
  if (reduce == "sum") kind = Sum;
  else if (reduce == "prod") kind = Prod;
  else if (reduce == "mean") kind = Mean;
  else if (reduce == "amax") kind = Amax;
  else if (reduce == "amin") kind = Amin;
  else fail("reduce argument must be either sum, prod, mean, amax or amin, got ", reduce);
  if (index.dtype() != DType::Int64) fail("scatter_reduce(): Expected dtype int64 for index");
  if (self.dtype() != src.dtype()) fail("scatter_reduce(): Expected self.dtype to be equal to src.dtype");
  const int64_t nd = std::max<int64_t>(self.dim(), 1);
  const int64_t d = wrap_dim(dim, nd);
  Tensor out = self.clone();
  if (index.numel() == 0) return out;
  if (index.dim() != self.dim() || src.dim() != self.dim())
    fail("Index tensor must have the same number of dimensions as self tensor");
  for (int64_t i = 0; i < index.dim(); ++i)
    if (index.size(i) > src.size(i) || (i != d && index.size(i) > self.size(i)))
      fail("Expected index ", shape_string(index.sizes()), " to be smaller than self ", shape_string(self.sizes()),
           " apart from dimension ", d, " and to be smaller size than src ", shape_string(src.sizes()));
  const Tensor idx = index.contiguous();
  const int64_t* ip = idx.data<int64_t>();
  const Shape& is = index.sizes();
  const int64_t k = self.dim();
  const int64_t limit = k == 0 ? 1 : self.size(d);
  for (int64_t i = 0; i < idx.numel(); ++i)
    if (ip[i] < -limit || ip[i] >= limit)
      fail("index ", ip[i], " is out of bounds for dimension ", d, " with size ", limit);
  dispatch_numeric(self.dtype(), "scatter_reduce", [&](auto tag) {
    using T = decltype(tag);
    using A = std::conditional_t<std::is_same_v<T, bool>, int, opmath_t<T>>;
    T* op = static_cast<T*>(out.raw_data());
    const Shape& os = out.strides();
    const T* sp = static_cast<const T*>(src.raw_data());
    const Shape& ss = src.strides();
    std::vector<int64_t> count(static_cast<size_t>(out.numel()), include_self ? 1 : 0);
    std::vector<char> touched(static_cast<size_t>(out.numel()), 0);
    const Shape ostr = contiguous_strides(out.sizes());
    std::vector<int64_t> pos(static_cast<size_t>(k), 0);
    for (int64_t flat = 0; flat < idx.numel(); ++flat) {
      int64_t rem = flat, so = 0, oo = 0, lin = 0;
      for (int64_t a = k - 1; a >= 0; --a) {
        pos[static_cast<size_t>(a)] = rem % is[static_cast<size_t>(a)];
        rem /= is[static_cast<size_t>(a)];
      }
      int64_t target = ip[flat];
      if (target < 0) target += limit;
      for (int64_t a = 0; a < k; ++a) {
        const int64_t pa = pos[static_cast<size_t>(a)];
        so += pa * ss[static_cast<size_t>(a)];
        const int64_t q = a == d ? target : pa;
        oo += q * os[static_cast<size_t>(a)];
        lin += q * ostr[static_cast<size_t>(a)];
      }
      T& o = op[oo];
      const A v = static_cast<A>(sp[so]);
      if (!include_self && !touched[static_cast<size_t>(lin)]) {
        touched[static_cast<size_t>(lin)] = 1;
        o = static_cast<T>(v);
        count[static_cast<size_t>(lin)] = 1;
        continue;
      }
      const A cur = static_cast<A>(o);
      switch (kind) {
        case Sum:
        case Mean: o = static_cast<T>(cur + v); break;
        case Prod: o = static_cast<T>(cur * v); break;
        case Amax: o = static_cast<T>((v != v) ? v : std::max(cur, v)); break;
        case Amin: o = static_cast<T>((v != v) ? v : std::min(cur, v)); break;
      }
      ++count[static_cast<size_t>(lin)];
    }
    if (kind == Mean) {
      for (int64_t flat = 0; flat < out.numel(); ++flat) {
        int64_t rem = flat, oo = 0;
        for (int64_t a = k - 1; a >= 0; --a) {
          oo += (rem % out.sizes()[static_cast<size_t>(a)]) * os[static_cast<size_t>(a)];
          rem /= out.sizes()[static_cast<size_t>(a)];
        }
        const int64_t c = std::max<int64_t>(count[static_cast<size_t>(flat)], 1);
        if constexpr (std::is_integral_v<A>) {
          const A q = static_cast<A>(op[oo]) / static_cast<A>(c);
          const A r = static_cast<A>(op[oo]) % static_cast<A>(c);
          op[oo] = static_cast<T>((r != 0 && ((r < 0) != (c < 0))) ? q - 1 : q);
        } else {
          op[oo] = static_cast<T>(static_cast<A>(op[oo]) / static_cast<A>(c));
        }
      }
    }
  });
  return out;
}

Tensor tri_indices(bool lower, int64_t row, int64_t col, int64_t offset, DType dtype) {
  const char* name = lower ? "tril_indices" : "triu_indices";
  if (dtype != DType::Int64 && dtype != DType::Int32 && dtype != DType::Int16 && dtype != DType::Int8 &&
      dtype != DType::UInt8)
    fail_dtype(name, dtype);
  if (row < 0) fail("row must be non-negative, got", row);
  if (col < 0) fail("col must be non-negative, got", col);
  if (checked_numel(std::vector<int64_t>{row, col}) > (int64_t{1} << 40))
    fail(name, ": ", row, " x ", col, " indices are more than ember will allocate");
  std::vector<int64_t> rs, cs;
  for (int64_t i = 0; i < row; ++i)
    for (int64_t j = 0; j < col; ++j)
      if (lower ? j - i <= offset : j - i >= offset) {
        rs.push_back(i);
        cs.push_back(j);
      }
  const auto n = static_cast<int64_t>(rs.size());
  Tensor out = Tensor::empty({2, n}, DType::Int64);
  std::copy(rs.begin(), rs.end(), out.data<int64_t>());
  std::copy(cs.begin(), cs.end(), out.data<int64_t>() + n);
  return out.to(dtype);
}

Tensor range(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<DType> dtype) {
  const DType dt = dtype.value_or(kDefaultFloat);
  return dispatch_numeric(dt, "range_cpu", [&](auto tag) {
    using T = decltype(tag);
    using Acc = std::conditional_t<std::is_integral_v<T>, int64_t, double>;
    const Acc xs = start.to<Acc>(), xe = end.to<Acc>(), xd = step.to<Acc>();
    if (xd == 0) fail("step must be nonzero");
    if (!std::isfinite(static_cast<double>(xs)) || !std::isfinite(static_cast<double>(xe)))
      fail("unsupported range: ", xs, " -> ", xe);
    if (!((xd > 0 && xe >= xs) || (xd < 0 && xe <= xs)))
      fail("upper bound and larger bound inconsistent with step sign");
    const auto n = static_cast<int64_t>((static_cast<double>(xe) - static_cast<double>(xs)) / static_cast<double>(xd) + 1);
    Tensor out = Tensor::empty({n}, dt);
    T* p = out.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(xs + static_cast<Acc>(i) * xd);
    return out;
  });
}

// ---- statistics ---------------------------------------------------------------------------------

Tensor quantile(const Tensor& x, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                const std::string& interpolation, bool ignore_nan) {
  const char* name = ignore_nan ? "nanquantile()" : "quantile()";
  if (x.numel() == 0) fail(name, " input tensor must be non-empty");
  if (q.dim() > 1) fail(name, " q must be a scalar or 1D tensor");
  if (x.dtype() != DType::Float32 && x.dtype() != DType::Float64)
    fail(name, " input tensor must be either float or double dtype");
  if (q.dtype() != x.dtype()) fail(name, " q tensor must be same dtype as the input tensor");
  enum Mode { Linear, Lower, Higher, Midpoint, Nearest } mode;
  if (interpolation == "linear") mode = Linear;
  else if (interpolation == "lower") mode = Lower;
  else if (interpolation == "higher") mode = Higher;
  else if (interpolation == "midpoint") mode = Midpoint;
  else if (interpolation == "nearest") mode = Nearest;
  else
    fail(name, " interpolation must be one of linear, lower, higher, midpoint or nearest, but got ", interpolation);
  // Rows to reduce: x with the reduced dim moved last, flattened.
  Shape out_shape;
  Tensor rows;
  if (!dim) {
    rows = reshape(x, std::vector<int64_t>{1, x.numel()});
    if (keepdim) out_shape.assign(static_cast<size_t>(x.dim()), 1);
  } else {
    const int64_t d = wrap_dim(*dim, std::max<int64_t>(x.dim(), 1));
    const Tensor moved = x.dim() == 0 ? reshape(x, std::vector<int64_t>{1}) : movedim(x, std::vector<int64_t>{d}, std::vector<int64_t>{-1});
    const int64_t len = moved.size(-1);
    rows = reshape(moved, std::vector<int64_t>{moved.numel() / std::max<int64_t>(len, 1), len});
    for (int64_t i = 0; i < x.dim(); ++i) {
      if (i == d) {
        if (keepdim) out_shape.push_back(1);
      } else {
        out_shape.push_back(x.size(i));
      }
    }
  }
  const int64_t nq = q.numel();
  Shape full = out_shape;
  if (q.dim() == 1) full.insert(full.begin(), nq);
  Tensor out = Tensor::empty(full, x.dtype());
  const Tensor sorted = std::get<0>(sort(rows, -1, false, false)).contiguous();
  const Tensor qc = q.contiguous();
  auto compute = [&](auto tag) {
    using T = decltype(tag);
    const T* qp = qc.data<T>();
    for (int64_t i = 0; i < nq; ++i)
      if (!(qp[i] >= 0 && qp[i] <= 1)) fail(name, " q values must be in the range [0, 1]");
    const int64_t nrows = sorted.size(0), len = sorted.size(1);
    const T* sp = sorted.data<T>();
    T* op = out.data<T>();
    for (int64_t r = 0; r < nrows; ++r) {
      const T* row = sp + r * len;
      int64_t valid = 0;
      bool any_nan = false;
      for (int64_t i = 0; i < len; ++i) {
        if (std::isnan(row[i])) any_nan = true;
        else ++valid;
      }
      for (int64_t k = 0; k < nq; ++k) {
        T rank;
        if (ignore_nan) {
          rank = qp[k] * static_cast<T>(valid - 1);
          if (rank < 0) rank = 0;
        } else {
          rank = any_nan ? static_cast<T>(len - 1) : qp[k] * static_cast<T>(len - 1);
        }
        if (mode == Lower) rank = std::floor(rank);
        else if (mode == Higher) rank = std::ceil(rank);
        else if (mode == Nearest) rank = std::nearbyint(rank);
        const auto below = static_cast<int64_t>(rank);
        T v = row[below];
        if (mode == Linear || mode == Midpoint) {
          const T weight = mode == Midpoint ? T(0.5) : rank - static_cast<T>(below);
          const T above = row[static_cast<int64_t>(std::ceil(rank))];
          v = std::abs(weight) < T(0.5) ? v + weight * (above - v) : above - (above - v) * (T(1) - weight);
        }
        op[k * nrows + r] = v;
      }
    }
  };
  if (x.dtype() == DType::Float32) compute(float{});
  else compute(double{});
  return out;
}

Tensor cdist(const Tensor& x1, const Tensor& x2, double p) {
  if (x1.dim() < 2) fail("cdist only supports at least 2D tensors, X1 got: ", x1.dim(), "D");
  if (x2.dim() < 2) fail("cdist only supports at least 2D tensors, X2 got: ", x2.dim(), "D");
  if (x1.size(-1) != x2.size(-1))
    fail("X1 and X2 must have the same number of columns. X1: ", x1.size(-1), " X2: ", x2.size(-1));
  if (!is_floating(x1.dtype())) fail("cdist only supports floating-point dtypes, X1 got: ", dtype_name(x1.dtype()));
  if (!is_floating(x2.dtype())) fail("cdist only supports floating-point dtypes, X2 got: ", dtype_name(x2.dtype()));
  if (!(p >= 0)) fail("cdist only supports non-negative p values");
  if (x1.dtype() != x2.dtype())
    fail("expected scalar type ", dtype_name(x1.dtype()), " but found ", dtype_name(x2.dtype()));
  const int64_t pr = x1.size(-2), rr = x2.size(-2), m = x1.size(-1);
  const Shape b1(x1.sizes().begin(), x1.sizes().end() - 2), b2(x2.sizes().begin(), x2.sizes().end() - 2);
  Shape batch = broadcast_shapes(b1, b2);
  Shape e1 = batch, e2 = batch;
  e1.insert(e1.end(), {pr, m});
  e2.insert(e2.end(), {rr, m});
  const Tensor a = expand_to(x1, e1).contiguous(), b = expand_to(x2, e2).contiguous();
  Shape os = batch;
  os.insert(os.end(), {pr, rr});
  Tensor out = Tensor::empty(os, x1.dtype());
  const int64_t nb = checked_numel(batch);
  dispatch_floating(x1.dtype(), "cdist", [&](auto tag) {
    using T = decltype(tag);
    const T* ap = a.data<T>();
    const T* bp = b.data<T>();
    T* op = out.data<T>();
    for (int64_t n = 0; n < nb; ++n)
      for (int64_t i = 0; i < pr; ++i)
        for (int64_t j = 0; j < rr; ++j) {
          const T* u = ap + (n * pr + i) * m;
          const T* v = bp + (n * rr + j) * m;
          double acc = 0;
          for (int64_t k = 0; k < m; ++k) {
            const double diff = std::abs(static_cast<double>(u[k]) - static_cast<double>(v[k]));
            if (p == 0) acc += diff != 0 ? 1.0 : 0.0;
            else if (std::isinf(p)) acc = std::max(acc, diff);
            else if (p == 1) acc += diff;
            else if (p == 2) acc += diff * diff;
            else acc += std::pow(diff, p);
          }
          if (p == 2) acc = std::sqrt(acc);
          else if (p != 0 && p != 1 && !std::isinf(p)) acc = std::pow(acc, 1.0 / p);
          op[(n * pr + i) * rr + j] = static_cast<T>(acc);
        }
  });
  return out;
}

// ---- small LU -----------------------------------------------------------------------------------

namespace {

// LU with partial pivoting in place on a row-major n x n matrix (LAPACK getrf's pivot choice: the
// first largest magnitude). Returns the 1-based index of the first exactly-zero pivot (0 when
// none) and sets `sign` to the permutation's parity.
int64_t lu_in_place(std::vector<double>& a, int64_t n, std::vector<int64_t>& perm, double& sign) {
  int64_t info = 0;
  sign = 1;
  perm.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[static_cast<size_t>(i)] = i;
  auto at = [&](int64_t r, int64_t c) -> double& { return a[static_cast<size_t>(r * n + c)]; };
  for (int64_t k = 0; k < n; ++k) {
    int64_t piv = k;
    for (int64_t r = k + 1; r < n; ++r)
      if (std::abs(at(r, k)) > std::abs(at(piv, k))) piv = r;
    if (at(piv, k) == 0) {
      if (info == 0) info = k + 1;
      continue;
    }
    if (piv != k) {
      for (int64_t c = 0; c < n; ++c) std::swap(at(k, c), at(piv, c));
      std::swap(perm[static_cast<size_t>(k)], perm[static_cast<size_t>(piv)]);
      sign = -sign;
    }
    for (int64_t r = k + 1; r < n; ++r) {
      const double f = at(r, k) / at(k, k);
      at(r, k) = f;
      for (int64_t c = k + 1; c < n; ++c) at(r, c) -= f * at(k, c);
    }
  }
  return info;
}

void check_square(const Tensor& a, const char* op) {
  if (a.dim() < 2) fail(op, ": The input tensor A must have at least 2 dimensions.");
  if (a.size(-1) != a.size(-2))
    fail(op, ": A must be batches of square matrices, but they are ", a.size(-2), " by ", a.size(-1), " matrices");
  if (a.dtype() != DType::Float32 && a.dtype() != DType::Float64)
    fail(op, ": Expected a floating point or complex tensor as input. Got ", dtype_name(a.dtype()));
}

// Calls f(batch index, matrix as doubles) for every matrix of a [..., n, n] tensor.
template <class F>
void each_matrix(const Tensor& a, F&& f) {
  const int64_t n = a.size(-1);
  const Tensor d = a.to(DType::Float64).contiguous();
  const int64_t batches = checked_numel(std::span<const int64_t>(a.sizes().data(), a.sizes().size() - 2));
  for (int64_t b = 0; b < batches; ++b) {
    std::vector<double> m(d.data<double>() + b * n * n, d.data<double>() + (b + 1) * n * n);
    f(b, m);
  }
}

}  // namespace

std::tuple<Tensor, Tensor> slogdet(const Tensor& a) {
  check_square(a, "linalg.slogdet");
  const Shape bs(a.sizes().begin(), a.sizes().end() - 2);
  Tensor sign = Tensor::empty(bs, DType::Float64), logabs = Tensor::empty(bs, DType::Float64);
  const int64_t n = a.size(-1);
  each_matrix(a, [&](int64_t b, std::vector<double>& m) {
    std::vector<int64_t> perm;
    double s;
    lu_in_place(m, n, perm, s);
    double la = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double u = m[static_cast<size_t>(i * n + i)];
      if (u == 0) {
        s = 0;
        la = -std::numeric_limits<double>::infinity();
        break;
      }
      if (u < 0) s = -s;
      la += std::log(std::abs(u));
    }
    sign.data<double>()[b] = s;
    logabs.data<double>()[b] = la;
  });
  return {sign.to(a.dtype()), logabs.to(a.dtype())};
}

Tensor det(const Tensor& a) {
  check_square(a, "linalg.det");
  const Shape bs(a.sizes().begin(), a.sizes().end() - 2);
  Tensor out = Tensor::empty(bs, DType::Float64);
  const int64_t n = a.size(-1);
  each_matrix(a, [&](int64_t b, std::vector<double>& m) {
    std::vector<int64_t> perm;
    double s;
    lu_in_place(m, n, perm, s);
    double v = s;
    for (int64_t i = 0; i < n; ++i) v *= m[static_cast<size_t>(i * n + i)];
    out.data<double>()[b] = v;
  });
  return out.to(a.dtype());
}

Tensor inverse(const Tensor& a) {
  check_square(a, "linalg.inv");
  Tensor out = Tensor::empty(a.sizes(), DType::Float64);
  const int64_t n = a.size(-1);
  const bool batched = a.dim() > 2;
  each_matrix(a, [&](int64_t b, std::vector<double>& m) {
    std::vector<int64_t> perm;
    double s;
    const int64_t info = lu_in_place(m, n, perm, s);
    if (info != 0) {
      if (batched)
        fail("linalg.inv: (Batch element ", b, "): The diagonal element ", info,
             " is zero, the inversion could not be completed because the input matrix is singular.");
      fail("linalg.inv: The diagonal element ", info,
           " is zero, the inversion could not be completed because the input matrix is singular.");
    }
    double* o = out.data<double>() + b * n * n;
    std::vector<double> col(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j) {
      // Solve L U x = P e_j.
      for (int64_t i = 0; i < n; ++i) col[static_cast<size_t>(i)] = perm[static_cast<size_t>(i)] == j ? 1.0 : 0.0;
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < i; ++k) col[static_cast<size_t>(i)] -= m[static_cast<size_t>(i * n + k)] * col[static_cast<size_t>(k)];
      for (int64_t i = n - 1; i >= 0; --i) {
        for (int64_t k = i + 1; k < n; ++k) col[static_cast<size_t>(i)] -= m[static_cast<size_t>(i * n + k)] * col[static_cast<size_t>(k)];
        col[static_cast<size_t>(i)] /= m[static_cast<size_t>(i * n + i)];
      }
      for (int64_t i = 0; i < n; ++i) o[i * n + j] = col[static_cast<size_t>(i)];
    }
  });
  return out.to(a.dtype());
}

}  // namespace ember::cpu
