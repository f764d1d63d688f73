#include <cmath>
#include <complex>
#include <limits>
#include <numbers>
#include <numeric>
#include <type_traits>

#include "kernels/cpu/extra.h"
#include "tensor/dispatch.h"
#include "tensor/elementwise.h"
#include "tensor/promotion.h"

namespace ember::cpu {

namespace {

template <class A>
A xlogy_one(A x, A y) {
  if (std::isnan(y)) return std::numeric_limits<A>::quiet_NaN();
  if (x == A(0)) return A(0);
  return x * std::log(y);
}

// log(exp(a) + exp(b)) without overflow; equal infinities return themselves.
template <class A>
A logaddexp_one(A a, A b) {
  if (std::isinf(a) && a == b) return a;
  const A m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

template <class A>
A logaddexp2_one(A a, A b) {
  if (std::isinf(a) && a == b) return a;
  const A m = std::max(a, b);
  return m + std::log1p(std::exp2(-std::abs(a - b))) / A(std::numbers::ln2);
}

template <class A>
A fmax_one(A a, A b) {
  if constexpr (std::is_floating_point_v<A>) {
    if (std::isnan(a)) return b;
    if (std::isnan(b)) return a;
  }
  return a < b ? b : a;
}

template <class A>
A fmin_one(A a, A b) {
  if constexpr (std::is_floating_point_v<A>) {
    if (std::isnan(a)) return b;
    if (std::isnan(b)) return a;
  }
  return b < a ? b : a;
}

template <class A>
A gcd_one(A a, A b) {
  if constexpr (std::is_same_v<A, bool>) return a || b;
  else {
  a = a < 0 ? static_cast<A>(-a) : a;
  b = b < 0 ? static_cast<A>(-b) : b;
  while (b != 0) {
    const A t = static_cast<A>(a % b);
    a = b;
    b = t;
  }
  return a;
  }
}

template <class A>
A lcm_one(A a, A b) {
  if constexpr (std::is_same_v<A, bool>) return a && b;
  else {
  const A g = gcd_one(a, b);
  if (g == 0) return 0;
  const A r = static_cast<A>(a / g * b);
  return r < 0 ? static_cast<A>(-r) : r;
  }
}

Tensor binary_in(ExtraBinary op, const Tensor& a, const Tensor& b, DType dt) {
  switch (op) {
    case ExtraBinary::Xlogy:
      return dispatch_floating(to_floating(dt), "xlogy_cpu", [&](auto z) {
        using T = decltype(z);
        using A = opmath_t<T>;
        return map<T, T, T>({a, b}, [](A x, A y) { return xlogy_one(x, y); });
      });
    case ExtraBinary::Hypot:
      return dispatch_floating(dt, "hypot_cpu", [&](auto z) {
        using T = decltype(z);
        using A = opmath_t<T>;
        return map<T, T, T>({a, b}, [](A x, A y) { return std::hypot(x, y); });
      });
    case ExtraBinary::LogAddExp:
      return dispatch_floating(dt, "logaddexp_cpu", [&](auto z) {
        using T = decltype(z);
        using A = opmath_t<T>;
        return map<T, T, T>({a, b}, [](A x, A y) { return logaddexp_one(x, y); });
      });
    case ExtraBinary::LogAddExp2:
      return dispatch_floating(dt, "logaddexp2_cpu", [&](auto z) {
        using T = decltype(z);
        using A = opmath_t<T>;
        return map<T, T, T>({a, b}, [](A x, A y) { return logaddexp2_one(x, y); });
      });
    case ExtraBinary::Fmax:
    case ExtraBinary::Fmin: {
      const bool mx = op == ExtraBinary::Fmax;
      return dispatch_real(dt, mx ? "fmax_cpu" : "fmin_cpu", [&](auto z) {
        using T = decltype(z);
        using A = opmath_t<T>;
        return map<T, T, T>({a, b}, [mx](A x, A y) { return mx ? fmax_one(x, y) : fmin_one(x, y); });
      });
    }
    case ExtraBinary::Heaviside:
      if (a.dtype() != b.dtype()) fail("heaviside is not yet implemented for tensors with different dtypes.");
      return dispatch_real(dt, "heaviside_cpu", [&](auto z) {
        using T = decltype(z);
        using A = opmath_t<T>;
        return map<T, T, T>({a, b}, [](A x, A v) { return x == A(0) ? v : static_cast<A>(x > A(0)); });
      });
    case ExtraBinary::NextAfter:
      if (dt != DType::Float32 && dt != DType::Float64) fail_dtype("nextafter_cpu", dt);
      return dispatch_floating(dt, "nextafter_cpu", [&](auto z) {
        using T = decltype(z);
        using A = opmath_t<T>;
        return map<T, T, T>({a, b}, [](A x, A y) { return std::nextafter(x, y); });
      });
    case ExtraBinary::Gcd:
    case ExtraBinary::Lcm: {
      const bool g = op == ExtraBinary::Gcd;
      return dispatch_integral(dt, false, g ? "gcd_cpu" : "lcm_cpu", [&](auto z) {
        using T = decltype(z);
        return map<T, T, T>({a, b}, [g](T x, T y) { return g ? gcd_one(x, y) : lcm_one(x, y); });
      });
    }
  }
  __builtin_unreachable();
}

}  // namespace

Tensor extra_binary(ExtraBinary op, const Tensor& a, const Tensor& b) {
  if (is_complex(a.dtype()) || is_complex(b.dtype())) fail(op == ExtraBinary::Heaviside ? "heaviside is not yet implemented for complex tensors." : "this op does not support complex inputs");
  return binary_in(op, a, b, result_type(a, b));
}

Tensor extra_binary(ExtraBinary op, const Tensor& a, const Scalar& b) {
  const DType dt = result_type(a, b);
  return binary_in(op, a, scalar_to_tensor(b, dt), dt);
}

Tensor extra_binary(ExtraBinary op, const Scalar& a, const Tensor& b) {
  const DType dt = result_type(b, a);
  return binary_in(op, scalar_to_tensor(a, dt), b, dt);
}

Tensor logit(const Tensor& x, double eps) {
  return dispatch_floating(to_floating(x.dtype()), "logit_cpu", [&](auto z) {
    using T = decltype(z);
    using A = opmath_t<T>;
    const A lo = static_cast<A>(eps), hi = static_cast<A>(1 - eps);
    return map<T, T>({x}, [=](A v) {
      if (eps >= 0) v = v < lo ? lo : (v > hi ? hi : v);
      return std::log(v / (A(1) - v));
    });
  });
}

Tensor sinc(const Tensor& x) {
  return dispatch_floating(to_floating(x.dtype()), "sinc_cpu", [&](auto z) {
    using T = decltype(z);
    using A = opmath_t<T>;
    return map<T, T>({x}, [](A v) {
      if (v == A(0)) return A(1);
      const A p = static_cast<A>(std::numbers::pi) * v;
      return std::sin(p) / p;
    });
  });
}

namespace {

// erf⁻¹: Winitzki's closed-form estimate (relative error ~2e-3) refined by Newton steps on erf,
// or on erfc away from zero where 1 - |y| keeps the precision erf would lose; converges to double
// precision in four steps.
double erfinv_one(double y) {
  if (std::isnan(y) || y < -1 || y > 1) return std::numeric_limits<double>::quiet_NaN();
  if (y == 1) return std::numeric_limits<double>::infinity();
  if (y == -1) return -std::numeric_limits<double>::infinity();
  if (y == 0) return y;
  const double s = y < 0 ? -1.0 : 1.0, t = std::abs(y);
  const double a = 0.147, l = std::log((1.0 - t) * (1.0 + t)), u = 2.0 / (std::numbers::pi * a) + l / 2.0;
  double x = std::sqrt(std::sqrt(u * u - l / a) - u);
  const double c = 2.0 / std::sqrt(std::numbers::pi);
  for (int i = 0; i < 4; ++i) {
    const double f = t > 0.5 ? (1.0 - t) - std::erfc(x) : std::erf(x) - t;
    const double d = c * std::exp(-x * x);
    if (d == 0) break;
    // Halley's correction: erf'' = -2x erf'.
    const double step = f / d;
    x -= step / (1.0 + x * step);
  }
  return s * x;
}

}  // namespace

Tensor erfinv(const Tensor& x) {
  return dispatch_floating(to_floating(x.dtype()), "erfinv_cpu", [&](auto z) {
    using T = decltype(z);
    using A = opmath_t<T>;
    return map<T, T>({x}, [](A v) { return static_cast<A>(erfinv_one(static_cast<double>(v))); });
  });
}

// I₀(x) = Σ_k ((x/2)^k / k!)², summed in double until the terms stop changing the sum; every
// term is positive, so there is no cancellation (relative error ~1e-16, overflow to inf past ~713).
double bessel_i0(double x) {
  if (std::isnan(x)) return x;
  // PyTorch's Chebyshev form multiplies exp(|x|) by a series that is 0 at infinity: NaN.
  if (std::isinf(x)) return std::numeric_limits<double>::quiet_NaN();
  const double q = x * x / 4.0;
  double term = 1.0, sum = 1.0;
  for (int k = 1; k < 2000; ++k) {
    term *= q / (static_cast<double>(k) * static_cast<double>(k));
    const double next = sum + term;
    if (next == sum || std::isinf(next)) return next;
    sum = next;
  }
  return sum;
}

Tensor i0(const Tensor& x) {
  return dispatch_floating(to_floating(x.dtype()), "i0_cpu", [&](auto z) {
    using T = decltype(z);
    using A = opmath_t<T>;
    return map<T, T>({x}, [](A v) { return static_cast<A>(bessel_i0(static_cast<double>(v))); });
  });
}

Tensor kaiser_window(int64_t n, bool periodic, double beta, std::optional<DType> dtype) {
  const DType dt = dtype.value_or(kDefaultFloat);
  if (!is_floating(dt)) fail("kaiser_window expects floating point dtypes, got: ", dtype_name(dt));
  if (n < 0) fail("kaiser_window requires non-negative window_length, got window_length=", n);
  if (n > (int64_t{1} << 30)) fail("kaiser_window: window_length=", n, " is more than ember will allocate");
  if (n <= 1) return map<double, double>({Tensor::empty({n}, DType::Float64)}, [](double) { return 1.0; }).to(dt);
  const int64_t len = periodic ? n + 1 : n;
  Tensor w = Tensor::empty({n}, DType::Float64);
  const double alpha = static_cast<double>(len - 1) / 2.0, denom = bessel_i0(beta);
  for (int64_t k = 0; k < n; ++k) {
    const double r = (static_cast<double>(k) - alpha) / alpha;
    w.data<double>()[k] = bessel_i0(beta * std::sqrt(1 - r * r)) / denom;
  }
  return w.to(dt);
}

// ψ(x), Cephes' algorithm as PyTorch's calc_digamma writes it: reflection below 0, the
// recurrence up to 10, then the asymptotic series.
double digamma_one(double x) {
  if (x == 0) return std::copysign(std::numeric_limits<double>::infinity(), -x);
  if (x < 0) {
    if (x == std::trunc(x)) return std::numeric_limits<double>::quiet_NaN();
    double q;
    const double r = std::modf(x, &q);
    return digamma_one(1 - x) - std::numbers::pi / std::tan(std::numbers::pi * r);
  }
  double result = 0;
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  if (x == 10) return result + 2.25175258906672110764;
  double y = 0;
  if (x < 1.0e17) {
    const double z = 1.0 / (x * x);
    double poly = 0;
    for (double a : {8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
                     -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
                     8.33333333333333333333E-2})
      poly = poly * z + a;
    y = z * poly;
  }
  return result + std::log(x) - (0.5 / x) - y;
}

// The Hurwitz zeta function ζ(x, q) (Cephes' zeta: direct sum, then Euler–Maclaurin).
double hurwitz_zeta(double x, double q) {
  constexpr double kMachEp = 1.11022302462515654042E-16;
  static const double kA[] = {12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
                              7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
                              -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18};
  if (x == 1) return std::numeric_limits<double>::infinity();
  if (x < 1) return std::numeric_limits<double>::quiet_NaN();
  if (q <= 0) {
    if (q == std::floor(q)) return std::numeric_limits<double>::infinity();
    if (x != std::floor(x)) return std::numeric_limits<double>::quiet_NaN();
  }
  double s = std::pow(q, -x), a = q, b = 0;
  int i = 0;
  while (i < 9 || a <= 9.0) {
    i += 1;
    a += 1.0;
    b = std::pow(a, -x);
    s += b;
    if (std::abs(b / s) < kMachEp) return s;
  }
  const double w = a;
  s += b * w / (x - 1);
  s -= 0.5 * b;
  a = 1.0;
  double k = 0.0;
  for (double coef : kA) {
    a *= x + k;
    b /= w;
    const double t = a * b / coef;
    s += t;
    if (std::abs(t / s) < kMachEp) return s;
    k += 1.0;
    a *= x + k;
    b /= w;
    k += 1.0;
  }
  return s;
}

double trigamma_one(double x) {
  double sign = +1, result = 0;
  if (x < 0.5) {
    sign = -1;
    const double sin_pi_x = std::sin(std::numbers::pi * x);
    result -= (std::numbers::pi * std::numbers::pi) / (sin_pi_x * sin_pi_x);
    x = 1 - x;
  }
  for (int i = 0; i < 6; ++i) {
    result += 1 / (x * x);
    x += 1;
  }
  const double ixx = 1 / (x * x);
  result += (1 + 1 / (2 * x) + ixx * (1. / 6 - ixx * (1. / 30 - ixx * (1. / 42)))) / x;
  return sign * result;
}

Tensor polygamma(int64_t n, const Tensor& x) {
  if (n < 0) fail("polygamma(n, x) does not support negative n.");
  return dispatch_floating(to_floating(x.dtype()), n == 0 ? "digamma" : "polygamma", [&](auto z) {
    using T = decltype(z);
    using A = opmath_t<T>;
    return map<T, T>({x}, [n](A v) {
      const double d = static_cast<double>(v);
      if (n == 0) return static_cast<A>(digamma_one(d));
      if (n == 1) return static_cast<A>(trigamma_one(d));
      const double nd = static_cast<double>(n);
      return static_cast<A>((n % 2 ? 1.0 : -1.0) * std::exp(std::lgamma(nd + 1.0)) * hurwitz_zeta(nd + 1, d));
    });
  });
}

Tensor hardshrink(const Tensor& x, const Scalar& lambd) {
  return dispatch_floating(x.dtype(), "hardshrink_cpu", [&](auto z) {
    using T = decltype(z);
    using A = opmath_t<T>;
    const A l = lambd.to<A>();
    return map<T, T>({x}, [l](A v) { return (v >= -l && v <= l) ? A(0) : v; });
  });
}

Tensor softshrink(const Tensor& x, const Scalar& lambd) {
  if (lambd.to_double() < 0)
    fail("lambda must be greater or equal to 0, but found to be ", lambd.to_double(), ".");
  return dispatch_floating(x.dtype(), "softshrink_cpu", [&](auto z) {
    using T = decltype(z);
    using A = opmath_t<T>;
    const A l = lambd.to<A>();
    return map<T, T>({x}, [l](A v) { return v > l ? v - l : (v < -l ? v + l : A(0)); });
  });
}

Tensor float_power(const Tensor& a, const Tensor& b) {
  if (is_complex(a.dtype()) || is_complex(b.dtype())) {
    using C = std::complex<double>;
    return map<C, C, C>({a, b}, [](C x, C y) { return std::pow(x, y); });
  }
  return map<double, double, double>({a, b}, [](double x, double y) { return std::pow(x, y); });
}

}  // namespace ember::cpu
