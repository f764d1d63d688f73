// aten_elementwise.cpp — schemas of the elementwise ops bound to kernels/cpu/elementwise.h.
#include <string>

#include "kernels/cpu/elementwise.h"
#include "ops/aten_util.h"

namespace ember::ops {

using cpu::BinaryOp;
using cpu::UnaryOp;
using OptScalar = std::optional<Scalar>;
using OptTensor = std::optional<Tensor>;

#define EMBER_TT(op) wrap([](const Tensor& a, const Tensor& b) { return cpu::binary(op, a, b); })
#define EMBER_TS(op) wrap([](const Tensor& a, Scalar b) { return cpu::binary(op, a, b); })
#define EMBER_ST(op) wrap([](Scalar a, const Tensor& b) { return cpu::binary(op, a, b); })
#define EMBER_ITT(op) wrap([](const Tensor& a, const Tensor& b) { return cpu::binary_(op, a, b); })
#define EMBER_ITS(op) wrap([](const Tensor& a, Scalar b) { return cpu::binary_(op, a, b); })

static void register_binary(Registry& r) {
  r.add("aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
        wrap([](const Tensor& a, const Tensor& b, Scalar al) { return cpu::binary(BinaryOp::Add, a, b, al); }));
  r.add("aten::add.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",
        wrap([](const Tensor& a, Scalar b, Scalar al) { return cpu::binary(BinaryOp::Add, a, b, al); }));
  r.add("aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)",
        wrap([](const Tensor& a, const Tensor& b, Scalar al) { return cpu::binary_(BinaryOp::Add, a, b, al); }));
  r.add("aten::add_.Scalar(Tensor(a!) self, Scalar other, Scalar alpha=1) -> Tensor(a!)",
        wrap([](const Tensor& a, Scalar b, Scalar al) { return cpu::binary_(BinaryOp::Add, a, b, al); }));
  r.add("aten::sub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
        wrap([](const Tensor& a, const Tensor& b, Scalar al) { return cpu::binary(BinaryOp::Sub, a, b, al); }));
  r.add("aten::sub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",
        wrap([](const Tensor& a, Scalar b, Scalar al) { return cpu::binary(BinaryOp::Sub, a, b, al); }));
  r.add("aten::sub_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)",
        wrap([](const Tensor& a, const Tensor& b, Scalar al) { return cpu::binary_(BinaryOp::Sub, a, b, al); }));
  r.add("aten::sub_.Scalar(Tensor(a!) self, Scalar other, Scalar alpha=1) -> Tensor(a!)",
        wrap([](const Tensor& a, Scalar b, Scalar al) { return cpu::binary_(BinaryOp::Sub, a, b, al); }));
  // rsub: other - alpha * self.
  r.add("aten::rsub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
        wrap([](const Tensor& a, const Tensor& b, Scalar al) { return cpu::binary(BinaryOp::Sub, b, a, al); }));
  r.add("aten::rsub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",
        wrap([](const Tensor& a, Scalar b, Scalar al) { return cpu::binary(BinaryOp::Sub, b, a, al); }));

  r.add("aten::mul.Tensor(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::Mul));
  r.add("aten::mul.Scalar(Tensor self, Scalar other) -> Tensor", EMBER_TS(BinaryOp::Mul));
  r.add("aten::mul_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", EMBER_ITT(BinaryOp::Mul));
  r.add("aten::mul_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", EMBER_ITS(BinaryOp::Mul));

  r.add("aten::div.Tensor(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::Div));
  r.add("aten::div.Scalar(Tensor self, Scalar other) -> Tensor", EMBER_TS(BinaryOp::Div));
  r.add("aten::div_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", EMBER_ITT(BinaryOp::Div));
  r.add("aten::div_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", EMBER_ITS(BinaryOp::Div));
  r.add("aten::div.Tensor_mode(Tensor self, Tensor other, *, str? rounding_mode) -> Tensor",
        wrap([](const Tensor& a, const Tensor& b, std::optional<std::string> m) {
          return cpu::binary(cpu::div_mode(m), a, b);
        }));
  r.add("aten::div.Scalar_mode(Tensor self, Scalar other, *, str? rounding_mode) -> Tensor",
        wrap([](const Tensor& a, Scalar b, std::optional<std::string> m) { return cpu::binary(cpu::div_mode(m), a, b); }));
  r.add("aten::div_.Tensor_mode(Tensor(a!) self, Tensor other, *, str? rounding_mode) -> Tensor(a!)",
        wrap([](const Tensor& a, const Tensor& b, std::optional<std::string> m) {
          return cpu::binary_(cpu::div_mode(m), a, b);
        }));
  r.add("aten::div_.Scalar_mode(Tensor(a!) self, Scalar other, *, str? rounding_mode) -> Tensor(a!)",
        wrap([](const Tensor& a, Scalar b, std::optional<std::string> m) { return cpu::binary_(cpu::div_mode(m), a, b); }));
  r.add("aten::true_divide.Tensor(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::Div));
  r.add("aten::true_divide.Scalar(Tensor self, Scalar other) -> Tensor", EMBER_TS(BinaryOp::Div));
  r.add("aten::floor_divide(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::DivFloor));
  r.add("aten::floor_divide.Scalar(Tensor self, Scalar other) -> Tensor", EMBER_TS(BinaryOp::DivFloor));
  r.add("aten::floor_divide_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", EMBER_ITT(BinaryOp::DivFloor));
  r.add("aten::floor_divide_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", EMBER_ITS(BinaryOp::DivFloor));
  r.add("aten::remainder.Tensor(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::Remainder));
  r.add("aten::remainder.Scalar(Tensor self, Scalar other) -> Tensor", EMBER_TS(BinaryOp::Remainder));
  r.add("aten::remainder.Scalar_Tensor(Scalar self, Tensor other) -> Tensor", EMBER_ST(BinaryOp::Remainder));
  r.add("aten::remainder_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", EMBER_ITT(BinaryOp::Remainder));
  r.add("aten::remainder_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", EMBER_ITS(BinaryOp::Remainder));
  r.add("aten::fmod.Tensor(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::Fmod));
  r.add("aten::fmod.Scalar(Tensor self, Scalar other) -> Tensor", EMBER_TS(BinaryOp::Fmod));

  r.add("aten::pow.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor", EMBER_TT(BinaryOp::Pow));
  r.add("aten::pow.Tensor_Scalar(Tensor self, Scalar exponent) -> Tensor", EMBER_TS(BinaryOp::Pow));
  r.add("aten::pow.Scalar(Scalar self, Tensor exponent) -> Tensor", EMBER_ST(BinaryOp::Pow));
  r.add("aten::pow_.Tensor(Tensor(a!) self, Tensor exponent) -> Tensor(a!)", EMBER_ITT(BinaryOp::Pow));
  r.add("aten::pow_.Scalar(Tensor(a!) self, Scalar exponent) -> Tensor(a!)", EMBER_ITS(BinaryOp::Pow));

  r.add("aten::maximum(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::Maximum));
  r.add("aten::minimum(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::Minimum));
  r.add("aten::max.other(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::Maximum));
  r.add("aten::min.other(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::Minimum));
  r.add("aten::atan2(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::Atan2));

  r.add("aten::bitwise_and.Tensor(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::BitAnd));
  r.add("aten::bitwise_and.Scalar(Tensor self, Scalar other) -> Tensor", EMBER_TS(BinaryOp::BitAnd));
  r.add("aten::bitwise_and.Scalar_Tensor(Scalar self, Tensor other) -> Tensor", EMBER_ST(BinaryOp::BitAnd));
  r.add("aten::bitwise_and_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", EMBER_ITT(BinaryOp::BitAnd));
  r.add("aten::bitwise_and_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", EMBER_ITS(BinaryOp::BitAnd));
  r.add("aten::bitwise_or.Tensor(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::BitOr));
  r.add("aten::bitwise_or.Scalar(Tensor self, Scalar other) -> Tensor", EMBER_TS(BinaryOp::BitOr));
  r.add("aten::bitwise_or.Scalar_Tensor(Scalar self, Tensor other) -> Tensor", EMBER_ST(BinaryOp::BitOr));
  r.add("aten::bitwise_or_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", EMBER_ITT(BinaryOp::BitOr));
  r.add("aten::bitwise_or_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", EMBER_ITS(BinaryOp::BitOr));
  r.add("aten::bitwise_xor.Tensor(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::BitXor));
  r.add("aten::bitwise_xor.Scalar(Tensor self, Scalar other) -> Tensor", EMBER_TS(BinaryOp::BitXor));
  r.add("aten::bitwise_xor.Scalar_Tensor(Scalar self, Tensor other) -> Tensor", EMBER_ST(BinaryOp::BitXor));
  r.add("aten::__and__.Tensor(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::BitAnd));
  r.add("aten::__and__.Scalar(Tensor self, Scalar other) -> Tensor", EMBER_TS(BinaryOp::BitAnd));
  r.add("aten::__or__.Tensor(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::BitOr));
  r.add("aten::__or__.Scalar(Tensor self, Scalar other) -> Tensor", EMBER_TS(BinaryOp::BitOr));
  r.add("aten::__xor__.Tensor(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::BitXor));
  r.add("aten::__xor__.Scalar(Tensor self, Scalar other) -> Tensor", EMBER_TS(BinaryOp::BitXor));
  r.add("aten::__iand__.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", EMBER_ITT(BinaryOp::BitAnd));
  r.add("aten::__iand__.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", EMBER_ITS(BinaryOp::BitAnd));
  r.add("aten::__ior__.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", EMBER_ITT(BinaryOp::BitOr));
  r.add("aten::__ior__.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", EMBER_ITS(BinaryOp::BitOr));
  r.add("aten::__lshift__.Tensor(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::LShift));
  r.add("aten::__lshift__.Scalar(Tensor self, Scalar other) -> Tensor", EMBER_TS(BinaryOp::LShift));
  r.add("aten::__rshift__.Tensor(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::RShift));
  r.add("aten::__rshift__.Scalar(Tensor self, Scalar other) -> Tensor", EMBER_TS(BinaryOp::RShift));

  r.add("aten::logical_and(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::LogicalAnd));
  r.add("aten::logical_or(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::LogicalOr));
  r.add("aten::logical_xor(Tensor self, Tensor other) -> Tensor", EMBER_TT(BinaryOp::LogicalXor));

  struct Cmp { const char* name; BinaryOp op; };
  for (Cmp c : {Cmp{"eq", BinaryOp::Eq}, Cmp{"ne", BinaryOp::Ne}, Cmp{"lt", BinaryOp::Lt}, Cmp{"le", BinaryOp::Le},
                Cmp{"gt", BinaryOp::Gt}, Cmp{"ge", BinaryOp::Ge}}) {
    const BinaryOp op = c.op;
    const std::string n = c.name;
    r.add("aten::" + n + ".Tensor(Tensor self, Tensor other) -> Tensor",
          wrap([op](const Tensor& a, const Tensor& b) { return cpu::binary(op, a, b); }));
    r.add("aten::" + n + ".Scalar(Tensor self, Scalar other) -> Tensor",
          wrap([op](const Tensor& a, Scalar b) { return cpu::binary(op, a, b); }));
    r.add("aten::" + n + "_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)",
          wrap([op](const Tensor& a, const Tensor& b) { return cpu::binary_(op, a, b); }));
    r.add("aten::" + n + "_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)",
          wrap([op](const Tensor& a, Scalar b) { return cpu::binary_(op, a, b); }));
  }

  r.add("aten::where.self(Tensor condition, Tensor self, Tensor other) -> Tensor",
        wrap([](const Tensor& c, const Tensor& a, const Tensor& b) { return cpu::where(c, a, b); }));
  r.add("aten::where.ScalarSelf(Tensor condition, Scalar self, Tensor other) -> Tensor",
        wrap([](const Tensor& c, Scalar a, const Tensor& b) { return cpu::where(c, a, b); }));
  r.add("aten::where.ScalarOther(Tensor condition, Tensor self, Scalar other) -> Tensor",
        wrap([](const Tensor& c, const Tensor& a, Scalar b) { return cpu::where(c, a, b); }));
  r.add("aten::where.Scalar(Tensor condition, Scalar self, Scalar other) -> Tensor",
        wrap([](const Tensor& c, Scalar a, Scalar b) { return cpu::where(c, a, b); }));

  r.add("aten::clamp(Tensor self, Scalar? min=None, Scalar? max=None) -> Tensor",
        wrap([](const Tensor& a, OptScalar lo, OptScalar hi) { return cpu::clamp(a, lo, hi); }));
  r.add("aten::clamp.Tensor(Tensor self, Tensor? min=None, Tensor? max=None) -> Tensor",
        wrap([](const Tensor& a, OptTensor lo, OptTensor hi) { return cpu::clamp(a, lo, hi); }));
  r.add("aten::clamp_(Tensor(a!) self, Scalar? min=None, Scalar? max=None) -> Tensor(a!)",
        wrap([](const Tensor& a, OptScalar lo, OptScalar hi) { return cpu::clamp_(a, lo, hi); }));
  r.add("aten::clamp_.Tensor(Tensor(a!) self, Tensor? min=None, Tensor? max=None) -> Tensor(a!)",
        wrap([](const Tensor& a, OptTensor lo, OptTensor hi) { return cpu::clamp_(a, lo, hi); }));
  r.add("aten::clamp_min(Tensor self, Scalar min) -> Tensor",
        wrap([](const Tensor& a, Scalar lo) { return cpu::clamp(a, OptScalar(lo), OptScalar()); }));
  r.add("aten::clamp_min.Tensor(Tensor self, Tensor min) -> Tensor",
        wrap([](const Tensor& a, const Tensor& lo) { return cpu::clamp(a, OptTensor(lo), OptTensor()); }));
  r.add("aten::clamp_min_(Tensor(a!) self, Scalar min) -> Tensor(a!)",
        wrap([](const Tensor& a, Scalar lo) { return cpu::clamp_(a, OptScalar(lo), OptScalar()); }));
  r.add("aten::clamp_min_.Tensor(Tensor(a!) self, Tensor min) -> Tensor(a!)",
        wrap([](const Tensor& a, const Tensor& lo) { return cpu::clamp_(a, OptTensor(lo), OptTensor()); }));
  r.add("aten::clamp_max(Tensor self, Scalar max) -> Tensor",
        wrap([](const Tensor& a, Scalar hi) { return cpu::clamp(a, OptScalar(), OptScalar(hi)); }));
  r.add("aten::clamp_max.Tensor(Tensor self, Tensor max) -> Tensor",
        wrap([](const Tensor& a, const Tensor& hi) { return cpu::clamp(a, OptTensor(), OptTensor(hi)); }));
  r.add("aten::clamp_max_(Tensor(a!) self, Scalar max) -> Tensor(a!)",
        wrap([](const Tensor& a, Scalar hi) { return cpu::clamp_(a, OptScalar(), OptScalar(hi)); }));
  r.add("aten::clamp_max_.Tensor(Tensor(a!) self, Tensor max) -> Tensor(a!)",
        wrap([](const Tensor& a, const Tensor& hi) { return cpu::clamp_(a, OptTensor(), OptTensor(hi)); }));

  r.add("aten::lerp.Scalar(Tensor self, Tensor end, Scalar weight) -> Tensor",
        wrap([](const Tensor& a, const Tensor& e, Scalar w) { return cpu::lerp(a, e, w); }));
  r.add("aten::lerp.Tensor(Tensor self, Tensor end, Tensor weight) -> Tensor",
        wrap([](const Tensor& a, const Tensor& e, const Tensor& w) { return cpu::lerp(a, e, w); }));
  r.add("aten::addcmul(Tensor self, Tensor tensor1, Tensor tensor2, *, Scalar value=1) -> Tensor",
        wrap([](const Tensor& s, const Tensor& a, const Tensor& b, Scalar v) { return cpu::addcmul(s, a, b, v); }));
  r.add("aten::addcdiv(Tensor self, Tensor tensor1, Tensor tensor2, *, Scalar value=1) -> Tensor",
        wrap([](const Tensor& s, const Tensor& a, const Tensor& b, Scalar v) { return cpu::addcdiv(s, a, b, v); }));
}

static void register_unary(Registry& r) {
  struct U { const char* name; UnaryOp op; bool inplace; };
  const U table[] = {
      {"neg", UnaryOp::Neg, true}, {"negative", UnaryOp::Neg, true}, {"abs", UnaryOp::Abs, true},
      {"sign", UnaryOp::Sign, true}, {"sgn", UnaryOp::Sign, true}, {"exp", UnaryOp::Exp, true},
      {"exp2", UnaryOp::Exp2, true}, {"expm1", UnaryOp::Expm1, true}, {"log", UnaryOp::Log, true},
      {"log1p", UnaryOp::Log1p, true}, {"log2", UnaryOp::Log2, true}, {"log10", UnaryOp::Log10, true},
      {"sqrt", UnaryOp::Sqrt, true}, {"rsqrt", UnaryOp::Rsqrt, true}, {"sin", UnaryOp::Sin, true},
      {"cos", UnaryOp::Cos, true}, {"tan", UnaryOp::Tan, true}, {"asin", UnaryOp::Asin, true},
      {"acos", UnaryOp::Acos, true}, {"atan", UnaryOp::Atan, true}, {"sinh", UnaryOp::Sinh, true},
      {"cosh", UnaryOp::Cosh, true}, {"tanh", UnaryOp::Tanh, true}, {"asinh", UnaryOp::Asinh, true},
      {"acosh", UnaryOp::Acosh, true}, {"atanh", UnaryOp::Atanh, true}, {"sigmoid", UnaryOp::Sigmoid, true},
      {"log_sigmoid", UnaryOp::LogSigmoid, false}, {"relu", UnaryOp::Relu, true}, {"silu", UnaryOp::Silu, true},
      {"mish", UnaryOp::Mish, true}, {"hardswish", UnaryOp::Hardswish, true},
      {"hardsigmoid", UnaryOp::Hardsigmoid, true}, {"erf", UnaryOp::Erf, true}, {"erfc", UnaryOp::Erfc, true},
      {"floor", UnaryOp::Floor, true}, {"ceil", UnaryOp::Ceil, true}, {"round", UnaryOp::Round, true},
      {"trunc", UnaryOp::Trunc, true}, {"fix", UnaryOp::Trunc, true}, {"frac", UnaryOp::Frac, true},
      {"reciprocal", UnaryOp::Reciprocal, true}, {"logical_not", UnaryOp::LogicalNot, true},
      {"bitwise_not", UnaryOp::BitwiseNot, true}, {"isnan", UnaryOp::IsNan, false},
      {"isinf", UnaryOp::IsInf, false}, {"isfinite", UnaryOp::IsFinite, false},
      {"isposinf", UnaryOp::IsPosInf, false}, {"isneginf", UnaryOp::IsNegInf, false},
      {"signbit", UnaryOp::SignBit, false}, {"square", UnaryOp::Square, true},
  };
  for (const U& u : table) {
    const UnaryOp op = u.op;
    const std::string n = u.name;
    r.add("aten::" + n + "(Tensor self) -> Tensor", wrap([op](const Tensor& x) { return cpu::unary(op, x); }));
    if (u.inplace)
      r.add("aten::" + n + "_(Tensor(a!) self) -> Tensor(a!)", wrap([op](const Tensor& x) { return cpu::unary_(op, x); }));
  }
  r.add("aten::round.decimals(Tensor self, *, int decimals) -> Tensor",
        wrap([](const Tensor& x, int64_t d) { return cpu::round_decimals(x, d); }));
  r.add("aten::round_.decimals(Tensor(a!) self, *, int decimals) -> Tensor(a!)",
        wrap([](const Tensor& x, int64_t d) { return assign_inplace(x, cpu::round_decimals(x, d)); }));
  r.add("aten::relu6(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::relu6(x); }));
  r.add("aten::relu6_(Tensor(a!) self) -> Tensor(a!)",
        wrap([](const Tensor& x) { return cpu::hardtanh_(x, Scalar(int64_t{0}), Scalar(int64_t{6})); }));
  r.add("aten::hardtanh(Tensor self, Scalar min_val=-1, Scalar max_val=1) -> Tensor",
        wrap([](const Tensor& x, Scalar lo, Scalar hi) { return cpu::hardtanh(x, lo, hi); }));
  r.add("aten::hardtanh_(Tensor(a!) self, Scalar min_val=-1, Scalar max_val=1) -> Tensor(a!)",
        wrap([](const Tensor& x, Scalar lo, Scalar hi) { return cpu::hardtanh_(x, lo, hi); }));
  r.add("aten::gelu(Tensor self, *, str approximate=\"none\") -> Tensor",
        wrap([](const Tensor& x, std::string a) { return cpu::gelu(x, a); }));
  r.add("aten::gelu_(Tensor(a!) self, *, str approximate=\"none\") -> Tensor(a!)",
        wrap([](const Tensor& x, std::string a) { return assign_inplace(x, cpu::gelu(x, a)); }));
  r.add("aten::softplus(Tensor self, Scalar beta=1, Scalar threshold=20) -> Tensor",
        wrap([](const Tensor& x, Scalar b, Scalar t) { return cpu::softplus(x, b, t); }));
  r.add("aten::elu(Tensor self, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1) -> Tensor",
        wrap([](const Tensor& x, Scalar a, Scalar s, Scalar i) { return cpu::elu(x, a, s, i); }));
  r.add("aten::elu_(Tensor(a!) self, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1) -> Tensor(a!)",
        wrap([](const Tensor& x, Scalar a, Scalar s, Scalar i) { return cpu::elu_(x, a, s, i); }));
  r.add("aten::selu(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::selu(x); }));
  r.add("aten::selu_(Tensor(a!) self) -> Tensor(a!)",
        wrap([](const Tensor& x) { return assign_inplace(x, cpu::selu(x)); }));
  r.add("aten::celu(Tensor self, Scalar alpha=1.) -> Tensor",
        wrap([](const Tensor& x, Scalar a) { return cpu::celu(x, a); }));
  r.add("aten::celu_(Tensor(a!) self, Scalar alpha=1.) -> Tensor(a!)",
        wrap([](const Tensor& x, Scalar a) { return assign_inplace(x, cpu::celu(x, a)); }));
  r.add("aten::leaky_relu(Tensor self, Scalar negative_slope=0.01) -> Tensor",
        wrap([](const Tensor& x, Scalar s) { return cpu::leaky_relu(x, s); }));
  r.add("aten::leaky_relu_(Tensor(a!) self, Scalar negative_slope=0.01) -> Tensor(a!)",
        wrap([](const Tensor& x, Scalar s) { return cpu::leaky_relu_(x, s); }));
  r.add("aten::threshold(Tensor self, Scalar threshold, Scalar value) -> Tensor",
        wrap([](const Tensor& x, Scalar t, Scalar v) { return cpu::threshold(x, t, v); }));
  r.add("aten::threshold_(Tensor(a!) self, Scalar threshold, Scalar value) -> Tensor(a!)",
        wrap([](const Tensor& x, Scalar t, Scalar v) { return assign_inplace(x, cpu::threshold(x, t, v)); }));
  r.add("aten::nan_to_num(Tensor self, float? nan=None, float? posinf=None, float? neginf=None) -> Tensor",
        wrap([](const Tensor& x, std::optional<double> n, std::optional<double> p, std::optional<double> m) {
          return cpu::nan_to_num(x, n, p, m);
        }));
  r.add("aten::nan_to_num_(Tensor(a!) self, float? nan=None, float? posinf=None, float? neginf=None) -> Tensor(a!)",
        wrap([](const Tensor& x, std::optional<double> n, std::optional<double> p, std::optional<double> m) {
          return assign_inplace(x, cpu::nan_to_num(x, n, p, m));
        }));
  r.add("aten::prelu(Tensor self, Tensor weight) -> Tensor",
        wrap([](const Tensor& x, const Tensor& w) { return cpu::prelu(x, w); }));
  r.add("aten::fill_.Scalar(Tensor(a!) self, Scalar value) -> Tensor(a!)",
        wrap([](const Tensor& x, Scalar v) { return cpu::fill_(x, v); }));
  r.add("aten::fill_.Tensor(Tensor(a!) self, Tensor value) -> Tensor(a!)",
        wrap([](const Tensor& x, const Tensor& v) { return cpu::fill_(x, v); }));
  r.add("aten::zero_(Tensor(a!) self) -> Tensor(a!)",
        wrap([](const Tensor& x) { return cpu::fill_(x, Scalar(int64_t{0})); }));
}

void register_elementwise_ops(Registry& r) {
  register_binary(r);
  register_unary(r);
}

}  // namespace ember::ops
