// aten_extra.cpp — the rest of what deployed TorchScript models call (issue 11): vision helpers
// (pixel_shuffle, F.unfold/F.fold, grid_sample 2-D/3-D, affine_grid, max_unpool2d/3d, one_hot,
// embedding_bag), products (addmv, addr, addbmm, tensordot, kron, inner, vdot, chain_matmul,
// bilinear), distances, the less common elementwise ops (xlogy, hypot, logaddexp, erfinv, i0,
// digamma/polygamma...), reductions and statistics (nansum, aminmax, histc, bincount, quantile,
// cov), splits and stacks, the *_scatter ops, small linear algebra (det, slogdet, logdet, inverse,
// matrix_power), tensor queries (stride, storage_offset, result_type...), the losses a scripted
// forward keeps, and PyTorch's alias names (arccos, clip, divide, greater, swapdims...). Loops live
// in kernels/cpu/extra.h; this file holds the composites and the registrations, with PyTorch
// 1.13's schemas (2.11's where it changed an int to SymInt), dtype rules and error wording.
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <numbers>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kernels/cpu/complex.h"
#include "kernels/cpu/creation.h"
#include "kernels/cpu/einsum.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/extra.h"
#include "kernels/cpu/linalg.h"
#include "kernels/cpu/loss.h"
#include "kernels/cpu/random.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cpu/shape.h"
#include "ops/aten_util.h"
#include "tensor/broadcast.h"

namespace ember::ops {
namespace {

using cpu::BinaryOp;
using cpu::ExtraBinary;
using cpu::UnaryOp;
using OptTensor = std::optional<Tensor>;
using OptInt = std::optional<int64_t>;
using Ints = std::vector<int64_t>;
using Tensors = std::vector<Tensor>;

Tensor mul(const Tensor& a, const Tensor& b) { return cpu::binary(BinaryOp::Mul, a, b); }
Tensor reshape(const Tensor& t, const Ints& s) { return cpu::reshape(t, as_span(s)); }

Shape batch_of(const Tensor& t, int64_t trailing) {
  return Shape(t.sizes().begin(), t.sizes().end() - trailing);
}

// ---- vision ---------------------------------------------------------------------------------------

Tensor pixel_shuffle(const Tensor& x, int64_t r) {
  if (x.dim() < 3)
    fail("pixel_shuffle expects input to have at least 3 dimensions, but got input with ", x.dim(), " dimension(s)");
  if (r <= 0) fail("pixel_shuffle expects a positive upscale_factor, but got ", r);
  const int64_t c = x.size(-3), h = x.size(-2), w = x.size(-1);
  if (c % (r * r) != 0)
    fail("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=",
         c, " is not divisible by ", r * r);
  const Shape batch = batch_of(x, 3);
  const auto nb = static_cast<int64_t>(batch.size());
  Ints s(batch.begin(), batch.end());
  s.insert(s.end(), {c / (r * r), r, r, h, w});
  Ints perm;
  for (int64_t i = 0; i < nb; ++i) perm.push_back(i);
  perm.insert(perm.end(), {nb, nb + 3, nb + 1, nb + 4, nb + 2});
  Ints out(batch.begin(), batch.end());
  out.insert(out.end(), {c / (r * r), h * r, w * r});
  return reshape(cpu::permute(reshape(x, s), as_span(perm)), out);
}

Tensor pixel_unshuffle(const Tensor& x, int64_t r) {
  if (x.dim() < 3)
    fail("pixel_unshuffle expects input to have at least 3 dimensions, but got input with ", x.dim(), " dimension(s)");
  if (r <= 0) fail("pixel_unshuffle expects a positive downscale_factor, but got ", r);
  const int64_t c = x.size(-3), h = x.size(-2), w = x.size(-1);
  if (h % r != 0)
    fail("pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=", h,
         " is not divisible by ", r);
  if (w % r != 0)
    fail("pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=", w,
         " is not divisible by ", r);
  const Shape batch = batch_of(x, 3);
  const auto nb = static_cast<int64_t>(batch.size());
  Ints s(batch.begin(), batch.end());
  s.insert(s.end(), {c, h / r, r, w / r, r});
  Ints perm;
  for (int64_t i = 0; i < nb; ++i) perm.push_back(i);
  perm.insert(perm.end(), {nb, nb + 2, nb + 4, nb + 1, nb + 3});
  Ints out(batch.begin(), batch.end());
  out.insert(out.end(), {c * r * r, h / r, w / r});
  return reshape(cpu::permute(reshape(x, s), as_span(perm)), out);
}

Tensor channel_shuffle(const Tensor& x, int64_t groups) {
  if (x.dim() <= 2)
    fail("channel_shuffle expects input with > 2 dims, but got input with sizes ", shape_string(x.sizes()));
  if (groups <= 0) fail("Number of groups to divide channels in must be positive. Value of groups:", groups);
  const int64_t c = x.size(1);
  if (c % groups != 0)
    fail("Number of channels must be divisible by groups. Got ", c, " channels and ", groups, " groups.");
  Ints s{x.size(0), groups, c / groups};
  s.insert(s.end(), x.sizes().begin() + 2, x.sizes().end());
  return reshape(cpu::transpose(reshape(x, s), 1, 2), Ints(x.sizes().begin(), x.sizes().end()));
}

// Tensor.unfold: a view with a new last dim of `size` elements taken every `step`.
Tensor unfold(const Tensor& x, int64_t dim, int64_t size, int64_t step) {
  const int64_t d = x.dim() == 0 ? 0 : wrap_dim(dim, x.dim());
  const int64_t max = x.dim() == 0 ? 1 : x.size(d);
  if (size > max) fail("maximum size for tensor at dimension ", d, " is ", max, " but size is ", size);
  if (size < 0) fail("size is ", size, " but must be >= 0");
  if (step <= 0) fail("step is ", step, " but must be > 0");
  Shape sizes = x.sizes(), strides = x.strides();
  if (x.dim() == 0) {
    sizes = {size};
    strides = {1};
  } else {
    const int64_t st = strides[static_cast<size_t>(d)];
    sizes[static_cast<size_t>(d)] = (sizes[static_cast<size_t>(d)] - size) / step + 1;
    strides[static_cast<size_t>(d)] = st * step;
    sizes.push_back(size);
    strides.push_back(st);
  }
  return x.as_strided(sizes, strides, x.offset());
}

Tensor one_hot(const Tensor& self, int64_t num_classes) {
  if (self.dtype() != DType::Int64) fail("one_hot is only applicable to index tensor.");
  Shape shape = self.sizes();
  if (self.numel() == 0) {
    if (num_classes == -1) fail("Can not infer total number of classes from empty tensor.");
    shape.push_back(num_classes);
    return Tensor::empty(shape, DType::Int64);
  }
  const Tensor x = self.contiguous();
  const int64_t* p = x.data<int64_t>();
  const int64_t mn = *std::min_element(p, p + x.numel()), mx = *std::max_element(p, p + x.numel());
  if (mn < 0) fail("Class values must be non-negative.");
  if (num_classes == -1) num_classes = mx + 1;
  else if (mx >= num_classes) fail("Class values must be smaller than num_classes.");
  shape.push_back(num_classes);
  Tensor out = Tensor::empty(shape, DType::Int64);
  for (int64_t i = 0; i < x.numel(); ++i) out.data<int64_t>()[i * num_classes + p[i]] = 1;
  return out;
}

Tensor tile(const Tensor& x, Ints dims) {
  while (static_cast<int64_t>(dims.size()) < x.dim()) dims.insert(dims.begin(), 1);
  return cpu::repeat(x, as_span(dims));
}

// ---- products -------------------------------------------------------------------------------------

Tensor tensordot(const Tensor& a, const Tensor& b, Ints da, Ints db) {
  if (da.size() != db.size()) fail("both dimension lists should have same length");
  std::vector<bool> ca(static_cast<size_t>(a.dim())), cb(static_cast<size_t>(b.dim()));
  int64_t k = 1;
  for (size_t i = 0; i < da.size(); ++i) {
    da[i] = wrap_dim(da[i], a.dim());
    db[i] = wrap_dim(db[i], b.dim());
    if (a.size(da[i]) != b.size(db[i]))
      fail("contracted dimensions need to match, but first has size ", a.size(da[i]), " in dim ", da[i],
           " and second has size ", b.size(db[i]), " in dim ", db[i]);
    ca[static_cast<size_t>(da[i])] = true;
    cb[static_cast<size_t>(db[i])] = true;
    k *= a.size(da[i]);
  }
  Ints pa, pb, out;
  int64_t m = 1, n = 1;
  for (int64_t i = 0; i < a.dim(); ++i)
    if (!ca[static_cast<size_t>(i)]) {
      pa.push_back(i);
      out.push_back(a.size(i));
      m *= a.size(i);
    }
  pa.insert(pa.end(), da.begin(), da.end());
  pb.assign(db.begin(), db.end());
  for (int64_t i = 0; i < b.dim(); ++i)
    if (!cb[static_cast<size_t>(i)]) {
      pb.push_back(i);
      out.push_back(b.size(i));
      n *= b.size(i);
    }
  const Tensor am = reshape(cpu::permute(a, as_span(pa)), {m, k});
  const Tensor bm = reshape(cpu::permute(b, as_span(pb)), {k, n});
  return reshape(cpu::mm(am, bm), out);
}

Tensor kron(const Tensor& a, const Tensor& b) {
  const int64_t nd = std::max(a.dim(), b.dim());
  Ints av, bv, out;
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t ai = i - (nd - a.dim()), bi = i - (nd - b.dim());
    const int64_t as = ai >= 0 ? a.size(ai) : 1, bs = bi >= 0 ? b.size(bi) : 1;
    av.insert(av.end(), {as, 1});
    bv.insert(bv.end(), {1, bs});
    out.push_back(as * bs);
  }
  return reshape(mul(reshape(a, av), reshape(b, bv)), out);
}

Tensor inner(const Tensor& a, const Tensor& b) {
  if (a.dim() == 0 || b.dim() == 0) return mul(a, b);
  if (a.size(-1) != b.size(-1))
    fail("inner() the last dimension must match on both input tensors but got shapes ", shape_string(a.sizes()),
         " and ", shape_string(b.sizes()));
  return tensordot(a, b, {-1}, {-1});
}

Tensor vdot(const Tensor& a, const Tensor& b) {
  if (a.dim() != 1 || b.dim() != 1)
    fail("1D tensors expected, but got ", a.dim(), "D and ", b.dim(), "D tensors");
  if (a.dtype() != b.dtype())
    fail("vdot expected both vectors to have same dtype, but found ", dtype_name(a.dtype()), " and ",
         dtype_name(b.dtype()));
  if (a.numel() != b.numel())
    fail("inconsistent tensor size, expected tensor [", a.numel(), "] and src [", b.numel(),
         "] to have the same number of elements, but got ", a.numel(), " and ", b.numel(), " elements respectively");
  return cpu::dot(a, b);
}

Tensor chain_matmul(const Tensors& ms) {
  if (ms.empty()) fail("chain_matmul(): Expected one or more matrices");
  for (const Tensor& m : ms)
    if (m.dim() != 2) fail("Tensor dimension is ", m.dim(), ", expected 2 instead.");
  if (ms.size() == 1) return ms[0].clone();
  Tensor r = ms[0];
  for (size_t i = 1; i < ms.size(); ++i) r = cpu::mm(r, ms[i]);
  return r;
}

Tensor trace(const Tensor& x) {
  if (x.dim() != 2) fail("trace: expected a matrix, but got tensor with dim ", x.dim());
  if (x.dtype() == DType::Bool) fail("\"trace\" not implemented for '", dtype_name(x.dtype()), "'");
  return cpu::sum(cpu::diagonal(x, 0, 0, 1), std::nullopt, false, std::nullopt);
}

// beta * self + alpha * product, with beta == 0 ignoring self (its NaNs included), as the BLAS
// based ops do.
Tensor scale_add(const Tensor& self, const Tensor& product, const Scalar& beta, const Scalar& alpha) {
  const bool unit_alpha = alpha.is_integral(true) && alpha.to_int() == 1;
  Tensor r = unit_alpha ? product : cpu::binary(BinaryOp::Mul, product, alpha);
  if (beta.to_double() == 0 && !beta.is_complex()) return cpu::expand(r, as_span(broadcast_shapes(self.sizes(), r.sizes())));
  const bool unit_beta = beta.is_integral(true) && beta.to_int() == 1;
  return cpu::binary(BinaryOp::Add, unit_beta ? self : cpu::binary(BinaryOp::Mul, self, beta), r);
}

void check_int_scalars(DType dt, const Scalar& beta, const Scalar& alpha) {
  if (dt == DType::Bool) {
    if (!(beta.is_bool() || beta.is_int()) ) fail("Boolean beta only supported for Boolean results.");
    if (!(alpha.is_bool() || alpha.is_int())) fail("Boolean alpha only supported for Boolean results.");
  } else if (is_integral(dt, false)) {
    if (!beta.is_integral(true)) fail("For integral input tensors, argument beta must not be a floating point number.");
    if (!alpha.is_integral(true)) fail("For integral input tensors, argument alpha must not be a floating point number.");
  }
}

Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta, const Scalar& alpha) {
  if (mat.dim() != 2 || vec.dim() != 1 || self.dim() > 1)
    fail("vector + matrix @ vector expected, got ", self.dim(), ", ", mat.dim(), ", ", vec.dim());
  if (mat.size(1) != vec.size(0) || (self.dim() == 1 && self.size(0) != mat.size(0) && self.size(0) != 1))
    fail("size mismatch, got input (", self.dim() == 0 ? 1 : self.size(0), "), mat (", mat.size(0), "x", mat.size(1),
         "), vec (", vec.size(0), ")");
  check_int_scalars(vec.dtype(), beta, alpha);
  Tensor r = scale_add(self, cpu::mv(mat, vec), beta, alpha);
  return r.dtype() == vec.dtype() ? r : r.to(vec.dtype());
}

