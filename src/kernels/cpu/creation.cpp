#include "kernels/cpu/creation.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <type_traits>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/index.h"
#include "kernels/cpu/shape.h"
#include "tensor/broadcast.h"
#include "tensor/dispatch.h"
#include "tensor/promotion.h"

namespace ember::cpu {

namespace {

void check_sizes(std::span<const int64_t> size) {
  for (int64_t s : size)
    if (s < 0) fail("Trying to create tensor with negative dimension ", s, ": ", shape_string(size));
}

// The type PyTorch's CPU range kernels accumulate in (at::acc_type<T, false>): int64 for every
// integer type, double for float and double, float for the 16-bit floats.
template <class T>
using range_acc_t = std::conditional_t<std::is_integral_v<T>, int64_t,
                                       std::conditional_t<std::is_floating_point_v<T>, double, float>>;

// PyTorch converts fill values with an overflow check (c10::checked_convert): integers may wrap
// into unsigned types by at most one period (-1 fills uint8 with 255) and infinities and NaN pass
// to floating types, but values outside the target's range fail.
void check_fits(const Scalar& v, DType dtype) {
  if (dtype == DType::Bool || is_complex(dtype)) return;
  dispatch_real(dtype, "fill", [&](auto tag) {
    using T = decltype(tag);
    double hi;
    if constexpr (std::is_same_v<T, Half>) hi = 65504.0;
    else if constexpr (std::is_same_v<T, BFloat16>) hi = 3.3895313892515355e38;
    else hi = static_cast<double>(std::numeric_limits<T>::max());
    double lo = -hi;
    if constexpr (std::is_integral_v<T>) lo = static_cast<double>(std::numeric_limits<T>::lowest());
    bool bad;
    if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) {
      if (v.is_integral(true)) {
        const int64_t i = v.to_int();
        const auto max = static_cast<int64_t>(hi);
        bad = i > max || (i < 0 && -i > max);
      } else {
        const double d = v.to_double();
        bad = d < lo || d > hi;
      }
    } else {
      const double d = v.is_complex() ? v.to_complex().real() : v.to_double();
      bad = !std::isinf(d) && (d < lo || d > hi);
    }
    if (bad) fail("value cannot be converted to type ", dtype_name(dtype), " without overflow");
  });
}

std::string number_str(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

}  // namespace

DType scalar_default_dtype(const Scalar& s) {
  switch (s.kind()) {
    case Scalar::Kind::Bool: return DType::Bool;
    case Scalar::Kind::Int: return DType::Int64;
    case Scalar::Kind::Double: return kDefaultFloat;
    case Scalar::Kind::Complex: return DType::Complex64;
  }
  __builtin_unreachable();
}

Tensor full(std::span<const int64_t> size, const Scalar& value, DType dtype) {
  check_sizes(size);
  check_fits(value, dtype);
  return fill_(Tensor::empty(size, dtype), value);
}

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<DType> dtype) {
  const bool integral = start.is_integral(true) && end.is_integral(true) && step.is_integral(true);
  const DType dt = dtype.value_or(integral ? DType::Int64 : kDefaultFloat);
  return dispatch_numeric(dt, "arange_cpu", [&](auto tag) {
    using T = decltype(tag);
    using A = range_acc_t<T>;
    const A xstart = start.to<A>(), xend = end.to<A>(), xstep = step.to<A>();
    double size_d;
    if constexpr (std::is_same_v<T, int64_t>) {
      A diff = 0;  // as PyTorch: the int64 difference, in double only when it does not fit
      const double d = __builtin_sub_overflow(xend, xstart, &diff)
                           ? static_cast<double>(xend) - static_cast<double>(xstart)
                           : static_cast<double>(diff);
      size_d = std::ceil(d / static_cast<double>(xstep));
    }
    else
      size_d = std::ceil((end.to_double() - start.to_double()) / step.to_double());
    if (!(xstep > 0 || xstep < 0)) fail("step must be nonzero");
    if (!std::isfinite(static_cast<double>(xstart)) || !std::isfinite(static_cast<double>(xend)))
      fail("unsupported range: ", number_str(static_cast<double>(xstart)), " -> ",
           number_str(static_cast<double>(xend)));
    if (!((xstep > 0 && xend >= xstart) || (xstep < 0 && xend <= xstart)))
      fail("upper bound and larger bound inconsistent with step sign");
    if (!(size_d >= 0 && size_d < 9223372036854775808.0))  // 2^63 itself does not convert
      fail("invalid size, possible overflow?");
    const auto n = static_cast<int64_t>(size_d);
    Tensor out = Tensor::empty(Shape{n}, dt);
    T* p = out.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = scalar_cast<T>(static_cast<A>(xstart + xstep * static_cast<A>(i)));
    return out;
  });
}

Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, DType dtype) {
  if (steps < 0) fail("number of steps must be non-negative");
  Tensor out = Tensor::empty(Shape{steps}, dtype);
  if (steps == 0) return out;
  if (steps == 1) return fill_(out, start);
  dispatch_numeric(dtype, "linspace_cpu", [&](auto tag) {
    using T = decltype(tag);
    // Integer results step in double (the range may not fit T); floats step in their own type.
    using S = std::conditional_t<std::is_integral_v<T>, double, opmath_t<T>>;
    const T tstart = start.to<T>(), tend = end.to<T>();
    const S s0 = scalar_cast<S>(tstart), s1 = scalar_cast<S>(tend);
    const S step = (s1 - s0) / static_cast<S>(steps - 1);
    const int64_t halfway = steps / 2;
    T* p = out.data<T>();
    for (int64_t i = 0; i < steps; ++i) {
      const S v = i < halfway ? s0 + step * static_cast<S>(i) : s1 - step * static_cast<S>(steps - i - 1);
      p[i] = scalar_cast<T>(v);
    }
  });
  return out;
}

