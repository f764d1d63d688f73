// aten_sort.cpp — schemas of sorting and selection ops (sort, argsort, msort, topk, kthvalue,
// median, nanmedian, mode, unique, cummax/cummin, searchsorted, bucketize) bound to
// kernels/cpu/sort.h.
#include <string>

#include "kernels/cpu/sort.h"
#include "ops/aten_util.h"

namespace ember::ops {

namespace {
using OptStr = std::optional<std::string>;
using OptTensor = std::optional<Tensor>;

Tensor scalar_input(const Scalar& s) { return scalar_to_tensor(s, s.dtype()); }
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
}

}  // namespace ember::ops
