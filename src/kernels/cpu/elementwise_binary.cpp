// elementwise_binary.cpp — arithmetic, comparison, logical and bitwise ops on two operands, plus
// where/clamp/lerp/addcmul.
#include <array>
#include <cmath>
#include <complex>
#include <limits>
#include <optional>
#include <type_traits>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_fast.h"
#include "kernels/cpu/nn_util.h"
#include "kernels/cpu/shape.h"
#include "kernels/cpu/vec_math.h"
#include "tensor/elementwise.h"
#include "tensor/promotion.h"
#include "core/check.h"

namespace ember::cpu {

namespace {

bool returns_bool(BinaryOp op) {
  switch (op) {
    case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr: case BinaryOp::LogicalXor:
    case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le:
    case BinaryOp::Gt: case BinaryOp::Ge:
      return true;
    default:
      return false;
  }
}

const char* op_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "add";
    case BinaryOp::Sub: return "sub";
    case BinaryOp::Mul: return "mul";
    case BinaryOp::Div: return "div";
    case BinaryOp::DivTrunc: return "div_trunc";
    case BinaryOp::DivFloor: return "div_floor";
    case BinaryOp::Remainder: return "remainder";
    case BinaryOp::Fmod: return "fmod";
    case BinaryOp::Pow: return "pow";
    case BinaryOp::Maximum: return "maximum";
    case BinaryOp::Minimum: return "minimum";
    case BinaryOp::Atan2: return "atan2";
    case BinaryOp::BitAnd: return "bitwise_and";
    case BinaryOp::BitOr: return "bitwise_or";
    case BinaryOp::BitXor: return "bitwise_xor";
    case BinaryOp::LShift: return "lshift";
    case BinaryOp::RShift: return "rshift";
    case BinaryOp::LogicalAnd: return "logical_and";
    case BinaryOp::LogicalOr: return "logical_or";
    case BinaryOp::LogicalXor: return "logical_xor";
    case BinaryOp::Eq: return "eq";
    case BinaryOp::Ne: return "ne";
    case BinaryOp::Lt: return "lt";
    case BinaryOp::Le: return "le";
    case BinaryOp::Gt: return "gt";
    case BinaryOp::Ge: return "ge";
  }
  return "?";
}

// The dtype the math runs in, given the promoted operand dtype.
DType compute_dtype(BinaryOp op, DType common) {
  if (op == BinaryOp::Div || op == BinaryOp::Atan2) return to_floating(common);
  return common;
}

// Signed integers wrap in two's complement, as PyTorch's results do, without the undefined
// behaviour of signed overflow (INT64_MIN * -1, x + y past the range).
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
  if constexpr (std::is_integral_v<A> && std::is_signed_v<A>)
  {
    // Unsigned arithmetic wraps, but int8/int16 promote to (signed) int first: 65532 * 65533
    // overflows it. Multiply in an unsigned type at least as wide as int.
    using U = std::conditional_t<(sizeof(A) < sizeof(unsigned)), unsigned, std::make_unsigned_t<A>>;
    return static_cast<A>(static_cast<U>(static_cast<std::make_unsigned_t<A>>(x)) *
                          static_cast<U>(static_cast<std::make_unsigned_t<A>>(y)));
  }
  else
    return static_cast<A>(x * y);
}

template <class T>
T int_floor_div(T a, T b) {
  if (b == 0) fail("ZeroDivisionError");
  if constexpr (std::is_signed_v<T>) {
    if (b == -1) return wrap_sub<T>(0, a);  // avoids INT_MIN / -1
    T q = static_cast<T>(a / b);
    if (a % b != 0 && ((a < 0) != (b < 0))) --q;
    return q;
  } else {
    return static_cast<T>(a / b);
  }
}

template <class A>
A float_floor_div(A a, A b) {
  if (b == 0) return a / b;
  A mod = std::fmod(a, b);
  A div = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1;
  if (div == 0) return std::copysign(A(0), a / b);
  A floordiv = std::floor(div);
  if (div - floordiv > A(0.5)) floordiv += 1;
  return floordiv;
}

