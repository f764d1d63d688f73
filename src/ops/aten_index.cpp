// aten_index.cpp — schemas of indexing ops (kernels/cpu/index.h) and matrix products
// (kernels/cpu/linalg.h).
#include <string>

#include "kernels/cpu/index.h"
#include "kernels/cpu/linalg.h"
#include "ops/aten_util.h"

namespace ember::ops {

using OptTensors = std::vector<std::optional<Tensor>>;

namespace {
OptTensors as_optional(const std::vector<Tensor>& ts) { return OptTensors(ts.begin(), ts.end()); }
}  // namespace

void register_index_ops(Registry& r) {
  r.add("aten::index_select(Tensor self, int dim, Tensor index) -> Tensor",
        wrap([](const Tensor& x, int64_t d, const Tensor& i) { return cpu::index_select(x, d, i); }));
  r.add("aten::gather(Tensor self, int dim, Tensor index, *, bool sparse_grad=False) -> Tensor",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, bool) { return cpu::gather(x, d, i); }));
  r.add("aten::scatter.src(Tensor self, int dim, Tensor index, Tensor src) -> Tensor",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, const Tensor& s) { return cpu::scatter_(x.clone(), d, i, s, ""); }));
  r.add("aten::scatter.value(Tensor self, int dim, Tensor index, Scalar value) -> Tensor",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, Scalar v) { return cpu::scatter_(x.clone(), d, i, v, ""); }));
  r.add("aten::scatter.reduce(Tensor self, int dim, Tensor index, Tensor src, *, str reduce) -> Tensor",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, const Tensor& s, std::string red) {
          return cpu::scatter_(x.clone(), d, i, s, red);
        }));
  r.add("aten::scatter_.src(Tensor(a!) self, int dim, Tensor index, Tensor src) -> Tensor(a!)",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, const Tensor& s) { return cpu::scatter_(x, d, i, s, ""); }));
  r.add("aten::scatter_.value(Tensor(a!) self, int dim, Tensor index, Scalar value) -> Tensor(a!)",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, Scalar v) { return cpu::scatter_(x, d, i, v, ""); }));
  r.add("aten::scatter_add(Tensor self, int dim, Tensor index, Tensor src) -> Tensor",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, const Tensor& s) { return cpu::scatter_(x.clone(), d, i, s, "add"); }));
  r.add("aten::scatter_add_(Tensor(a!) self, int dim, Tensor index, Tensor src) -> Tensor(a!)",
        wrap([](const Tensor& x, int64_t d, const Tensor& i, const Tensor& s) { return cpu::scatter_(x, d, i, s, "add"); }));
  r.add("aten::masked_fill.Scalar(Tensor self, Tensor mask, Scalar value) -> Tensor",
        wrap([](const Tensor& x, const Tensor& m, Scalar v) { return cpu::masked_fill(x, m, v); }));
  r.add("aten::masked_fill.Tensor(Tensor self, Tensor mask, Tensor value) -> Tensor",
        wrap([](const Tensor& x, const Tensor& m, const Tensor& v) { return cpu::masked_fill(x, m, v); }));
  r.add("aten::masked_fill_.Scalar(Tensor(a!) self, Tensor mask, Scalar value) -> Tensor(a!)",
        wrap([](const Tensor& x, const Tensor& m, Scalar v) { return cpu::masked_fill_(x, m, v); }));
  r.add("aten::masked_fill_.Tensor(Tensor(a!) self, Tensor mask, Tensor value) -> Tensor(a!)",
        wrap([](const Tensor& x, const Tensor& m, const Tensor& v) { return cpu::masked_fill_(x, m, v); }));
  r.add("aten::masked_select(Tensor self, Tensor mask) -> Tensor",
        wrap([](const Tensor& x, const Tensor& m) { return cpu::masked_select(x, m); }));
  r.add("aten::nonzero(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::nonzero(x); }));
  r.add("aten::argwhere(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::nonzero(x); }));
  r.add("aten::index.Tensor(Tensor self, Tensor?[] indices) -> Tensor",
        wrap([](const Tensor& x, OptTensors i) { return cpu::index(x, i); }));
  r.add("aten::index.Tensor_hacked_twin(Tensor self, Tensor[] indices) -> Tensor",
        wrap([](const Tensor& x, std::vector<Tensor> i) { return cpu::index(x, as_optional(i)); }));
  r.add("aten::index_put_(Tensor(a!) self, Tensor?[] indices, Tensor values, bool accumulate=False) -> Tensor(a!)",
        wrap([](const Tensor& x, OptTensors i, const Tensor& v, bool acc) { return cpu::index_put_(x, i, v, acc); }));
  r.add("aten::index_put_.hacked_twin(Tensor(a!) self, Tensor[] indices, Tensor values, bool accumulate=False) -> Tensor(a!)",
        wrap([](const Tensor& x, std::vector<Tensor> i, const Tensor& v, bool acc) {
          return cpu::index_put_(x, as_optional(i), v, acc);
        }));
  r.add("aten::index_put(Tensor self, Tensor?[] indices, Tensor values, bool accumulate=False) -> Tensor",
        wrap([](const Tensor& x, OptTensors i, const Tensor& v, bool acc) { return cpu::index_put_(x.clone(), i, v, acc); }));
  r.add("aten::index_put.hacked_twin(Tensor self, Tensor[] indices, Tensor values, bool accumulate=False) -> Tensor",
        wrap([](const Tensor& x, std::vector<Tensor> i, const Tensor& v, bool acc) {
          return cpu::index_put_(x.clone(), as_optional(i), v, acc);
        }));
  r.add("aten::embedding(Tensor weight, Tensor indices, int padding_idx=-1, bool scale_grad_by_freq=False, bool sparse=False) -> Tensor",
        wrap([](const Tensor& w, const Tensor& i, int64_t, bool, bool) { return cpu::embedding(w, i); }));

  // The matrix products: gemm / oneDNN for float32 and float64, with reference paths computing
  // every element by direct indexing (kernels/cpu/linalg.h).
  using Binary = Tensor (*)(const Tensor&, const Tensor&);
  const auto binary = [](Binary k) { return wrap([k](const Tensor& a, const Tensor& b) { return k(a, b); }); };
  add_with_reference(r, "aten::mm(Tensor self, Tensor mat2) -> Tensor", Binary{cpu::mm}, Binary{cpu::mm_reference}, binary);
  add_with_reference(r, "aten::bmm(Tensor self, Tensor mat2) -> Tensor", Binary{cpu::bmm}, Binary{cpu::bmm_reference}, binary);
  add_with_reference(r, "aten::matmul(Tensor self, Tensor other) -> Tensor", Binary{cpu::matmul}, Binary{cpu::matmul_reference}, binary);
  add_with_reference(r, "aten::dot(Tensor self, Tensor tensor) -> Tensor", Binary{cpu::dot}, Binary{cpu::dot_reference}, binary);
  add_with_reference(r, "aten::mv(Tensor self, Tensor vec) -> Tensor", Binary{cpu::mv}, Binary{cpu::mv_reference}, binary);
  using AddProduct = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Scalar&, const Scalar&);
  const auto add_product = [](AddProduct k) {
    return wrap([k](const Tensor& s, const Tensor& a, const Tensor& b, Scalar be, Scalar al) { return k(s, a, b, be, al); });
  };
  add_with_reference(r, "aten::addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1) -> Tensor",
                     AddProduct{cpu::addmm}, AddProduct{cpu::addmm_reference}, add_product);
  add_with_reference(r, "aten::baddbmm(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, Scalar alpha=1) -> Tensor",
                     AddProduct{cpu::baddbmm}, AddProduct{cpu::baddbmm_reference}, add_product);
  using Linear = Tensor (*)(const Tensor&, const Tensor&, const std::optional<Tensor>&);
  add_with_reference(r, "aten::linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor", Linear{cpu::linear},
                     Linear{cpu::linear_reference}, [](Linear k) {
                       return wrap([k](const Tensor& x, const Tensor& w, std::optional<Tensor> b) { return k(x, w, b); });
                     });
}

}  // namespace ember::ops
