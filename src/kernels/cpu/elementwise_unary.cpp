// elementwise_unary.cpp — one-operand math and activations. Float-only math (exp, sigmoid, ...)
// on integer or bool input computes in float32, as PyTorch does.
#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <optional>
#include <type_traits>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_fast.h"
#include "kernels/cpu/vec_math.h"
#include "tensor/broadcast.h"
#include "tensor/elementwise.h"
#include "tensor/promotion.h"
#include "core/check.h"

namespace ember::cpu {

namespace {

// -v, wrapping for the most negative signed integer (PyTorch's result) instead of overflowing.
template <class A>
A negated(A v) {
  if constexpr (std::is_integral_v<A> && std::is_signed_v<A>)
    return static_cast<A>(std::make_unsigned_t<A>(0) - static_cast<std::make_unsigned_t<A>>(v));
  else
    return static_cast<A>(-v);
}

// float opmath (float32, float16, bfloat16) takes vec_math's functions, so strided elements get
// the same values as the vectorised unit-stride runs; double keeps libm.
#define EMBER_FLOAT_OR_STD(fn)                                         \
  [](auto v) {                                                         \
    if constexpr (std::is_same_v<decltype(v), float>) return vec::fn(v); \
    else return std::fn(v);                                            \
  }

template <class A>
A sigmoid_value(A x) {
  if constexpr (std::is_same_v<A, float>) return vec::sigmoid(x);
  else return A(1) / (A(1) + std::exp(-x));
}

template <class A>
A silu_value(A x) {
  if constexpr (std::is_same_v<A, float>) return vec::silu(x);
  else return x / (A(1) + std::exp(-x));
}

template <class A>
A hardsigmoid_value(A v) {
  return std::min(std::max(v + A(3), A(0)), A(6)) / A(6);
}

template <class A>
A hardswish_value(A v) {
  return v * std::min(std::max(v + A(3), A(0)), A(6)) / A(6);
}

// The float32 -> float32 unary ops vec_math has array kernels for.
std::optional<vec::Unary> vec_unary(UnaryOp op) {
  switch (op) {
    case UnaryOp::Exp: return vec::Unary::Exp;
    case UnaryOp::Log: return vec::Unary::Log;
    case UnaryOp::Sigmoid: return vec::Unary::Sigmoid;
    case UnaryOp::Silu: return vec::Unary::Silu;
    case UnaryOp::Tanh: return vec::Unary::Tanh;
    case UnaryOp::Erf: return vec::Unary::Erf;
    case UnaryOp::Hardswish: return vec::Unary::Hardswish;
    case UnaryOp::Hardsigmoid: return vec::Unary::Hardsigmoid;
    case UnaryOp::Relu: return vec::Unary::Relu;
    default: return std::nullopt;
  }
}

float vec_scalar(vec::Unary op, float v) {
  switch (op) {
    case vec::Unary::Exp: return vec::exp(v);
    case vec::Unary::Log: return vec::log(v);
    case vec::Unary::Sigmoid: return vec::sigmoid(v);
    case vec::Unary::Silu: return vec::silu(v);
    case vec::Unary::Tanh: return vec::tanh(v);
    case vec::Unary::Erf: return vec::erf(v);
    case vec::Unary::GeluErf: return vec::gelu_erf(v);
    case vec::Unary::GeluTanh: return vec::gelu_tanh(v);
    case vec::Unary::Hardswish: return hardswish_value(v);
    case vec::Unary::Hardsigmoid: return hardsigmoid_value(v);
    case vec::Unary::Relu: return vec::relu(v);
  }
  return v;
}

// x (float32) through a vec_math kernel into `out` (float32, or undefined to allocate).
Tensor vec_unary_map(vec::Unary op, const Tensor& out, const Tensor& x) {
  return float32_map(out, x, [op](const float* in, float* y, int64_t n) { vec::unary(op, in, y, n); },
                     [op](float v) { return vec_scalar(op, v); });
}

bool float32_io(const Tensor& out, const Tensor& x) {
  return x.dtype() == DType::Float32 && (!out.defined() || out.dtype() == DType::Float32);
}

// Ops whose integer inputs stay integer (the rest compute in float).
bool keeps_integers(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg: case UnaryOp::Abs: case UnaryOp::Sign: case UnaryOp::Relu:
    case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc:
    case UnaryOp::LogicalNot: case UnaryOp::BitwiseNot: case UnaryOp::IsNan: case UnaryOp::IsInf:
    case UnaryOp::IsFinite: case UnaryOp::IsPosInf: case UnaryOp::IsNegInf: case UnaryOp::Square:
    case UnaryOp::SignBit:
      return true;
    default:
      return false;
  }
}

bool returns_bool(UnaryOp op) {
  switch (op) {
    case UnaryOp::LogicalNot: case UnaryOp::IsNan: case UnaryOp::IsInf: case UnaryOp::IsFinite:
    case UnaryOp::IsPosInf: case UnaryOp::IsNegInf: case UnaryOp::SignBit:
      return true;
    default:
      return false;
  }
}

// Float math: f(A) -> A for every floating dtype.
template <class F>
Tensor float_op(const Tensor& out, const Tensor& x, DType compute, const char* name, F f) {
  return dispatch_floating(compute, name, [&](auto tag) {
    using T = decltype(tag);
    return map_into<T, T>(out, {x}, f);
  });
}

Tensor run_float(UnaryOp op, const Tensor& out, const Tensor& x, DType c) {
  switch (op) {
    case UnaryOp::Exp: return float_op(out, x, c, "exp", EMBER_FLOAT_OR_STD(exp));
    case UnaryOp::Exp2: return float_op(out, x, c, "exp2", [](auto v) { return std::exp2(v); });
    case UnaryOp::Expm1: return float_op(out, x, c, "expm1", [](auto v) { return std::expm1(v); });
    case UnaryOp::Log: return float_op(out, x, c, "log", EMBER_FLOAT_OR_STD(log));
    case UnaryOp::Log1p: return float_op(out, x, c, "log1p", [](auto v) { return std::log1p(v); });
    case UnaryOp::Log2: return float_op(out, x, c, "log2", [](auto v) { return std::log2(v); });
    case UnaryOp::Log10: return float_op(out, x, c, "log10", [](auto v) { return std::log10(v); });
    case UnaryOp::Sqrt: return float_op(out, x, c, "sqrt", [](auto v) { return std::sqrt(v); });
    case UnaryOp::Rsqrt:
      return float_op(out, x, c, "rsqrt", [](auto v) { return decltype(v)(1) / std::sqrt(v); });
    case UnaryOp::Sin: return float_op(out, x, c, "sin", [](auto v) { return std::sin(v); });
    case UnaryOp::Cos: return float_op(out, x, c, "cos", [](auto v) { return std::cos(v); });
    case UnaryOp::Tan: return float_op(out, x, c, "tan", [](auto v) { return std::tan(v); });
    case UnaryOp::Asin: return float_op(out, x, c, "asin", [](auto v) { return std::asin(v); });
    case UnaryOp::Acos: return float_op(out, x, c, "acos", [](auto v) { return std::acos(v); });
    case UnaryOp::Atan: return float_op(out, x, c, "atan", [](auto v) { return std::atan(v); });
    case UnaryOp::Sinh: return float_op(out, x, c, "sinh", [](auto v) { return std::sinh(v); });
    case UnaryOp::Cosh: return float_op(out, x, c, "cosh", [](auto v) { return std::cosh(v); });
    case UnaryOp::Tanh: return float_op(out, x, c, "tanh", EMBER_FLOAT_OR_STD(tanh));
    case UnaryOp::Asinh: return float_op(out, x, c, "asinh", [](auto v) { return std::asinh(v); });
    case UnaryOp::Acosh: return float_op(out, x, c, "acosh", [](auto v) { return std::acosh(v); });
    case UnaryOp::Atanh: return float_op(out, x, c, "atanh", [](auto v) { return std::atanh(v); });
    case UnaryOp::Sigmoid: return float_op(out, x, c, "sigmoid", [](auto v) { return sigmoid_value(v); });
    case UnaryOp::LogSigmoid:
      return float_op(out, x, c, "log_sigmoid", [](auto v) {
        using A = decltype(v);
        return std::min(v, A(0)) - std::log1p(std::exp(-std::abs(v)));
      });
    case UnaryOp::Silu: return float_op(out, x, c, "silu", [](auto v) { return silu_value(v); });
    case UnaryOp::Mish:
      return float_op(out, x, c, "mish", [](auto v) { return v * std::tanh(std::log1p(std::exp(v))); });
    case UnaryOp::Hardswish:
      return float_op(out, x, c, "hardswish", [](auto v) { return hardswish_value(v); });
    case UnaryOp::Hardsigmoid:
      return float_op(out, x, c, "hardsigmoid", [](auto v) { return hardsigmoid_value(v); });
    case UnaryOp::Erf: return float_op(out, x, c, "erf", EMBER_FLOAT_OR_STD(erf));
    case UnaryOp::Erfc: return float_op(out, x, c, "erfc", [](auto v) { return std::erfc(v); });
    case UnaryOp::Frac: return float_op(out, x, c, "frac", [](auto v) { return v - std::trunc(v); });
    case UnaryOp::Reciprocal:
      return float_op(out, x, c, "reciprocal", [](auto v) { return decltype(v)(1) / v; });
    default:
      EMBER_ASSERT(false, "unhandled float unary op");
      return Tensor();
  }
}

// Complex input: abs gives the real magnitude; the other supported ops stay complex.
template <class C>
Tensor run_complex(UnaryOp op, const Tensor& out, const Tensor& x) {
  using R = typename C::value_type;
  const DType in = x.dtype();
  switch (op) {
    case UnaryOp::Abs:
      if (out.defined()) fail("In-place abs is not supported for complex tensors.");
      return map_into<R, C>(out, {x}, [](C z) { return std::abs(z); });
    case UnaryOp::Neg: return map_into<C, C>(out, {x}, [](C z) { return -z; });
    case UnaryOp::Sign:  // sgn: z / |z|, 0 at 0
      return map_into<C, C>(out, {x}, [](C z) { return z == C(0) ? C(0) : z / std::abs(z); });
    case UnaryOp::Square: return map_into<C, C>(out, {x}, [](C z) { return z * z; });
    case UnaryOp::Reciprocal: return map_into<C, C>(out, {x}, [](C z) { return C(1) / z; });
    case UnaryOp::Exp: return map_into<C, C>(out, {x}, [](C z) { return std::exp(z); });
    case UnaryOp::Log: return map_into<C, C>(out, {x}, [](C z) { return std::log(z); });
    case UnaryOp::Sqrt: return map_into<C, C>(out, {x}, [](C z) { return std::sqrt(z); });
    case UnaryOp::Rsqrt: return map_into<C, C>(out, {x}, [](C z) { return C(1) / std::sqrt(z); });
    case UnaryOp::Sin: return map_into<C, C>(out, {x}, [](C z) { return std::sin(z); });
    case UnaryOp::Cos: return map_into<C, C>(out, {x}, [](C z) { return std::cos(z); });
    case UnaryOp::Tanh: return map_into<C, C>(out, {x}, [](C z) { return std::tanh(z); });
    case UnaryOp::IsNan:
      if (out.defined()) check_can_cast_to_output(DType::Bool, out.dtype());
      return map_into<bool, C>(out, {x}, [](C z) { return std::isnan(z.real()) || std::isnan(z.imag()); });
    case UnaryOp::IsInf:
      if (out.defined()) check_can_cast_to_output(DType::Bool, out.dtype());
      return map_into<bool, C>(out, {x}, [](C z) { return std::isinf(z.real()) || std::isinf(z.imag()); });
    case UnaryOp::IsFinite:
      if (out.defined()) check_can_cast_to_output(DType::Bool, out.dtype());
      return map_into<bool, C>(out, {x}, [](C z) { return std::isfinite(z.real()) && std::isfinite(z.imag()); });
    default: fail_dtype("unary op on complex input", in);
  }
}

Tensor run(UnaryOp op, const Tensor& out, const Tensor& x) {
  const DType in = x.dtype();
  if (in == DType::Complex64) return run_complex<ComplexFloat>(op, out, x);
  if (in == DType::Complex128) return run_complex<ComplexDouble>(op, out, x);
  if (!keeps_integers(op)) {
    // These activations have no integer kernels in PyTorch (no promotion to float).
    const bool float_only = op == UnaryOp::Silu || op == UnaryOp::Mish || op == UnaryOp::Hardswish ||
                            op == UnaryOp::Hardsigmoid || op == UnaryOp::LogSigmoid || op == UnaryOp::Frac;
    if (float_only && !is_floating(in)) fail_dtype("unary float op", in);
    const DType c = to_floating(in);
    if (out.defined()) check_can_cast_to_output(c, out.dtype());
    if (const auto v = vec_unary(op); v && float32_io(out, x)) return vec_unary_map(*v, out, x);
    return run_float(op, out, x, c);
  }
  if (returns_bool(op) && out.defined()) check_can_cast_to_output(DType::Bool, out.dtype());
  if (op == UnaryOp::Relu && float32_io(out, x)) return vec_unary_map(vec::Unary::Relu, out, x);
  switch (op) {
    case UnaryOp::LogicalNot:
      return map_into<bool, bool>(out, {x}, [](bool v) { return !v; });
    case UnaryOp::BitwiseNot:
      return dispatch_integral(in, true, "bitwise_not", [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_same_v<T, bool>) return map_into<T, T>(out, {x}, [](bool v) { return !v; });
        else return map_into<T, T>(out, {x}, [](T v) { return static_cast<T>(~v); });
      });
    case UnaryOp::Square:
      if (out.defined()) return binary_(BinaryOp::Pow, out, Scalar(int64_t{2}));
      return binary(BinaryOp::Pow, x, Scalar(int64_t{2}));
    default:
      break;
  }
  return dispatch_real(in, "unary", [&](auto tag) -> Tensor {
    using T = decltype(tag);
    using A = opmath_t<T>;
    constexpr bool is_float = !std::is_integral_v<T>;
    constexpr bool is_bool = std::is_same_v<T, bool>;
    switch (op) {
      case UnaryOp::IsNan:
        return map_into<bool, T>(out, {x}, [](A v) { if constexpr (is_float) return v != v; else return false; });
      case UnaryOp::IsInf:
        return map_into<bool, T>(out, {x}, [](A v) { if constexpr (is_float) return std::isinf(v); else return false; });
      case UnaryOp::IsPosInf:
        return map_into<bool, T>(out, {x}, [](A v) {
          if constexpr (is_float) return v == std::numeric_limits<A>::infinity(); else return false; });
      case UnaryOp::IsNegInf:
        return map_into<bool, T>(out, {x}, [](A v) {
          if constexpr (is_float) return v == -std::numeric_limits<A>::infinity(); else return false; });
      case UnaryOp::IsFinite:
        return map_into<bool, T>(out, {x}, [](A v) { if constexpr (is_float) return std::isfinite(v); else return true; });
      case UnaryOp::SignBit:
        return map_into<bool, T>(out, {x}, [](A v) {
          if constexpr (is_float) return std::signbit(v);
          else if constexpr (std::is_signed_v<T>) return v < 0;
          else return false;
        });
      case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc:
        if constexpr (!is_float) {
          if (is_bool) fail_dtype("round", in);
          return map_into<T, T>(out, {x}, [](A v) { return v; });
        } else {
          if (op == UnaryOp::Floor) return map_into<T, T>(out, {x}, [](A v) { return std::floor(v); });
          if (op == UnaryOp::Ceil) return map_into<T, T>(out, {x}, [](A v) { return std::ceil(v); });
          if (op == UnaryOp::Trunc) return map_into<T, T>(out, {x}, [](A v) { return std::trunc(v); });
          return map_into<T, T>(out, {x}, [](A v) { return std::nearbyint(v); });
        }
      case UnaryOp::Sign:
        if constexpr (is_bool) return map_into<T, T>(out, {x}, [](bool v) { return v; });
        else return map_into<T, T>(out, {x}, [](A v) { return static_cast<A>((A(0) < v) - (v < A(0))); });
      case UnaryOp::Neg:
        if constexpr (is_bool) {
          fail("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
               "mask, use the `~` or `logical_not()` operator instead.");
        } else {
          return map_into<T, T>(out, {x}, [](A v) { return negated(v); });
        }
      case UnaryOp::Abs:
        if constexpr (is_bool) fail_dtype("abs", in);
        else if constexpr (std::is_unsigned_v<T>) return map_into<T, T>(out, {x}, [](A v) { return v; });
        else return map_into<T, T>(out, {x}, [](A v) { return v < A(0) ? negated(v) : v; });
      case UnaryOp::Relu:
        if constexpr (is_bool) fail_dtype("relu", in);
        else return map_into<T, T>(out, {x}, [](A v) { return v != v ? v : (v > A(0) ? v : A(0)); });
      default:
        EMBER_ASSERT(false, "unhandled unary op");
        return Tensor();
    }
  });
}