template <class T>
T int_pow(T base, T exp) {
  if constexpr (std::is_signed_v<T>) {
    if (exp < 0) {
      if (base == 1) return 1;
      if (base == -1) return (exp & 1) ? T(-1) : T(1);
      return 0;
    }
  }
  // At least as wide as unsigned int: narrower unsigned types promote to (signed) int, whose
  // products can overflow.
  using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;
  U result = 1, b = static_cast<U>(static_cast<std::make_unsigned_t<T>>(base));
  auto e = static_cast<U>(static_cast<std::make_unsigned_t<T>>(exp));
  while (e) {
    if (e & 1) result = static_cast<U>(result * b);
    b = static_cast<U>(b * b);
    e >>= 1;
  }
  return static_cast<T>(result);
}

void check_sub_operands(DType a, DType b) {
  if (a == DType::Bool && b == DType::Bool)
    fail("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
         "`logical_xor()` operator instead.");
  if (a == DType::Bool || b == DType::Bool)
    fail("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
         "invert a mask, use the `~` or `logical_not()` operator instead.");
}

void check_alpha(DType compute, const Scalar& alpha) {
  if (is_integral(compute, true) && (alpha.is_double() || alpha.is_complex()))
    fail("For integral input tensors, argument alpha must not be a floating point number.");
}

// Complex operands: arithmetic, pow and (in)equality; other ops have no complex kernels in
// PyTorch either.
template <class C>
Tensor run_complex(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, DType compute,
                   const Scalar& alpha) {
  const C al = alpha.to<C>();
  const bool unit = al == C(1);
  switch (op) {
    case BinaryOp::Add:
      if (unit) return map_into<C, C, C>(out, {a, b}, [](C x, C y) { return x + y; });
      return map_into<C, C, C>(out, {a, b}, [al](C x, C y) { return x + al * y; });
    case BinaryOp::Sub:
      if (unit) return map_into<C, C, C>(out, {a, b}, [](C x, C y) { return x - y; });
      return map_into<C, C, C>(out, {a, b}, [al](C x, C y) { return x - al * y; });
    case BinaryOp::Mul: return map_into<C, C, C>(out, {a, b}, [](C x, C y) { return x * y; });
    case BinaryOp::Div: return map_into<C, C, C>(out, {a, b}, [](C x, C y) { return x / y; });
    case BinaryOp::Pow:
      // PyTorch squares (and takes 0, 1, 3 as products) instead of going through exp(y log x).
      return map_into<C, C, C>(out, {a, b}, [](C x, C y) {
        if (y == C(2)) return x * x;
        if (y == C(1)) return x;
        if (y == C(0)) return C(1);
        if (y == C(3)) return x * x * x;
        return std::pow(x, y);
      });
    case BinaryOp::Eq: return map_into<bool, C, C>(out, {a, b}, [](C x, C y) { return x == y; });
    case BinaryOp::Ne: return map_into<bool, C, C>(out, {a, b}, [](C x, C y) { return x != y; });
    default: fail_dtype(op_name(op), compute);
  }
}