Tensor addr(const Tensor& self, const Tensor& v1, const Tensor& v2, const Scalar& beta, const Scalar& alpha) {
  if (v1.dim() != 1) fail("addr: Expected 1-D argument vec1, but got ", v1.dim(), "-D");
  if (v2.dim() != 1) fail("addr: Expected 1-D argument vec2, but got ", v2.dim(), "-D");
  const DType dt = ResultType().add(self).add(v1).add(v2).result();
  check_int_scalars(dt, beta, alpha);
  const Shape out_shape{v1.size(0), v2.size(0)};
  if (!broadcastable_to(self.sizes(), out_shape))
    fail("The size of tensor a (", self.dim() ? self.size(-1) : 1, ") must match the size of tensor b (", v2.size(0),
         ") at non-singleton dimension 1");
  const Tensor col = cpu::unsqueeze(v1.to(dt), 1), row = cpu::unsqueeze(v2.to(dt), 0);
  const Tensor s = self.to(dt);
  if (dt == DType::Bool) {
    Tensor outer = cpu::binary(BinaryOp::LogicalAnd, col, row);
    if (!alpha.to_bool()) outer = cpu::binary(BinaryOp::LogicalAnd, outer, Scalar(false));
    Tensor r = beta.to_bool() ? cpu::binary(BinaryOp::LogicalOr, s, outer) : outer;
    return cpu::expand(r, as_span(out_shape)).contiguous();
  }
  return cpu::expand(scale_add(s, mul(col, row), beta, alpha), as_span(out_shape)).contiguous();
}

Tensor addbmm(const Tensor& self, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha) {
  if (b1.dim() != 3) fail("batch1 must be a 3D tensor");
  if (b2.dim() != 3) fail("batch2 must be a 3D tensor");
  if (b1.size(0) != b2.size(0))
    fail("batch1 and batch2 must have same number of batches, got ", b1.size(0), " and ", b2.size(0));
  if (b1.size(2) != b2.size(1))
    fail("Incompatible matrix sizes for bmm (", b1.size(1), "x", b1.size(2), " and ", b2.size(1), "x", b2.size(2), ")");
  const Shape out_shape{b1.size(1), b2.size(2)};
  if (!broadcastable_to(self.sizes(), out_shape))
    fail("The expanded size of the tensor (", out_shape[1], ") must match the existing size (", self.size(-1),
         ") at non-singleton dimension 1.  Target sizes: ", shape_string(out_shape), ".  Tensor sizes: ",
         shape_string(self.sizes()));
  check_int_scalars(self.dtype(), beta, alpha);
  const int64_t zero = 0;
  const Tensor prod = b1.size(0) == 0 ? Tensor::zeros(out_shape, b1.dtype())
                                      : cpu::sum(cpu::bmm(b1, b2), std::span<const int64_t>(&zero, 1), false, std::nullopt);
  Tensor r = cpu::expand(scale_add(self, prod, beta, alpha), as_span(out_shape)).contiguous();
  return r.dtype() == self.dtype() ? r : r.to(self.dtype());
}

Tensor bilinear(const Tensor& x1, const Tensor& x2, const Tensor& w, const OptTensor& bias) {
  if (x1.dim() != x2.dim())
    fail("bilinear(): input dimensions do not match: got ", x1.dim(), " and ", x2.dim());
  for (int64_t i = 0; i + 1 < x1.dim(); ++i)
    if (x1.size(i) != x2.size(i))
      fail("bilinear(): input batch dimensions do not match: got ", x1.size(i), " and ", x2.size(i));
  if (w.dim() != 3) fail("bilinear(): weight must be 3-D, got ", w.dim(), "-D");
  if (x1.size(-1) != w.size(1))
    fail("bilinear(): input1 size does not match weight size: got ", x1.size(-1), " but expected ", w.size(1));
  if (x2.size(-1) != w.size(2))
    fail("bilinear(): input2 size does not match weight size: got ", x2.size(-1), " but expected ", w.size(2));
  if (bias && bias->size(0) != w.size(0))
    fail("bilinear(): bias size does not match weight size: got ", bias->size(0), " but expected ", w.size(0));
  const int64_t o = w.size(0), i1 = w.size(1), i2 = w.size(2);
  const Tensor a = reshape(x1, {-1, i1}), b = reshape(x2, {-1, i2});
  const int64_t rows = a.size(0);
  const Tensor wm = reshape(cpu::permute(w, Ints{1, 0, 2}), {i1, o * i2});
  const Tensor t = reshape(cpu::mm(a, wm), {rows, o, i2});
  const int64_t last = -1;
  Tensor y = cpu::sum(mul(t, cpu::unsqueeze(b, 1)), std::span<const int64_t>(&last, 1), false, std::nullopt);
  if (bias) y = cpu::binary(BinaryOp::Add, y, *bias);
  Ints out(x1.sizes().begin(), x1.sizes().end() - 1);
  out.push_back(o);
  return reshape(y, out);
}

// ---- distances ------------------------------------------------------------------------------------

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim, double eps) {
  const DType dt = result_type(x1, x2);
  if (!is_floating(dt))
    fail("expected common dtype to be floating point, yet common dtype is ", dtype_name(dt));
  const Shape common = broadcast_shapes(x1.sizes(), x2.sizes());
  const Tensor a = cpu::expand(x1.to(dt), as_span(common)), b = cpu::expand(x2.to(dt), as_span(common));
  const int64_t d = wrap_dim(dim, std::max<int64_t>(static_cast<int64_t>(common.size()), 1));
  const std::span<const int64_t> dims(&d, 1);
  auto normalized = [&](const Tensor& t) {
    const Tensor n = cpu::clamp(cpu::norm(t, Scalar(int64_t{2}), dims, true, std::nullopt), Scalar(eps), std::nullopt);
    return cpu::binary(BinaryOp::Div, t, n);
  };
  return cpu::sum(mul(normalized(a), normalized(b)), dims, false, std::nullopt);
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  const int64_t nd = std::max(x1.dim(), x2.dim());
  const int64_t inner_dim = nd - 1;
  const Tensor diff = cpu::binary(BinaryOp::Add, cpu::binary(BinaryOp::Sub, x1, x2), Scalar(eps));
  return cpu::norm(diff, Scalar(p), std::span<const int64_t>(&inner_dim, 1), keepdim, std::nullopt);
}

// ---- elementwise ----------------------------------------------------------------------------------

Tensor float_power_ts(const Tensor& a, const Scalar& b) {
  const DType dt = is_complex(a.dtype()) || b.is_complex() ? DType::Complex128 : DType::Float64;
  return cpu::float_power(a, scalar_to_tensor(b, dt));
}

Tensor float_power_st(const Scalar& a, const Tensor& b) {
  const DType dt = is_complex(b.dtype()) || a.is_complex() ? DType::Complex128 : DType::Float64;
  return cpu::float_power(scalar_to_tensor(a, dt), b);
}

Tensor deg_rad(const Tensor& x, double factor, const char* name) {
  if (is_complex(x.dtype())) fail(name, " is not supported for complex tensors.");
  const Tensor f = is_integral(x.dtype(), true) ? x.to(kDefaultFloat) : x;
  return cpu::binary(BinaryOp::Mul, f, Scalar(factor));
}

Tensor rrelu(const Tensor& x, const Scalar& lower, const Scalar& upper, bool training) {
  if (!is_floating(x.dtype())) fail("\"rrelu_with_noise_out_cpu\" not implemented for '", dtype_name(x.dtype()), "'");
  if (!training) return cpu::leaky_relu(x, Scalar((lower.to_double() + upper.to_double()) / 2));
  // Training mode draws each negative element's slope from U(lower, upper) (ember's stream).
  Tensor noise = Tensor::empty(x.sizes(), x.dtype());
  cpu::uniform_(noise, lower.to_double(), upper.to_double());
  return cpu::where(cpu::binary(BinaryOp::Ge, x, Scalar(int64_t{0})), x, mul(x, noise));
}

// ---- reductions -----------------------------------------------------------------------------------

cpu::DimList dim_list(const std::optional<Ints>& dims) {
  if (!dims || dims->empty()) return std::nullopt;
  return std::span<const int64_t>(dims->data(), dims->size());
}

Tensor nansum(const Tensor& x, const std::optional<Ints>& dims, bool keepdim, std::optional<DType> dtype) {
  const Tensor clean = is_floating(x.dtype()) ? cpu::where(cpu::unary(UnaryOp::IsNan, x), Scalar(int64_t{0}), x) : x;
  return cpu::sum(clean, dim_list(dims), keepdim, dtype);
}

