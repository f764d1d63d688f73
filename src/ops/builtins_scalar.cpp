// builtins_scalar.cpp — int/float/bool/complex/number arithmetic, comparisons, bit operations,
// conversions and the math module, with TorchScript's (= Python's, over int64) semantics.
#include <cmath>
#include <complex>
#include <limits>
#include <numeric>
#include <string>

#include "ember/error.h"
#include "ops/builtins_util.h"
#include "ops/kernel_util.h"
#include "ops/registry.h"

namespace ember::ops {

namespace {

using C = std::complex<double>;

// Registers `aten::<name>.<ov>(<ta> a, <tb> b) -> <ret>` for the int/float/mixed overloads.
template <class FI, class FF>
void numeric_binary(Registry& r, const std::string& name, const std::string& int_ret, FI int_fn, FF float_fn) {
  r.add("aten::" + name + ".int(int a, int b) -> " + int_ret, wrap(int_fn));
  r.add("aten::" + name + ".float(float a, float b) -> float", wrap([float_fn](double a, double b) { return float_fn(a, b); }));
  r.add("aten::" + name + ".int_float(int a, float b) -> float",
        wrap([float_fn](int64_t a, double b) { return float_fn(static_cast<double>(a), b); }));
  r.add("aten::" + name + ".float_int(float a, int b) -> float",
        wrap([float_fn](double a, int64_t b) { return float_fn(a, static_cast<double>(b)); }));
}

// The `number` (Scalar) overload: int op int stays int, anything with a float is float.
template <class FI, class FF>
Kernel scalar_binary(FI int_fn, FF float_fn) {
  return wrap([int_fn, float_fn](const Value& a, const Value& b) -> Value {
    if (a.is_int() && b.is_int()) return Value(int_fn(a.to_int(), b.to_int()));
    return Value(float_fn(a.to_number(), b.to_number()));
  });
}

template <class F>
void complex_binary(Registry& r, const std::string& name, F fn) {
  r.add("aten::" + name + ".complex(complex a, complex b) -> complex", wrap([fn](C a, C b) { return fn(a, b); }));
  r.add("aten::" + name + ".complex_float(complex a, float b) -> complex", wrap([fn](C a, double b) { return fn(a, C(b)); }));
  r.add("aten::" + name + ".complex_int(complex a, int b) -> complex",
        wrap([fn](C a, int64_t b) { return fn(a, C(static_cast<double>(b))); }));
  r.add("aten::" + name + ".float_complex(float a, complex b) -> complex", wrap([fn](double a, C b) { return fn(C(a), b); }));
  r.add("aten::" + name + ".int_complex(int a, complex b) -> complex",
        wrap([fn](int64_t a, C b) { return fn(C(static_cast<double>(a)), b); }));
}

template <class Cmp>
void comparison(Registry& r, const std::string& name, Cmp cmp, bool with_bool) {
  r.add("aten::" + name + ".int(int a, int b) -> bool", wrap([cmp](int64_t a, int64_t b) { return cmp(a, b); }));
  r.add("aten::" + name + ".float(float a, float b) -> bool", wrap([cmp](double a, double b) { return cmp(a, b); }));
  r.add("aten::" + name + ".int_float(int a, float b) -> bool",
        wrap([cmp](int64_t a, double b) { return cmp(static_cast<double>(a), b); }));
  r.add("aten::" + name + ".float_int(float a, int b) -> bool",
        wrap([cmp](double a, int64_t b) { return cmp(a, static_cast<double>(b)); }));
  r.add("aten::" + name + ".str(str a, str b) -> bool",
        wrap([cmp](const std::string& a, const std::string& b) { return cmp(a.compare(b), 0); }));
  r.add("aten::" + name + "(Scalar a, Scalar b) -> bool", wrap([cmp](const Value& a, const Value& b) {
          if (a.is_int() && b.is_int()) return cmp(a.to_int(), b.to_int());
          return cmp(a.to_number(), b.to_number());
        }));
  if (with_bool) r.add("aten::" + name + ".bool(bool a, bool b) -> bool", wrap([cmp](bool a, bool b) { return cmp(a, b); }));
}

double checked_pow(double a, double b) {
  if (a == 0.0 && b < 0) fail("ZeroDivisionError: 0.0 cannot be raised to a negative power");
  return std::pow(a, b);
}

int64_t int_pow(int64_t a, int64_t b) {
  if (b < 0) fail("Integers to negative integer powers are not allowed.");
  int64_t result = 1;
  while (b) {
    if (b & 1) result = wrap_mul(result, a);
    a = wrap_mul(a, a);
    b >>= 1;
  }
  return result;
}

int64_t float_to_int_checked(double d) {
  if (std::isnan(d) || std::isinf(d)) fail("Cannot convert float ", float_str(d), " to integer");
  return float_to_int(d);
}

Value tensor_item(const Tensor& t) {
  if (t.numel() != 1) fail("a Tensor with ", t.numel(), " elements cannot be converted to Scalar");
  if (is_floating(t.dtype())) return Value(t.item_double());
  if (is_complex(t.dtype())) return Value(*t.to(DType::Complex128).data<C>());
  if (t.dtype() == DType::Bool) return Value(t.item_int() != 0);
  return Value(t.item_int());
}

// aten::Int.Tensor etc. take tensors of one element of any rank, like PyTorch.
int64_t tensor_to_int(const Tensor& t) {
  Value v = tensor_item(t);
  if (v.is_double()) return float_to_int(v.to_double());
  if (v.is_bool()) return v.to_bool();
  if (v.is_complex()) return float_to_int(v.to_complex().real());
  return v.to_int();
}

const Tensor& zero_dim(const Tensor& t, const char* what) {
  if (t.dim() != 0)
    fail("Cannot input a tensor of dimension other than 0 as a scalar argument (", what, ", shape ",
         shape_string(t.sizes()), ")");
  return t;
}

int64_t parse_int_str(const std::string& s) {
  // PyTorch: std::stoll, then the whole string must have been used.
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(s, &used);
  } catch (const std::exception&) {
    fail("invalid literal for int() with base 10: '", s, "'");
  }
  if (used != s.size()) fail("invalid literal for int() with base 10: '", s, "'");
  return v;
}

double parse_float_str(const std::string& s) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    fail("could not convert string to float: '", s, "'");
  }
  if (used != s.size()) fail("could not convert string to float: '", s, "'");
  return v;
}

}  // namespace