Tensor logspace(const Scalar& start, const Scalar& end, int64_t steps, double base, DType dtype) {
  if (steps < 0) fail("number of steps must be non-negative");
  Tensor out = Tensor::empty(Shape{steps}, dtype);
  if (steps == 0) return out;
  if (steps == 1) return fill_(out, Scalar(std::pow(base, start.to_double())));
  dispatch_numeric(dtype, "logspace_cpu", [&](auto tag) {
    using T = decltype(tag);
    using S = std::conditional_t<std::is_integral_v<T>, double, opmath_t<T>>;
    const S s0 = start.to<S>(), s1 = end.to<S>();
    const S step = (s1 - s0) / static_cast<S>(steps - 1);
    const int64_t halfway = steps / 2;
    T* p = out.data<T>();
    for (int64_t i = 0; i < steps; ++i) {
      const S e = i < halfway ? s0 + step * static_cast<S>(i) : s1 - step * static_cast<S>(steps - i - 1);
      p[i] = scalar_cast<T>(std::pow(base, static_cast<double>(e)));
    }
  });
  return out;
}

Tensor eye(int64_t n, int64_t m, DType dtype) {
  if (n < 0) fail("n must be greater or equal to 0, got ", n);
  if (m < 0) fail("m must be greater or equal to 0, got ", m);
  Tensor out = Tensor::empty(Shape{n, m}, dtype);
  const int64_t k = std::min(n, m);
  if (k == 0) return out;
  fill_(out.as_strided(Shape{k}, Shape{m + 1}, 0), Scalar(int64_t{1}));
  return out;
}

std::vector<Tensor> meshgrid(std::span<const Tensor> tensors, const std::string& indexing) {
  if (tensors.empty()) fail("torch.meshgrid: Expected at least one tensor");
  if (indexing != "ij" && indexing != "xy")
    fail("torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: ", indexing);
  for (const Tensor& t : tensors) {
    if (t.dim() > 1) fail("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: ", t.dim(), "D");
    if (t.dtype() != tensors[0].dtype()) fail("torch.meshgrid: Expected all tensors in the tensor list to have the same dtype");
  }
  const size_t n = tensors.size();
  // "xy" swaps the roles of the first two inputs: the first varies along dim 1.
  const bool swap = indexing == "xy" && n >= 2;
  std::vector<size_t> axis(n);
  for (size_t i = 0; i < n; ++i) axis[i] = i;
  if (swap) std::swap(axis[0], axis[1]);
  Shape shape(n);
  for (size_t i = 0; i < n; ++i) shape[axis[i]] = tensors[i].numel();
  std::vector<Tensor> out;
  for (size_t i = 0; i < n; ++i) {
    Shape view_shape(n, 1);
    view_shape[axis[i]] = tensors[i].numel();
    out.push_back(expand(reshape(tensors[i], view_shape), shape));
  }
  return out;
}

Tensor repeat_interleave_index(const Tensor& repeats) {
  if (repeats.dim() != 1) fail("repeat_interleave only accept 1D vector as repeat");
  if (repeats.dtype() != DType::Int64 && repeats.dtype() != DType::Int32)
    fail("repeats has to be Long or Int tensor");
  Tensor r = repeats.to(DType::Int64).contiguous();
  int64_t total = 0;
  for (int64_t i = 0; i < r.numel(); ++i) {
    if (r.data<int64_t>()[i] < 0) fail("repeats can not be negative");
    total += r.data<int64_t>()[i];
  }
  Tensor out = Tensor::empty(Shape{total}, DType::Int64);
  int64_t* p = out.data<int64_t>();
  for (int64_t i = 0; i < r.numel(); ++i)
    for (int64_t j = 0; j < r.data<int64_t>()[i]; ++j) *p++ = i;
  return out;
}

Tensor repeat_interleave(const Tensor& x, const Tensor& repeats, std::optional<int64_t> dim) {
  Tensor in = x;
  int64_t d = 0;
  if (!dim) in = reshape(x, Shape{-1});
  else if (x.dim() == 0) fail("Dimension specified as ", *dim, " but tensor has no dimensions");
  else d = wrap_dim(*dim, x.dim());
  if (in.dim() == 0) in = reshape(in, Shape{1});
  Tensor reps = repeats;
  if (reps.dim() == 0 || (reps.dim() == 1 && reps.numel() == 1))
    reps = expand(reshape(reps, Shape{1}), Shape{in.size(d)});
  else if (reps.dim() == 1 && reps.numel() != in.size(d))
    fail("repeats must have the same size as input along dim, but got repeats.size(0) = ", reps.numel(),
         " and input.size(", d, ") = ", in.size(d));
  return index_select(in, d, repeat_interleave_index(reps));
}

}  // namespace ember::cpu
