// aten_elementwise.cpp — schemas of the elementwise ops bound to kernels/cpu/elementwise.h.
//
// The unary and binary ops of the table in tensor/elementwise_ops.h are registered from it: each
// binary row's schemas, each unary row's names (and their in-place `_` forms), with the kernel
// form read from the schema; rows with a vector kernel also get a Backend::CPUReference kernel
// that runs the scalar form alone. The rest (rsub, div with rounding_mode, where, clamp, lerp,
// activations with parameters, ...) is written out below.
#include <initializer_list>
#include <string>

#include "kernels/cpu/elementwise.h"
#include "ops/aten_util.h"
#include "ops/device_dispatch.h"

namespace ember::ops {

using cpu::BinaryOp;
using cpu::Path;
using cpu::UnaryOp;
using OptScalar = std::optional<Scalar>;
using OptTensor = std::optional<Tensor>;

namespace {

// The kernel of one binary schema: its operands' kinds, whether it writes self and takes alpha.
Kernel binary_kernel(const FunctionSchema& s, BinaryOp op, Path path) {
  const bool self_scalar = s.arguments.at(0).type->kind != TypeKind::Tensor;
  const bool other_scalar = s.arguments.at(1).type->kind != TypeKind::Tensor;
  const bool alpha = s.arguments.size() == 3;
  const Scalar one(int64_t{1});
  if (s.is_inplace()) {
    if (other_scalar) {
      if (alpha)
        return wrap([op, path](const Tensor& a, Scalar b, Scalar al) { return cpu::binary_(op, a, b, al, path); });
      return wrap([op, path, one](const Tensor& a, Scalar b) { return cpu::binary_(op, a, b, one, path); });
    }
    if (alpha)
      return wrap([op, path](const Tensor& a, const Tensor& b, Scalar al) { return cpu::binary_(op, a, b, al, path); });
    return wrap([op, path, one](const Tensor& a, const Tensor& b) { return cpu::binary_(op, a, b, one, path); });
  }
  if (self_scalar) return wrap([op, path, one](Scalar a, const Tensor& b) { return cpu::binary(op, a, b, one, path); });
  if (other_scalar) {
    if (alpha)
      return wrap([op, path](const Tensor& a, Scalar b, Scalar al) { return cpu::binary(op, a, b, al, path); });
    return wrap([op, path, one](const Tensor& a, Scalar b) { return cpu::binary(op, a, b, one, path); });
  }
  if (alpha)
    return wrap([op, path](const Tensor& a, const Tensor& b, Scalar al) { return cpu::binary(op, a, b, al, path); });
  return wrap([op, path, one](const Tensor& a, const Tensor& b) { return cpu::binary(op, a, b, one, path); });
}

void add_binary(Registry& r, BinaryOp op, bool reference, std::initializer_list<const char*> schemas) {
  for (const char* text : schemas) {
    const Operator& o = r.add(text, binary_kernel(parse_schema(text), op, Path::Fast));
    // The same kernel serves CUDA tensors: after the shared meta step the loop runs on the
    // output's device (tensor/elementwise_meta.h's runners).
    r.add_path(o.schema.qualified_name(), o.schema.overload, Backend::CUDA, o.kernel, cuda_kernels_ready);
    if (reference)
      r.add_path(o.schema.qualified_name(), o.schema.overload, Backend::CPUReference,
                 binary_kernel(o.schema, op, Path::Reference));
  }
}

void add_unary(Registry& r, UnaryOp op, bool reference, bool in_place, std::initializer_list<const char*> names) {
  for (const std::string n : names) {
    const Operator& o = r.add("aten::" + n + "(Tensor self) -> Tensor",
                              wrap([op](const Tensor& x) { return cpu::unary(op, x); }));
    r.add_path(o.schema.qualified_name(), o.schema.overload, Backend::CUDA, o.kernel, cuda_kernels_ready);
    if (reference)
      r.add_path(o.schema.qualified_name(), o.schema.overload, Backend::CPUReference,
                 wrap([op](const Tensor& x) { return cpu::unary(op, x, Path::Reference); }));
    if (!in_place) continue;
    const Operator& i = r.add("aten::" + n + "_(Tensor(a!) self) -> Tensor(a!)",
                              wrap([op](const Tensor& x) { return cpu::unary_(op, x); }));
    r.add_path(i.schema.qualified_name(), i.schema.overload, Backend::CUDA, i.kernel, cuda_kernels_ready);
    if (reference)
      r.add_path(i.schema.qualified_name(), i.schema.overload, Backend::CPUReference,
                 wrap([op](const Tensor& x) { return cpu::unary_(op, x, Path::Reference); }));
  }
}

}  // namespace

// The table's vector column, read as "has a CPUReference kernel".
#define VEC(k) true
#define NOVEC false

static void register_binary(Registry& r) {
#define EMBER_BINARY_REGISTER(E, name, kind, dtypes, checks, vector, schemas, ...) \
  add_binary(r, BinaryOp::E, vector, {EMBER_LIST schemas});
  EMBER_BINARY_OPS(EMBER_BINARY_REGISTER)
#undef EMBER_BINARY_REGISTER

  // rsub: other - alpha * self.
  r.add("aten::rsub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
        wrap([](const Tensor& a, const Tensor& b, Scalar al) { return cpu::binary(BinaryOp::Sub, b, a, al); }));
  r.add("aten::rsub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",
        wrap([](const Tensor& a, Scalar b, Scalar al) { return cpu::binary(BinaryOp::Sub, b, a, al); }));
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
#define EMBER_UNARY_REGISTER(E, error_name, kind, dtypes, vector, in_place, names, ...) \
  add_unary(r, UnaryOp::E, vector, in_place, {EMBER_LIST names});
  EMBER_UNARY_OPS(EMBER_UNARY_REGISTER)
#undef EMBER_UNARY_REGISTER

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

#undef VEC
#undef NOVEC

void register_elementwise_ops(Registry& r) {
  register_binary(r);
  register_unary(r);
}

}  // namespace ember::ops
