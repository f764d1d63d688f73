// reduce.cpp — reductions, scans and softmax over the shared reduction geometry (tensor/reduce.h).
// Floating sums accumulate in double, so results are at least as accurate as PyTorch's.
#include "kernels/cpu/reduce.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/cpu/complex.h"
#include "kernels/cpu/shape.h"
#include "kernels/cpu/vec_math.h"
#include "tensor/broadcast.h"
#include "tensor/dispatch.h"
#include "tensor/elementwise.h"
#include "tensor/promotion.h"
#include "tensor/reduce.h"

namespace ember::cpu {

namespace {

// Accumulator type: double for floating dtypes, int64 for integers.
template <class T>
using acc_t = std::conditional_t<std::is_integral_v<T>, std::conditional_t<std::is_unsigned_v<T> || std::is_same_v<T, bool>, uint64_t, int64_t>, double>;

template <class T>
T* at(char* p) { return reinterpret_cast<T*>(p); }

Tensor cast_input(const Tensor& x, DType dtype) { return x.dtype() == dtype ? x : x.to(dtype); }

std::span<const Tensor> one(const Tensor& t) { return {&t, 1}; }

void check_nonempty(const Tensor& x, const std::vector<bool>& mask, const char* name) {
  for (size_t i = 0; i < mask.size(); ++i)
    if (mask[i] && x.sizes()[i] == 0 && x.numel() == 0) {
      bool kept_nonempty = true;
      for (size_t k = 0; k < mask.size(); ++k)
        if (!mask[k] && x.sizes()[k] == 0) kept_nonempty = false;
      if (kept_nonempty)
        fail(name, "(): Expected reduction dim ", i, " to have non-zero size.");
    }
  if (x.dim() == 0 || mask.empty()) return;
  bool all = true;
  for (bool m : mask) all = all && m;
  if (all && x.numel() == 0)
    fail(name, "(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim "
         "with the 'dim' argument.");
}

template <bool IsMax>
Tensor extreme(const Tensor& x, DimList dims, bool keepdim, const char* name) {
  const auto mask = reduction_mask(x, dims);
  check_nonempty(x, mask, name);
  Tensor out = Tensor::empty_uninitialized(reduced_shape(x, mask, keepdim), x.dtype());
  ReducedRange r(x, mask);
  dispatch_real(x.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    for_each_reduction(x, mask, one(out), [&](char** p) {
      bool first = true;
      A best{};
      r.for_each<T>(p[1], [&](T tv) {
        const A v = static_cast<A>(tv);
        if (first) { best = v; first = false; return; }
        if constexpr (!std::is_integral_v<T>) if (best != best) return;
        if (v != v || (IsMax ? v > best : v < best)) best = v;
      });
      *at<T>(p[0]) = scalar_cast<T>(best);
    });
  });
  return out;
}

template <bool IsMax>
std::tuple<Tensor, Tensor> extreme_dim(const Tensor& x, int64_t dim, bool keepdim, const char* name) {
  const int64_t d = wrap_dim(dim, x.dim());
  std::vector<bool> mask(static_cast<size_t>(x.dim()), false);
  if (x.dim() > 0) mask[static_cast<size_t>(d)] = true;
  if (x.dim() > 0 && x.sizes()[static_cast<size_t>(d)] == 0)
    fail(name, "(): Expected reduction dim ", d, " to have non-zero size.");
  const Shape shape = reduced_shape(x, mask, keepdim);
  Tensor values = Tensor::empty_uninitialized(shape, x.dtype());
  Tensor indices = Tensor::empty_uninitialized(shape, DType::Int64);
  ReducedRange r(x, mask);
  const Tensor outs[] = {values, indices};
  dispatch_real(x.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    for_each_reduction(x, mask, outs, [&](char** p) {
      int64_t i = 0, best_i = 0;
      A best{};
      r.for_each<T>(p[2], [&](T tv) {
        const A v = static_cast<A>(tv);
        if (i == 0) {
          best = v;
        } else {
          bool take = IsMax ? v > best : v < best;
          if constexpr (!std::is_integral_v<T>) take = (best == best) && (take || v != v);
          if (take) { best = v; best_i = i; }
        }
        ++i;
      });
      *at<T>(p[0]) = scalar_cast<T>(best);
      *at<int64_t>(p[1]) = best_i;
    });
  });
  return {values, indices};
}