Tensor nanmean(const Tensor& x, const std::optional<Ints>& dims, bool keepdim, std::optional<DType> dtype) {
  if (!is_floating(x.dtype()) && !is_complex(x.dtype()))
    fail("nanmean(): expected input to have floating point dtype but got ", dtype_name(x.dtype()));
  const Tensor count = cpu::sum(cpu::unary(UnaryOp::LogicalNot, cpu::unary(UnaryOp::IsNan, x)), dim_list(dims), keepdim, std::nullopt);
  return cpu::binary(BinaryOp::Div, nansum(x, dims, keepdim, dtype), count);
}

std::tuple<Tensor, Tensor> aminmax(const Tensor& x, OptInt dim, bool keepdim) {
  if (dim) {
    const int64_t d = wrap_dim(*dim, std::max<int64_t>(x.dim(), 1));
    if (x.dim() > 0 && x.size(d) == 0)
      fail("aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.");
    const std::span<const int64_t> dims(&d, 1);
    if (x.dim() == 0) return {x.clone(), x.clone()};
    return {cpu::amin(x, dims, keepdim), cpu::amax(x, dims, keepdim)};
  }
  if (x.numel() == 0)
    fail("aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.");
  Tensor mn = cpu::amin(x, std::nullopt, false), mx = cpu::amax(x, std::nullopt, false);
  if (keepdim) {
    const Ints ones(static_cast<size_t>(x.dim()), 1);
    mn = reshape(mn, ones);
    mx = reshape(mx, ones);
  }
  return {mn, mx};
}

Tensor renorm(const Tensor& x, const Scalar& p, int64_t dim, const Scalar& maxnorm) {
  if (p.is_complex()) fail("renorm: p must be real-valued");
  if (!(p.to_double() > 0)) fail("renorm: non-positive-norm not supported");
  if (maxnorm.is_complex()) fail("renorm: maxnorm must be real-valued");
  if (!(maxnorm.to_double() >= 0)) fail("renorm: expected maxnorm to be >= 0 but got ", maxnorm.to_double());
  if (x.dim() <= 1) fail("renorm: input needs at least 2 dimensions, got ", x.dim(), " dimensions");
  if (!is_floating(x.dtype()))
    fail("linalg.vector_norm: Expected a floating point or complex tensor as input. Got ", dtype_name(x.dtype()));
  const int64_t d = wrap_dim(dim, x.dim());
  Ints dims;
  for (int64_t i = 0; i < x.dim(); ++i)
    if (i != d) dims.push_back(i);
  const Tensor norm = cpu::norm(x, p, as_span(dims), true, std::nullopt);
  const Tensor factor = cpu::where(cpu::binary(BinaryOp::Gt, norm, maxnorm),
                                   cpu::binary(BinaryOp::Div, maxnorm, cpu::binary(BinaryOp::Add, norm, Scalar(1e-7))),
                                   Scalar(1.0));
  return mul(x, factor.to(x.dtype()));
}

Tensor diff(const Tensor& x, int64_t n, int64_t dim, const OptTensor& prepend, const OptTensor& append) {
  if (x.dim() < 1) fail("diff expects input to be at least one-dimensional");
  for (const OptTensor* t : {&prepend, &append})
    if (*t && (*t)->dim() != x.dim()) fail("diff expects prepend or append to be the same dimension as input");
  const int64_t d = wrap_dim(dim, x.dim());
  if (n == 0) return x.clone();
  // (1.13 accepts a negative n and returns the input, with prepend/append attached; 2.x rejects it.)
  Tensor r = x;
  if (prepend || append) {
    Tensors parts;
    if (prepend) parts.push_back(*prepend);
    parts.push_back(x);
    if (append) parts.push_back(*append);
    r = cpu::cat(parts, d);
  }
  int64_t len = r.size(d) - 1;
  n = std::min(n, r.size(d));
  for (int64_t i = 0; i < n; ++i, --len) {
    const Tensor hi = cpu::narrow(r, d, 1, len), lo = cpu::narrow(r, d, 0, len);
    r = r.dtype() == DType::Bool ? cpu::binary(BinaryOp::LogicalXor, hi, lo) : cpu::binary(BinaryOp::Sub, hi, lo);
  }
  return r;
}

// ---- shape ----------------------------------------------------------------------------------------

Tensor rot90(const Tensor& x, int64_t k, const Ints& dims) {
  const int64_t nd = x.dim();
  if (dims.size() != 2) fail("expected total rotation dims == 2, but got dims = ", dims.size());
  if (nd < 2) fail("expected total dims >= 2, but got total dims = ", nd);
  if (dims[0] == dims[1] || std::abs(dims[0] - dims[1]) == nd)
    fail("expected rotation dims to be different, but got dim0 = ", dims[0], " and dim1 = ", dims[1]);
  if (dims[0] >= nd || dims[0] < -nd) fail("Rotation dim0 out of range, dim0 = ", dims[0]);
  if (dims[1] >= nd || dims[1] < -nd) fail("Rotation dim1 out of range, dim1 = ", dims[1]);
  k = (4 + (k % 4)) % 4;
  const int64_t d0 = dims[0], d1 = dims[1];
  switch (k) {
    case 1: return cpu::transpose(cpu::flip(x, std::span<const int64_t>(&d1, 1)), d0, d1);
    case 2: return cpu::flip(x, as_span(dims));
    case 3: return cpu::transpose(cpu::flip(x, std::span<const int64_t>(&d0, 1)), d0, d1);
    default: return x.clone();
  }
}

Tensor atleast(const Tensor& x, int n) {
  if (x.dim() >= n) return x;
  if (x.dim() == 0) return reshape(x, Ints(static_cast<size_t>(n), 1));
  if (n == 2) return cpu::unsqueeze(x, 0);
  // n == 3
  if (x.dim() == 1) return cpu::unsqueeze(cpu::unsqueeze(x, 0), -1);
  return cpu::unsqueeze(x, -1);
}

Tensors atleast_all(const Tensors& ts, int n) {
  Tensors out;
  for (const Tensor& t : ts) out.push_back(atleast(t, n));
  return out;
}

Tensor column_stack(const Tensors& ts) {
  if (ts.empty()) fail("column_stack expects a non-empty TensorList");
  Tensors parts;
  for (const Tensor& t : ts) parts.push_back(t.dim() <= 1 ? reshape(t, {t.numel(), 1}) : t);
  return cpu::hstack(parts);
}

Tensor dstack(const Tensors& ts) {
  if (ts.empty()) fail("dstack expects a non-empty TensorList");
  return cpu::cat(atleast_all(ts, 3), 2);
}

// hsplit/vsplit/dsplit: `which` is 0 (h), 1 (v) or 2 (d).
int64_t split_dim(const Tensor& x, int which) {
  static const char* names[] = {"hsplit", "vsplit", "dsplit"};
  const int64_t need = which == 0 ? 1 : which == 1 ? 2 : 3;
  if (x.dim() < need)
    fail("torch.", names[which], " requires a tensor with at least ", need, " dimension", which == 0 ? "" : "",
         ", but got a tensor with ", x.dim(), " dimensions!");
  return which == 0 ? (x.dim() == 1 ? 0 : 1) : which == 1 ? 0 : 2;
}

Tensors split_sections(const Tensor& x, int64_t sections, int which) {
  static const char* names[] = {"hsplit", "vsplit", "dsplit"};
  const int64_t d = split_dim(x, which);
  if (sections == 0 || x.size(d) % sections != 0)
    fail("torch.", names[which], " attempted to split along dimension ", d, ", but the size of the dimension ",
         x.size(d), " is not divisible by the split_size ", sections, "!");
  return cpu::tensor_split(x, sections, d);
}

Tensors split_indices(const Tensor& x, const Ints& indices, int which) {
  return cpu::tensor_split_indices(x, as_span(indices), split_dim(x, which));
}

Tensor block_diag(const Tensors& ts) {
  if (ts.empty()) return Tensor::empty({1, 0}, kDefaultFloat);
  int64_t rows = 0, cols = 0;
  Tensors mats;
  for (size_t i = 0; i < ts.size(); ++i) {
    const Tensor& t = ts[i];
    if (t.dim() > 2)
      fail("torch.block_diag: Input tensors must have 2 or fewer dimensions. Input ", i, " has ", t.dim(), " dimensions");
    const Tensor m = t.dim() == 2 ? t : reshape(t, {1, t.numel()});
    mats.push_back(m);
    rows += m.size(0);
    cols += m.size(1);
  }
  DType dt = mats[0].dtype();
  for (const Tensor& m : mats) dt = promote_types(dt, m.dtype());
  Tensor out = Tensor::empty({rows, cols}, dt);
  int64_t r = 0, c = 0;
  for (const Tensor& m : mats) {
    copy_into(cpu::narrow(cpu::narrow(out, 0, r, m.size(0)), 1, c, m.size(1)), m);
    r += m.size(0);
    c += m.size(1);
  }
  return out;
}

Tensor cartesian_prod(const Tensors& ts) {
  for (const Tensor& t : ts)
    if (t.dim() != 1) fail("Expect a 1D vector, but got shape ", shape_string(t.sizes()));
  if (ts.empty()) fail("cartesian_prod expects a non-empty TensorList");
  if (ts.size() == 1) return ts[0];
  Tensors grids = cpu::meshgrid(ts, "ij");
  for (Tensor& g : grids) g = reshape(g, {-1});
  return cpu::stack(grids, 1);
}

// Writes src into view_of_out (a view of out, self's copy) after PyTorch's shape check.
Tensor scatter_into(const Tensor& view_of_out, const Tensor& out, const Tensor& src) {
  if (view_of_out.sizes() != src.sizes())
    fail("expected src to have a size equal to the slice of self. src size = ", shape_string(src.sizes()),
         ", slice size = ", shape_string(view_of_out.sizes()));
  copy_into(view_of_out, src);
  return out;
}

Tensor slice_scatter(const Tensor& self, const Tensor& src, int64_t dim, OptInt start, OptInt end, int64_t step) {
  const Tensor out = self.clone();
  return scatter_into(cpu::slice(out, dim, start, end, step), out, src);
}

Tensor select_scatter(const Tensor& self, const Tensor& src, int64_t dim, int64_t index) {
  const Tensor out = self.clone();
  return scatter_into(cpu::select(out, dim, index), out, src);
}

Tensor diagonal_scatter(const Tensor& self, const Tensor& src, int64_t offset, int64_t d1, int64_t d2) {
  const Tensor out = self.clone();
  return scatter_into(cpu::diagonal(out, offset, d1, d2), out, src);
}

bool equal(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes()) return false;
  if (a.numel() == 0) return true;
  return cpu::all(cpu::binary(BinaryOp::Eq, a, b), std::nullopt, false).item_int() != 0;
}

Tensor logdet(const Tensor& a) {
  auto [sign, logabs] = cpu::slogdet(a);
  return cpu::where(cpu::binary(BinaryOp::Eq, sign, Scalar(int64_t{-1})),
                    Scalar(std::numeric_limits<double>::quiet_NaN()), logabs);
}

Tensor quantile_scalar(const Tensor& x, double q, OptInt dim, bool keepdim, const std::string& interp, bool nan) {
  if (!(q >= 0 && q <= 1))
    fail(nan ? "nanquantile()" : "quantile()", " q must be in the range [0, 1] but got ", q);
  const DType qt = x.dtype() == DType::Float32 || x.dtype() == DType::Float64 ? x.dtype() : DType::Float32;
  return cpu::quantile(x, scalar_to_tensor(Scalar(q), qt), dim, keepdim, interp, nan);
}

