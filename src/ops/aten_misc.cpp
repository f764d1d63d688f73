// aten_misc.cpp — ops scripted torchvision and nn code references that belong to no larger family:
// broadcast_tensors, the one-argument where (nonzero as a tuple of index tensors), unique_dim,
// prim::tolist, the out= overloads of the arithmetic ops (F.normalize calls div with out=), and the nested
// tensor entry points of nn.TransformerEncoder's fast path (kernels/cpu/nested.h).
#include <algorithm>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/index.h"
#include "kernels/cpu/nested.h"
#include "kernels/cpu/shape.h"
#include "ops/aten_util.h"
#include "tensor/broadcast.h"
#include "tensor/convert.h"
#include "tensor/dispatch.h"
#include "tensor/impl.h"

namespace ember::ops {

namespace {

using OptTensor = std::optional<Tensor>;
using cpu::BinaryOp;

// An out= argument receives `result` as PyTorch's resize_output + copy_ do: the result dtype must
// be castable to out's; when the shapes differ out is resized in place (every handle to it sees
// the new shape) onto fresh contiguous storage. Returns out.
Tensor write_out(const Tensor& out, const Tensor& result) {
  check_can_cast_to_output(result.dtype(), out.dtype());
  if (out.sizes() != result.sizes()) {
    TensorImpl* impl = out.unsafe_impl();
    impl->storage = Tensor::empty(result.sizes(), out.dtype()).storage();
    impl->sizes = result.sizes();
    impl->strides = contiguous_strides(result.sizes());
    impl->offset = 0;
  }
  copy_into(out, result);
  return out;
}

std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& tensors) {
  Shape shape;
  for (const Tensor& t : tensors) shape = broadcast_shapes(shape, t.sizes());
  std::vector<Tensor> out;
  out.reserve(tensors.size());
  for (const Tensor& t : tensors) out.push_back(expand_to(t, shape));
  return out;
}

// torch.where(condition): one int64 index tensor per dimension of condition (a 0-dim condition
// counts as 1-D).
std::vector<Tensor> nonzero_numpy(const Tensor& condition) {
  const Tensor c = condition.dim() == 0 ? cpu::unsqueeze(condition, 0) : condition;
  const Tensor nz = cpu::nonzero(c);
  // Column views of an empty [0, n] result would start past the end of its (empty) storage.
  if (nz.size(0) == 0) return std::vector<Tensor>(static_cast<size_t>(c.dim()), Tensor::empty({0}, DType::Int64));
  return cpu::unbind(nz, 1);
}

// aten::unique_dim: the distinct slices along `dim`, sorted lexicographically (always, as PyTorch's
// CPU kernel does whatever `sorted` says), with the inverse index of every input slice and the count
// of each distinct one (both computed regardless of the flags, as in PyTorch).
std::tuple<Tensor, Tensor, Tensor> unique_dim(const Tensor& self, int64_t dim_, bool, bool, bool) {
  const int64_t dim = wrap_dim(dim_, self.dim());
  const int64_t n = self.size(dim);
  if (n == 0) {
    if (self.numel() != 0) fail("Number of zero sized dimensions is more than one, so unique cannot be applied");
    return {self.clone(), Tensor::empty({0}, DType::Int64), Tensor::empty({0}, DType::Int64)};
  }
  const int64_t src[] = {dim}, dst[] = {0};
  const Tensor moved = cpu::movedim(self, src, dst).contiguous();
  const int64_t row = moved.numel() / n;
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t{0});
  // Groups of equal slices in sorted order: group[i] is the distinct index of order[i].
  std::vector<int64_t> group(static_cast<size_t>(n), 0);
  dispatch_real(moved.dtype(), "unique_dim", [&](auto z) {
    using T = decltype(z);
    const T* p = moved.data<T>();
    auto cmp = [&](int64_t a, int64_t b) {
      for (int64_t i = 0; i < row; ++i) {
        const T x = p[a * row + i], y = p[b * row + i];
        if (x < y) return -1;
        if (y < x) return 1;
      }
      return 0;
    };
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return cmp(a, b) < 0; });
    for (size_t i = 1; i < order.size(); ++i)
      group[i] = group[i - 1] + (cmp(order[i - 1], order[i]) != 0 ? 1 : 0);
  });
  const int64_t distinct = group.back() + 1;
  Tensor inverse = Tensor::empty({n}, DType::Int64), counts = Tensor::empty({distinct}, DType::Int64);
  std::vector<int64_t> first(static_cast<size_t>(distinct), -1);
  for (size_t i = 0; i < order.size(); ++i) {
    const auto g = static_cast<size_t>(group[i]);
    inverse.data<int64_t>()[order[i]] = group[i];
    counts.data<int64_t>()[g] += 1;
    if (first[g] < 0) first[g] = order[i];
  }
  Tensor picks = Tensor::empty({distinct}, DType::Int64);
  std::copy(first.begin(), first.end(), picks.data<int64_t>());
  const Tensor unique_rows = cpu::index_select(moved, 0, picks);
  return {cpu::movedim(unique_rows, dst, src), inverse, counts};
}