// Float-only op on x with scalar parameters, writing into `out` when given.
template <class F>
Tensor float_map(const Tensor& out, const Tensor& x, const char* name, F make) {
  const DType c = to_floating(x.dtype());
  if (!is_floating(x.dtype())) fail_dtype(name, x.dtype());
  if (out.defined()) check_can_cast_to_output(c, out.dtype());
  return dispatch_floating(c, name, [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    return map_into<T, T>(out, {x}, make(A{}));
  });
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x) { return run(op, Tensor(), x); }
Tensor unary_(UnaryOp op, const Tensor& self) { return run(op, self, self); }

Tensor round_decimals(const Tensor& x, int64_t decimals) {
  if (decimals == 0) return unary(UnaryOp::Round, x);
  return dispatch_floating(x.dtype(), "round", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const bool neg = decimals < 0;
    const A ten_pow = static_cast<A>(std::pow(A(10), static_cast<A>(neg ? -decimals : decimals)));
    if (neg) return map<T, T>({x}, [ten_pow](A v) { return std::nearbyint(v / ten_pow) * ten_pow; });
    return map<T, T>({x}, [ten_pow](A v) { return std::nearbyint(v * ten_pow) / ten_pow; });
  });
}

Tensor hardtanh(const Tensor& x, const Scalar& lo, const Scalar& hi) {
  if (x.dtype() == DType::Bool) fail("Bool inputs not supported for hardtanh");
  return clamp_out(Tensor::empty_uninitialized(x.sizes(), x.dtype()), x, lo, hi);
}