// The Python scalar an isin overload received, as the 0-dim tensor PyTorch makes of it.
Tensor scalar_tensor(const Scalar& s) { return scalar_to_tensor(s, s.dtype()); }


// ---- losses a scripted forward occasionally keeps ---------------------------------------------------

Tensor reduce_loss(const Tensor& loss, int64_t reduction) {
  switch (cpu::to_reduction(reduction)) {
    case cpu::Reduction::None: return loss;
    case cpu::Reduction::Mean: return cpu::mean(loss, std::nullopt, false, std::nullopt);
    case cpu::Reduction::Sum: return cpu::sum(loss, std::nullopt, false, std::nullopt);
  }
  __builtin_unreachable();
}

Tensor sub(const Tensor& a, const Tensor& b) { return cpu::binary(BinaryOp::Sub, a, b); }
Tensor add(const Tensor& a, const Tensor& b) { return cpu::binary(BinaryOp::Add, a, b); }
Tensor clamp_min0(const Tensor& t) { return cpu::clamp(t, Scalar(int64_t{0}), std::nullopt); }

Tensor kl_div(const Tensor& input, const Tensor& target, int64_t reduction, bool log_target) {
  if (is_complex(input.dtype()) || is_complex(target.dtype())) fail("kl_div: Complex inputs not supported.");
  if (is_integral(input.dtype(), true) || is_integral(target.dtype(), true))
    fail("kl_div: Integral inputs not supported.");
  const Tensor out = log_target ? mul(cpu::unary(UnaryOp::Exp, target), sub(target, input))
                                : sub(cpu::extra_binary(ExtraBinary::Xlogy, target, target), mul(target, input));
  return reduce_loss(out, reduction);
}

Tensor cosine_embedding_loss(const Tensor& a, const Tensor& b, const Tensor& target, double margin, int64_t reduction) {
  const int64_t td = target.dim();
  if (td != 0 && td != 1) fail("0D or 1D target tensor expected, multi-target not supported");
  if (td == 1 && !(a.dim() == 2 && b.dim() == 2))
    fail("1D target tensor expects 2D input tensors, but found inputs with sizes ", shape_string(a.sizes()), " and ",
         shape_string(b.sizes()), ".");
  if (td == 0 && !(a.dim() == 1 && b.dim() == 1))
    fail("0D target tensor expects 1D input tensors, but found inputs with sizes ", shape_string(a.sizes()), " and ",
         shape_string(b.sizes()), ".");
  const std::span<const int64_t> dims(&td, 1);
  const double kEps = 1e-12;
  const Tensor prod = cpu::sum(mul(a, b), dims, false, std::nullopt);
  const Tensor m1 = cpu::binary(BinaryOp::Add, cpu::sum(mul(a, a), dims, false, std::nullopt), Scalar(kEps));
  const Tensor m2 = cpu::binary(BinaryOp::Add, cpu::sum(mul(b, b), dims, false, std::nullopt), Scalar(kEps));
  const Tensor cos = cpu::binary(BinaryOp::Div, prod, cpu::unary(UnaryOp::Sqrt, mul(m1, m2)));
  const Tensor zeros = cpu::binary(BinaryOp::Mul, cos, Scalar(int64_t{0}));
  const Tensor pos = cpu::binary(BinaryOp::Sub, Scalar(int64_t{1}), cos);
  const Tensor neg = clamp_min0(cpu::binary(BinaryOp::Sub, cos, Scalar(margin)));
  const Tensor out = add(cpu::where(cpu::binary(BinaryOp::Eq, target, Scalar(int64_t{1})), pos, zeros),
                         cpu::where(cpu::binary(BinaryOp::Eq, target, Scalar(int64_t{-1})), neg, zeros));
  return reduce_loss(out, reduction);
}

Tensor margin_ranking_loss(const Tensor& a, const Tensor& b, const Tensor& target, double margin, int64_t reduction) {
  const Tensor u = cpu::binary(BinaryOp::Add, mul(cpu::unary(UnaryOp::Neg, target), sub(a, b)), Scalar(margin));
  return reduce_loss(clamp_min0(u), reduction);
}

Tensor hinge_embedding_loss(const Tensor& self, const Tensor& target, double margin, int64_t reduction) {
  const Tensor zeros = cpu::binary(BinaryOp::Mul, self, Scalar(int64_t{0}));
  const Tensor margin_clamp = clamp_min0(cpu::binary(BinaryOp::Sub, Scalar(margin), self));
  const Tensor out = add(cpu::where(cpu::binary(BinaryOp::Ne, target, Scalar(int64_t{1})), margin_clamp, zeros),
                         cpu::where(cpu::binary(BinaryOp::Ne, target, Scalar(int64_t{-1})), self, zeros));
  return reduce_loss(out, reduction);
}

Tensor soft_margin_loss(const Tensor& input, const Tensor& target, int64_t reduction) {
  const Tensor out = cpu::unary(UnaryOp::Log1p, cpu::unary(UnaryOp::Exp, mul(cpu::unary(UnaryOp::Neg, input), target)));
  return reduce_loss(out, reduction);
}

Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative, double margin, double p,
                           double eps, bool swap, int64_t reduction) {
  if (!(anchor.dim() == positive.dim() && positive.dim() == negative.dim()))
    fail("All inputs should have same dimension but got ", anchor.dim(), "D, ", positive.dim(), "D and ",
         negative.dim(), "D inputs.");
  const Tensor dpos = pairwise_distance(anchor, positive, p, eps, false);
  Tensor dneg = pairwise_distance(anchor, negative, p, eps, false);
  if (swap) dneg = cpu::binary(BinaryOp::Minimum, dneg, pairwise_distance(positive, negative, p, eps, false));
  const Tensor out = clamp_min0(cpu::binary(BinaryOp::Add, sub(dpos, dneg), Scalar(margin)));
  return reduce_loss(out, reduction);
}

Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, bool log_input, bool full, double eps,
                        int64_t reduction) {
  Tensor loss = log_input ? sub(cpu::unary(UnaryOp::Exp, input), mul(target, input))
                          : sub(input, mul(target, cpu::unary(UnaryOp::Log, cpu::binary(BinaryOp::Add, input, Scalar(eps)))));
  if (full) {
    const Tensor t_log_t = mul(target, cpu::unary(UnaryOp::Log, target));
    const Tensor two_pi_t = cpu::binary(BinaryOp::Mul, target, Scalar(2 * std::numbers::pi));
    const Tensor stirling = cpu::binary(BinaryOp::Add, sub(t_log_t, target),
                                        cpu::binary(BinaryOp::Mul, cpu::unary(UnaryOp::Log, two_pi_t), Scalar(0.5)));
    loss = add(loss, cpu::where(cpu::binary(BinaryOp::Le, target, Scalar(int64_t{1})), Scalar(int64_t{0}), stirling));
  }
  return reduce_loss(loss, reduction);
}

Tensor multi_margin_loss(const Tensor& self, const Tensor& target, const Scalar& p, const Scalar& margin,
                         const OptTensor& weight, int64_t reduction) {
  const int64_t pv = p.to_int();
  if (pv != 1 && pv != 2) fail("only p == 1 and p == 2 supported");
  const int64_t nframe = self.dim() <= 1 ? 1 : self.size(0);
  const int64_t dim = self.dim() == 0 ? 1 : self.size(-1);
  if (!(self.dim() <= 2 && self.numel() > 0))
    fail("Expected non-empty vector or matrix with optional 0-dim batch size, but got: ", shape_string(self.sizes()));
  if (!(target.dim() <= 1 && target.numel() == nframe))
    fail("inconsistent target size, expected ", nframe, " but got ", shape_string(target.sizes()));
  // 1.13 reads weight[target] without checking weight's size; ember checks only what it reads.
  if (weight && weight->dim() > 1)
    fail("inconsistent weight size, expected ", dim, " but got ", shape_string(weight->sizes()));
  if (target.dtype() != DType::Int64) fail("expected scalar type Long but found ", dtype_name(target.dtype()));
  if (!is_floating(self.dtype())) fail("\"multi_margin_loss_cpu\" not implemented for '", dtype_name(self.dtype()), "'");
  const Tensor x = self.to(DType::Float64).contiguous(), t = target.contiguous();
  const Tensor w = weight ? weight->to(DType::Float64).contiguous() : Tensor();
  const double m = margin.to_double();
  Tensor per = Tensor::empty({nframe}, DType::Float64);
  for (int64_t i = 0; i < nframe; ++i) {
    const int64_t ti = t.data<int64_t>()[i];
    if (ti < 0 || ti >= dim) fail("target out of range");
    if (weight && ti >= w.numel())
      fail("inconsistent weight size, expected ", dim, " but got ", shape_string(weight->sizes()));
    const double* row = x.data<double>() + i * dim;
    double acc = 0;
    for (int64_t d = 0; d < dim; ++d) {
      if (d == ti) continue;
      const double z = m - row[ti] + row[d];
      if (z > 0) {
        double h = pv == 1 ? z : z * z;
        if (weight) h *= w.data<double>()[ti];
        acc += h;
      }
    }
    per.data<double>()[i] = acc / static_cast<double>(dim);
  }
  Tensor out = per.to(self.dtype());
  if (cpu::to_reduction(reduction) == cpu::Reduction::None && target.dim() == 0)
    out = reshape(out, {});
  return reduce_loss(out, reduction);
}


// ---- more of the long tail: norms of differences, powers, shapes, predicates ----------------------

Tensor matrix_power(const Tensor& a, int64_t n) {
  if (a.dim() < 2) fail("linalg.matrix_power: The input tensor A must have at least 2 dimensions.");
  if (a.size(-1) != a.size(-2))
    fail("linalg.matrix_power: A must be batches of square matrices, but they are ", a.size(-2), " by ", a.size(-1),
         " matrices");
  if (n == 0) {
    Tensor eye = cpu::eye(a.size(-1), a.size(-1), a.dtype());
    return cpu::expand(eye, as_span(a.sizes())).contiguous();
  }
  Tensor base = a;
  if (n < 0) {
    base = cpu::inverse(a);
    n = -n;
  }
  if (n == 1) return base.clone();
  if (n == 2) return cpu::matmul(base, base);
  if (n == 3) return cpu::matmul(cpu::matmul(base, base), base);
  Tensor z, result;
  while (n > 0) {
    const int64_t bit = n % 2;
    n /= 2;
    z = z.defined() ? cpu::matmul(z, z) : base;
    if (bit == 1) result = result.defined() ? cpu::matmul(result, z) : z;
  }
  return result;
}

bool is_nonzero(const Tensor& x) {
  if (x.numel() == 0) fail("Boolean value of Tensor with no values is ambiguous");
  if (x.numel() > 1) fail("Boolean value of Tensor with more than one value is ambiguous");
  if (is_complex(x.dtype())) {
    const Tensor c = x.to(DType::Complex128).contiguous();
    const auto v = *static_cast<const std::complex<double>*>(c.raw_data());
    return v != std::complex<double>(0, 0);
  }
  return x.item_double() != 0;
}

Tensor isreal(const Tensor& x) {
  if (!is_complex(x.dtype())) return cpu::full(x.sizes(), Scalar(true), DType::Bool);
  return cpu::binary(BinaryOp::Eq, cpu::imag(x), Scalar(int64_t{0}));
}