void register_scalar_ops(Registry& r) {
  // ---- arithmetic -------------------------------------------------------------------------------
  numeric_binary(r, "add", "int", wrap_add, [](double a, double b) { return a + b; });
  numeric_binary(r, "sub", "int", wrap_sub, [](double a, double b) { return a - b; });
  numeric_binary(r, "mul", "int", wrap_mul, [](double a, double b) { return a * b; });
  numeric_binary(r, "floordiv", "int", py_floordiv, [](double a, double b) { return std::floor(a / b); });
  numeric_binary(r, "remainder", "int", py_mod, py_fmod);
  r.add("aten::add(Scalar a, Scalar b) -> Scalar", scalar_binary(wrap_add, [](double a, double b) { return a + b; }));
  r.add("aten::sub(Scalar a, Scalar b) -> Scalar", scalar_binary(wrap_sub, [](double a, double b) { return a - b; }));
  r.add("aten::mul(Scalar a, Scalar b) -> Scalar", scalar_binary(wrap_mul, [](double a, double b) { return a * b; }));
  r.add("aten::floordiv(Scalar a, Scalar b) -> Scalar",
        scalar_binary(py_floordiv, [](double a, double b) { return std::floor(a / b); }));
  r.add("aten::remainder(Scalar a, Scalar b) -> Scalar", scalar_binary(py_mod, py_fmod));
  complex_binary(r, "add", [](C a, C b) { return a + b; });
  complex_binary(r, "sub", [](C a, C b) { return a - b; });
  complex_binary(r, "mul", [](C a, C b) { return a * b; });
  // True division always gives a float; x / 0 is inf or nan, not an error, in TorchScript.
  r.add("aten::div.int(int a, int b) -> float",
        wrap([](int64_t a, int64_t b) { return static_cast<double>(a) / static_cast<double>(b); }));
  r.add("aten::div.float(float a, float b) -> float", wrap([](double a, double b) { return a / b; }));
  r.add("aten::div(Scalar a, Scalar b) -> float", wrap([](double a, double b) { return a / b; }));
  r.add("aten::div.complex(complex a, complex b) -> complex", wrap([](C a, C b) { return a / b; }));
  r.add("aten::pow.int(int a, int b) -> float",
        wrap([](int64_t a, int64_t b) { return checked_pow(static_cast<double>(a), static_cast<double>(b)); }));
  r.add("aten::pow.float(float a, float b) -> float", wrap(checked_pow));
  r.add("aten::pow.int_float(int a, float b) -> float",
        wrap([](int64_t a, double b) { return checked_pow(static_cast<double>(a), b); }));
  r.add("aten::pow.float_int(float a, int b) -> float",
        wrap([](double a, int64_t b) { return checked_pow(a, static_cast<double>(b)); }));
  r.add("aten::pow.Scalar_Scalar(Scalar a, Scalar b) -> float", wrap(checked_pow));
  r.add("aten::pow.int_to_int(int a, int b) -> int", wrap(int_pow));
  r.add("aten::pow.complex(complex a, complex b) -> complex", wrap([](C a, C b) { return std::pow(a, b); }));
  r.add("aten::neg.int(int a) -> int", wrap([](int64_t a) { return wrap_sub(0, a); }));
  r.add("aten::neg.float(float a) -> float", wrap([](double a) { return -a; }));
  r.add("aten::neg.complex(complex a) -> complex", wrap([](C a) { return -a; }));
  r.add("aten::neg.Scalar(Scalar a) -> Scalar",
        wrap([](const Value& a) { return a.is_int() ? Value(wrap_sub(0, a.to_int())) : Value(-a.to_number()); }));
  r.add("prim::abs.int(int a) -> int", wrap([](int64_t a) { return a < 0 ? wrap_sub(0, a) : a; }));
  r.add("prim::abs.float(float a) -> float", wrap([](double a) { return std::fabs(a); }));
  r.add("prim::abs.complex(complex a) -> float", wrap([](C a) { return std::abs(a); }));
  r.add("prim::abs.Scalar(Scalar a) -> Scalar", wrap([](const Value& a) {
          if (a.is_int()) return Value(a.to_int() < 0 ? wrap_sub(0, a.to_int()) : a.to_int());
          return Value(std::fabs(a.to_number()));
        }));

  // ---- comparisons ------------------------------------------------------------------------------
  comparison(r, "eq", [](auto a, auto b) { return a == b; }, true);
  comparison(r, "ne", [](auto a, auto b) { return a != b; }, true);
  comparison(r, "lt", [](auto a, auto b) { return a < b; }, false);
  comparison(r, "le", [](auto a, auto b) { return a <= b; }, false);
  comparison(r, "gt", [](auto a, auto b) { return a > b; }, false);
  comparison(r, "ge", [](auto a, auto b) { return a >= b; }, false);
  r.add("aten::eq.complex(complex a, complex b) -> bool", wrap([](C a, C b) { return a == b; }));
  r.add("aten::ne.complex(complex a, complex b) -> bool", wrap([](C a, C b) { return a != b; }));
  r.add("aten::eq.device(Device a, Device b) -> bool", wrap([](Device a, Device b) { return a == b; }));
  r.add("aten::ne.device(Device a, Device b) -> bool", wrap([](Device a, Device b) { return !(a == b); }));
  r.add("aten::__is__(t1 self, t2 obj) -> bool", wrap([](const Value& a, const Value& b) { return a.is_same(b); }));
  r.add("aten::__isnot__(t1 self, t2 obj) -> bool", wrap([](const Value& a, const Value& b) { return !a.is_same(b); }));
  r.add("aten::__not__(bool self) -> bool", wrap([](bool a) { return !a; }));

  // ---- bit operations (x86 semantics for shift counts, as PyTorch on x86) --------------------------
  r.add("aten::__and__.int(int a, int b) -> int", wrap([](int64_t a, int64_t b) { return a & b; }));
  r.add("aten::__or__.int(int a, int b) -> int", wrap([](int64_t a, int64_t b) { return a | b; }));
  r.add("aten::__xor__.int(int a, int b) -> int", wrap([](int64_t a, int64_t b) { return a ^ b; }));
  r.add("aten::__and__.bool(bool a, bool b) -> bool", wrap([](bool a, bool b) { return a && b; }));
  r.add("aten::__or__.bool(bool a, bool b) -> bool", wrap([](bool a, bool b) { return a || b; }));
  r.add("aten::__xor__.bool(bool a, bool b) -> bool", wrap([](bool a, bool b) { return a != b; }));
  r.add("aten::__lshift__.int(int a, int b) -> int", wrap([](int64_t a, int64_t b) {
          return static_cast<int64_t>(static_cast<uint64_t>(a) << (static_cast<uint64_t>(b) & 63));
        }));
  r.add("aten::__rshift__.int(int a, int b) -> int",
        wrap([](int64_t a, int64_t b) { return a >> (static_cast<uint64_t>(b) & 63); }));

  // ---- min / max of two numbers -----------------------------------------------------------------
  r.add("prim::min.int(int a, int b) -> int", wrap([](int64_t a, int64_t b) { return std::min(a, b); }));
  r.add("prim::min.float(float a, float b) -> float", wrap([](double a, double b) { return std::isnan(a) ? a : std::min(a, b); }));
  r.add("prim::min.int_float(int a, float b) -> float",
        wrap([](int64_t a, double b) { return std::min(static_cast<double>(a), b); }));
  r.add("prim::min.float_int(float a, int b) -> float",
        wrap([](double a, int64_t b) { return std::min(a, static_cast<double>(b)); }));
  r.add("prim::min(Scalar a, Scalar b) -> Scalar", scalar_binary([](int64_t a, int64_t b) { return std::min(a, b); },
                                                                  [](double a, double b) { return std::min(a, b); }));
  r.add("prim::max.int(int a, int b) -> int", wrap([](int64_t a, int64_t b) { return std::max(a, b); }));
  r.add("prim::max.float(float a, float b) -> float", wrap([](double a, double b) { return std::isnan(a) ? a : std::max(a, b); }));
  r.add("prim::max.int_float(int a, float b) -> float",
        wrap([](int64_t a, double b) { return std::max(static_cast<double>(a), b); }));
  r.add("prim::max.float_int(float a, int b) -> float",
        wrap([](double a, int64_t b) { return std::max(a, static_cast<double>(b)); }));
  r.add("prim::max(Scalar a, Scalar b) -> Scalar", scalar_binary([](int64_t a, int64_t b) { return std::max(a, b); },
                                                                  [](double a, double b) { return std::max(a, b); }));

  // ---- conversions ------------------------------------------------------------------------------
  r.add("aten::Int.float(float a) -> int", wrap(float_to_int));
  r.add("aten::Int.bool(bool a) -> int", wrap([](bool a) { return static_cast<int64_t>(a); }));
  r.add("aten::Int.str(str a) -> int", wrap(parse_int_str));
  r.add("aten::Int.Scalar(Scalar a) -> int",
        wrap([](const Value& a) { return a.is_int() ? a.to_int() : float_to_int(a.to_number()); }));
  r.add("aten::Int.Tensor(Tensor a) -> int", wrap(tensor_to_int));
  r.add("aten::Float.bool(bool a) -> float", wrap([](bool a) { return a ? 1.0 : 0.0; }));
  r.add("aten::Float.str(str a) -> float", wrap(parse_float_str));
  // Not Float.int: PyTorch registers Float.Scalar first, so float(int) always resolves to it.
  r.add("aten::Float.Scalar(Scalar a) -> float", wrap([](double a) { return a; }));
  r.add("aten::Float.Tensor(Tensor a) -> float", wrap([](const Tensor& t) {
          Value v = tensor_item(t);
          return v.is_complex() ? v.to_complex().real() : v.to_number();
        }));
  r.add("aten::Bool.int(int a) -> bool", wrap([](int64_t a) { return a != 0; }));
  r.add("aten::Bool.float(float a) -> bool", wrap([](double a) { return a != 0.0; }));
  r.add("aten::Bool.Tensor(Tensor a) -> bool", wrap([](const Tensor& t) {
          Value v = tensor_item(t);
          return v.is_complex() ? v.to_complex() != C(0) : v.to_number() != 0.0;
        }));
  r.add("aten::Complex.Scalar(Scalar a) -> complex", wrap([](C a) { return a; }));
  r.add("aten::Complex.int_int(int x, int y) -> complex",
        wrap([](int64_t x, int64_t y) { return C(static_cast<double>(x), static_cast<double>(y)); }));
  r.add("aten::Complex.int_float(int x, float y) -> complex", wrap([](int64_t x, double y) { return C(static_cast<double>(x), y); }));
  r.add("aten::Complex.float_int(float x, int y) -> complex", wrap([](double x, int64_t y) { return C(x, static_cast<double>(y)); }));
  r.add("aten::Complex.float_float(float x, float y) -> complex", wrap([](double x, double y) { return C(x, y); }));
  r.add("aten::ScalarImplicit(Tensor a) -> Scalar", wrap([](const Tensor& t) {
          Value v = tensor_item(zero_dim(t, "Scalar"));
          return v.is_bool() ? Value(static_cast<int64_t>(v.to_bool())) : v;
        }));
  r.add("aten::IntImplicit(Tensor a) -> int", wrap([](const Tensor& t) { return tensor_to_int(zero_dim(t, "int")); }));
  r.add("aten::FloatImplicit(Tensor a) -> float", wrap([](const Tensor& t) { return zero_dim(t, "float").item_double(); }));
  r.add("aten::item(Tensor self) -> Scalar", wrap([](const Tensor& t) {
          Value v = tensor_item(t);
          return v.is_bool() ? Value(static_cast<int64_t>(v.to_bool())) : v;
        }));
  // A scalar becomes a 0-dim tensor: int -> int64, float -> float64, bool -> bool (PyTorch's
  // NumToTensor; the tensor then takes part in type promotion as a wrapped number).
  r.add("prim::NumToTensor.Scalar(Scalar a) -> Tensor", wrap([](const Value& a) {
          if (a.is_int()) return Tensor::scalar<int64_t>(a.to_int());
          if (a.is_complex()) return Tensor::scalar<C>(a.to_complex());
          return Tensor::scalar<double>(a.to_number());
        }));
  r.add("prim::NumToTensor.bool(bool a) -> Tensor", wrap([](bool a) { return Tensor::scalar<bool>(a); }));

  // ---- math -------------------------------------------------------------------------------------
  struct Unary {
    const char* name;
    double (*fn)(double);
  };
  static const Unary unary[] = {
      {"sqrt", [](double x) { return std::sqrt(x); }},   {"exp", [](double x) { return std::exp(x); }},
      {"log", [](double x) { return std::log(x); }},     {"log10", [](double x) { return std::log10(x); }},
      {"log1p", [](double x) { return std::log1p(x); }}, {"expm1", [](double x) { return std::expm1(x); }},
      {"sin", [](double x) { return std::sin(x); }},     {"cos", [](double x) { return std::cos(x); }},
      {"tan", [](double x) { return std::tan(x); }},     {"asin", [](double x) { return std::asin(x); }},
      {"acos", [](double x) { return std::acos(x); }},   {"atan", [](double x) { return std::atan(x); }},
      {"sinh", [](double x) { return std::sinh(x); }},   {"cosh", [](double x) { return std::cosh(x); }},
      {"tanh", [](double x) { return std::tanh(x); }},   {"asinh", [](double x) { return std::asinh(x); }},
      {"acosh", [](double x) { return std::acosh(x); }}, {"atanh", [](double x) { return std::atanh(x); }},
      {"erf", [](double x) { return std::erf(x); }},     {"erfc", [](double x) { return std::erfc(x); }},
      {"lgamma", [](double x) { return std::lgamma(x); }}, {"gamma", [](double x) { return std::tgamma(x); }},
      {"fabs", [](double x) { return std::fabs(x); }},
  };
  for (const auto& u : unary) {
    auto fn = u.fn;
    r.add(std::string("aten::") + u.name + ".float(float a) -> float", wrap([fn](double a) { return fn(a); }));
    if (std::string(u.name) != "gamma")
      r.add(std::string("aten::") + u.name + ".int(int a) -> float",
            wrap([fn](int64_t a) { return fn(static_cast<double>(a)); }));
    r.add(std::string("aten::") + u.name + ".Scalar(Scalar a) -> Scalar", wrap([fn](double a) { return Value(fn(a)); }));
  }
  r.add("aten::floor.float(float a) -> int", wrap([](double a) { return float_to_int_checked(std::floor(a)); }));
  r.add("aten::floor.int(int a) -> int", wrap([](int64_t a) { return a; }));
  r.add("aten::ceil.float(float a) -> int", wrap([](double a) { return float_to_int_checked(std::ceil(a)); }));
  r.add("aten::ceil.int(int a) -> int", wrap([](int64_t a) { return a; }));
  // Python 3 rounds halves to even: round(2.5) == 2.
  r.add("aten::round.float(float a) -> float", wrap([](double a) { return std::nearbyint(a); }));
  r.add("aten::round.int(int a) -> float", wrap([](int64_t a) { return static_cast<double>(a); }));
  r.add("aten::isnan.float(float a) -> bool", wrap([](double a) { return std::isnan(a); }));
  r.add("aten::isinf.float(float a) -> bool", wrap([](double a) { return std::isinf(a); }));
  r.add("aten::isfinite.float(float a) -> bool", wrap([](double a) { return std::isfinite(a); }));
  r.add("aten::copysign.float(float a, float b) -> float", wrap([](double a, double b) { return std::copysign(a, b); }));
  r.add("aten::atan2.float(float a, float b) -> float", wrap([](double a, double b) { return std::atan2(a, b); }));
  r.add("aten::log.float_float(float a, float b) -> float", wrap([](double a, double b) { return std::log(a) / std::log(b); }));
  r.add("aten::log.int_int(int a, int b) -> float", wrap([](int64_t a, int64_t b) {
          return std::log(static_cast<double>(a)) / std::log(static_cast<double>(b));
        }));
  r.add("aten::fmod.float(float a, float b) -> float", wrap([](double a, double b) { return std::fmod(a, b); }));
  r.add("aten::gcd.int(int a, int b) -> int", wrap([](int64_t a, int64_t b) {
          while (b != 0) {
            int64_t t = b == -1 ? 0 : a % b;  // INT64_MIN % -1 traps
            a = b;
            b = t;
          }
          return a < 0 ? wrap_sub(0, a) : a;
        }));
  r.add("aten::factorial.int(int a) -> int", wrap([](int64_t a) {
          if (a < 0) fail("factorial() not defined for negative values");
          int64_t f = 1;
          for (int64_t i = 2; i <= a; ++i) f = wrap_mul(f, i);
          return f;
        }));
  r.add("aten::__range_length(int lo, int hi, int step) -> int", wrap([](int64_t lo, int64_t hi, int64_t step) {
          if (step == 0) fail("range() arg 3 must not be zero");
          // In unsigned arithmetic: hi - lo and -step can exceed int64's range.
          uint64_t n = 0;
          if (step > 0 && lo < hi)
            n = 1 + (static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) - 1) / static_cast<uint64_t>(step);
          if (step < 0 && lo > hi)
            n = 1 + (static_cast<uint64_t>(lo) - static_cast<uint64_t>(hi) - 1) / (0 - static_cast<uint64_t>(step));
          if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            fail("range(", lo, ", ", hi, ", ", step, ") has more than 2^63-1 elements");
          return static_cast<int64_t>(n);
        }));
  r.add("aten::__derive_index(int index, int start, int step) -> int",
        wrap([](int64_t index, int64_t start, int64_t step) { return wrap_add(start, wrap_mul(index, step)); }));
}

}  // namespace ember::ops