// Runs op on already-promoted operands; `out` undefined allocates the result.
Tensor run(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, DType compute, const Scalar& alpha) {
  const char* name = op_name(op);
  if (compute == DType::Complex64) return run_complex<ComplexFloat>(op, out, a, b, compute, alpha);
  if (compute == DType::Complex128) return run_complex<ComplexDouble>(op, out, a, b, compute, alpha);
  switch (op) {
    case BinaryOp::LogicalAnd:
      return map_into<bool, bool, bool>(out, {a, b}, [](bool x, bool y) { return x && y; });
    case BinaryOp::LogicalOr:
      return map_into<bool, bool, bool>(out, {a, b}, [](bool x, bool y) { return x || y; });
    case BinaryOp::LogicalXor:
      return map_into<bool, bool, bool>(out, {a, b}, [](bool x, bool y) { return x != y; });
    case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt:
    case BinaryOp::Ge:
      return dispatch_real(compute, name, [&](auto tag) {
        using T = decltype(tag);
        using A = opmath_t<T>;
        switch (op) {
          case BinaryOp::Eq: return map_into<bool, T, T>(out, {a, b}, [](A x, A y) { return x == y; });
          case BinaryOp::Ne: return map_into<bool, T, T>(out, {a, b}, [](A x, A y) { return x != y; });
          case BinaryOp::Lt: return map_into<bool, T, T>(out, {a, b}, [](A x, A y) { return x < y; });
          case BinaryOp::Le: return map_into<bool, T, T>(out, {a, b}, [](A x, A y) { return x <= y; });
          case BinaryOp::Gt: return map_into<bool, T, T>(out, {a, b}, [](A x, A y) { return x > y; });
          default: return map_into<bool, T, T>(out, {a, b}, [](A x, A y) { return x >= y; });
        }
      });
    case BinaryOp::BitAnd: case BinaryOp::BitOr: case BinaryOp::BitXor: case BinaryOp::LShift:
    case BinaryOp::RShift:
      return dispatch_integral(compute, op != BinaryOp::LShift && op != BinaryOp::RShift, name, [&](auto tag) {
        using T = decltype(tag);
        switch (op) {
          case BinaryOp::BitAnd: return map_into<T, T, T>(out, {a, b}, [](T x, T y) { return static_cast<T>(x & y); });
          case BinaryOp::BitOr: return map_into<T, T, T>(out, {a, b}, [](T x, T y) { return static_cast<T>(x | y); });
          case BinaryOp::BitXor: return map_into<T, T, T>(out, {a, b}, [](T x, T y) { return static_cast<T>(x ^ y); });
          default:
            break;
        }
        if constexpr (std::is_same_v<T, bool>) {
          fail_dtype(name, compute);
        } else if (op == BinaryOp::LShift) {
          return map_into<T, T, T>(out, {a, b}, [](T x, T y) {
            using U = std::make_unsigned_t<T>;
            if (y < 0 || y >= static_cast<T>(sizeof(T) * 8)) return T(0);
            return static_cast<T>(static_cast<U>(x) << y);
          });
        } else {
          return map_into<T, T, T>(out, {a, b}, [](T x, T y) {
            constexpr T bits = static_cast<T>(sizeof(T) * 8);
            if (y < 0 || y >= bits) return static_cast<T>(x < 0 ? -1 : 0);
            return static_cast<T>(x >> y);
          });
        }
      });
    default:
      break;
  }
  // Arithmetic: bool only where PyTorch allows it.
  const bool bool_ok = op == BinaryOp::Add || op == BinaryOp::Mul || op == BinaryOp::Maximum ||
                       op == BinaryOp::Minimum;
  if (compute == DType::Bool && !bool_ok) fail_dtype(name, compute);
  return dispatch_real(compute, name, [&](auto tag) -> Tensor {
    using T = decltype(tag);
    using A = opmath_t<T>;
    constexpr bool is_int = std::is_integral_v<T>;
    if constexpr (std::is_same_v<T, bool>) {
      const bool al = alpha.to<bool>();
      switch (op) {
        case BinaryOp::Add: return map_into<T, T, T>(out, {a, b}, [al](bool x, bool y) { return x || (al && y); });
        case BinaryOp::Mul: case BinaryOp::Minimum:
          return map_into<T, T, T>(out, {a, b}, [](bool x, bool y) { return x && y; });
        case BinaryOp::Maximum: return map_into<T, T, T>(out, {a, b}, [](bool x, bool y) { return x || y; });
        default: fail_dtype(name, compute);
      }
    } else {
    switch (op) {
      case BinaryOp::Add: {
        const A al = alpha.to<A>();
        return map_into<T, T, T>(out, {a, b}, [al](A x, A y) { return wrap_add(x, wrap_mul(al, y)); });
      }
      case BinaryOp::Sub: {
        const A al = alpha.to<A>();
        return map_into<T, T, T>(out, {a, b}, [al](A x, A y) { return wrap_sub(x, wrap_mul(al, y)); });
      }
      case BinaryOp::Mul:
        return map_into<T, T, T>(out, {a, b}, [](A x, A y) { return wrap_mul(x, y); });
      case BinaryOp::Div:
        if constexpr (is_int) fail_dtype(name, compute);
        else return map_into<T, T, T>(out, {a, b}, [](A x, A y) { return x / y; });
      case BinaryOp::DivTrunc:
        if constexpr (is_int)
          return map_into<T, T, T>(out, {a, b}, [](A x, A y) {
            if (y == 0) fail("ZeroDivisionError");
            if constexpr (std::is_signed_v<T>) if (y == -1) return wrap_sub<A>(0, x);
            return static_cast<A>(x / y);
          });
        else
          return map_into<T, T, T>(out, {a, b}, [](A x, A y) { return std::trunc(x / y); });
      case BinaryOp::DivFloor:
        if constexpr (is_int) return map_into<T, T, T>(out, {a, b}, [](A x, A y) { return int_floor_div<T>(x, y); });
        else return map_into<T, T, T>(out, {a, b}, [](A x, A y) { return float_floor_div<A>(x, y); });
      case BinaryOp::Remainder:
        if constexpr (is_int)
          return map_into<T, T, T>(out, {a, b}, [](A x, A y) {
            if (y == 0) fail("ZeroDivisionError");
            if constexpr (std::is_signed_v<T>) if (y == -1) return A(0);
            A r = static_cast<A>(x % y);
            if (r != 0 && ((r < 0) != (y < 0))) r = static_cast<A>(r + y);
            return r;
          });
        else
          return map_into<T, T, T>(out, {a, b}, [](A x, A y) {
            A m = std::fmod(x, y);
            if (m != 0 && ((y < 0) != (m < 0))) m += y;
            return m;
          });
      case BinaryOp::Fmod:
        if constexpr (is_int)
          return map_into<T, T, T>(out, {a, b}, [](A x, A y) {
            if (y == 0) fail("ZeroDivisionError");
            if constexpr (std::is_signed_v<T>) if (y == -1) return A(0);
            return static_cast<A>(x % y);
          });
        else
          return map_into<T, T, T>(out, {a, b}, [](A x, A y) { return std::fmod(x, y); });
      case BinaryOp::Pow:
        if constexpr (is_int)
          return map_into<T, T, T>(out, {a, b}, [](A x, A y) { return int_pow<T>(x, y); });
        else
          return map_into<T, T, T>(out, {a, b}, [](A x, A y) { return std::pow(x, y); });
      case BinaryOp::Maximum:
        return map_into<T, T, T>(out, {a, b}, [](A x, A y) {
          if constexpr (!is_int) if (x != x || y != y) return x != x ? x : y;
          return x > y ? x : y;
        });
      case BinaryOp::Minimum:
        return map_into<T, T, T>(out, {a, b}, [](A x, A y) {
          if constexpr (!is_int) if (x != x || y != y) return x != x ? x : y;
          return x < y ? x : y;
        });
      case BinaryOp::Atan2:
        if constexpr (is_int) fail_dtype(name, compute);
        else return map_into<T, T, T>(out, {a, b}, [](A x, A y) { return std::atan2(x, y); });
      default:
        EMBER_ASSERT(false, "unhandled binary op ", name);
        return Tensor();
    }
    }
  });
}

