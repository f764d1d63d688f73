// elementwise_ops.h — the one table of ember's unary and binary elementwise ops.
//
// Each row says everything about one op; the enums, the per-op facts the shared meta step reads
// (elementwise_meta.h), the CPU kernels (kernels/cpu/elementwise_*.cpp) and the registrations
// (ops/aten_elementwise.cpp) are all generated from it, so adding an op is adding a row.
//
//   EMBER_BINARY_OPS(X): X(Enum, "name", Kind, dtypes, checks, vector, (schemas...), scalar)
//   EMBER_UNARY_OPS(X):  X(Enum, "error name", Kind, dtypes, vector, in_place, (names...), scalar)
//
// - Kind, what the result is (ResultKind below): Same as the promoted operands, Float (integral
//   and bool operands compute in float32, as sin or true division do), Magnitude (unary: complex
//   gives its real dtype, abs), Bool (comparisons: computed in the promoted dtype, returns bool),
//   Logical (operands converted to bool, returns bool).
// - dtypes, the categories of the promoted operand dtype the op accepts (bool B, integral I,
//   floating F, complex C); any other fails with PyTorch 1.13's `"<name>" not implemented for
//   '<dtype>'` (binary: the row's name; unary: the rules of unary_meta).
// - checks (binary): extra argument checks of the meta step, kCheckNone or kCheckAlpha (add/sub's alpha),
//   kCheckNoBool (sub's bool message), kCheckIntPow (integer to a negative integer power).
// - vector: VEC(k) when kernels/cpu/vec_math.h has a float32 array kernel vec::Binary::k /
//   vec::Unary::k the CPU kernel runs on unit-stride float32 runs, else NOVEC. Such ops also get
//   a Backend::CPUReference kernel that runs the scalar form alone, the oracle for the vector one.
// - schemas (binary): every PyTorch schema the row registers, copied from
//   ../shared/reference/schemas-torch-1.13.txt; the kernel's form (tensor or scalar operands,
//   in place, alpha) is read from the schema. names (unary): `aten::<name>(Tensor self) -> Tensor`
//   is registered for each, and `aten::<name>_` too when in_place is true.
// - scalar: the math of one element, a generic lambda over the operands' opmath type (float for
//   the 16-bit floats): binary ones take (x, y, alpha) — alpha is only read by add and sub — unary
//   ones (v). This column is compiled only by a backend's kernel file (the helpers it names, in
//   namespace ember::ew, live in kernels/cpu/elementwise_scalar.h); the other consumers ignore it.
//
// Ops with parameters or more operands (clamp, where, lerp, gelu, leaky_relu, ...) and the
// `div(..., rounding_mode)`/`rsub`/`.out` overloads stay written by hand in the same files.
#pragma once

#include <cstdint>