template <bool IsMax>
Tensor arg_extreme(const Tensor& x, std::optional<int64_t> dim, bool keepdim, const char* name) {
  if (x.dtype() == DType::Bool) fail_dtype(name, x.dtype());
  if (dim) return std::get<1>(extreme_dim<IsMax>(x, *dim, keepdim, name));
  if (x.numel() == 0)
    fail(name, "(): Expected reduction dim to be specified for input.numel() == 0.");
  Tensor flat = reshape(x, Shape{x.numel()});
  Tensor idx = std::get<1>(extreme_dim<IsMax>(flat, 0, false, name));
  if (keepdim) return reshape(idx, Shape(static_cast<size_t>(x.dim()), 1));
  return idx;
}

// Two-pass variance per output element, in double.
std::tuple<Tensor, Tensor> moments(const Tensor& x, DimList dims, std::optional<int64_t> correction, bool keepdim,
                                   bool want_mean, const char* name) {
  if (!is_floating(x.dtype()) && !is_complex(x.dtype()))
    fail("std and var only support floating point and complex dtypes");
  const auto mask = reduction_mask(x, dims);
  const Shape shape = reduced_shape(x, mask, keepdim);
  Tensor var_out = Tensor::empty_uninitialized(shape, x.dtype());
  Tensor mean_out = Tensor::empty_uninitialized(shape, x.dtype());
  ReducedRange r(x, mask);
  const double corr = static_cast<double>(correction.value_or(1));
  const Tensor outs[] = {var_out, mean_out};
  dispatch_floating(x.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    for_each_reduction(x, mask, outs, [&](char** p) {
      const auto n = static_cast<double>(r.numel());
      double s = 0;
      r.for_each<T>(p[2], [&](T v) { s += static_cast<double>(v); });
      const double m = s / n;
      double ss = 0;
      r.for_each<T>(p[2], [&](T v) {
        const double dv = static_cast<double>(v) - m;
        ss += dv * dv;
      });
      *at<T>(p[0]) = scalar_cast<T>(ss / std::max(0.0, n - corr));
      *at<T>(p[1]) = scalar_cast<T>(m);
    });
  });
  (void)want_mean;
  return {var_out, mean_out};
}

Tensor sqrt_inplace(const Tensor& t) {
  dispatch_floating(t.dtype(), "std", [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(t.raw_data());
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = T(std::sqrt(static_cast<opmath_t<T>>(p[i])));
  });
  return t;
}

template <bool IsAny>
Tensor any_all(const Tensor& x, DimList dims, bool keepdim) {
  const auto mask = reduction_mask(x, dims);
  const DType out_dt = x.dtype() == DType::UInt8 ? DType::UInt8 : DType::Bool;
  Tensor out = Tensor::empty_uninitialized(reduced_shape(x, mask, keepdim), out_dt);
  ReducedRange r(x, mask);
  dispatch_all(x.dtype(), IsAny ? "any" : "all", [&](auto tag) {
    using T = decltype(tag);
    for_each_reduction(x, mask, one(out), [&](char** p) {
      bool acc = !IsAny;
      r.for_each<T>(p[1], [&](T v) {
        const bool b = scalar_cast<bool>(v);
        acc = IsAny ? (acc || b) : (acc && b);
      });
      if (out_dt == DType::Bool) *at<bool>(p[0]) = acc;
      else *at<uint8_t>(p[0]) = acc ? 1 : 0;
    });
  });
  return out;
}