// add/sub/mul/div with float32 operands and result: the vec_math kernel on unit-stride and
// constant runs. The scalar form is the same arithmetic as the general kernels in run().
Tensor float32_arith(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha) {
  const float al = op == BinaryOp::Add || op == BinaryOp::Sub ? alpha.to<float>() : 1.0f;
  vec::Binary k = vec::Binary::Add;
  switch (op) {
    case BinaryOp::Sub: k = vec::Binary::Sub; break;
    case BinaryOp::Mul: k = vec::Binary::Mul; break;
    case BinaryOp::Div: k = vec::Binary::Div; break;
    default: break;
  }
  return float32_map2(
      out, a, b,
      [k, al](const float* pa, int64_t as, const float* pb, int64_t bs, float* y, int64_t n) {
        vec::binary(k, pa, as, pb, bs, y, n, al);
      },
      [k, al](float x, float y) {
        switch (k) {
          case vec::Binary::Add: return x + al * y;
          case vec::Binary::Sub: return x - al * y;
          case vec::Binary::Mul: return x * y;
          case vec::Binary::Div: return x / y;
        }
        return x;
      });
}

Tensor dispatch_binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, DType common,
                       const Scalar& alpha) {
  if (op == BinaryOp::Add || op == BinaryOp::Sub) check_alpha(common, alpha);
  const DType compute = compute_dtype(op, common);
  const DType result = returns_bool(op) ? DType::Bool : compute;
  if (out.defined()) check_can_cast_to_output(result, out.dtype());
  const bool arith = op == BinaryOp::Add || op == BinaryOp::Sub || op == BinaryOp::Mul || op == BinaryOp::Div;
  if (arith && compute == DType::Float32 && a.dtype() == DType::Float32 && b.dtype() == DType::Float32 &&
      (!out.defined() || out.dtype() == DType::Float32))
    return float32_arith(op, out, a, b, alpha);
  return run(op, out, a, b, compute, alpha);
}