Tensor shift(BinaryOp op, const Tensor& a, const Tensor& b) {
  const DType dt = result_type(a, b);
  if (!is_integral(dt, false)) fail("\"", op == BinaryOp::LShift ? "lshift" : "rshift", "_cpu\" not implemented for '", dtype_name(dt), "'");
  return cpu::binary(op, a, b);
}

Tensor masked_scatter(const Tensor& self, const Tensor& mask, const Tensor& source) {
  if (mask.dtype() != DType::Bool && mask.dtype() != DType::UInt8)
    fail("masked_scatter_ only supports boolean masks, but got mask with dtype ", dtype_name(mask.dtype()));
  if (self.dtype() != source.dtype())
    fail("masked_scatter: expected self and source to have same dtypes but got", dtype_name(self.dtype()), " and ",
         dtype_name(source.dtype()));
  const Shape shape = broadcast_shapes(self.sizes(), mask.sizes());
  Tensor out = cpu::expand(self, as_span(shape)).contiguous().clone();
  const Tensor m = cpu::expand(mask.to(DType::Bool), as_span(shape)).contiguous();
  const Tensor src = source.contiguous();
  const size_t es = out.element_size();
  char* op = static_cast<char*>(out.raw_data());
  const char* sp = static_cast<const char*>(src.raw_data());
  int64_t k = 0;
  for (int64_t i = 0; i < out.numel(); ++i) {
    if (!m.data<bool>()[i]) continue;
    if (k >= src.numel()) fail("Number of elements of source < number of ones in mask");
    std::memcpy(op + static_cast<size_t>(i) * es, sp + static_cast<size_t>(k) * es, es);
    ++k;
  }
  return out;
}

Tensor zeros_except(const Tensor& y, int64_t d) {
  Shape s;
  for (int64_t i = 0; i < y.dim(); ++i)
    if (i != d) s.push_back(y.size(i));
  return Tensor::empty(s, y.dtype());
}

Tensor trapezoid_dx(const Tensor& y, const Scalar& dx, int64_t dim) {
  const int64_t d = wrap_dim(dim, y.dim());
  if (y.size(d) == 0) return zeros_except(y, d);
  if (y.dtype() == DType::Bool) fail("trapezoid: received a bool input for `y`, but bool is not supported");
  if (dx.is_complex() || dx.is_bool()) fail("trapezoid: Currently, we only support dx as a real number.");
  const std::span<const int64_t> dims(&d, 1);
  const Tensor ends = cpu::binary(BinaryOp::Add, cpu::select(y, d, 0), cpu::select(y, d, -1));
  return cpu::binary(BinaryOp::Mul,
                     sub(cpu::sum(y, dims, false, std::nullopt), cpu::binary(BinaryOp::Mul, ends, Scalar(0.5))),
                     Scalar(dx.to_double()));
}

Tensor trapezoid_x(const Tensor& y, const Tensor& x, int64_t dim) {
  const int64_t d = wrap_dim(dim, y.dim());
  if (y.size(d) == 0) return zeros_except(y, d);
  if (y.dtype() == DType::Bool || x.dtype() == DType::Bool)
    fail("trapezoid: received a bool input for `x` or `y`, but bool is not supported");
  Tensor xv = x;
  if (x.dim() == 1) {
    if (x.size(0) != y.size(d)) fail("trapezoid: There must be one `x` value for each sample point");
    Ints s(static_cast<size_t>(y.dim()), 1);
    s[static_cast<size_t>(d)] = x.size(0);
    xv = reshape(x, s);
  } else if (x.dim() < y.dim()) {
    Ints s(static_cast<size_t>(y.dim() - x.dim()), 1);
    s.insert(s.end(), x.sizes().begin(), x.sizes().end());
    xv = reshape(x, s);
  }
  const Tensor dx = sub(cpu::slice(xv, d, 1, std::nullopt, 1), cpu::slice(xv, d, 0, -1, 1));
  const Tensor sum = add(cpu::slice(y, d, 0, -1, 1), cpu::slice(y, d, 1, std::nullopt, 1));
  const std::span<const int64_t> dims(&d, 1);
  return cpu::binary(BinaryOp::Div, cpu::sum(mul(sum, dx), dims, false, std::nullopt), Scalar(2.0));
}


// torch.cov: rows are variables, columns observations; fweights/aweights weight the observations.
Tensor cov(const Tensor& self, int64_t correction, const OptTensor& fweights, const OptTensor& aweights) {
  if (self.dim() > 2)
    fail("cov(): expected input to have two or fewer dimensions but got an input with ", self.dim(), " dimensions");
  if (self.dtype() == DType::Bool) fail("cov(): bool dtype is not supported for input");
  const Tensor in0 = self.dim() < 2 ? reshape(self, {1, -1}) : self;
  const int64_t nobs = in0.size(1);
  Tensor w;
  if (fweights) {
    const Tensor& f = *fweights;
    if (f.dim() > 1)
      fail("cov(): expected fweights to have one or fewer dimensions but got fweights with ", f.dim(), " dimensions");
    if (f.numel() != nobs)
      fail("cov(): expected fweights to have the same numel as there are observations in the input but got ", f.numel());
    if (!is_integral(f.dtype(), false))
      fail("cov(): expected fweights to have integral dtype but got fweights with ", dtype_name(f.dtype()), " dtype");
    if (f.numel() > 0 && cpu::amin(f, std::nullopt, false).item_double() < 0) fail("cov(): fweights cannot be negative");
    w = f;
  }
  if (aweights) {
    const Tensor& a = *aweights;
    if (a.dim() > 1)
      fail("cov(): expected aweights to have one or fewer dimensions but got aweights with ", a.dim(), " dimensions");
    if (a.numel() != nobs)
      fail("cov(): expected aweights to have the same numel as there are observations in the input but got ", a.numel());
    if (!is_floating(a.dtype()))
      fail("cov(): expected aweights to have floating point dtype but got aweights with ", dtype_name(a.dtype()), " dtype");
    if (a.numel() > 0 && cpu::amin(a, std::nullopt, false).item_double() < 0) fail("cov(): aweights cannot be negative");
    w = w.defined() ? mul(w, a) : a;
  }
  const Tensor w_sum = w.defined() ? cpu::sum(w, std::nullopt, false, std::nullopt) : Tensor::scalar<int64_t>(nobs);
  if (w.defined() && w_sum.item_double() == 0) fail("cov(): weights sum to zero, can't be normalized");
  const int64_t obs_dim = 1;
  const std::span<const int64_t> od(&obs_dim, 1);
  const Tensor avg = cpu::binary(BinaryOp::Div, cpu::sum(w.defined() ? mul(in0, w) : in0, od, false, std::nullopt), w_sum);
  Tensor norm = w.defined() && aweights && correction != 0
                    ? sub(w_sum, cpu::binary(BinaryOp::Div,
                                             cpu::binary(BinaryOp::Mul, cpu::sum(mul(w, *aweights), std::nullopt, false, std::nullopt),
                                                         Scalar(correction)),
                                             w_sum))
                    : cpu::binary(BinaryOp::Sub, w_sum, Scalar(correction));
  if (norm.item_double() <= 0) norm = cpu::binary(BinaryOp::Mul, norm, Scalar(int64_t{0}));
  const Tensor in = sub(in0, cpu::unsqueeze(avg, 1));
  const Tensor c = cpu::mm(in, cpu::t(w.defined() ? mul(in, w) : in));
  return cpu::squeeze(cpu::binary(BinaryOp::Div, c, norm));
}

Tensor corrcoef(const Tensor& self) {
  if (self.dim() > 2)
    fail("corrcoef(): expected input to have two or fewer dimensions but got an input with ", self.dim(), " dimensions");
  Tensor c = cov(self, 1, std::nullopt, std::nullopt);
  if (c.dim() == 0) return cpu::binary(BinaryOp::Div, c, c);
  const Tensor sd = cpu::unary(UnaryOp::Sqrt, cpu::diag(c, 0));
  c = cpu::binary(BinaryOp::Div, c, reshape(sd, {-1, 1}));
  c = cpu::binary(BinaryOp::Div, c, reshape(sd, {1, -1}));
  return cpu::clamp(c, Scalar(int64_t{-1}), Scalar(int64_t{1}));
}

}  // namespace