template <bool IsSum>
Tensor sum_prod(const Tensor& x, DimList dims, bool keepdim, std::optional<DType> dtype, const char* name) {
  const DType out_dt = dtype ? *dtype : (is_integral(x.dtype(), true) ? DType::Int64 : x.dtype());
  Tensor in = cast_input(x, out_dt);
  const auto mask = reduction_mask(in, dims);
  Tensor out = Tensor::empty_uninitialized(reduced_shape(in, mask, keepdim), out_dt);
  ReducedRange r(in, mask);
  dispatch_real(out_dt, name, [&](auto tag) {
    using T = decltype(tag);
    using Acc = acc_t<T>;
    for_each_reduction(in, mask, one(out), [&](char** p) {
      Acc acc = IsSum ? Acc(0) : Acc(1);
      r.for_each<T>(p[1], [&](T v) {
        if constexpr (IsSum) acc = static_cast<Acc>(acc + static_cast<Acc>(v));
        else acc = static_cast<Acc>(acc * static_cast<Acc>(v));
      });
      *at<T>(p[0]) = scalar_cast<T>(acc);
    });
  });
  return out;
}

}  // namespace

namespace {
// A complex sum or mean: the same reduction of the [..., 2] real view over the same dims, its
// last (real, imaginary) dim kept.
template <class F>
Tensor reduce_complex(const Tensor& x, DimList dims, bool keepdim, F reduce_real) {
  if (x.dim() == 0) return x.clone();
  std::vector<int64_t> d;
  if (dims && !dims->empty()) {
    for (int64_t v : *dims) {
      if (v < -x.dim() || v >= x.dim())
        fail("Dimension out of range (expected to be in range of [", -x.dim(), ", ", x.dim() - 1, "], but got ", v, ")");
      d.push_back(v < 0 ? v + x.dim() : v);
    }
  } else {
    for (int64_t i = 0; i < x.dim(); ++i) d.push_back(i);
  }
  const Tensor y = reduce_real(view_as_real(x), std::span<const int64_t>(d), keepdim);
  return view_as_complex(y.contiguous());
}
}  // namespace

Tensor sum(const Tensor& x, DimList dims, bool keepdim, std::optional<DType> dtype) {
  if (is_complex(x.dtype()) && (!dtype || is_complex(*dtype)))
    return reduce_complex(dtype ? x.to(*dtype) : x, dims, keepdim, [](const Tensor& r, DimList d, bool k) {
      return sum_prod<true>(r, d, k, std::nullopt, "sum");
    });
  return sum_prod<true>(x, dims, keepdim, dtype, "sum");
}

Tensor prod(const Tensor& x, std::optional<int64_t> dim, bool keepdim, std::optional<DType> dtype) {
  if (!dim) return sum_prod<false>(x, std::nullopt, false, dtype, "prod");
  const int64_t d = *dim;
  return sum_prod<false>(x, std::span<const int64_t>(&d, 1), keepdim, dtype, "prod");
}

Tensor mean(const Tensor& x, DimList dims, bool keepdim, std::optional<DType> dtype) {
  if (is_complex(x.dtype()) && (!dtype || is_complex(*dtype)))
    return reduce_complex(dtype ? x.to(*dtype) : x, dims, keepdim,
                          [](const Tensor& r, DimList d, bool k) { return mean(r, d, k, std::nullopt); });
  const DType dt = dtype.value_or(x.dtype());
  if (!is_floating(dt) && !is_complex(dt))
    fail("mean(): could not infer output dtype. ", dtype ? "Optional" : "Input", " dtype must be either a "
         "floating point or complex dtype. Got: ", dtype_name(dt));
  Tensor in = cast_input(x, dt);
  const auto mask = reduction_mask(in, dims);
  Tensor out = Tensor::empty_uninitialized(reduced_shape(in, mask, keepdim), dt);
  ReducedRange r(in, mask);
  dispatch_floating(dt, "mean", [&](auto tag) {
    using T = decltype(tag);
    for_each_reduction(in, mask, one(out), [&](char** p) {
      double acc = 0;
      r.for_each<T>(p[1], [&](T v) { acc += static_cast<double>(v); });
      *at<T>(p[0]) = scalar_cast<T>(acc / static_cast<double>(r.numel()));
    });
  });
  return out;
}