void check_pow_scalar_exponent(DType common, const Scalar& e) {
  if (is_integral(common, false) && e.is_integral(false) && e.to_int() < 0)
    fail("Integers to negative integer powers are not allowed.");
}

}  // namespace

BinaryOp div_mode(const std::optional<std::string>& mode) {
  if (!mode) return BinaryOp::Div;
  if (*mode == "trunc") return BinaryOp::DivTrunc;
  if (*mode == "floor") return BinaryOp::DivFloor;
  fail("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '", *mode, "'");
}

namespace {

// x * s with x a channels-last float32 [N, C, H, W] and s a per-channel [N or 1, C, 1, 1]
// (squeeze-excitation's scaling): each pixel's row of C channels times s's row, with the
// result channels-last like x. Null when the operands are not of that shape.
std::optional<Tensor> scale_channels_last(const Tensor& x, const Tensor& s) {
  if (x.dtype() != DType::Float32 || s.dtype() != DType::Float32 || !is_channels_last_2d(x) || s.dim() != 4 ||
      !s.is_contiguous() || s.size(1) != x.size(1) || s.size(2) != 1 || s.size(3) != 1 ||
      (s.size(0) != 1 && s.size(0) != x.size(0)))
    return std::nullopt;
  const int64_t N = x.size(0), C = x.size(1), P = x.size(2) * x.size(3);
  Tensor nhwc = Tensor::empty_uninitialized({N, x.size(2), x.size(3), C}, DType::Float32);
  float* y = nhwc.data<float>();
  for (int64_t n = 0; n < N; ++n) {
    const float* xs = x.data<float>() + n * x.stride(0);
    const float* sc = s.data<float>() + (s.size(0) == 1 ? 0 : n * C);
    float* yn = y + n * P * C;
    parallel_range(P, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(C, 1)), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) vec::binary(vec::Binary::Mul, xs + p * C, 1, sc, 1, yn + p * C, C, 1.0f);
    });
  }
  return permute(nhwc, std::array<int64_t, 4>{0, 3, 1, 2});
}

}  // namespace

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, const Scalar& alpha) {
  if (op == BinaryOp::Sub) check_sub_operands(a.dtype(), b.dtype());
  if (op == BinaryOp::Mul) {
    if (auto y = scale_channels_last(a, b)) return *y;
    if (auto y = scale_channels_last(b, a)) return *y;
  }
  return dispatch_binary(op, Tensor(), a, b, result_type(a, b), alpha);
}

// A Python scalar joins the math in the compute dtype (so uint8 / -3 divides by -3.0).
Tensor binary(BinaryOp op, const Tensor& a, const Scalar& b, const Scalar& alpha) {
  if (op == BinaryOp::Sub && a.dtype() == DType::Bool) check_sub_operands(a.dtype(), DType::Bool);
  const DType common = result_type(a, b);
  if (op == BinaryOp::Pow) check_pow_scalar_exponent(common, b);
  // x ** 2 on floats is x * x, as PyTorch computes it (the vectorised product; a spectrogram's
  // power=2 runs here).
  if (op == BinaryOp::Pow && is_floating(a.dtype()) && !b.is_complex() && b.to<double>() == 2.0)
    return dispatch_binary(BinaryOp::Mul, Tensor(), a, a, a.dtype(), alpha);
  return dispatch_binary(op, Tensor(), a, scalar_to_tensor(b, compute_dtype(op, common)), common, alpha);
}