Tensor hardtanh_(const Tensor& x, const Scalar& lo, const Scalar& hi) {
  if (x.dtype() == DType::Bool) fail("Bool inputs not supported for hardtanh");
  return clamp_(x, std::optional<Scalar>(lo), std::optional<Scalar>(hi));
}

Tensor relu6(const Tensor& x) { return hardtanh(x, Scalar(int64_t{0}), Scalar(int64_t{6})); }

Tensor gelu(const Tensor& x, const std::string& approximate) {
  if (approximate != "none" && approximate != "tanh") fail("approximate argument must be either none or tanh.");
  const bool exact = approximate == "none";
  if (x.dtype() == DType::Float32) return vec_unary_map(exact ? vec::Unary::GeluErf : vec::Unary::GeluTanh, Tensor(), x);
  if (exact)
    return float_map(Tensor(), x, "gelu", [](auto a) {
      using A = decltype(a);
      return [](A v) {
        if constexpr (std::is_same_v<A, float>) return vec::gelu_erf(v);
        else return v * A(0.5) * (A(1) + std::erf(v * A(M_SQRT1_2)));
      };
    });
  return float_map(Tensor(), x, "gelu", [](auto a) {
    using A = decltype(a);
    return [](A v) {
      if constexpr (std::is_same_v<A, float>) {
        return vec::gelu_tanh(v);
      } else {
        const A k = A(M_SQRT2 * M_2_SQRTPI * 0.5);
        return A(0.5) * v * (A(1) + std::tanh(k * (v + A(0.044715) * v * v * v)));
      }
    };
  });
}