Tensor amax(const Tensor& x, DimList dims, bool keepdim) { return extreme<true>(x, dims, keepdim, "amax"); }
Tensor amin(const Tensor& x, DimList dims, bool keepdim) { return extreme<false>(x, dims, keepdim, "amin"); }
std::tuple<Tensor, Tensor> max_dim(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_dim<true>(x, dim, keepdim, "max");
}
std::tuple<Tensor, Tensor> min_dim(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_dim<false>(x, dim, keepdim, "min");
}
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme<true>(x, dim, keepdim, "argmax");
}
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme<false>(x, dim, keepdim, "argmin");
}

Tensor var(const Tensor& x, DimList dims, std::optional<int64_t> correction, bool keepdim) {
  return std::get<0>(moments(x, dims, correction, keepdim, false, "var"));
}
Tensor std(const Tensor& x, DimList dims, std::optional<int64_t> correction, bool keepdim) {
  return sqrt_inplace(std::get<0>(moments(x, dims, correction, keepdim, false, "std")));
}
std::tuple<Tensor, Tensor> var_mean(const Tensor& x, DimList dims, std::optional<int64_t> correction, bool keepdim) {
  return moments(x, dims, correction, keepdim, true, "var_mean");
}
std::tuple<Tensor, Tensor> std_mean(const Tensor& x, DimList dims, std::optional<int64_t> correction, bool keepdim) {
  auto [v, m] = moments(x, dims, correction, keepdim, true, "std_mean");
  return {sqrt_inplace(v), m};
}

Tensor any(const Tensor& x, DimList dims, bool keepdim) { return any_all<true>(x, dims, keepdim); }
Tensor all(const Tensor& x, DimList dims, bool keepdim) { return any_all<false>(x, dims, keepdim); }

Tensor count_nonzero(const Tensor& x, DimList dims) {
  const auto mask = reduction_mask(x, dims);
  Tensor out = Tensor::empty_uninitialized(reduced_shape(x, mask, false), DType::Int64);
  ReducedRange r(x, mask);
  dispatch_all(x.dtype(), "count_nonzero", [&](auto tag) {
    using T = decltype(tag);
    for_each_reduction(x, mask, one(out), [&](char** p) {
      int64_t n = 0;
      r.for_each<T>(p[1], [&](T v) { n += scalar_cast<bool>(v) ? 1 : 0; });
      *at<int64_t>(p[0]) = n;
    });
  });
  return out;
}

Tensor norm(const Tensor& x, const Scalar& p, DimList dims, bool keepdim, std::optional<DType> dtype) {
  const DType dt = dtype.value_or(x.dtype());
  if (!is_floating(dt)) fail("norm(): input dtype should be either floating point or complex. Got ", dtype_name(dt), " instead.");
  Tensor in = cast_input(x, dt);
  const auto mask = reduction_mask(in, dims);
  Tensor out = Tensor::empty_uninitialized(reduced_shape(in, mask, keepdim), dt);
  ReducedRange r(in, mask);
  const double pv = p.to_double();
  if (std::isinf(pv) && in.numel() == 0)
    fail("linalg.vector_norm cannot compute the ", pv, " norm on an empty tensor because the operation does not have an identity");
  dispatch_floating(dt, "norm", [&](auto tag) {
    using T = decltype(tag);
    for_each_reduction(in, mask, one(out), [&](char** ptr) {
      double acc = 0;
      if (pv == 2) {
        r.for_each<T>(ptr[1], [&](T v) { acc += static_cast<double>(v) * static_cast<double>(v); });
        acc = std::sqrt(acc);
      } else if (pv == 1) {
        r.for_each<T>(ptr[1], [&](T v) { acc += std::abs(static_cast<double>(v)); });
      } else if (pv == 0) {
        r.for_each<T>(ptr[1], [&](T v) { acc += static_cast<double>(v) != 0 ? 1 : 0; });
      } else if (std::isinf(pv)) {
        bool first = true;
        r.for_each<T>(ptr[1], [&](T v) {
          const double a = std::abs(static_cast<double>(v));
          if (first || a != a || (pv > 0 ? a > acc : a < acc)) {
            if (acc == acc || first) acc = a;
          }
          first = false;
        });
      } else {
        r.for_each<T>(ptr[1], [&](T v) { acc += std::pow(std::abs(static_cast<double>(v)), pv); });
        acc = std::pow(acc, 1.0 / pv);
      }
      *at<T>(ptr[0]) = scalar_cast<T>(acc);
    });
  });
  return out;
}