Tensor binary(BinaryOp op, const Scalar& a, const Tensor& b, const Scalar& alpha) {
  if (op == BinaryOp::Sub && b.dtype() == DType::Bool) check_sub_operands(DType::Bool, DType::Bool);
  const DType common = ResultType().add(a).add(b).result();
  return dispatch_binary(op, Tensor(), scalar_to_tensor(a, compute_dtype(op, common)), b, common, alpha);
}

Tensor binary_(BinaryOp op, const Tensor& self, const Tensor& b, const Scalar& alpha) {
  if (op == BinaryOp::Sub) check_sub_operands(self.dtype(), b.dtype());
  return dispatch_binary(op, self, self, b, result_type(self, b), alpha);
}

Tensor binary_(BinaryOp op, const Tensor& self, const Scalar& b, const Scalar& alpha) {
  if (op == BinaryOp::Sub && self.dtype() == DType::Bool) check_sub_operands(self.dtype(), DType::Bool);
  const DType common = result_type(self, b);
  if (op == BinaryOp::Pow) check_pow_scalar_exponent(common, b);
  return dispatch_binary(op, self, self, scalar_to_tensor(b, compute_dtype(op, common)), common, alpha);
}

// ---- where ---------------------------------------------------------------------------------------

namespace {
Tensor where_impl(const Tensor& cond, const Tensor& a, const Tensor& b, DType common) {
  if (cond.dtype() != DType::Bool && cond.dtype() != DType::UInt8)
    fail("where expected condition to be a boolean tensor, but got a tensor with dtype ",
         dtype_name(cond.dtype()));
  return dispatch_all(common, "where", [&](auto tag) {
    using T = decltype(tag);
    return map<T, bool, T, T>({cond, a, b}, [](bool c, T x, T y) { return c ? x : y; });
  });
}
}  // namespace

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  return where_impl(cond, a, b, result_type(a, b));
}
Tensor where(const Tensor& cond, const Scalar& a, const Tensor& b) {
  const DType common = ResultType().add(a).add(b).result();
  return where_impl(cond, scalar_to_tensor(a, common), b, common);
}
Tensor where(const Tensor& cond, const Tensor& a, const Scalar& b) {
  const DType common = result_type(a, b);
  return where_impl(cond, a, scalar_to_tensor(b, common), common);
}
Tensor where(const Tensor& cond, const Scalar& a, const Scalar& b) {
  const DType common = result_type(a, b);
  return where_impl(cond, scalar_to_tensor(a, common), scalar_to_tensor(b, common), common);
}

// ---- clamp ---------------------------------------------------------------------------------------

namespace {
// clamp(x, lo, hi) = min(max(x, lo), hi), NaN in x or a bound propagating; lo > hi gives hi.
Tensor clamp_impl(const Tensor& out, const Tensor& x, const Tensor* lo, const Tensor* hi, DType common) {
  if (!lo && !hi) fail("torch.clamp: At least one of 'min' or 'max' must not be None");
  if (out.defined()) check_can_cast_to_output(common, out.dtype());
  return dispatch_numeric(common, "clamp", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    auto lower = [](A v, A l) { return (v != v) ? v : (l != l ? l : (v < l ? l : v)); };
    auto upper = [](A v, A h) { return (v != v) ? v : (h != h ? h : (v > h ? h : v)); };
    if (lo && hi)
      return map_into<T, T, T, T>(out, {x, *lo, *hi}, [=](A v, A l, A h) { return upper(lower(v, l), h); });
    if (lo) return map_into<T, T, T>(out, {x, *lo}, lower);
    return map_into<T, T, T>(out, {x, *hi}, upper);
  });
}