Tensor softplus(const Tensor& x, const Scalar& beta, const Scalar& threshold) {
  return float_map(Tensor(), x, "softplus", [&](auto a) {
    using A = decltype(a);
    const A b = beta.to<A>(), th = threshold.to<A>();
    return [b, th](A v) { return v * b > th ? v : std::log1p(std::exp(v * b)) / b; };
  });
}

namespace {
Tensor elu_impl(const Tensor& out, const Tensor& x, const Scalar& alpha, const Scalar& scale,
                const Scalar& input_scale) {
  return float_map(out, x, "elu", [&](auto a) {
    using A = decltype(a);
    const A neg = alpha.to<A>() * scale.to<A>(), pos = scale.to<A>(), in = input_scale.to<A>();
    return [=](A v) { return v <= A(0) ? std::expm1(v * in) * neg : v * pos; };
  });
}
}  // namespace

Tensor elu(const Tensor& x, const Scalar& alpha, const Scalar& scale, const Scalar& input_scale) {
  return elu_impl(Tensor(), x, alpha, scale, input_scale);
}
Tensor elu_(const Tensor& x, const Scalar& alpha, const Scalar& scale, const Scalar& input_scale) {
  return elu_impl(x, x, alpha, scale, input_scale);
}
Tensor selu(const Tensor& x) {
  return elu(x, Scalar(1.6732632423543772848170429916717), Scalar(1.0507009873554804934193349852946),
             Scalar(1.0));
}
Tensor celu(const Tensor& x, const Scalar& alpha) {
  return elu(x, alpha, Scalar(1.0), Scalar(1.0 / alpha.to_double()));
}