Tensor logsumexp(const Tensor& x, DimList dims, bool keepdim) {
  Tensor in = cast_input(x, to_floating(x.dtype()));
  const auto mask = reduction_mask(in, dims);
  Tensor out = Tensor::empty_uninitialized(reduced_shape(in, mask, keepdim), in.dtype());
  ReducedRange r(in, mask);
  dispatch_floating(in.dtype(), "logsumexp", [&](auto tag) {
    using T = decltype(tag);
    for_each_reduction(in, mask, one(out), [&](char** p) {
      double m = -std::numeric_limits<double>::infinity();
      bool nan = false;
      r.for_each<T>(p[1], [&](T v) {
        const double d = static_cast<double>(v);
        if (d != d) nan = true;
        else if (d > m) m = d;
      });
      if (nan) {
        *at<T>(p[0]) = scalar_cast<T>(std::numeric_limits<double>::quiet_NaN());
        return;
      }
      const double shift = std::isinf(m) ? 0.0 : m;
      double s = 0;
      r.for_each<T>(p[1], [&](T v) { s += std::exp(static_cast<double>(v) - shift); });
      *at<T>(p[0]) = scalar_cast<T>(std::log(s) + shift);
    });
  });
  return out;
}

namespace {
template <bool IsSum>
Tensor scan(const Tensor& x, int64_t dim, std::optional<DType> dtype, const char* name) {
  const DType dt = dtype ? *dtype : (is_integral(x.dtype(), true) ? DType::Int64 : x.dtype());
  Tensor in = cast_input(x, dt);
  const int64_t d = wrap_dim(dim, in.dim());
  Tensor out = Tensor::empty_uninitialized(in.sizes(), dt);
  dispatch_numeric(dt, name, [&](auto tag) {
    using T = decltype(tag);
    using Acc = acc_t<T>;
    for_each_lane(in, d, one(out), [&](char** p, const int64_t* st, int64_t n) {
      Acc acc = IsSum ? Acc(0) : Acc(1);
      for (int64_t j = 0; j < n; ++j) {
        const Acc v = static_cast<Acc>(*reinterpret_cast<const T*>(p[1] + j * st[1]));
        if constexpr (IsSum) acc = static_cast<Acc>(acc + v);
        else acc = static_cast<Acc>(acc * v);
        *reinterpret_cast<T*>(p[0] + j * st[0]) = scalar_cast<T>(acc);
      }
    });
  });
  return out;
}

template <bool IsLog>
Tensor softmax_impl(const Tensor& x, int64_t dim, std::optional<DType> dtype, const char* name) {
  Tensor in = dtype ? cast_input(x, *dtype) : x;
  if (!is_floating(in.dtype())) fail_dtype(name, in.dtype());
  const int64_t d = wrap_dim(dim, in.dim());
  Tensor out = Tensor::empty_uninitialized(in.sizes(), in.dtype());
  dispatch_floating(in.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    for_each_lane(in, d, one(out), [&](char** p, const int64_t* st, int64_t n) {
      auto in_at = [&](int64_t j) { return static_cast<A>(*reinterpret_cast<const T*>(p[1] + j * st[1])); };
      auto out_at = [&](int64_t j) { return reinterpret_cast<T*>(p[0] + j * st[0]); };
      if constexpr (std::is_same_v<T, float>) {
        if (st[0] == int64_t{sizeof(T)} && st[1] == int64_t{sizeof(T)}) {
          // Unit-stride float32 lanes (softmax over the last dim): vectorised max, exp-and-sum
          // and scale passes.
          const T* x = reinterpret_cast<const T*>(p[1]);
          T* y = reinterpret_cast<T*>(p[0]);
          if constexpr (IsLog) vec::log_softmax_row(x, y, n);
          else vec::softmax_row(x, y, n);
          return;
        }
      }
      // float opmath uses vec_math's exp, as the unit-stride rows do.
      auto exp_a = [](A v) {
        if constexpr (std::is_same_v<A, float>) return vec::exp(v);
        else return std::exp(v);
      };
      A m = -std::numeric_limits<A>::infinity();
      for (int64_t j = 0; j < n; ++j) {
        const A v = in_at(j);
        if (v != v || v > m) m = v;
      }
      double s = 0;
      for (int64_t j = 0; j < n; ++j) s += static_cast<double>(exp_a(in_at(j) - m));
      if constexpr (IsLog) {
        const A ls = static_cast<A>(std::log(s));
        for (int64_t j = 0; j < n; ++j) *out_at(j) = T(in_at(j) - m - ls);
      } else {
        const A inv = static_cast<A>(1.0 / s);
        for (int64_t j = 0; j < n; ++j) *out_at(j) = T(exp_a(in_at(j) - m) * inv);
      }
    });
  });
  return out;
}