Tensor clamp_scalars(const Tensor& out, const Tensor& self, const std::optional<Scalar>& lo,
                     const std::optional<Scalar>& hi) {
  ResultType rt;
  rt.add(self);
  if (lo) rt.add(*lo);
  if (hi) rt.add(*hi);
  const DType common = rt.result();
  if (common == DType::Float32 && self.dtype() == DType::Float32 && (!out.defined() || out.dtype() == DType::Float32) &&
      (lo || hi)) {
    // Scalar bounds on float32 (relu6, hardtanh, clamp_min/max): one vectorised pass. NaN
    // bounds keep the general kernel's rules.
    const float inf = std::numeric_limits<float>::infinity();
    const float l = lo ? lo->to<float>() : -inf, h = hi ? hi->to<float>() : inf;
    if (l == l && h == h)
      return float32_map(out, self, [l, h](const float* x, float* y, int64_t n) { vec::clamp(x, y, n, l, h); },
                         [l, h](float v) {
                           v = v < l ? l : v;
                           return v > h ? h : v;
                         });
  }
  Tensor l = lo ? scalar_to_tensor(*lo, common) : Tensor();
  Tensor h = hi ? scalar_to_tensor(*hi, common) : Tensor();
  return clamp_impl(out, self, lo ? &l : nullptr, hi ? &h : nullptr, common);
}

Tensor clamp_tensors(const Tensor& out, const Tensor& self, const std::optional<Tensor>& lo,
                     const std::optional<Tensor>& hi) {
  ResultType rt;
  rt.add(self);
  if (lo) rt.add(*lo);
  if (hi) rt.add(*hi);
  return clamp_impl(out, self, lo ? &*lo : nullptr, hi ? &*hi : nullptr, rt.result());
}
}  // namespace

Tensor clamp(const Tensor& self, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi) {
  return clamp_scalars(Tensor(), self, lo, hi);
}
Tensor clamp(const Tensor& self, const std::optional<Tensor>& lo, const std::optional<Tensor>& hi) {
  return clamp_tensors(Tensor(), self, lo, hi);
}
Tensor clamp_out(const Tensor& out, const Tensor& self, const std::optional<Scalar>& lo,
                 const std::optional<Scalar>& hi) {
  return clamp_scalars(out, self, lo, hi);
}
Tensor clamp_(const Tensor& self, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi) {
  return clamp_scalars(self, self, lo, hi);
}
Tensor clamp_(const Tensor& self, const std::optional<Tensor>& lo, const std::optional<Tensor>& hi) {
  return clamp_tensors(self, self, lo, hi);
}

// ---- lerp, addcmul, addcdiv ------------------------------------------------------------------------

namespace {
template <class A>
A lerp_value(A start, A end, A w) {
  return std::abs(w) < A(0.5) ? start + w * (end - start) : end - (end - start) * (A(1) - w);
}
}  // namespace

Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight) {
  if (self.dtype() != end.dtype() || self.dtype() != weight.dtype())
    fail("expected dtype ", dtype_name(self.dtype()), " for `end` and `weight` but got ", dtype_name(end.dtype()),
         " and ", dtype_name(weight.dtype()));
  return dispatch_floating(self.dtype(), "lerp", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    return map<T, T, T, T>({self, end, weight}, [](A s, A e, A w) { return lerp_value(s, e, w); });
  });
}

Tensor lerp(const Tensor& self, const Tensor& end, const Scalar& weight) {
  if (self.dtype() != end.dtype())
    fail("expected dtype ", dtype_name(self.dtype()), " for `end` but got dtype ", dtype_name(end.dtype()));
  return dispatch_floating(self.dtype(), "lerp", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const A w = weight.to<A>();
    return map<T, T, T>({self, end}, [w](A s, A e) { return lerp_value(s, e, w); });
  });
}

Tensor addcmul(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  const DType common = ResultType().add(self).add(t1).add(t2).result();
  return dispatch_numeric(common, "addcmul", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const A v = value.to<A>();
    return map<T, T, T, T>({self, t1, t2}, [v](A s, A x, A y) { return static_cast<A>(s + v * x * y); });
  });
}

Tensor addcdiv(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  const DType common = ResultType().add(self).add(t1).add(t2).result();
  if (is_integral(t1.dtype(), true) && is_integral(t2.dtype(), true))
    fail("Integer division with addcdiv is no longer supported, and in a future release addcdiv will "
         "perform a true division of tensor1 and tensor2.");
  return dispatch_floating(common, "addcdiv", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const A v = value.to<A>();
    return map<T, T, T, T>({self, t1, t2}, [v](A s, A x, A y) { return s + v * x / y; });
  });
}

}  // namespace ember::cpu