namespace ember {

enum class ResultKind : uint8_t { Same, Float, Magnitude, Bool, Logical };

// Categories of dtypes, as bits of a row's dtype set.
inline constexpr unsigned kB = 1, kI = 2, kF = 4, kC = 8;
inline constexpr unsigned kIF = kI | kF, kBI = kB | kI, kBIF = kB | kI | kF, kIFC = kI | kF | kC,
                          kFC = kF | kC, kBIFC = kB | kI | kF | kC;

// Binary argument checks (bits).
inline constexpr unsigned kCheckNone = 0, kCheckAlpha = 1, kCheckNoBool = 2, kCheckIntPow = 4;

// clang-format off
#define EMBER_BINARY_OPS(X)                                                                                     \
  X(Add, "add", Same, kBIFC, kCheckAlpha, VEC(Add),                                                             \
    ("aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",                                \
     "aten::add.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",                                   \
     "aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)",                       \
     "aten::add_.Scalar(Tensor(a!) self, Scalar other, Scalar alpha=1) -> Tensor(a!)"),                         \
    [](auto x, auto y, auto al) { return ew::add(x, y, al); })                                                  \
  X(Sub, "sub", Same, kIFC, kCheckAlpha | kCheckNoBool, VEC(Sub),                                               \
    ("aten::sub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",                                \
     "aten::sub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",                                   \
     "aten::sub_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)",                       \
     "aten::sub_.Scalar(Tensor(a!) self, Scalar other, Scalar alpha=1) -> Tensor(a!)"),                         \
    [](auto x, auto y, auto al) { return ew::sub(x, y, al); })                                                  \
  X(Mul, "mul", Same, kBIFC, kCheckNone, VEC(Mul),                                                              \
    ("aten::mul.Tensor(Tensor self, Tensor other) -> Tensor",                                                   \
     "aten::mul.Scalar(Tensor self, Scalar other) -> Tensor",                                                   \
     "aten::mul_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)",                                          \
     "aten::mul_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)"),                                         \
    [](auto x, auto y, auto) { return ew::wrap_mul(x, y); })                                                    \
  X(Div, "div", Float, kFC, kCheckNone, VEC(Div),                                                               \
    ("aten::div.Tensor(Tensor self, Tensor other) -> Tensor",                                                   \
     "aten::div.Scalar(Tensor self, Scalar other) -> Tensor",                                                   \
     "aten::div_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)",                                          \
     "aten::div_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)",                                          \
     "aten::true_divide.Tensor(Tensor self, Tensor other) -> Tensor",                                           \
     "aten::true_divide.Scalar(Tensor self, Scalar other) -> Tensor"),                                          \
    [](auto x, auto y, auto) { return x / y; })                                                                 \
  X(DivTrunc, "div_trunc", Same, kIF, kCheckNone, NOVEC, (),                                                    \
    [](auto x, auto y, auto) { return ew::div_trunc(x, y); })                                                   \
  X(DivFloor, "div_floor", Same, kIF, kCheckNone, NOVEC,                                                        \
    ("aten::floor_divide(Tensor self, Tensor other) -> Tensor",                                                 \
     "aten::floor_divide.Scalar(Tensor self, Scalar other) -> Tensor",                                          \
     "aten::floor_divide_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)",                                 \
     "aten::floor_divide_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)"),                                \
    [](auto x, auto y, auto) { return ew::div_floor(x, y); })                                                   \
  X(Remainder, "remainder", Same, kIF, kCheckNone, NOVEC,                                                       \
    ("aten::remainder.Tensor(Tensor self, Tensor other) -> Tensor",                                             \
     "aten::remainder.Scalar(Tensor self, Scalar other) -> Tensor",                                             \
     "aten::remainder.Scalar_Tensor(Scalar self, Tensor other) -> Tensor",                                      \
     "aten::remainder_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)",                                    \
     "aten::remainder_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)"),                                   \
    [](auto x, auto y, auto) { return ew::remainder(x, y); })                                                   \
  X(Fmod, "fmod", Same, kIF, kCheckNone, NOVEC,                                                                 \
    ("aten::fmod.Tensor(Tensor self, Tensor other) -> Tensor",                                                  \
     "aten::fmod.Scalar(Tensor self, Scalar other) -> Tensor"),                                                 \
    [](auto x, auto y, auto) { return ew::fmod(x, y); })                                                        \
  X(Pow, "pow", Same, kIFC, kCheckIntPow, NOVEC,                                                                \
    ("aten::pow.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor",                                         \
     "aten::pow.Tensor_Scalar(Tensor self, Scalar exponent) -> Tensor",                                         \
     "aten::pow.Scalar(Scalar self, Tensor exponent) -> Tensor",                                                \
     "aten::pow_.Tensor(Tensor(a!) self, Tensor exponent) -> Tensor(a!)",                                       \
     "aten::pow_.Scalar(Tensor(a!) self, Scalar exponent) -> Tensor(a!)"),                                      \
    [](auto x, auto y, auto) { return ew::pow(x, y); })                                                         \
  X(Maximum, "maximum", Same, kBIF, kCheckNone, NOVEC,                                                          \
    ("aten::maximum(Tensor self, Tensor other) -> Tensor",                                                      \
     "aten::max.other(Tensor self, Tensor other) -> Tensor"),                                                   \
    [](auto x, auto y, auto) { return ew::maximum(x, y); })                                                     \
  X(Minimum, "minimum", Same, kBIF, kCheckNone, NOVEC,                                                          \
    ("aten::minimum(Tensor self, Tensor other) -> Tensor",                                                      \
     "aten::min.other(Tensor self, Tensor other) -> Tensor"),                                                   \
    [](auto x, auto y, auto) { return ew::minimum(x, y); })                                                     \
  X(Atan2, "atan2", Float, kF, kCheckNone, NOVEC,                                                               \
    ("aten::atan2(Tensor self, Tensor other) -> Tensor"),                                                       \
    [](auto x, auto y, auto) { return std::atan2(x, y); })                                                      \
  X(BitAnd, "bitwise_and", Same, kBI, kCheckNone, NOVEC,                                                        \
    ("aten::bitwise_and.Tensor(Tensor self, Tensor other) -> Tensor",                                           \
     "aten::bitwise_and.Scalar(Tensor self, Scalar other) -> Tensor",                                           \
     "aten::bitwise_and.Scalar_Tensor(Scalar self, Tensor other) -> Tensor",                                    \
     "aten::bitwise_and_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)",                                  \
     "aten::bitwise_and_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)",                                  \
     "aten::__and__.Tensor(Tensor self, Tensor other) -> Tensor",                                               \
     "aten::__and__.Scalar(Tensor self, Scalar other) -> Tensor",                                               \
     "aten::__iand__.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)",                                      \
     "aten::__iand__.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)"),                                     \
    [](auto x, auto y, auto) { return static_cast<decltype(x)>(x & y); })                                       \
  X(BitOr, "bitwise_or", Same, kBI, kCheckNone, NOVEC,                                                          \
    ("aten::bitwise_or.Tensor(Tensor self, Tensor other) -> Tensor",                                            \
     "aten::bitwise_or.Scalar(Tensor self, Scalar other) -> Tensor",                                            \
     "aten::bitwise_or.Scalar_Tensor(Scalar self, Tensor other) -> Tensor",                                     \
     "aten::bitwise_or_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)",                                   \
     "aten::bitwise_or_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)",                                   \
     "aten::__or__.Tensor(Tensor self, Tensor other) -> Tensor",                                                \
     "aten::__or__.Scalar(Tensor self, Scalar other) -> Tensor",                                                \
     "aten::__ior__.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)",                                       \
     "aten::__ior__.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)"),                                      \
    [](auto x, auto y, auto) { return static_cast<decltype(x)>(x | y); })                                       \
  X(BitXor, "bitwise_xor", Same, kBI, kCheckNone, NOVEC,                                                        \
    ("aten::bitwise_xor.Tensor(Tensor self, Tensor other) -> Tensor",                                           \
     "aten::bitwise_xor.Scalar(Tensor self, Scalar other) -> Tensor",                                           \
     "aten::bitwise_xor.Scalar_Tensor(Scalar self, Tensor other) -> Tensor",                                    \
     "aten::__xor__.Tensor(Tensor self, Tensor other) -> Tensor",                                               \
     "aten::__xor__.Scalar(Tensor self, Scalar other) -> Tensor"),                                              \
    [](auto x, auto y, auto) { return static_cast<decltype(x)>(x ^ y); })                                       \
  X(LShift, "lshift", Same, kI, kCheckNone, NOVEC,                                                              \
    ("aten::__lshift__.Tensor(Tensor self, Tensor other) -> Tensor",                                            \
     "aten::__lshift__.Scalar(Tensor self, Scalar other) -> Tensor"),                                           \
    [](auto x, auto y, auto) { return ew::lshift(x, y); })                                                      \
  X(RShift, "rshift", Same, kI, kCheckNone, NOVEC,                                                              \
    ("aten::__rshift__.Tensor(Tensor self, Tensor other) -> Tensor",                                            \
     "aten::__rshift__.Scalar(Tensor self, Scalar other) -> Tensor"),                                           \
    [](auto x, auto y, auto) { return ew::rshift(x, y); })                                                      \
  X(LogicalAnd, "logical_and", Logical, kBIF, kCheckNone, NOVEC,                                                \
    ("aten::logical_and(Tensor self, Tensor other) -> Tensor"),                                                 \
    [](auto x, auto y, auto) { return x && y; })                                                                \
  X(LogicalOr, "logical_or", Logical, kBIF, kCheckNone, NOVEC,                                                  \
    ("aten::logical_or(Tensor self, Tensor other) -> Tensor"),                                                  \
    [](auto x, auto y, auto) { return x || y; })                                                                \
  X(LogicalXor, "logical_xor", Logical, kBIF, kCheckNone, NOVEC,                                                \
    ("aten::logical_xor(Tensor self, Tensor other) -> Tensor"),                                                 \
    [](auto x, auto y, auto) { return x != y; })                                                                \
  X(Eq, "eq", Bool, kBIFC, kCheckNone, NOVEC, EMBER_COMPARISON_SCHEMAS(eq),                                     \
    [](auto x, auto y, auto) { return x == y; })                                                                \
  X(Ne, "ne", Bool, kBIFC, kCheckNone, NOVEC, EMBER_COMPARISON_SCHEMAS(ne),                                     \
    [](auto x, auto y, auto) { return x != y; })                                                                \
  X(Lt, "lt", Bool, kBIF, kCheckNone, NOVEC, EMBER_COMPARISON_SCHEMAS(lt),                                      \
    [](auto x, auto y, auto) { return x < y; })                                                                 \
  X(Le, "le", Bool, kBIF, kCheckNone, NOVEC, EMBER_COMPARISON_SCHEMAS(le),                                      \
    [](auto x, auto y, auto) { return x <= y; })                                                                \
  X(Gt, "gt", Bool, kBIF, kCheckNone, NOVEC, EMBER_COMPARISON_SCHEMAS(gt),                                      \
    [](auto x, auto y, auto) { return x > y; })                                                                 \
  X(Ge, "ge", Bool, kBIF, kCheckNone, NOVEC, EMBER_COMPARISON_SCHEMAS(ge),                                      \
    [](auto x, auto y, auto) { return x >= y; })

// eq/ne/lt/le/gt/ge share one set of four schemas.
#define EMBER_COMPARISON_SCHEMAS(n)                                                                             \
  ("aten::" #n ".Tensor(Tensor self, Tensor other) -> Tensor",                                                  \
   "aten::" #n ".Scalar(Tensor self, Scalar other) -> Tensor",                                                  \
   "aten::" #n "_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)",                                         \
   "aten::" #n "_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)")

// Unary "error name": the op name in the not-implemented message for a real dtype the row does
// not accept (floor, ceil and trunc say "round", as before). Complex dtypes a row does not
// accept fail as "unary op on complex input", and real non-floating ones of a Float row without
// kI as "unary float op" (ember's wording; PyTorch's differs per op).
#define EMBER_UNARY_OPS(X)                                                                                      \
  X(Neg, "unary", Same, kIFC, NOVEC, true, ("neg", "negative"), [](auto v) { return ew::negated(v); })          \
  X(Abs, "abs", Magnitude, kIFC, NOVEC, true, ("abs"), [](auto v) { return ew::abs(v); })                       \
  X(Sign, "unary", Same, kBIFC, NOVEC, true, ("sign", "sgn"), [](auto v) { return ew::sign(v); })               \
  X(Exp, "exp", Float, kBIFC, VEC(Exp), true, ("exp"), [](auto v) { return ew::exp(v); })                       \
  X(Exp2, "exp2", Float, kBIF, NOVEC, true, ("exp2"), [](auto v) { return std::exp2(v); })                      \
  X(Expm1, "expm1", Float, kBIF, NOVEC, true, ("expm1"), [](auto v) { return std::expm1(v); })                  \
  X(Log, "log", Float, kBIFC, VEC(Log), true, ("log"), [](auto v) { return ew::log(v); })                       \
  X(Log1p, "log1p", Float, kBIF, NOVEC, true, ("log1p"), [](auto v) { return std::log1p(v); })                  \
  X(Log2, "log2", Float, kBIF, NOVEC, true, ("log2"), [](auto v) { return std::log2(v); })                      \
  X(Log10, "log10", Float, kBIF, NOVEC, true, ("log10"), [](auto v) { return std::log10(v); })                  \
  X(Sqrt, "sqrt", Float, kBIFC, NOVEC, true, ("sqrt"), [](auto v) { return std::sqrt(v); })                     \
  X(Rsqrt, "rsqrt", Float, kBIFC, NOVEC, true, ("rsqrt"),                                                       \
    [](auto v) { return decltype(v)(1) / std::sqrt(v); })                                                       \
  X(Sin, "sin", Float, kBIFC, NOVEC, true, ("sin"), [](auto v) { return std::sin(v); })                         \
  X(Cos, "cos", Float, kBIFC, NOVEC, true, ("cos"), [](auto v) { return std::cos(v); })                         \
  X(Tan, "tan", Float, kBIF, NOVEC, true, ("tan"), [](auto v) { return std::tan(v); })                          \
  X(Asin, "asin", Float, kBIF, NOVEC, true, ("asin"), [](auto v) { return std::asin(v); })                      \
  X(Acos, "acos", Float, kBIF, NOVEC, true, ("acos"), [](auto v) { return std::acos(v); })                      \
  X(Atan, "atan", Float, kBIF, NOVEC, true, ("atan"), [](auto v) { return std::atan(v); })                      \
  X(Sinh, "sinh", Float, kBIF, NOVEC, true, ("sinh"), [](auto v) { return std::sinh(v); })                      \
  X(Cosh, "cosh", Float, kBIF, NOVEC, true, ("cosh"), [](auto v) { return std::cosh(v); })                      \
  X(Tanh, "tanh", Float, kBIFC, VEC(Tanh), true, ("tanh"), [](auto v) { return ew::tanh(v); })                  \
  X(Asinh, "asinh", Float, kBIF, NOVEC, true, ("asinh"), [](auto v) { return std::asinh(v); })                  \
  X(Acosh, "acosh", Float, kBIF, NOVEC, true, ("acosh"), [](auto v) { return std::acosh(v); })                  \
  X(Atanh, "atanh", Float, kBIF, NOVEC, true, ("atanh"), [](auto v) { return std::atanh(v); })                  \
  X(Sigmoid, "sigmoid", Float, kBIF, VEC(Sigmoid), true, ("sigmoid"), [](auto v) { return ew::sigmoid(v); })    \
  X(LogSigmoid, "log_sigmoid", Float, kF, NOVEC, false, ("log_sigmoid"),                                        \
    [](auto v) { return std::min(v, decltype(v)(0)) - std::log1p(std::exp(-std::abs(v))); })                    \
  X(Relu, "relu", Same, kIF, VEC(Relu), true, ("relu"),                                                         \
    [](auto v) { return v != v ? v : (v > decltype(v)(0) ? v : decltype(v)(0)); })                              \
  X(Silu, "silu", Float, kF, VEC(Silu), true, ("silu"), [](auto v) { return ew::silu(v); })                     \
  X(Mish, "mish", Float, kF, NOVEC, true, ("mish"), [](auto v) { return v * std::tanh(std::log1p(std::exp(v))); }) \
  X(Hardswish, "hardswish", Float, kF, VEC(Hardswish), true, ("hardswish"),                                     \
    [](auto v) { return ew::hardswish(v); })                                                                    \
  X(Hardsigmoid, "hardsigmoid", Float, kF, VEC(Hardsigmoid), true, ("hardsigmoid"),                             \
    [](auto v) { return ew::hardsigmoid(v); })                                                                  \
  X(Erf, "erf", Float, kBIF, VEC(Erf), true, ("erf"), [](auto v) { return ew::erf(v); })                        \
  X(Erfc, "erfc", Float, kBIF, NOVEC, true, ("erfc"), [](auto v) { return std::erfc(v); })                      \
  X(Floor, "round", Same, kIF, NOVEC, true, ("floor"), [](auto v) { return ew::floor(v); })                     \
  X(Ceil, "round", Same, kIF, NOVEC, true, ("ceil"), [](auto v) { return ew::ceil(v); })                        \
  X(Round, "round", Same, kIF, NOVEC, true, ("round"), [](auto v) { return ew::round(v); })                     \
  X(Trunc, "round", Same, kIF, NOVEC, true, ("trunc", "fix"), [](auto v) { return ew::trunc(v); })              \
  X(Frac, "frac", Float, kF, NOVEC, true, ("frac"), [](auto v) { return v - std::trunc(v); })                   \
  X(Reciprocal, "reciprocal", Float, kBIFC, NOVEC, true, ("reciprocal"),                                        \
    [](auto v) { return decltype(v)(1) / v; })                                                                  \
  X(LogicalNot, "logical_not", Logical, kBIF, NOVEC, true, ("logical_not"), [](auto v) { return !v; })          \
  X(BitwiseNot, "bitwise_not", Same, kBI, NOVEC, true, ("bitwise_not"),                                         \
    [](auto v) { return ew::bitwise_not(v); })                                                                  \
  X(IsNan, "unary", Bool, kBIFC, NOVEC, false, ("isnan"), [](auto v) { return ew::isnan(v); })                  \
  X(IsInf, "unary", Bool, kBIFC, NOVEC, false, ("isinf"), [](auto v) { return ew::isinf(v); })                  \
  X(IsFinite, "unary", Bool, kBIFC, NOVEC, false, ("isfinite"), [](auto v) { return ew::isfinite(v); })         \
  X(IsPosInf, "unary", Bool, kBIF, NOVEC, false, ("isposinf"), [](auto v) { return ew::isposinf(v); })          \
  X(IsNegInf, "unary", Bool, kBIF, NOVEC, false, ("isneginf"), [](auto v) { return ew::isneginf(v); })          \
  X(Square, "pow", Same, kIFC, NOVEC, true, ("square"), [](auto v) { return ew::wrap_mul(v, v); })              \
  X(SignBit, "unary", Bool, kBIF, NOVEC, false, ("signbit"), [](auto v) { return ew::signbit(v); })
// clang-format on

// A parenthesised list as a macro argument: EMBER_LIST (a, b) -> a, b.
#define EMBER_LIST(...) __VA_ARGS__

#define EMBER_ELEMENTWISE_ENUM(E, ...) E,
enum class BinaryOp : uint8_t { EMBER_BINARY_OPS(EMBER_ELEMENTWISE_ENUM) };
enum class UnaryOp : uint8_t { EMBER_UNARY_OPS(EMBER_ELEMENTWISE_ENUM) };
#undef EMBER_ELEMENTWISE_ENUM

// The facts of a row the meta step reads.
struct BinaryOpInfo {
  const char* name;
  ResultKind kind;
  unsigned dtypes;
  unsigned checks;
};
struct UnaryOpInfo {
  const char* name;        // the first registered name
  const char* error_name;  // see above
  ResultKind kind;
  unsigned dtypes;
};

#define EMBER_ELEMENTWISE_FIRST(first, ...) first
#define EMBER_BINARY_INFO(E, name, kind, dtypes, checks, ...) {name, ResultKind::kind, dtypes, checks},
#define EMBER_UNARY_INFO(E, error_name, kind, dtypes, vec, in_place, names, ...)                                \
  {EMBER_ELEMENTWISE_FIRST names, error_name, ResultKind::kind, dtypes},
inline constexpr BinaryOpInfo kBinaryOps[] = {EMBER_BINARY_OPS(EMBER_BINARY_INFO)};
inline constexpr UnaryOpInfo kUnaryOps[] = {EMBER_UNARY_OPS(EMBER_UNARY_INFO)};
#undef EMBER_BINARY_INFO
#undef EMBER_UNARY_INFO

inline constexpr const BinaryOpInfo& info(BinaryOp op) { return kBinaryOps[static_cast<size_t>(op)]; }
inline constexpr const UnaryOpInfo& info(UnaryOp op) { return kUnaryOps[static_cast<size_t>(op)]; }

}  // namespace ember