namespace {
Tensor leaky_impl(const Tensor& out, const Tensor& x, const Scalar& slope) {
  if (float32_io(out, x)) {
    const float s = slope.to<float>();
    return float32_map(out, x, [s](const float* in, float* y, int64_t n) { vec::leaky_relu(in, y, n, s); },
                       [s](float v) { return v > 0.0f ? v : v * s; });
  }
  return float_map(out, x, "leaky_relu", [&](auto a) {
    using A = decltype(a);
    const A s = slope.to<A>();
    return [s](A v) { return v > A(0) ? v : v * s; };
  });
}
}  // namespace

Tensor leaky_relu(const Tensor& x, const Scalar& slope) { return leaky_impl(Tensor(), x, slope); }
Tensor leaky_relu_(const Tensor& x, const Scalar& slope) { return leaky_impl(x, x, slope); }

Tensor threshold(const Tensor& x, const Scalar& th, const Scalar& value) {
  return dispatch_numeric(x.dtype(), "threshold", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const A t = th.to<A>(), v = value.to<A>();
    return map<T, T>({x}, [t, v](A e) { return e <= t ? v : e; });
  });
}

Tensor nan_to_num(const Tensor& x, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  if (!is_floating(x.dtype())) return x.clone();
  return dispatch_floating(x.dtype(), "nan_to_num", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    // Defaults are the largest finite values of the tensor's own dtype.
    const A big = static_cast<A>(std::is_same_v<T, Half> ? 65504.0f : 3.38953139e38f);
    const A hi = posinf ? static_cast<A>(*posinf)
                        : (std::is_same_v<T, A> ? std::numeric_limits<A>::max() : big);
    const A lo = neginf ? static_cast<A>(*neginf)
                        : (std::is_same_v<T, A> ? std::numeric_limits<A>::lowest() : -big);
    const A n = static_cast<A>(nan.value_or(0.0));
    return map<T, T>({x}, [=](A v) { return v != v ? n : (v == std::numeric_limits<A>::infinity() ? hi : (v == -std::numeric_limits<A>::infinity() ? lo : v)); });
  });
}

