// aten_shape.cpp — schemas of view, shape, copy and conversion ops bound to kernels/cpu/shape.h.
#include <string>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/shape.h"
#include "ops/aten_util.h"
#include "tensor/iterator.h"

namespace ember::ops {

using IntList = std::vector<int64_t>;
using OptInt = std::optional<int64_t>;

namespace {
// ember computes on the CPU only; a model asking for another device fails with a clear message.
void check_cpu(const std::optional<Device>& d) {
  if (d && d->type != DeviceType::CPU)
    fail("ember runs tensors on the CPU only; cannot move a tensor to device '", d->str(), "'");
}

Tensor to_impl(const Tensor& x, std::optional<Device> device, std::optional<DType> dtype, bool copy) {
  check_cpu(device);
  return cpu::to_dtype(x, dtype.value_or(x.dtype()), copy);
}

Tensor clone_tensor(const Tensor& x) { return x.clone(); }
}  // namespace

void register_shape_ops(Registry& r) {
  r.add("aten::view(Tensor(a) self, SymInt[] size) -> Tensor(a)",
        wrap([](const Tensor& x, IntList s) { return cpu::view(x, s); }));
  r.add("aten::view.dtype(Tensor(a) self, ScalarType dtype) -> Tensor(a)",
        wrap([](const Tensor& x, DType d) { return cpu::view_dtype(x, d); }));
  r.add("aten::view_as(Tensor(a) self, Tensor other) -> Tensor(a)",
        wrap([](const Tensor& x, const Tensor& o) { return cpu::view(x, o.sizes()); }));
  r.add("aten::reshape(Tensor(a) self, SymInt[] shape) -> Tensor(a)",
        wrap([](const Tensor& x, IntList s) { return cpu::reshape(x, s); }));
  r.add("aten::reshape_as(Tensor(a) self, Tensor other) -> Tensor(a)",
        wrap([](const Tensor& x, const Tensor& o) { return cpu::reshape(x, o.sizes()); }));
  r.add("aten::flatten.using_ints(Tensor(a) self, int start_dim=0, int end_dim=-1) -> Tensor(a)",
        wrap([](const Tensor& x, int64_t s, int64_t e) { return cpu::flatten(x, s, e); }));
  r.add("aten::ravel(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) { return cpu::reshape(x, Shape{-1}); }));
  r.add("aten::unflatten.int(Tensor(a) self, int dim, int[] sizes) -> Tensor(a)",
        wrap([](const Tensor& x, int64_t d, IntList s) { return cpu::unflatten(x, d, s); }));
  r.add("aten::permute(Tensor(a) self, int[] dims) -> Tensor(a)",
        wrap([](const Tensor& x, IntList d) { return cpu::permute(x, d); }));
  r.add("aten::transpose.int(Tensor(a) self, int dim0, int dim1) -> Tensor(a)",
        wrap([](const Tensor& x, int64_t a, int64_t b) { return cpu::transpose(x, a, b); }));
  r.add("aten::transpose_(Tensor(a!) self, int dim0, int dim1) -> Tensor(a!)",
        wrap([](const Tensor& x, int64_t a, int64_t b) { return cpu::set_geometry_(x, cpu::transpose(x, a, b)); }));
  r.add("aten::swapaxes(Tensor(a) self, int axis0, int axis1) -> Tensor(a)",
        wrap([](const Tensor& x, int64_t a, int64_t b) { return cpu::transpose(x, a, b); }));
  r.add("aten::t(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) { return cpu::t(x); }));
  r.add("aten::resize_(Tensor(a!) self, SymInt[] size, *, MemoryFormat? memory_format=None) -> Tensor(a!)",
        wrap([](const Tensor& x, IntList size, const Value& format) {
          // torch.contiguous_format is 0, preserve_format 1.
          if (!format.is_none() && !(format.is_int() && (format.to_int() == 0 || format.to_int() == 1)))
            fail("resize_: only the contiguous memory format is supported");
          return cpu::resize_(x, size);
        }));
  r.add("aten::t_(Tensor(a!) self) -> Tensor(a!)", wrap([](const Tensor& x) { return cpu::set_geometry_(x, cpu::t(x)); }));
  r.add("aten::mT(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) { return cpu::matrix_transpose(x); }));
  r.add("aten::numpy_T(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) {
          IntList dims;
          for (int64_t i = x.dim() - 1; i >= 0; --i) dims.push_back(i);
          return cpu::permute(x, dims);
        }));
  r.add("aten::contiguous(Tensor(a) self, *, MemoryFormat memory_format=0) -> Tensor(a)",
        wrap([](const Tensor& x, Value) { return x.contiguous(); }));
  r.add("aten::clone(Tensor self, *, MemoryFormat? memory_format=None) -> Tensor",
        wrap([](const Tensor& x, Value) { return clone_tensor(x); }));
  r.add("aten::detach(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) { return cpu::alias(x); }));
  r.add("aten::detach_(Tensor(a!) self) -> Tensor(a!)", wrap([](const Tensor& x) { return x; }));
  r.add("aten::alias(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) { return cpu::alias(x); }));
  // ember's tensors carry no lazy conjugate or negative bits (conj() materialises, archives' bits
  // are applied at load), so resolving them returns the tensor itself, as PyTorch does for a
  // tensor without the bit (traced code around packed sequences calls both).
  r.add("aten::resolve_conj(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) { return x; }));
  r.add("aten::resolve_neg(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) { return x; }));

  r.add("aten::squeeze(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) { return cpu::squeeze(x); }));
  r.add("aten::squeeze.dim(Tensor(a) self, int dim) -> Tensor(a)",
        wrap([](const Tensor& x, int64_t d) { return cpu::squeeze(x, d); }));
  r.add("aten::squeeze_(Tensor(a!) self) -> Tensor(a!)",
        wrap([](const Tensor& x) { return cpu::set_geometry_(x, cpu::squeeze(x)); }));
  r.add("aten::squeeze_.dim(Tensor(a!) self, int dim) -> Tensor(a!)",
        wrap([](const Tensor& x, int64_t d) { return cpu::set_geometry_(x, cpu::squeeze(x, d)); }));
  r.add("aten::unsqueeze(Tensor(a) self, int dim) -> Tensor(a)",
        wrap([](const Tensor& x, int64_t d) { return cpu::unsqueeze(x, d); }));
  r.add("aten::unsqueeze_(Tensor(a!) self, int dim) -> Tensor(a!)",
        wrap([](const Tensor& x, int64_t d) { return cpu::set_geometry_(x, cpu::unsqueeze(x, d)); }));
  r.add("aten::expand(Tensor(a) self, SymInt[] size, *, bool implicit=False) -> Tensor(a)",
        wrap([](const Tensor& x, IntList s, bool) { return cpu::expand(x, s); }));
  r.add("aten::expand_as(Tensor(a) self, Tensor other) -> Tensor(a)",
        wrap([](const Tensor& x, const Tensor& o) { return cpu::expand(x, o.sizes()); }));
  r.add("aten::repeat(Tensor self, SymInt[] repeats) -> Tensor",
        wrap([](const Tensor& x, IntList rep) { return cpu::repeat(x, rep); }));
  r.add("aten::select.int(Tensor(a) self, int dim, int index) -> Tensor(a)",
        wrap([](const Tensor& x, int64_t d, int64_t i) { return cpu::select(x, d, i); }));
  r.add("aten::slice.Tensor(Tensor(a) self, int dim=0, SymInt? start=None, SymInt? end=None, SymInt step=1) -> Tensor(a)",
        wrap([](const Tensor& x, int64_t d, OptInt s, OptInt e, int64_t step) { return cpu::slice(x, d, s, e, step); }));
  r.add("aten::narrow(Tensor(a) self, int dim, int start, int length) -> Tensor(a)",
        wrap([](const Tensor& x, int64_t d, int64_t s, int64_t n) { return cpu::narrow(x, d, s, n); }));
  r.add("aten::narrow.Tensor(Tensor(a) self, int dim, Tensor start, int length) -> Tensor(a)",
        wrap([](const Tensor& x, int64_t d, const Tensor& s, int64_t n) {
          if (s.dim() != 0 || !is_integral(s.dtype(), false))
            fail("start must be an 0-dim integral Tensor.");
          return cpu::narrow(x, d, s.item_int(), n);
        }));
  r.add("aten::split.Tensor(Tensor(a -> *) self, int split_size, int dim=0) -> Tensor(a)[]",
        wrap([](const Tensor& x, int64_t s, int64_t d) { return cpu::split(x, s, d); }));
  r.add("aten::split(Tensor(a -> *) self, int[] split_sizes, int dim=0) -> Tensor(a)[]",
        wrap([](const Tensor& x, IntList s, int64_t d) { return cpu::split_with_sizes(x, s, d); }));
  r.add("aten::split.sizes(Tensor(a -> *) self, int[] split_size, int dim=0) -> Tensor(a)[]",
        wrap([](const Tensor& x, IntList s, int64_t d) { return cpu::split_with_sizes(x, s, d); }));
  r.add("aten::split_with_sizes(Tensor(a -> *) self, int[] split_sizes, int dim=0) -> Tensor(a)[]",
        wrap([](const Tensor& x, IntList s, int64_t d) { return cpu::split_with_sizes(x, s, d); }));
  r.add("aten::chunk(Tensor(a -> *) self, int chunks, int dim=0) -> Tensor(a)[]",
        wrap([](const Tensor& x, int64_t c, int64_t d) { return cpu::chunk(x, c, d); }));
  r.add("aten::tensor_split.sections(Tensor(a -> *) self, int sections, int dim=0) -> Tensor(a)[]",
        wrap([](const Tensor& x, int64_t s, int64_t d) { return cpu::tensor_split(x, s, d); }));
  r.add("aten::tensor_split.indices(Tensor(a -> *) self, int[] indices, int dim=0) -> Tensor(a)[]",
        wrap([](const Tensor& x, IntList i, int64_t d) { return cpu::tensor_split_indices(x, i, d); }));
  r.add("aten::unbind.int(Tensor(a -> *) self, int dim=0) -> Tensor(a)[]",
        wrap([](const Tensor& x, int64_t d) { return cpu::unbind(x, d); }));
  r.add("aten::cat(Tensor[] tensors, int dim=0) -> Tensor",
        wrap([](std::vector<Tensor> ts, int64_t d) { return cpu::cat(ts, d); }));
  r.add("aten::concat(Tensor[] tensors, int dim=0) -> Tensor",
        wrap([](std::vector<Tensor> ts, int64_t d) { return cpu::cat(ts, d); }));
  r.add("aten::stack(Tensor[] tensors, int dim=0) -> Tensor",
        wrap([](std::vector<Tensor> ts, int64_t d) { return cpu::stack(ts, d); }));
  r.add("aten::hstack(Tensor[] tensors) -> Tensor", wrap([](std::vector<Tensor> ts) { return cpu::hstack(ts); }));
  r.add("aten::vstack(Tensor[] tensors) -> Tensor", wrap([](std::vector<Tensor> ts) { return cpu::vstack(ts); }));
  r.add("aten::flip(Tensor self, int[] dims) -> Tensor",
        wrap([](const Tensor& x, IntList d) { return cpu::flip(x, d); }));
  r.add("aten::roll(Tensor self, int[1] shifts, int[1] dims=[]) -> Tensor",
        wrap([](const Tensor& x, IntList s, IntList d) { return cpu::roll(x, s, d); }));
  r.add("aten::tril(Tensor self, int diagonal=0) -> Tensor",
        wrap([](const Tensor& x, int64_t d) { return cpu::tril(x, d); }));
  r.add("aten::triu(Tensor self, int diagonal=0) -> Tensor",
        wrap([](const Tensor& x, int64_t d) { return cpu::triu(x, d); }));
  r.add("aten::tril_(Tensor(a!) self, int diagonal=0) -> Tensor(a!)",
        wrap([](const Tensor& x, int64_t d) { return assign_inplace(x, cpu::tril(x, d)); }));
  r.add("aten::triu_(Tensor(a!) self, int diagonal=0) -> Tensor(a!)",
        wrap([](const Tensor& x, int64_t d) { return assign_inplace(x, cpu::triu(x, d)); }));
  for (const char* name : {"movedim", "moveaxis"}) {
    const std::string n = name;
    r.add("aten::" + n + ".int(Tensor(a) self, int source, int destination) -> Tensor(a)",
          wrap([](const Tensor& x, int64_t s, int64_t d) {
            return cpu::movedim(x, std::span<const int64_t>(&s, 1), std::span<const int64_t>(&d, 1));
          }));
    r.add("aten::" + n + ".intlist(Tensor(a) self, int[] source, int[] destination) -> Tensor(a)",
          wrap([](const Tensor& x, IntList s, IntList d) { return cpu::movedim(x, s, d); }));
  }

  // Conversions: dtype and device (CPU only); memory formats do not change values.
  r.add("aten::to.dtype(Tensor(a) self, ScalarType dtype, bool non_blocking=False, bool copy=False, MemoryFormat? memory_format=None) -> Tensor(a)",
        wrap([](const Tensor& x, DType d, bool, bool copy, Value) { return to_impl(x, std::nullopt, d, copy); }));
  r.add("aten::to.device(Tensor(a) self, Device device, ScalarType dtype, bool non_blocking=False, bool copy=False, MemoryFormat? memory_format=None) -> Tensor(a)",
        wrap([](const Tensor& x, Device dev, DType d, bool, bool copy, Value) { return to_impl(x, dev, d, copy); }));
  r.add("aten::to.dtype_layout(Tensor(a) self, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None, bool non_blocking=False, bool copy=False, MemoryFormat? memory_format=None) -> Tensor(a)",
        wrap([](const Tensor& x, std::optional<DType> d, Value, std::optional<Device> dev, Value, bool, bool copy, Value) {
          return to_impl(x, dev, d, copy);
        }));
  r.add("aten::to.other(Tensor(a) self, Tensor other, bool non_blocking=False, bool copy=False, MemoryFormat? memory_format=None) -> Tensor(a)",
        wrap([](const Tensor& x, const Tensor& o, bool, bool copy, Value) { return to_impl(x, std::nullopt, o.dtype(), copy); }));
  r.add("aten::to.prim_Device(Tensor(a) self, Device? device, int? dtype=None, bool non_blocking=False, bool copy=False) -> Tensor(b|a)",
        wrap([](const Tensor& x, std::optional<Device> dev, std::optional<DType> d, bool, bool copy) {
          return to_impl(x, dev, d, copy);
        }));
  r.add("aten::to.prim_dtype(Tensor(a) self, int? dtype=None, bool non_blocking=False, bool copy=False) -> Tensor(b|a)",
        wrap([](const Tensor& x, std::optional<DType> d, bool, bool copy) { return to_impl(x, std::nullopt, d, copy); }));
  r.add("aten::to.prim_other(Tensor(a) self, bool non_blocking=False, bool copy=False) -> Tensor(b|a)",
        wrap([](const Tensor& x, bool, bool copy) { return to_impl(x, std::nullopt, std::nullopt, copy); }));
  r.add("aten::type_as(Tensor self, Tensor other) -> Tensor",
        wrap([](const Tensor& x, const Tensor& o) { return cpu::to_dtype(x, o.dtype(), false); }));
  r.add("aten::copy_(Tensor(a!) self, Tensor src, bool non_blocking=False) -> Tensor(a!)",
        wrap([](const Tensor& x, const Tensor& s, bool) {
          check_no_overlap(x, std::span<const Tensor>(&s, 1));  // PyTorch's copy_ refuses partial overlap
          copy_into(x, s);
          return x;
        }));
  r.add("aten::copy_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)",
        wrap([](const Tensor& x, const Tensor& s) {
          check_no_overlap(x, std::span<const Tensor>(&s, 1));  // PyTorch's copy_ refuses partial overlap
          copy_into(x, s);
          return x;
        }));
  r.add("aten::copy_.int(Tensor(a!) self, int other) -> Tensor(a!)",
        wrap([](const Tensor& x, int64_t v) { return cpu::fill_(x, Scalar(v)); }));
  r.add("aten::copy_.float(Tensor(a!) self, float other) -> Tensor(a!)",
        wrap([](const Tensor& x, double v) { return cpu::fill_(x, Scalar(v)); }));
}

}  // namespace ember::ops
