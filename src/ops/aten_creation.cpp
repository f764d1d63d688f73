// aten_creation.cpp — schemas of tensor factories (zeros, ones, full, empty, *_like, new_*,
// arange, linspace, logspace, eye, tensor, scalar_tensor, as_tensor, meshgrid,
// repeat_interleave) bound to kernels/cpu/creation.h, and of einsum and its neighbours (outer,
// cross, diag, diagonal, diag_embed) bound to kernels/cpu/einsum.h. Every factory takes PyTorch's TensorOptions arguments: dtype (a
// ScalarType number), layout (strided only), device (the CPU or None) and pin_memory.
// Random factories (rand, randn, randint, normal, ...) live in aten_random.cpp: they draw from
// ember's own generator, whose streams differ from PyTorch's.
#include <string>

#include "kernels/cpu/creation.h"
#include "kernels/cpu/einsum.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/shape.h"
#include "ops/aten_util.h"

namespace ember::ops {

namespace {

using IntList = std::vector<int64_t>;
using OptDType = std::optional<DType>;
using OptDevice = std::optional<Device>;
using OptBool = std::optional<bool>;

// A Scalar argument as PyTorch's IValue::toScalar reads it: a bool stays a bool, so a fill value
// of True makes a bool tensor (aten_util's FromValue<Scalar> reads bools as ints for arithmetic).
Scalar fill_scalar(const Value& v) {
  if (v.is_bool()) return Scalar(v.bool_unchecked());
  return from_value<Scalar>(v);
}

// A zero-filled tensor with exactly these strides over a storage just large enough for them.
Tensor empty_strided(const IntList& size, const IntList& stride, DType dtype) {
  if (size.size() != stride.size()) fail("mismatch in length of strides and shape");
  for (size_t i = 0; i < size.size(); ++i) {
    if (size[i] < 0) fail("Trying to create tensor with negative dimension ", size[i], ": ", shape_string(size));
    if (stride[i] < 0) fail("empty_strided: negative strides are not supported");
  }
  const int64_t extent = checked_extent(size, stride);
  return Tensor::empty(Shape{extent}, dtype).as_strided(size, stride, 0);
}

Tensor new_full(IntList size, const Scalar& value, DType dtype) { return cpu::full(size, value, dtype); }

// ---- torch.tensor / as_tensor from (nested) lists ----------------------------------------------

// The scalar kind at the bottom of a nested list type (List[List[int]] -> Int); Any when unknown.
TypeKind leaf_kind(const TypePtr& t) {
  if (t->kind == TypeKind::List && !t->contained.empty()) return leaf_kind(t->contained[0]);
  return t->kind;
}

TypeKind value_kind(const Value& v) {
  if (v.is_bool()) return TypeKind::Bool;
  if (v.is_int()) return TypeKind::Int;
  if (v.is_double()) return TypeKind::Float;
  if (v.is_complex()) return TypeKind::Complex;
  fail("torch.tensor: expected a number or a list of numbers, but got ", v.tag_name());
}

void collect_shape(const Value& v, Shape& shape) {
  const Value* cur = &v;
  while (cur->is_list()) {
    const auto& items = cur->to_list()->items;
    shape.push_back(static_cast<int64_t>(items.size()));
    if (items.empty()) break;
    cur = &items[0];
  }
}

// Writes the leaves of `v` (checked against `shape` from `dim` on) into p, converted to T.
template <class T>
void store_leaves(const Value& v, const Shape& shape, size_t dim, T*& p) {
  if (dim == shape.size()) {
    if (v.is_list()) fail("Expected sequence of length 0 at dim ", dim, " (got ", v.to_list()->items.size(), ")");
    if (v.is_bool()) *p++ = scalar_cast<T>(v.bool_unchecked());
    else if (v.is_int()) *p++ = scalar_cast<T>(v.int_unchecked());
    else if (v.is_double()) *p++ = scalar_cast<T>(v.double_unchecked());
    else if (v.is_complex()) *p++ = scalar_cast<T>(v.to_complex());
    else fail("torch.tensor: expected a number but got ", v.tag_name());
    return;
  }
  if (!v.is_list()) fail("Expected sequence of length ", shape[dim], " at dim ", dim, " (got a scalar)");
  const auto& items = v.to_list()->items;
  if (static_cast<int64_t>(items.size()) != shape[dim])
    fail("Expected sequence of length ", shape[dim], " at dim ", dim, " (got ", items.size(), ")");
  for (const Value& x : items) store_leaves(x, shape, dim + 1, p);
}

// TorchScript's aten::tensor(t[] data): the element type of the list decides the dtype (int ->
// int64, float -> the default float, bool -> bool, complex -> complex64) unless `dtype` is given;
// values are stored at full precision first, then converted.
Tensor tensor_from_list(const Value& data, OptDType dtype, const OptDevice& device) {
  check_options(Value(), device, std::nullopt);
  const auto& list = data.to_list();
  TypeKind kind = leaf_kind(Type::list(list->elem_type));
  Shape shape;
  collect_shape(data, shape);
  if (kind != TypeKind::Bool && kind != TypeKind::Int && kind != TypeKind::Float && kind != TypeKind::Complex) {
    // An untyped list: look at the first leaf.
    const Value* cur = &data;
    while (cur->is_list() && !cur->to_list()->items.empty()) cur = &cur->to_list()->items[0];
    kind = cur->is_list() ? TypeKind::Float : value_kind(*cur);
  }
  DType initial = DType::Float64, fallback = kDefaultFloat;
  if (kind == TypeKind::Bool) initial = fallback = DType::Bool;
  else if (kind == TypeKind::Int) initial = fallback = DType::Int64;
  else if (kind == TypeKind::Complex) initial = DType::Complex128, fallback = DType::Complex64;
  Tensor out = Tensor::empty(shape, initial);
  visit_dtype(initial, [&](auto tag) {
    using T = decltype(tag);
    T* p = out.data<T>();
    store_leaves<T>(data, shape, 0, p);
  });
  return cpu::to_dtype(out, dtype.value_or(fallback), false);
}

Tensor tensor_from_scalar(const Value& v, OptDType dtype, const OptDevice& device) {
  check_options(Value(), device, std::nullopt);
  const Scalar s = fill_scalar(v);
  return cpu::full({}, s, dtype.value_or(cpu::scalar_default_dtype(s)));
}

}  // namespace

void register_creation_ops(Registry& r) {
  const std::string opts = "ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None";
  const std::string like_opts = opts + ", MemoryFormat? memory_format=None";

  r.add("aten::zeros(SymInt[] size, *, " + opts + ") -> Tensor",
        wrap([](IntList size, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::full(size, Scalar(int64_t{0}), dt.value_or(kDefaultFloat));
        }));
  r.add("aten::ones(SymInt[] size, *, " + opts + ") -> Tensor",
        wrap([](IntList size, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::full(size, Scalar(int64_t{1}), dt.value_or(kDefaultFloat));
        }));
  r.add("aten::full(SymInt[] size, Scalar fill_value, *, " + opts + ") -> Tensor",
        wrap([](IntList size, Value fill, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          const Scalar s = fill_scalar(fill);
          return cpu::full(size, s, dt.value_or(cpu::scalar_default_dtype(s)));
        }));
  // ember's allocations are zero-filled, so empty tensors read as zeros.
  r.add("aten::empty.memory_format(SymInt[] size, *, " + like_opts + ") -> Tensor",
        wrap([](IntList size, OptDType dt, Value layout, OptDevice dev, OptBool pin, Value) {
          check_options(layout, dev, pin);
          return cpu::full(size, Scalar(int64_t{0}), dt.value_or(kDefaultFloat));
        }));
  r.add("aten::empty_strided(SymInt[] size, SymInt[] stride, *, " + opts + ") -> Tensor",
        wrap([](IntList size, IntList stride, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return empty_strided(size, stride, dt.value_or(kDefaultFloat));
        }));

  for (const char* which : {"empty_like", "zeros_like", "ones_like"}) {
    const std::string name = which;
    const int64_t value = name == "ones_like" ? 1 : 0;
    r.add("aten::" + name + "(Tensor self, *, " + like_opts + ") -> Tensor",
          wrap([value](const Tensor& self, OptDType dt, Value layout, OptDevice dev, OptBool pin, Value) {
            check_options(layout, dev, pin);
            return cpu::full(self.sizes(), Scalar(value), dt.value_or(self.dtype()));
          }));
  }
  r.add("aten::full_like(Tensor self, Scalar fill_value, *, " + like_opts + ") -> Tensor",
        wrap([](const Tensor& self, Value fill, OptDType dt, Value layout, OptDevice dev, OptBool pin, Value) {
          check_options(layout, dev, pin);
          return cpu::full(self.sizes(), fill_scalar(fill), dt.value_or(self.dtype()));
        }));
  for (const char* which : {"new_empty", "new_zeros", "new_ones"}) {
    const std::string name = which;
    const int64_t value = name == "new_ones" ? 1 : 0;
    r.add("aten::" + name + "(Tensor self, SymInt[] size, *, " + opts + ") -> Tensor",
          wrap([value](const Tensor& self, IntList size, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
            check_options(layout, dev, pin);
            return new_full(size, Scalar(value), dt.value_or(self.dtype()));
          }));
  }
  r.add("aten::new_full(Tensor self, SymInt[] size, Scalar fill_value, *, " + opts + ") -> Tensor",
        wrap([](const Tensor& self, IntList size, Value fill, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return new_full(size, fill_scalar(fill), dt.value_or(self.dtype()));
        }));
  r.add("aten::new_empty_strided(Tensor self, SymInt[] size, SymInt[] stride, *, " + opts + ") -> Tensor",
        wrap([](const Tensor& self, IntList size, IntList stride, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return empty_strided(size, stride, dt.value_or(self.dtype()));
        }));

  r.add("aten::arange(Scalar end, *, " + opts + ") -> Tensor",
        wrap([](Value end, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::arange(Scalar(int64_t{0}), fill_scalar(end), Scalar(int64_t{1}), dt);
        }));
  r.add("aten::arange.start(Scalar start, Scalar end, *, " + opts + ") -> Tensor",
        wrap([](Value start, Value end, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::arange(fill_scalar(start), fill_scalar(end), Scalar(int64_t{1}), dt);
        }));
  r.add("aten::arange.start_step(Scalar start, Scalar end, Scalar step=1, *, " + opts + ") -> Tensor",
        wrap([](Value start, Value end, Value step, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::arange(fill_scalar(start), fill_scalar(end), fill_scalar(step), dt);
        }));
  r.add("aten::linspace(Scalar start, Scalar end, int steps, *, " + opts + ") -> Tensor",
        wrap([](Scalar start, Scalar end, int64_t steps, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::linspace(start, end, steps, dt.value_or(kDefaultFloat));
        }));
  r.add("aten::logspace(Scalar start, Scalar end, int steps, float base=10., *, " + opts + ") -> Tensor",
        wrap([](Scalar start, Scalar end, int64_t steps, double base, OptDType dt, Value layout, OptDevice dev,
                OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::logspace(start, end, steps, base, dt.value_or(kDefaultFloat));
        }));
  r.add("aten::eye(int n, *, " + opts + ") -> Tensor",
        wrap([](int64_t n, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::eye(n, n, dt.value_or(kDefaultFloat));
        }));
  r.add("aten::eye.m(int n, int m, *, " + opts + ") -> Tensor",
        wrap([](int64_t n, int64_t m, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::eye(n, m, dt.value_or(kDefaultFloat));
        }));
  // scalar_tensor does not infer: without a dtype it is always the default float.
  r.add("aten::scalar_tensor(Scalar s, *, " + opts + ") -> Tensor",
        wrap([](Value s, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::full({}, fill_scalar(s), dt.value_or(kDefaultFloat));
        }));

  const std::string tensor_opts = "*, ScalarType? dtype=None, Device? device=None, bool requires_grad=False) -> Tensor";
  r.add("aten::tensor(t[] data, " + tensor_opts, wrap([](Value data, OptDType dt, OptDevice dev, bool) {
          return tensor_from_list(data, dt, dev);
        }));
  for (const char* ty : {"int", "float", "bool", "complex"}) {
    const std::string t = ty;
    r.add("aten::tensor." + t + "(" + t + " t, " + tensor_opts,
          wrap([](Value v, OptDType dt, OptDevice dev, bool) { return tensor_from_scalar(v, dt, dev); }));
    r.add("aten::as_tensor." + t + "(" + t + " t, *, ScalarType? dtype=None, Device? device=None) -> Tensor",
          wrap([](Value v, OptDType dt, OptDevice dev) { return tensor_from_scalar(v, dt, dev); }));
  }
  r.add("aten::as_tensor.list(t[] data, *, ScalarType? dtype=None, Device? device=None) -> Tensor",
        wrap([](Value data, OptDType dt, OptDevice dev) { return tensor_from_list(data, dt, dev); }));
  r.add("aten::as_tensor(Tensor(a) data, *, ScalarType? dtype=None, Device? device=None) -> Tensor(b|a)",
        wrap([](const Tensor& data, OptDType dt, OptDevice dev) {
          check_options(Value(), dev, std::nullopt);
          return cpu::to_dtype(data, dt.value_or(data.dtype()), false);
        }));

  r.add("aten::meshgrid(Tensor[] tensors) -> Tensor[]",
        wrap([](std::vector<Tensor> ts) { return cpu::meshgrid(ts, "ij"); }));
  r.add("aten::meshgrid.indexing(Tensor[] tensors, *, str indexing) -> Tensor[]",
        wrap([](std::vector<Tensor> ts, std::string indexing) { return cpu::meshgrid(ts, indexing); }));
  r.add("aten::repeat_interleave.Tensor(Tensor repeats, *, int? output_size=None) -> Tensor",
        wrap([](const Tensor& reps, std::optional<int64_t>) {
          return cpu::repeat_interleave_index(reps).to(reps.dtype());
        }));
  r.add("aten::repeat_interleave.self_Tensor(Tensor self, Tensor repeats, int? dim=None, *, int? output_size=None) -> Tensor",
        wrap([](const Tensor& x, const Tensor& reps, std::optional<int64_t> dim, std::optional<int64_t>) {
          return cpu::repeat_interleave(x, reps, dim);
        }));
  r.add("aten::repeat_interleave.self_int(Tensor self, int repeats, int? dim=None, *, int? output_size=None) -> Tensor",
        wrap([](const Tensor& x, int64_t reps, std::optional<int64_t> dim, std::optional<int64_t>) {
          return cpu::repeat_interleave(x, Tensor::scalar(reps), dim);
        }));

  r.add("aten::einsum(str equation, Tensor[] tensors, *, int[]? path=None) -> Tensor",
        wrap([](std::string eq, std::vector<Tensor> ts, Value) { return cpu::einsum(eq, ts); }));
  r.add("aten::outer(Tensor self, Tensor vec2) -> Tensor",
        wrap([](const Tensor& a, const Tensor& b) { return cpu::outer(a, b); }));
  r.add("aten::ger(Tensor self, Tensor vec2) -> Tensor",
        wrap([](const Tensor& a, const Tensor& b) { return cpu::outer(a, b); }));
  r.add("aten::cross(Tensor self, Tensor other, int? dim=None) -> Tensor",
        wrap([](const Tensor& a, const Tensor& b, std::optional<int64_t> d) { return cpu::cross(a, b, d); }));
  r.add("aten::linalg_cross(Tensor self, Tensor other, *, int dim=-1) -> Tensor",
        wrap([](const Tensor& a, const Tensor& b, int64_t d) { return cpu::cross(a, b, d); }));
  r.add("aten::diag(Tensor self, int diagonal=0) -> Tensor",
        wrap([](const Tensor& x, int64_t k) { return cpu::diag(x, k); }));
  r.add("aten::diagonal(Tensor(a) self, int offset=0, int dim1=0, int dim2=1) -> Tensor(a)",
        wrap([](const Tensor& x, int64_t o, int64_t d1, int64_t d2) { return cpu::diagonal(x, o, d1, d2); }));
  r.add("aten::diag_embed(Tensor self, int offset=0, int dim1=-2, int dim2=-1) -> Tensor",
        wrap([](const Tensor& x, int64_t o, int64_t d1, int64_t d2) { return cpu::diag_embed(x, o, d1, d2); }));
}

}  // namespace ember::ops