Tensor prelu(const Tensor& x, const Tensor& weight) {
  const int64_t n = weight.numel();
  Tensor w = weight;
  if (n != 1) {
    if (x.dim() < 2) fail("Not allow zero-dim input tensor.");
    if (weight.dim() > 1 || x.size(1) != n)
      fail("Mismatch of parameter numbers and input channel size. Found parameter numbers = ", n,
           " and channel size = ", x.size(1), ".");
    // Lay the per-channel weights along dim 1 so they broadcast over x.
    Shape sizes(static_cast<size_t>(x.dim()), 1);
    Shape strides(static_cast<size_t>(x.dim()), 0);
    sizes[1] = n;
    strides[1] = weight.dim() == 1 ? weight.stride(0) : 1;
    w = weight.as_strided(sizes, strides, weight.offset());
  } else {
    w = weight.as_strided({}, {}, weight.offset());
  }
  const DType c = result_type(x, w);
  return dispatch_floating(c, "prelu", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    return map<T, T, T>({x, w}, [](A v, A s) { return v > A(0) ? v : v * s; });
  });
}

Tensor fill_(const Tensor& self, const Scalar& value) {
  TensorIterator it;
  it.add_output(self, self.dtype()).build();
  dispatch_all(self.dtype(), "fill_", [&](auto tag) {
    using T = decltype(tag);
    const T v = value.to<T>();
    it.parallel_for_each([&](char** data, const int64_t* strides, int64_t n) {
      for (int64_t j = 0; j < n; ++j) *reinterpret_cast<T*>(data[0] + j * strides[0]) = v;
    });
  });
  return self;
}

Tensor fill_(const Tensor& self, const Tensor& value) {
  if (value.dim() != 0)
    fail("fill_ only supports 0-dimension value tensor but got tensor with ", value.dim(), " dimensions.");
  copy_into(self, value);
  return self;
}

}  // namespace ember::cpu
