// elementwise_scalar.h — the one-element math the scalar column of tensor/elementwise_ops.h
// names (namespace ember::ew), for every dtype category a row accepts.
//
// Each function takes and returns the opmath type (float for the 16-bit floats). Integral results
// wrap in two's complement, as PyTorch's do, without the undefined behaviour of signed overflow.
// float32 exp, log, tanh, erf, sigmoid and silu take vec_math's functions, so strided elements
// get the same values as the vectorised unit-stride runs; double keeps libm.
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <type_traits>

#include "ember/error.h"
#include "kernels/cpu/vec_math.h"

namespace ember::ew {

template <class A>
inline constexpr bool is_complex_v = false;
template <class R>
inline constexpr bool is_complex_v<std::complex<R>> = true;

template <class A>
A wrap_add(A x, A y) {
  if constexpr (std::is_integral_v<A> && std::is_signed_v<A>)
    return static_cast<A>(static_cast<std::make_unsigned_t<A>>(x) + static_cast<std::make_unsigned_t<A>>(y));
  else
    return static_cast<A>(x + y);
}
template <class A>
A wrap_sub(A x, A y) {
  if constexpr (std::is_integral_v<A> && std::is_signed_v<A>)
    return static_cast<A>(static_cast<std::make_unsigned_t<A>>(x) - static_cast<std::make_unsigned_t<A>>(y));
  else
    return static_cast<A>(x - y);
}
template <class A>
A wrap_mul(A x, A y) {
  if constexpr (std::is_integral_v<A> && std::is_signed_v<A>) {
    // Unsigned arithmetic wraps, but int8/int16 promote to (signed) int first: 65532 * 65533
    // overflows it. Multiply in an unsigned type at least as wide as int.
    using U = std::conditional_t<(sizeof(A) < sizeof(unsigned)), unsigned, std::make_unsigned_t<A>>;
    return static_cast<A>(static_cast<U>(static_cast<std::make_unsigned_t<A>>(x)) *
                          static_cast<U>(static_cast<std::make_unsigned_t<A>>(y)));
  } else {
    return static_cast<A>(x * y);
  }
}

// x + alpha * y and x - alpha * y; bool add is x || (alpha && y). Complex operands with alpha 1
// skip the product (1 * (a + inf i) would give NaN).
template <class A>
A add(A x, A y, A al) {
  if constexpr (std::is_same_v<A, bool>) return x || (al && y);
  else if constexpr (is_complex_v<A>) return al == A(1) ? x + y : x + al * y;
  else return wrap_add(x, wrap_mul(al, y));
}
template <class A>
A sub(A x, A y, A al) {
  if constexpr (is_complex_v<A>) return al == A(1) ? x - y : x - al * y;
  else return wrap_sub(x, wrap_mul(al, y));
}

template <class A>
A div_trunc(A x, A y) {
  if constexpr (std::is_integral_v<A>) {
    if (y == 0) fail("ZeroDivisionError");
    if constexpr (std::is_signed_v<A>) if (y == -1) return wrap_sub<A>(0, x);
    return static_cast<A>(x / y);
  } else {
    return std::trunc(x / y);
  }
}

template <class A>
A div_floor(A a, A b) {
  if constexpr (std::is_integral_v<A>) {
    if (b == 0) fail("ZeroDivisionError");
    if constexpr (std::is_signed_v<A>) {
      if (b == -1) return wrap_sub<A>(0, a);  // avoids INT_MIN / -1
      A q = static_cast<A>(a / b);
      if (a % b != 0 && ((a < 0) != (b < 0))) --q;
      return q;
    } else {
      return static_cast<A>(a / b);
    }
  } else {
    if (b == 0) return a / b;
    A mod = std::fmod(a, b);
    A div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1;
    if (div == 0) return std::copysign(A(0), a / b);
    A floordiv = std::floor(div);
    if (div - floordiv > A(0.5)) floordiv += 1;
    return floordiv;
  }
}

template <class A>
A remainder(A x, A y) {
  if constexpr (std::is_integral_v<A>) {
    if (y == 0) fail("ZeroDivisionError");
    if constexpr (std::is_signed_v<A>) if (y == -1) return A(0);
    A r = static_cast<A>(x % y);
    if (r != 0 && ((r < 0) != (y < 0))) r = static_cast<A>(r + y);
    return r;
  } else {
    A m = std::fmod(x, y);
    if (m != 0 && ((y < 0) != (m < 0))) m += y;
    return m;
  }
}

template <class A>
A fmod(A x, A y) {
  if constexpr (std::is_integral_v<A>) {
    if (y == 0) fail("ZeroDivisionError");
    if constexpr (std::is_signed_v<A>) if (y == -1) return A(0);
    return static_cast<A>(x % y);
  } else {
    return std::fmod(x, y);
  }
}

template <class A>
A pow(A base, A exp) {
  if constexpr (is_complex_v<A>) {
    // PyTorch squares (and takes 0, 1, 3 as products) instead of going through exp(y log x).
    if (exp == A(2)) return base * base;
    if (exp == A(1)) return base;
    if (exp == A(0)) return A(1);
    if (exp == A(3)) return base * base * base;
    return std::pow(base, exp);
  } else if constexpr (std::is_integral_v<A>) {
    if constexpr (std::is_signed_v<A>) {
      if (exp < 0) {
        if (base == 1) return 1;
        if (base == -1) return (exp & 1) ? A(-1) : A(1);
        return 0;
      }
    }
    // At least as wide as unsigned int: narrower unsigned types promote to (signed) int, whose
    // products can overflow.
    using U = std::conditional_t<(sizeof(A) < sizeof(unsigned)), unsigned, std::make_unsigned_t<A>>;
    U result = 1, b = static_cast<U>(static_cast<std::make_unsigned_t<A>>(base));
    auto e = static_cast<U>(static_cast<std::make_unsigned_t<A>>(exp));
    while (e) {
      if (e & 1) result = static_cast<U>(result * b);
      b = static_cast<U>(b * b);
      e >>= 1;
    }
    return static_cast<A>(result);
  } else {
    return std::pow(base, exp);
  }
}

// NaN in either operand wins (PyTorch's maximum/minimum).
template <class A>
A maximum(A x, A y) {
  if constexpr (!std::is_integral_v<A>) if (x != x || y != y) return x != x ? x : y;
  return x > y ? x : y;
}
template <class A>
A minimum(A x, A y) {
  if constexpr (!std::is_integral_v<A>) if (x != x || y != y) return x != x ? x : y;
  return x < y ? x : y;
}

// Shifts past the width give 0 (or -1 for a negative value shifted right), as PyTorch's do.
template <class A>
A lshift(A x, A y) {
  using U = std::make_unsigned_t<A>;
  if (y < 0 || y >= static_cast<A>(sizeof(A) * 8)) return A(0);
  return static_cast<A>(static_cast<U>(x) << y);
}
template <class A>
A rshift(A x, A y) {
  constexpr A bits = static_cast<A>(sizeof(A) * 8);
  if (y < 0 || y >= bits) return static_cast<A>(x < 0 ? -1 : 0);
  return static_cast<A>(x >> y);
}

// -v, wrapping for the most negative signed integer (PyTorch's result) instead of overflowing.
template <class A>
A negated(A v) {
  if constexpr (std::is_integral_v<A> && std::is_signed_v<A>)
    return static_cast<A>(std::make_unsigned_t<A>(0) - static_cast<std::make_unsigned_t<A>>(v));
  else
    return static_cast<A>(-v);
}

template <class A>
auto abs(A v) {
  if constexpr (is_complex_v<A>) return std::abs(v);
  else if constexpr (std::is_unsigned_v<A>) return v;
  else return v < A(0) ? negated(v) : v;
}

// sign; for complex, sgn: z / |z|, 0 at 0.
template <class A>
A sign(A v) {
  if constexpr (std::is_same_v<A, bool>) return v;
  else if constexpr (is_complex_v<A>) return v == A(0) ? A(0) : v / std::abs(v);
  else return static_cast<A>((A(0) < v) - (v < A(0)));
}

#define EMBER_FLOAT_OR_STD(fn)                                         \
  template <class A>                                                   \
  A fn(A v) {                                                          \
    if constexpr (std::is_same_v<A, float>) return cpu::vec::fn(v);    \
    else return std::fn(v);                                            \
  }
EMBER_FLOAT_OR_STD(exp)
EMBER_FLOAT_OR_STD(log)
EMBER_FLOAT_OR_STD(tanh)
EMBER_FLOAT_OR_STD(erf)
#undef EMBER_FLOAT_OR_STD

template <class A>
A sigmoid(A x) {
  if constexpr (std::is_same_v<A, float>) return cpu::vec::sigmoid(x);
  else return A(1) / (A(1) + std::exp(-x));
}
template <class A>
A silu(A x) {
  if constexpr (std::is_same_v<A, float>) return cpu::vec::silu(x);
  else return x / (A(1) + std::exp(-x));
}
template <class A>
A hardsigmoid(A v) {
  return std::min(std::max(v + A(3), A(0)), A(6)) / A(6);
}
template <class A>
A hardswish(A v) {
  return v * std::min(std::max(v + A(3), A(0)), A(6)) / A(6);
}

// Rounding leaves integers as they are.
template <class A>
A floor(A v) {
  if constexpr (std::is_integral_v<A>) return v;
  else return std::floor(v);
}
template <class A>
A ceil(A v) {
  if constexpr (std::is_integral_v<A>) return v;
  else return std::ceil(v);
}
template <class A>
A round(A v) {
  if constexpr (std::is_integral_v<A>) return v;
  else return std::nearbyint(v);
}
template <class A>
A trunc(A v) {
  if constexpr (std::is_integral_v<A>) return v;
  else return std::trunc(v);
}

template <class A>
A bitwise_not(A v) {
  if constexpr (std::is_same_v<A, bool>) return !v;
  else return static_cast<A>(~v);
}

template <class A>
bool isnan(A v) {
  if constexpr (is_complex_v<A>) return std::isnan(v.real()) || std::isnan(v.imag());
  else if constexpr (std::is_integral_v<A>) return false;
  else return v != v;
}
template <class A>
bool isinf(A v) {
  if constexpr (is_complex_v<A>) return std::isinf(v.real()) || std::isinf(v.imag());
  else if constexpr (std::is_integral_v<A>) return false;
  else return std::isinf(v);
}
template <class A>
bool isfinite(A v) {
  if constexpr (is_complex_v<A>) return std::isfinite(v.real()) && std::isfinite(v.imag());
  else if constexpr (std::is_integral_v<A>) return true;
  else return std::isfinite(v);
}
template <class A>
bool isposinf(A v) {
  if constexpr (std::is_integral_v<A>) return false;
  else return v == std::numeric_limits<A>::infinity();
}
template <class A>
bool isneginf(A v) {
  if constexpr (std::is_integral_v<A>) return false;
  else return v == -std::numeric_limits<A>::infinity();
}
template <class A>
bool signbit(A v) {
  if constexpr (!std::is_integral_v<A>) return std::signbit(v);
  else if constexpr (std::is_signed_v<A>) return v < 0;
  else return false;
}

}  // namespace ember::ew
