// aten_sort.cpp — schemas of sorting and selection ops (sort, argsort, msort, topk, kthvalue,
// median, nanmedian, mode, unique, cummax/cummin, searchsorted, bucketize) and of placing and
// taking by index along a dim (index_fill/index_add/index_copy, take_along_dim) bound to
// kernels/cpu/sort.h.
#include <string>

#include "kernels/cpu/sort.h"
#include "ops/aten_util.h"

namespace ember::ops {

namespace {
using OptStr = std::optional<std::string>;
using OptTensor = std::optional<Tensor>;

Tensor scalar_input(const Scalar& s) { return scalar_to_tensor(s, s.dtype()); }

// The fill value of index_fill.int_Tensor: a 0-dim tensor read as a Scalar of its own kind.
Scalar tensor_fill_value(const Tensor& v) {
  if (v.dim() != 0)
    fail("index_fill_ only supports a 0-dimensional value tensor, but got tensor with ", v.dim(), " dimension(s).");
  if (v.dtype() == DType::Bool) return Scalar(v.item_int() != 0);
  if (is_integral(v.dtype(), false)) return Scalar(v.item_int());
  return Scalar(v.item_double());
}
}  // namespace

void register_sort_ops(Registry& r) {
  r.add("aten::sort(Tensor self, int dim=-1, bool descending=False) -> (Tensor values, Tensor indices)",
        wrap([](const Tensor& x, int64_t d, bool desc) { return cpu::sort(x, d, desc, false); }));
  r.add("aten::sort.stable(Tensor self, *, bool? stable, int dim=-1, bool descending=False) -> (Tensor values, Tensor indices)",
        wrap([](const Tensor& x, std::optional<bool> stable, int64_t d, bool desc) {
          if (!stable) fail("sort(): c10::nullopt is not a valid value for the stable argument; pass True or False");
          return cpu::sort(x, d, desc, *stable);
        }));
  r.add("aten::argsort(Tensor self, int dim=-1, bool descending=False) -> Tensor",
        wrap([](const Tensor& x, int64_t d, bool desc) { return std::get<1>(cpu::sort(x, d, desc, false)); }));
  r.add("aten::argsort.stable(Tensor self, *, bool stable, int dim=-1, bool descending=False) -> Tensor",
        wrap([](const Tensor& x, bool stable, int64_t d, bool desc) { return std::get<1>(cpu::sort(x, d, desc, stable)); }));
  r.add("aten::msort(Tensor self) -> Tensor", wrap([](const Tensor& x) { return std::get<0>(cpu::sort(x, 0, false, false)); }));
  r.add("aten::topk(Tensor self, int k, int dim=-1, bool largest=True, bool sorted=True) -> (Tensor values, Tensor indices)",
        wrap([](const Tensor& x, int64_t k, int64_t d, bool largest, bool sorted) {
          return cpu::topk(x, k, d, largest, sorted);
        }));
  r.add("aten::kthvalue(Tensor self, int k, int dim=-1, bool keepdim=False) -> (Tensor values, Tensor indices)",
        wrap([](const Tensor& x, int64_t k, int64_t d, bool keep) { return cpu::kthvalue(x, k, d, keep); }));
  r.add("aten::median(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::median(x, false); }));
  r.add("aten::median.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)",
        wrap([](const Tensor& x, int64_t d, bool keep) { return cpu::median_dim(x, d, keep, false); }));
  r.add("aten::nanmedian(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::median(x, true); }));
  r.add("aten::nanmedian.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)",
        wrap([](const Tensor& x, int64_t d, bool keep) { return cpu::median_dim(x, d, keep, true); }));
  r.add("aten::mode(Tensor self, int dim=-1, bool keepdim=False) -> (Tensor values, Tensor indices)",
        wrap([](const Tensor& x, int64_t d, bool keep) { return cpu::mode(x, d, keep); }));

  r.add("aten::_unique2(Tensor self, bool sorted=True, bool return_inverse=False, bool return_counts=False) -> (Tensor, Tensor, Tensor)",
        wrap([](const Tensor& x, bool sorted, bool inv, bool counts) { return cpu::unique(x, sorted, inv, counts); }));
  r.add("aten::_unique(Tensor self, bool sorted=True, bool return_inverse=False) -> (Tensor, Tensor)",
        wrap([](const Tensor& x, bool sorted, bool inv) {
          auto [v, i, c] = cpu::unique(x, sorted, inv, false);
          return std::make_tuple(v, i);
        }));
  r.add("aten::unique_consecutive(Tensor self, bool return_inverse=False, bool return_counts=False, int? dim=None) -> (Tensor, Tensor, Tensor)",
        wrap([](const Tensor& x, bool inv, bool counts, std::optional<int64_t> dim) {
          if (dim) fail("unique_consecutive with a dim is not supported by ember yet");
          return cpu::unique_consecutive(x, inv, counts);
        }));

  r.add("aten::cummax(Tensor self, int dim) -> (Tensor values, Tensor indices)",
        wrap([](const Tensor& x, int64_t d) { return cpu::cummax(x, d); }));
  r.add("aten::cummin(Tensor self, int dim) -> (Tensor values, Tensor indices)",
        wrap([](const Tensor& x, int64_t d) { return cpu::cummin(x, d); }));

  r.add("aten::searchsorted.Tensor(Tensor sorted_sequence, Tensor self, *, bool out_int32=False, bool right=False, str? side=None, Tensor? sorter=None) -> Tensor",
        wrap([](const Tensor& seq, const Tensor& x, bool i32, bool right, OptStr side, OptTensor sorter) {
          return cpu::searchsorted(seq, x, i32, right, side, sorter);
        }));
  r.add("aten::searchsorted.Scalar(Tensor sorted_sequence, Scalar self, *, bool out_int32=False, bool right=False, str? side=None, Tensor? sorter=None) -> Tensor",
        wrap([](const Tensor& seq, Scalar x, bool i32, bool right, OptStr side, OptTensor sorter) {
          if (seq.dim() != 1)
            fail("torch.searchsorted(): input value can be a scalar only when boundaries tensor dimension is 1, but "
                 "we got boundaries tensor dim(", seq.dim(), ") and input value's dim(0) numel(1)");
          return cpu::searchsorted(seq, scalar_input(x), i32, right, side, sorter);
        }));
  r.add("aten::bucketize.Tensor(Tensor self, Tensor boundaries, *, bool out_int32=False, bool right=False) -> Tensor",
        wrap([](const Tensor& x, const Tensor& b, bool i32, bool right) { return cpu::bucketize(x, b, i32, right); }));
  r.add("aten::bucketize.Scalar(Scalar self, Tensor boundaries, *, bool out_int32=False, bool right=False) -> Tensor",
        wrap([](Scalar x, const Tensor& b, bool i32, bool right) { return cpu::bucketize(scalar_input(x), b, i32, right); }));

  r.add("aten::take_along_dim(Tensor self, Tensor indices, int? dim=None) -> Tensor",
        wrap([](const Tensor& x, const Tensor& i, std::optional<int64_t> d) { return cpu::take_along_dim(x, i, d); }));
  r.add("aten::index_fill.int_Scalar(Tensor self, int dim, Tensor index, Scalar value) -> Tensor",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, Scalar v) { return cpu::index_fill_(x.clone(), d, i, v); }));
  r.add("aten::index_fill.int_Tensor(Tensor self, int dim, Tensor index, Tensor value) -> Tensor",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, const Tensor& v) {
          return cpu::index_fill_(x.clone(), d, i, tensor_fill_value(v));
        }));
  r.add("aten::index_fill_.int_Scalar(Tensor(a!) self, int dim, Tensor index, Scalar value) -> Tensor(a!)",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, Scalar v) { return cpu::index_fill_(x, d, i, v); }));
  r.add("aten::index_fill_.int_Tensor(Tensor(a!) self, int dim, Tensor index, Tensor value) -> Tensor(a!)",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, const Tensor& v) {
          return cpu::index_fill_(x, d, i, tensor_fill_value(v));
        }));
  r.add("aten::index_add(Tensor self, int dim, Tensor index, Tensor source, *, Scalar alpha=1) -> Tensor",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, const Tensor& s, Scalar a) {
          return cpu::index_add_(x.clone(), d, i, s, a);
        }));
  r.add("aten::index_add_(Tensor(a!) self, int dim, Tensor index, Tensor source, *, Scalar alpha=1) -> Tensor(a!)",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, const Tensor& s, Scalar a) {
          return cpu::index_add_(x, d, i, s, a);
        }));
  r.add("aten::index_copy(Tensor self, int dim, Tensor index, Tensor source) -> Tensor",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, const Tensor& s) { return cpu::index_copy_(x.clone(), d, i, s); }));
  r.add("aten::index_copy_(Tensor(a!) self, int dim, Tensor index, Tensor source) -> Tensor(a!)",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, const Tensor& s) { return cpu::index_copy_(x, d, i, s); }));
}

}  // namespace ember::ops