// The reference paths' softmax: each lane in double with std::exp, no vectorised rows.
template <bool IsLog>
Tensor softmax_reference_impl(const Tensor& x, int64_t dim, std::optional<DType> dtype, const char* name) {
  Tensor in = dtype ? cast_input(x, *dtype) : x;
  if (!is_floating(in.dtype())) fail_dtype(name, in.dtype());
  const int64_t d = wrap_dim(dim, in.dim());
  Tensor out = Tensor::empty(in.sizes(), in.dtype());
  dispatch_floating(in.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    for_each_lane(in, d, one(out), [&](char** p, const int64_t* st, int64_t n) {
      auto in_at = [&](int64_t j) { return scalar_cast<double>(*reinterpret_cast<const T*>(p[1] + j * st[1])); };
      auto out_at = [&](int64_t j) { return reinterpret_cast<T*>(p[0] + j * st[0]); };
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < n; ++j) {
        const double v = in_at(j);
        if (v != v || v > m) m = v;
      }
      double s = 0;
      for (int64_t j = 0; j < n; ++j) s += std::exp(in_at(j) - m);
      for (int64_t j = 0; j < n; ++j)
        *out_at(j) = scalar_cast<T>(IsLog ? in_at(j) - m - std::log(s) : std::exp(in_at(j) - m) / s);
    });
  });
  return out;
}

}  // namespace

Tensor softmax_reference(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  return softmax_reference_impl<false>(x, dim, dtype, "softmax");
}
Tensor log_softmax_reference(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  return softmax_reference_impl<true>(x, dim, dtype, "log_softmax");
}

Tensor cumsum(const Tensor& x, int64_t dim, std::optional<DType> dtype) { return scan<true>(x, dim, dtype, "cumsum"); }
Tensor cumprod(const Tensor& x, int64_t dim, std::optional<DType> dtype) { return scan<false>(x, dim, dtype, "cumprod"); }
Tensor softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  return softmax_impl<false>(x, dim, dtype, "softmax");
}
Tensor log_softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  return softmax_impl<true>(x, dim, dtype, "log_softmax");
}

}  // namespace ember::cpu