void register_aten_extra_ops(Registry& r) {
  const std::string opts = "ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None";

  // vision
  r.add("aten::pixel_shuffle(Tensor self, int upscale_factor) -> Tensor", wrap(pixel_shuffle));
  r.add("aten::pixel_unshuffle(Tensor self, int downscale_factor) -> Tensor", wrap(pixel_unshuffle));
  r.add("aten::channel_shuffle(Tensor self, SymInt groups) -> Tensor", wrap(channel_shuffle));
  r.add("aten::native_channel_shuffle(Tensor self, SymInt groups) -> Tensor", wrap(channel_shuffle));
  r.add("aten::im2col(Tensor self, int[2] kernel_size, int[2] dilation, int[2] padding, int[2] stride) -> Tensor",
        wrap([](const Tensor& x, Ints k, Ints d, Ints p, Ints s) {
          return cpu::im2col(x, as_span(k), as_span(d), as_span(p), as_span(s));
        }));
  r.add("aten::col2im(Tensor self, SymInt[2] output_size, int[2] kernel_size, int[2] dilation, int[2] padding, int[2] stride) -> Tensor",
        wrap([](const Tensor& x, Ints o, Ints k, Ints d, Ints p, Ints s) {
          return cpu::col2im(x, as_span(o), as_span(k), as_span(d), as_span(p), as_span(s));
        }));
  r.add("aten::unfold(Tensor(a) self, int dimension, int size, int step) -> Tensor(a)", wrap(unfold));
  const auto grid = [](const Tensor& in, const Tensor& g, int64_t mode, int64_t pad, bool align) {
    if (in.dim() == 5) return cpu::grid_sampler_3d(in, g, mode, pad, align);
    return cpu::grid_sampler_2d(in, g, mode, pad, align);
  };
  r.add("aten::grid_sampler(Tensor input, Tensor grid, int interpolation_mode, int padding_mode, bool align_corners) -> Tensor",
        wrap(grid));
  r.add("aten::grid_sampler_2d(Tensor input, Tensor grid, int interpolation_mode, int padding_mode, bool align_corners) -> Tensor",
        wrap(grid));
  r.add("aten::grid_sampler_3d(Tensor input, Tensor grid, int interpolation_mode, int padding_mode, bool align_corners) -> Tensor",
        wrap(cpu::grid_sampler_3d));
  r.add("aten::affine_grid_generator(Tensor theta, SymInt[] size, bool align_corners) -> Tensor",
        wrap([](const Tensor& t, Ints size, bool align) { return cpu::affine_grid_generator(t, as_span(size), align); }));
  r.add("aten::max_unpool2d(Tensor self, Tensor indices, SymInt[2] output_size) -> Tensor",
        wrap([](const Tensor& x, const Tensor& i, Ints o) { return cpu::max_unpool2d(x, i, as_span(o)); }));
  r.add("aten::max_unpool3d(Tensor self, Tensor indices, SymInt[3] output_size, int[3] stride, int[3] padding) -> Tensor",
        wrap([](const Tensor& x, const Tensor& i, Ints o, Ints s, Ints p) {
          return cpu::max_unpool3d(x, i, as_span(o), as_span(s), as_span(p));
        }));
  r.add("aten::combinations(Tensor self, int r=2, bool with_replacement=False) -> Tensor", wrap(cpu::combinations));
  r.add("aten::one_hot(Tensor self, int num_classes=-1) -> Tensor", wrap(one_hot));
  r.add("aten::tile(Tensor self, SymInt[] dims) -> Tensor", wrap(tile));
  const auto bag = [](const Tensor& w, const Tensor& i, const Tensor& o, bool, int64_t mode, bool, OptTensor psw,
                      bool last, OptInt pad) { return cpu::embedding_bag(w, i, o, mode, psw, last, pad.value_or(-1)); };
  r.add("aten::embedding_bag(Tensor weight, Tensor indices, Tensor offsets, bool scale_grad_by_freq=False, int mode=0, bool sparse=False, Tensor? per_sample_weights=None, bool include_last_offset=False) -> (Tensor, Tensor, Tensor, Tensor)",
        wrap([bag](const Tensor& w, const Tensor& i, const Tensor& o, bool s, int64_t m, bool sp, OptTensor psw, bool last) {
          return bag(w, i, o, s, m, sp, psw, last, std::nullopt);
        }));
  r.add("aten::embedding_bag.padding_idx(Tensor weight, Tensor indices, Tensor offsets, bool scale_grad_by_freq, int mode, bool sparse, Tensor? per_sample_weights, bool include_last_offset, int? padding_idx) -> (Tensor, Tensor, Tensor, Tensor)",
        wrap(bag));
  r.add("aten::_embedding_bag(Tensor weight, Tensor indices, Tensor offsets, bool scale_grad_by_freq=False, int mode=0, bool sparse=False, Tensor? per_sample_weights=None, bool include_last_offset=False, int padding_idx=-1) -> (Tensor, Tensor, Tensor, Tensor)",
        wrap([bag](const Tensor& w, const Tensor& i, const Tensor& o, bool s, int64_t m, bool sp, OptTensor psw, bool last,
                   int64_t pad) { return bag(w, i, o, s, m, sp, psw, last, pad); }));

  // distances and products
  r.add("aten::cosine_similarity(Tensor x1, Tensor x2, int dim=1, float eps=1e-08) -> Tensor", wrap(cosine_similarity));
  r.add("aten::pairwise_distance(Tensor x1, Tensor x2, float p=2., float eps=9.9999999999999995e-07, bool keepdim=False) -> Tensor",
        wrap(pairwise_distance));
  r.add("aten::cdist(Tensor x1, Tensor x2, float p=2., int? compute_mode=None) -> Tensor",
        wrap([](const Tensor& a, const Tensor& b, double p, OptInt mode) {
          if (mode && (*mode < 0 || *mode > 2)) fail(*mode, " is not a valid value for compute_mode");
          return cpu::cdist(a, b, p);
        }));
  r.add("aten::_cdist_forward(Tensor x1, Tensor x2, float p, int? compute_mode) -> Tensor",
        wrap([](const Tensor& a, const Tensor& b, double p, OptInt) { return cpu::cdist(a, b, p); }));
  r.add("aten::bilinear(Tensor input1, Tensor input2, Tensor weight, Tensor? bias=None) -> Tensor", wrap(bilinear));
  r.add("aten::addmv(Tensor self, Tensor mat, Tensor vec, *, Scalar beta=1, Scalar alpha=1) -> Tensor", wrap(addmv));
  r.add("aten::addr(Tensor self, Tensor vec1, Tensor vec2, *, Scalar beta=1, Scalar alpha=1) -> Tensor", wrap(addr));
  r.add("aten::addbmm(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, Scalar alpha=1) -> Tensor", wrap(addbmm));
  r.add("aten::tensordot(Tensor self, Tensor other, int[] dims_self, int[] dims_other) -> Tensor", wrap(tensordot));
  r.add("aten::kron(Tensor self, Tensor other) -> Tensor", wrap(kron));
  r.add("aten::inner(Tensor self, Tensor other) -> Tensor", wrap(inner));
  r.add("aten::vdot(Tensor self, Tensor other) -> Tensor", wrap(vdot));
  r.add("aten::chain_matmul(Tensor[] matrices) -> Tensor", wrap(chain_matmul));
  r.add("aten::trace(Tensor self) -> Tensor", wrap(trace));

  // elementwise
  r.add("aten::logit(Tensor self, float? eps=None) -> Tensor",
        wrap([](const Tensor& x, std::optional<double> eps) { return cpu::logit(x, eps.value_or(-1.0)); }));
  r.add("aten::logit_(Tensor(a!) self, float? eps=None) -> Tensor(a!)",
        wrap([](const Tensor& x, std::optional<double> eps) { return assign_inplace(x, cpu::logit(x, eps.value_or(-1.0))); }));
  struct B { const char* name; ExtraBinary op; };
  for (B b : {B{"hypot", ExtraBinary::Hypot}, B{"logaddexp", ExtraBinary::LogAddExp}, B{"logaddexp2", ExtraBinary::LogAddExp2},
              B{"fmax", ExtraBinary::Fmax}, B{"fmin", ExtraBinary::Fmin}, B{"lcm", ExtraBinary::Lcm},
              B{"gcd", ExtraBinary::Gcd}, B{"nextafter", ExtraBinary::NextAfter}}) {
    const ExtraBinary op = b.op;
    r.add("aten::" + std::string(b.name) + "(Tensor self, Tensor other) -> Tensor",
          wrap([op](const Tensor& x, const Tensor& y) { return cpu::extra_binary(op, x, y); }));
  }
  for (B b : {B{"hypot_", ExtraBinary::Hypot}, B{"lcm_", ExtraBinary::Lcm}, B{"gcd_", ExtraBinary::Gcd}}) {
    const ExtraBinary op = b.op;
    r.add("aten::" + std::string(b.name) + "(Tensor(a!) self, Tensor other) -> Tensor(a!)",
          wrap([op](const Tensor& x, const Tensor& y) { return assign_inplace(x, cpu::extra_binary(op, x, y)); }));
  }
  r.add("aten::heaviside(Tensor self, Tensor values) -> Tensor",
        wrap([](const Tensor& x, const Tensor& v) { return cpu::extra_binary(ExtraBinary::Heaviside, x, v); }));
  r.add("aten::xlogy.Tensor(Tensor self, Tensor other) -> Tensor",
        wrap([](const Tensor& x, const Tensor& y) { return cpu::extra_binary(ExtraBinary::Xlogy, x, y); }));
  r.add("aten::xlogy.Scalar_Other(Tensor self, Scalar other) -> Tensor",
        wrap([](const Tensor& x, Scalar y) { return cpu::extra_binary(ExtraBinary::Xlogy, x, y); }));
  r.add("aten::xlogy.Scalar_Self(Scalar self, Tensor other) -> Tensor",
        wrap([](Scalar x, const Tensor& y) { return cpu::extra_binary(ExtraBinary::Xlogy, x, y); }));
  r.add("aten::sinc(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::sinc(x); }));
  r.add("aten::sinc_(Tensor(a!) self) -> Tensor(a!)", wrap([](const Tensor& x) { return assign_inplace(x, cpu::sinc(x)); }));
  r.add("aten::erfinv(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::erfinv(x); }));
  r.add("aten::erfinv_(Tensor(a!) self) -> Tensor(a!)", wrap([](const Tensor& x) { return assign_inplace(x, cpu::erfinv(x)); }));
  r.add("aten::digamma(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::polygamma(0, x); }));
  r.add("aten::digamma_(Tensor(a!) self) -> Tensor(a!)",
        wrap([](const Tensor& x) { return assign_inplace(x, cpu::polygamma(0, x)); }));
  r.add("aten::polygamma(int n, Tensor self) -> Tensor", wrap([](int64_t n, const Tensor& x) { return cpu::polygamma(n, x); }));
  r.add("aten::polygamma_(Tensor(a!) self, int n) -> Tensor(a!)",
        wrap([](const Tensor& x, int64_t n) { return assign_inplace(x, cpu::polygamma(n, x)); }));
  r.add("aten::i0(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::i0(x); }));
  r.add("aten::i0_(Tensor(a!) self) -> Tensor(a!)", wrap([](const Tensor& x) { return assign_inplace(x, cpu::i0(x)); }));
  r.add("aten::kaiser_window(int window_length, *, " + opts + ") -> Tensor",
        wrap([](int64_t n, std::optional<DType> dt, Value layout, std::optional<Device> dev, std::optional<bool> pin) {
          check_options(layout, dev, pin);
          return cpu::kaiser_window(n, true, 12.0, dt);
        }));
  r.add("aten::kaiser_window.periodic(int window_length, bool periodic, *, " + opts + ") -> Tensor",
        wrap([](int64_t n, bool periodic, std::optional<DType> dt, Value layout, std::optional<Device> dev,
                std::optional<bool> pin) {
          check_options(layout, dev, pin);
          return cpu::kaiser_window(n, periodic, 12.0, dt);
        }));
  r.add("aten::kaiser_window.beta(int window_length, bool periodic, float beta, *, " + opts + ") -> Tensor",
        wrap([](int64_t n, bool periodic, double beta, std::optional<DType> dt, Value layout, std::optional<Device> dev,
                std::optional<bool> pin) {
          check_options(layout, dev, pin);
          return cpu::kaiser_window(n, periodic, beta, dt);
        }));
  r.add("aten::float_power.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor",
        wrap([](const Tensor& a, const Tensor& b) { return cpu::float_power(a, b); }));
  r.add("aten::float_power.Tensor_Scalar(Tensor self, Scalar exponent) -> Tensor", wrap(float_power_ts));
  r.add("aten::float_power.Scalar(Scalar self, Tensor exponent) -> Tensor", wrap(float_power_st));
  r.add("aten::ldexp.Tensor(Tensor self, Tensor other) -> Tensor", wrap([](const Tensor& a, const Tensor& b) {
          return mul(a, cpu::binary(BinaryOp::Pow, Scalar(2.0), b));
        }));
  r.add("aten::ldexp(float x, int i) -> float", wrap([](double x, int64_t i) { return std::ldexp(x, static_cast<int>(i)); }));
  r.add("aten::deg2rad(Tensor self) -> Tensor",
        wrap([](const Tensor& x) { return deg_rad(x, std::numbers::pi / 180.0, "deg2rad"); }));
  r.add("aten::rad2deg(Tensor self) -> Tensor",
        wrap([](const Tensor& x) { return deg_rad(x, 180.0 / std::numbers::pi, "rad2deg"); }));
  r.add("aten::hardshrink(Tensor self, Scalar lambd=0.5) -> Tensor",
        wrap([](const Tensor& x, Scalar l) { return cpu::hardshrink(x, l); }));
  r.add("aten::softshrink(Tensor self, Scalar lambd=0.5) -> Tensor",
        wrap([](const Tensor& x, Scalar l) { return cpu::softshrink(x, l); }));
  r.add("aten::rrelu(Tensor self, Scalar lower=0.125, Scalar upper=0.33333333333333331, bool training=False, Generator? generator=None) -> Tensor",
        wrap([](const Tensor& x, Scalar lo, Scalar hi, bool training, Value gen) {
          if (!gen.is_none()) fail("rrelu: ember has no generator objects; pass generator=None");
          return rrelu(x, lo, hi, training);
        }));
  r.add("aten::rrelu_(Tensor(a!) self, Scalar lower=0.125, Scalar upper=0.33333333333333331, bool training=False, Generator? generator=None) -> Tensor(a!)",
        wrap([](const Tensor& x, Scalar lo, Scalar hi, bool training, Value gen) {
          if (!gen.is_none()) fail("rrelu: ember has no generator objects; pass generator=None");
          return assign_inplace(x, rrelu(x, lo, hi, training));
        }));

  // reductions, scans, counting
  r.add("aten::logcumsumexp(Tensor self, int dim) -> Tensor", wrap([](const Tensor& x, int64_t d) { return cpu::logcumsumexp(x, d); }));
  r.add("aten::nansum(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor", wrap(nansum));
  r.add("aten::nanmean(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor", wrap(nanmean));
  r.add("aten::aminmax(Tensor self, *, int? dim=None, bool keepdim=False) -> (Tensor min, Tensor max)", wrap(aminmax));
  // The older private spellings scripted observers of PyTorch 1.x compile to.
  r.add("aten::_aminmax(Tensor self) -> (Tensor, Tensor)", wrap([](const Tensor& x) { return aminmax(x, std::nullopt, false); }));
  r.add("aten::_aminmax.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor, Tensor)",
        wrap([](const Tensor& x, int64_t d, bool k) { return aminmax(x, d, k); }));
  r.add("aten::bincount(Tensor self, Tensor? weights=None, SymInt minlength=0) -> Tensor", wrap(cpu::bincount));
  r.add("aten::histc(Tensor self, int bins=100, Scalar min=0, Scalar max=0) -> Tensor", wrap(cpu::histc));
  r.add("aten::isin.Tensor_Tensor(Tensor elements, Tensor test_elements, *, bool assume_unique=False, bool invert=False) -> Tensor",
        wrap([](const Tensor& e, const Tensor& t, bool, bool inv) { return cpu::isin(e, t, inv); }));
  r.add("aten::isin.Tensor_Scalar(Tensor elements, Scalar test_element, *, bool assume_unique=False, bool invert=False) -> Tensor",
        wrap([](const Tensor& e, Scalar t, bool, bool inv) { return cpu::isin(e, scalar_tensor(t), inv); }));
  r.add("aten::isin.Scalar_Tensor(Scalar element, Tensor test_elements, *, bool assume_unique=False, bool invert=False) -> Tensor",
        wrap([](Scalar e, const Tensor& t, bool, bool inv) { return cpu::isin(scalar_tensor(e), t, inv); }));
  r.add("aten::take(Tensor self, Tensor index) -> Tensor", wrap(cpu::take));
  r.add("aten::scatter_reduce.two(Tensor self, int dim, Tensor index, Tensor src, str reduce, *, bool include_self=True) -> Tensor",
        wrap([](const Tensor& s, int64_t d, const Tensor& i, const Tensor& src, std::string red, bool inc) {
          return cpu::scatter_reduce(s, d, i, src, red, inc);
        }));
  r.add("aten::scatter_reduce_.two(Tensor(a!) self, int dim, Tensor index, Tensor src, str reduce, *, bool include_self=True) -> Tensor(a!)",
        wrap([](const Tensor& s, int64_t d, const Tensor& i, const Tensor& src, std::string red, bool inc) {
          return assign_inplace(s, cpu::scatter_reduce(s, d, i, src, red, inc));
        }));
  r.add("aten::renorm(Tensor self, Scalar p, int dim, Scalar maxnorm) -> Tensor", wrap(renorm));
  r.add("aten::diff(Tensor self, int n=1, int dim=-1, Tensor? prepend=None, Tensor? append=None) -> Tensor", wrap(diff));
  r.add("aten::quantile(Tensor self, Tensor q, int? dim=None, bool keepdim=False, *, str interpolation=\"linear\") -> Tensor",
        wrap([](const Tensor& x, const Tensor& q, OptInt d, bool k, std::string i) { return cpu::quantile(x, q, d, k, i, false); }));
  r.add("aten::quantile.scalar(Tensor self, float q, int? dim=None, bool keepdim=False, *, str interpolation=\"linear\") -> Tensor",
        wrap([](const Tensor& x, double q, OptInt d, bool k, std::string i) { return quantile_scalar(x, q, d, k, i, false); }));
  r.add("aten::nanquantile(Tensor self, Tensor q, int? dim=None, bool keepdim=False, *, str interpolation=\"linear\") -> Tensor",
        wrap([](const Tensor& x, const Tensor& q, OptInt d, bool k, std::string i) { return cpu::quantile(x, q, d, k, i, true); }));
  r.add("aten::nanquantile.scalar(Tensor self, float q, int? dim=None, bool keepdim=False, *, str interpolation=\"linear\") -> Tensor",
        wrap([](const Tensor& x, double q, OptInt d, bool k, std::string i) { return quantile_scalar(x, q, d, k, i, true); }));

  // linear algebra
  r.add("aten::inverse(Tensor self) -> Tensor", wrap([](const Tensor& a) { return cpu::inverse(a); }));
  r.add("aten::linalg_inv(Tensor A) -> Tensor", wrap([](const Tensor& a) { return cpu::inverse(a); }));
  r.add("aten::det(Tensor self) -> Tensor", wrap([](const Tensor& a) { return cpu::det(a); }));
  r.add("aten::linalg_det(Tensor A) -> Tensor", wrap([](const Tensor& a) { return cpu::det(a); }));
  r.add("aten::logdet(Tensor self) -> Tensor", wrap(logdet));
  r.add("aten::slogdet(Tensor self) -> (Tensor sign, Tensor logabsdet)", wrap([](const Tensor& a) { return cpu::slogdet(a); }));
  r.add("aten::linalg_slogdet(Tensor A) -> (Tensor sign, Tensor logabsdet)", wrap([](const Tensor& a) { return cpu::slogdet(a); }));

  // shape
  r.add("aten::rot90(Tensor self, int k=1, int[] dims=[0, 1]) -> Tensor", wrap(rot90));
  r.add("aten::fliplr(Tensor self) -> Tensor", wrap([](const Tensor& x) {
          if (x.dim() < 2) fail("Input must be >= 2-d.");
          const int64_t d = 1;
          return cpu::flip(x, std::span<const int64_t>(&d, 1));
        }));
  r.add("aten::flipud(Tensor self) -> Tensor", wrap([](const Tensor& x) {
          if (x.dim() < 1) fail("Input must be >= 1-d.");
          const int64_t d = 0;
          return cpu::flip(x, std::span<const int64_t>(&d, 1));
        }));
  r.add("aten::broadcast_to(Tensor(a) self, SymInt[] size) -> Tensor(a)",
        wrap([](const Tensor& x, Ints s) { return cpu::expand(x, as_span(s)); }));
  for (int n = 1; n <= 3; ++n) {
    const std::string name = "aten::atleast_" + std::to_string(n) + "d";
    r.add(name + "(Tensor self) -> Tensor", wrap([n](const Tensor& x) { return atleast(x, n); }));
    r.add(name + ".Sequence(Tensor[] tensors) -> Tensor[]", wrap([n](const Tensors& ts) { return atleast_all(ts, n); }));
  }
  r.add("aten::column_stack(Tensor[] tensors) -> Tensor", wrap(column_stack));
  r.add("aten::row_stack(Tensor[] tensors) -> Tensor", wrap([](const Tensors& ts) { return cpu::vstack(ts); }));
  r.add("aten::dstack(Tensor[] tensors) -> Tensor", wrap(dstack));
  const char* splits[] = {"hsplit", "vsplit", "dsplit"};
  for (int which = 0; which < 3; ++which) {
    const std::string name = std::string("aten::") + splits[which];
    r.add(name + ".int(Tensor(a -> *) self, int sections) -> Tensor(a)[]",
          wrap([which](const Tensor& x, int64_t s) { return split_sections(x, s, which); }));
    r.add(name + ".array(Tensor(a -> *) self, int[] indices) -> Tensor(a)[]",
          wrap([which](const Tensor& x, Ints i) { return split_indices(x, i, which); }));
  }
  r.add("aten::block_diag(Tensor[] tensors) -> Tensor", wrap(block_diag));
  r.add("aten::cartesian_prod(Tensor[] tensors) -> Tensor", wrap(cartesian_prod));
  r.add("aten::slice_scatter(Tensor self, Tensor src, int dim=0, SymInt? start=None, SymInt? end=None, SymInt step=1) -> Tensor",
        wrap(slice_scatter));
  r.add("aten::select_scatter(Tensor self, Tensor src, int dim, SymInt index) -> Tensor", wrap(select_scatter));
  r.add("aten::diagonal_scatter(Tensor self, Tensor src, int offset=0, int dim1=0, int dim2=1) -> Tensor", wrap(diagonal_scatter));
  for (bool lower : {true, false})
    r.add(std::string(lower ? "aten::tril_indices" : "aten::triu_indices") +
              "(int row, int col, int offset=0, *, ScalarType? dtype=4, Layout? layout=None, Device? device=None, bool? pin_memory=None) -> Tensor",
          wrap([lower](int64_t row, int64_t col, int64_t off, std::optional<DType> dt, Value layout,
                       std::optional<Device> dev, std::optional<bool> pin) {
            check_options(layout, dev, pin);
            return cpu::tri_indices(lower, row, col, off, dt.value_or(DType::Int64));
          }));
  r.add("aten::range.step(Scalar start, Scalar end, Scalar step=1, *, " + opts + ") -> Tensor",
        wrap([](Scalar s, Scalar e, Scalar st, std::optional<DType> dt, Value layout, std::optional<Device> dev,
                std::optional<bool> pin) {
          check_options(layout, dev, pin);
          return cpu::range(s, e, st, dt);
        }));
  r.add("aten::range(Scalar start, Scalar end, *, " + opts + ") -> Tensor",
        wrap([](Scalar s, Scalar e, std::optional<DType> dt, Value layout, std::optional<Device> dev, std::optional<bool> pin) {
          check_options(layout, dev, pin);
          return cpu::range(s, e, Scalar(int64_t{1}), dt);
        }));

  // losses
  r.add("aten::kl_div(Tensor self, Tensor target, int reduction=1, *, bool log_target=False) -> Tensor", wrap(kl_div));
  r.add("aten::cosine_embedding_loss(Tensor input1, Tensor input2, Tensor target, float margin=0., int reduction=1) -> Tensor",
        wrap(cosine_embedding_loss));
  r.add("aten::margin_ranking_loss(Tensor input1, Tensor input2, Tensor target, float margin=0., int reduction=1) -> Tensor",
        wrap(margin_ranking_loss));
  r.add("aten::hinge_embedding_loss(Tensor self, Tensor target, float margin=1., int reduction=1) -> Tensor",
        wrap(hinge_embedding_loss));
  r.add("aten::soft_margin_loss(Tensor self, Tensor target, int reduction=1) -> Tensor", wrap(soft_margin_loss));
  r.add("aten::triplet_margin_loss(Tensor anchor, Tensor positive, Tensor negative, float margin=1., float p=2., float eps=9.9999999999999995e-07, bool swap=False, int reduction=1) -> Tensor",
        wrap(triplet_margin_loss));
  r.add("aten::poisson_nll_loss(Tensor input, Tensor target, bool log_input, bool full, float eps, int reduction) -> Tensor",
        wrap(poisson_nll_loss));
  r.add("aten::multi_margin_loss(Tensor self, Tensor target, Scalar p=1, Scalar margin=1, Tensor? weight=None, int reduction=1) -> Tensor",
        wrap(multi_margin_loss));

  // more of the long tail
  r.add("aten::dist(Tensor self, Tensor other, Scalar p=2) -> Tensor", wrap([](const Tensor& a, const Tensor& b, Scalar p) {
          return cpu::norm(sub(a, b), p, std::nullopt, false, std::nullopt);
        }));
  r.add("aten::matrix_power(Tensor self, int n) -> Tensor", wrap(matrix_power));
  r.add("aten::linalg_matrix_power(Tensor self, int n) -> Tensor", wrap(matrix_power));
  r.add("aten::diagflat(Tensor self, int offset=0) -> Tensor",
        wrap([](const Tensor& x, int64_t k) { return cpu::diag(reshape(x.contiguous(), {-1}), k); }));
  r.add("aten::cov(Tensor self, *, int correction=1, Tensor? fweights=None, Tensor? aweights=None) -> Tensor", wrap(cov));
  r.add("aten::corrcoef(Tensor self) -> Tensor", wrap(corrcoef));
  r.add("aten::is_same_size(Tensor self, Tensor other) -> bool",
        wrap([](const Tensor& a, const Tensor& b) { return a.sizes() == b.sizes(); }));
  r.add("aten::is_signed(Tensor self) -> bool",
        wrap([](const Tensor& x) { return x.dtype() != DType::UInt8 && x.dtype() != DType::Bool; }));
  r.add("aten::is_nonzero(Tensor self) -> bool", wrap(is_nonzero));
  r.add("aten::isreal(Tensor self) -> Tensor", wrap(isreal));
  for (bool left : {true, false}) {
    const BinaryOp op = left ? BinaryOp::LShift : BinaryOp::RShift;
    const std::string n = left ? "aten::bitwise_left_shift" : "aten::bitwise_right_shift";
    r.add(n + ".Tensor(Tensor self, Tensor other) -> Tensor",
          wrap([op](const Tensor& a, const Tensor& b) { return shift(op, a, b); }));
    r.add(n + ".Tensor_Scalar(Tensor self, Scalar other) -> Tensor",
          wrap([op](const Tensor& a, Scalar b) { return shift(op, a, scalar_to_tensor(b, result_type(a, b))); }));
    r.add(n + ".Scalar_Tensor(Scalar self, Tensor other) -> Tensor",
          wrap([op](Scalar a, const Tensor& b) { return shift(op, scalar_to_tensor(a, result_type(b, a)), b); }));
  }
  r.add("aten::masked_scatter(Tensor self, Tensor mask, Tensor source) -> Tensor", wrap(masked_scatter));
  r.add("aten::masked_scatter_(Tensor(a!) self, Tensor mask, Tensor source) -> Tensor(a!)",
        wrap([](const Tensor& s, const Tensor& m, const Tensor& src) { return assign_inplace(s, masked_scatter(s, m, src)); }));
  r.add("aten::trapezoid.x(Tensor y, Tensor x, *, int dim=-1) -> Tensor", wrap(trapezoid_x));
  r.add("aten::trapezoid.dx(Tensor y, *, Scalar dx=1, int dim=-1) -> Tensor", wrap(trapezoid_dx));
  r.add("aten::trapz.x(Tensor y, Tensor x, *, int dim=-1) -> Tensor", wrap(trapezoid_x));
  r.add("aten::trapz.dx(Tensor y, *, float dx=1., int dim=-1) -> Tensor",
        wrap([](const Tensor& y, double dx, int64_t dim) { return trapezoid_dx(y, Scalar(dx), dim); }));
  r.add("aten::renorm_(Tensor(a!) self, Scalar p, int dim, Scalar maxnorm) -> Tensor(a!)",
        wrap([](const Tensor& x, Scalar p, int64_t d, Scalar m) { return assign_inplace(x, renorm(x, p, d, m)); }));

  // comparisons and queries
  r.add("aten::equal(Tensor self, Tensor other) -> bool", wrap(equal));
  const Kernel isclose = r.find("aten::isclose", "")->kernel;
  r.add("aten::allclose(Tensor self, Tensor other, float rtol=1.0000000000000001e-05, float atol=1e-08, bool equal_nan=False) -> bool",
        [isclose](Stack& s) {
          isclose(s);
          const Tensor close = pop(s).to_tensor();
          s.push_back(Value(close.numel() == 0 || cpu::all(close, std::nullopt, false).item_int() != 0));
        });
  r.add("aten::stride(Tensor self) -> int[]", wrap([](const Tensor& x) { return Ints(x.strides().begin(), x.strides().end()); }));
  r.add("aten::stride.int(Tensor self, int dim) -> int", wrap([](const Tensor& x, int64_t d) {
          return x.dim() == 0 ? (d == 0 || d == -1 ? int64_t{1} : (fail("Dimension out of range (expected to be in range of [-1, 0], but got ", d, ")"), int64_t{0}))
                              : x.stride(wrap_dim(d, x.dim()));
        }));
  r.add("aten::storage_offset(Tensor self) -> int", wrap([](const Tensor& x) { return x.offset(); }));
  r.add("aten::element_size(Tensor self) -> int", wrap([](const Tensor& x) { return static_cast<int64_t>(x.element_size()); }));
  r.add("aten::get_device(Tensor self) -> int", wrap([](const Tensor&) { return int64_t{-1}; }));
  r.add("aten::result_type.Tensor(Tensor tensor, Tensor other) -> ScalarType",
        wrap([](const Tensor& a, const Tensor& b) { return result_type(a, b); }));
  r.add("aten::result_type.Scalar(Tensor tensor, Scalar other) -> ScalarType",
        wrap([](const Tensor& a, Scalar b) { return result_type(a, b); }));
  r.add("aten::result_type.Scalar_Tensor(Scalar scalar, Tensor tensor) -> ScalarType",
        wrap([](Scalar a, const Tensor& b) { return result_type(b, a); }));
  r.add("aten::result_type.Scalar_Scalar(Scalar scalar1, Scalar scalar2) -> ScalarType",
        wrap([](Scalar a, Scalar b) { return result_type(a, b); }));
  r.add("aten::can_cast(ScalarType from_, ScalarType to) -> bool", wrap([](DType a, DType b) { return can_cast(a, b); }));
  r.add("aten::promote_types(ScalarType type1, ScalarType type2) -> ScalarType",
        wrap([](DType a, DType b) { return promote_types(a, b); }));

  // PyTorch's alias names: the same kernels under the alias's own schema.
  const auto alias = [&r](const std::string& schema, const char* original, const char* overload) {
    const Operator* op = r.find(original, overload);
    EMBER_ASSERT(op != nullptr, "alias target ", original, ".", overload, " is not registered");
    r.add(schema, op->kernel);
  };
  alias("aten::absolute(Tensor self) -> Tensor", "aten::abs", "");
  alias("aten::absolute_(Tensor(a!) self) -> Tensor(a!)", "aten::abs_", "");
  for (const char* f : {"cos", "sin", "tan", "cosh", "sinh", "tanh"}) {
    const std::string a = std::string("arc") + f, o = std::string("aten::a") + f;
    alias("aten::" + a + "(Tensor self) -> Tensor", o.c_str(), "");
    alias("aten::" + a + "_(Tensor(a!) self) -> Tensor(a!)", (o + "_").c_str(), "");
  }
  alias("aten::arctan2(Tensor self, Tensor other) -> Tensor", "aten::atan2", "");
  r.add("aten::arctan2_(Tensor(a!) self, Tensor other) -> Tensor(a!)", wrap([](const Tensor& a, const Tensor& b) {
          return assign_inplace(a, cpu::binary(BinaryOp::Atan2, a, b));
        }));
  alias("aten::clip(Tensor self, Scalar? min=None, Scalar? max=None) -> Tensor", "aten::clamp", "");
  alias("aten::clip.Tensor(Tensor self, Tensor? min=None, Tensor? max=None) -> Tensor", "aten::clamp", "Tensor");
  alias("aten::clip_(Tensor(a!) self, Scalar? min=None, Scalar? max=None) -> Tensor(a!)", "aten::clamp_", "");
  alias("aten::clip_.Tensor(Tensor(a!) self, Tensor? min=None, Tensor? max=None) -> Tensor(a!)", "aten::clamp_", "Tensor");
  alias("aten::divide.Tensor(Tensor self, Tensor other) -> Tensor", "aten::div", "Tensor");
  alias("aten::divide.Scalar(Tensor self, Scalar other) -> Tensor", "aten::div", "Scalar");
  alias("aten::divide.Tensor_mode(Tensor self, Tensor other, *, str? rounding_mode) -> Tensor", "aten::div", "Tensor_mode");
  alias("aten::divide.Scalar_mode(Tensor self, Scalar other, *, str? rounding_mode) -> Tensor", "aten::div", "Scalar_mode");
  alias("aten::divide_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", "aten::div_", "Tensor");
  alias("aten::divide_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", "aten::div_", "Scalar");
  alias("aten::divide_.Tensor_mode(Tensor(a!) self, Tensor other, *, str? rounding_mode) -> Tensor(a!)", "aten::div_", "Tensor_mode");
  alias("aten::divide_.Scalar_mode(Tensor(a!) self, Scalar other, *, str? rounding_mode) -> Tensor(a!)", "aten::div_", "Scalar_mode");
  alias("aten::multiply.Tensor(Tensor self, Tensor other) -> Tensor", "aten::mul", "Tensor");
  alias("aten::multiply.Scalar(Tensor self, Scalar other) -> Tensor", "aten::mul", "Scalar");
  alias("aten::multiply_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", "aten::mul_", "Tensor");
  alias("aten::multiply_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", "aten::mul_", "Scalar");
  alias("aten::subtract.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", "aten::sub", "Tensor");
  alias("aten::subtract.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor", "aten::sub", "Scalar");
  alias("aten::subtract_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)", "aten::sub_", "Tensor");
  alias("aten::subtract_.Scalar(Tensor(a!) self, Scalar other, Scalar alpha=1) -> Tensor(a!)", "aten::sub_", "Scalar");
  struct Cmp { const char* alias; const char* original; };
  for (Cmp c : {Cmp{"greater", "gt"}, Cmp{"greater_equal", "ge"}, Cmp{"less", "lt"}, Cmp{"less_equal", "le"},
                Cmp{"not_equal", "ne"}}) {
    const std::string a = std::string("aten::") + c.alias, o = std::string("aten::") + c.original;
    alias(a + ".Tensor(Tensor self, Tensor other) -> Tensor", o.c_str(), "Tensor");
    alias(a + ".Scalar(Tensor self, Scalar other) -> Tensor", o.c_str(), "Scalar");
    alias(a + "_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", (o + "_").c_str(), "Tensor");
    alias(a + "_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", (o + "_").c_str(), "Scalar");
  }
  alias("aten::swapdims(Tensor(a) self, int dim0, int dim1) -> Tensor(a)", "aten::transpose", "int");
  alias("aten::swapdims_(Tensor(a!) self, int dim0, int dim1) -> Tensor(a!)", "aten::transpose_", "");
  alias("aten::concatenate(Tensor[] tensors, int dim=0) -> Tensor", "aten::cat", "");
  r.add("aten::positive(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) {
          if (x.dtype() == DType::Bool) fail("The `+` operator, on a bool tensor is not supported.");
          return x;
        }));
}

}  // namespace ember::ops