// prim::tolist's conversion: the annotation's element kind (0 int, 1 float, 2 bool, 3 complex)
// and list depth must match the tensor's dtype category and rank, as PyTorch checks.
Value tolist(const Tensor& t, int64_t dim, int64_t elem_kind) {
  if (elem_kind < 0 || elem_kind > 3)
    fail("Unsupported element type for tolist; only int, float, complex and bool are supported");
  const bool match = is_complex(t.dtype()) ? elem_kind == 3
                     : is_floating(t.dtype()) ? elem_kind == 1
                     : t.dtype() == DType::Bool ? elem_kind == 2
                                                : elem_kind == 0;
  if (!match) fail("Output annotation element type and runtime tensor element type must match for tolist()");
  if (dim != t.dim()) fail("Output annotation list dimension and runtime tensor dimension must match for tolist()");
  const Tensor c = t.contiguous();
  int64_t next = 0;
  // Depth-first over the dims; leaves read the contiguous data in order.
  auto build = [&](auto& self, int64_t d) -> Value {
    if (d == c.dim()) {
      const int64_t i = next++;
      return dispatch_all(c.dtype(), "tolist", [&](auto z) -> Value {
        using T = decltype(z);
        const T v = c.data<T>()[i];
        if constexpr (is_std_complex<T>::value) return Value(std::complex<double>(v.real(), v.imag()));
        else if (elem_kind == 1) return Value(scalar_cast<double>(v));
        else if (elem_kind == 2) return Value(scalar_cast<bool>(v));
        else return Value(scalar_cast<int64_t>(v));
      });
    }
    TypePtr elem = Type::get(elem_kind == 0   ? TypeKind::Int
                             : elem_kind == 1 ? TypeKind::Float
                             : elem_kind == 2 ? TypeKind::Bool
                                              : TypeKind::Complex);
    for (int64_t k = d + 1; k < c.dim(); ++k) elem = Type::list(elem);
    std::vector<Value> items;
    for (int64_t k = 0; k < c.size(d); ++k) items.push_back(self(self, d + 1));
    return Value(make_list(elem, std::move(items)));
  };
  return build(build, 0);
}

void register_out_overloads(Registry& r) {
  r.add("aten::add.out(Tensor self, Tensor other, *, Scalar alpha=1, Tensor(a!) out) -> Tensor(a!)",
        wrap([](const Tensor& a, const Tensor& b, const Scalar& alpha, const Tensor& out) {
          return write_out(out, cpu::binary(BinaryOp::Add, a, b, alpha));
        }));
  r.add("aten::sub.out(Tensor self, Tensor other, *, Scalar alpha=1, Tensor(a!) out) -> Tensor(a!)",
        wrap([](const Tensor& a, const Tensor& b, const Scalar& alpha, const Tensor& out) {
          return write_out(out, cpu::binary(BinaryOp::Sub, a, b, alpha));
        }));
  r.add("aten::mul.out(Tensor self, Tensor other, *, Tensor(a!) out) -> Tensor(a!)",
        wrap([](const Tensor& a, const Tensor& b, const Tensor& out) {
          return write_out(out, cpu::binary(BinaryOp::Mul, a, b));
        }));
  r.add("aten::div.out(Tensor self, Tensor other, *, Tensor(a!) out) -> Tensor(a!)",
        wrap([](const Tensor& a, const Tensor& b, const Tensor& out) {
          return write_out(out, cpu::binary(BinaryOp::Div, a, b));
        }));
  r.add("aten::div.out_mode(Tensor self, Tensor other, *, str? rounding_mode, Tensor(a!) out) -> Tensor(a!)",
        wrap([](const Tensor& a, const Tensor& b, std::optional<std::string> mode, const Tensor& out) {
          return write_out(out, cpu::binary(cpu::div_mode(mode), a, b));
        }));
}

void register_nested(Registry& r) {
  r.add("aten::_nested_tensor_from_mask(Tensor t, Tensor mask, bool mask_check=True) -> Tensor",
        wrap([](const Tensor& t, const Tensor& mask, bool check) { return cpu::nested_tensor_from_mask(t, mask, check); }));
  r.add("aten::_nested_tensor_from_mask_left_aligned(Tensor t, Tensor mask) -> bool",
        wrap([](const Tensor& t, const Tensor& mask) { return cpu::nested_tensor_from_mask_left_aligned(t, mask); }));
  r.add("aten::to_padded_tensor(Tensor self, float padding, int[]? output_size=None) -> Tensor",
        wrap([](const Tensor& t, double padding, std::optional<Shape> size) {
          return cpu::to_padded_tensor(t, padding, size);
        }));
}

}  // namespace

void register_misc_ops(Registry& r) {
  r.add("aten::broadcast_tensors(Tensor[] tensors) -> Tensor[]", wrap(broadcast_tensors));
  r.add("aten::where(Tensor condition) -> Tensor[]", wrap(nonzero_numpy));
  r.add("aten::nonzero_numpy(Tensor self) -> Tensor[]", wrap(nonzero_numpy));
  r.add("aten::unique_dim(Tensor self, int dim, bool sorted=True, bool return_inverse=False, bool return_counts=False) -> (Tensor, Tensor, Tensor)",
        wrap(unique_dim));
  // Vararg as in PyTorch: (Tensor self, int dim, int elem_kind), the list type coming from the
  // annotation the compiler reads (`annotate(List[float], t.tolist())`).
  r.add("prim::tolist(...) -> ...", [](Stack& s) {
    const int64_t n = pop(s).to_int();
    if (n != 3) fail("prim::tolist expects (Tensor, int dim, int element kind), got ", n, " arguments");
    auto [t, dim, kind] = pop_args<Tensor, int64_t, int64_t>(s);
    push(s, tolist(t, dim, kind));
  });
  register_out_overloads(r);
  register_nested(r);
}

}  // namespace ember::ops
