// aten_reduce.cpp — schemas of reductions, scans and softmax bound to kernels/cpu/reduce.h.
#include <limits>
#include <string>

#include "kernels/cpu/reduce.h"
#include "ops/aten_util.h"

namespace ember::ops {

using IntList = std::vector<int64_t>;
using OptIntList = std::optional<std::vector<int64_t>>;
using OptInt = std::optional<int64_t>;
using OptDType = std::optional<DType>;

namespace {
cpu::DimList dims_of(const OptIntList& d) {
  if (!d) return std::nullopt;
  return std::span<const int64_t>(d->data(), d->size());
}
cpu::DimList one_dim(const int64_t& d) { return std::span<const int64_t>(&d, 1); }
std::optional<int64_t> correction_of(bool unbiased) { return unbiased ? 1 : 0; }
Scalar p_or_2(const std::optional<Scalar>& p) { return p.value_or(Scalar(int64_t{2})); }
}  // namespace

void register_reduce_ops(Registry& r) {
  r.add("aten::sum(Tensor self, *, ScalarType? dtype=None) -> Tensor",
        wrap([](const Tensor& x, OptDType dt) { return cpu::sum(x, std::nullopt, false, dt); }));
  r.add("aten::sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
        wrap([](const Tensor& x, OptIntList d, bool k, OptDType dt) { return cpu::sum(x, dims_of(d), k, dt); }));
  r.add("aten::mean(Tensor self, *, ScalarType? dtype=None) -> Tensor",
        wrap([](const Tensor& x, OptDType dt) { return cpu::mean(x, std::nullopt, false, dt); }));
  r.add("aten::mean.dim(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
        wrap([](const Tensor& x, OptIntList d, bool k, OptDType dt) { return cpu::mean(x, dims_of(d), k, dt); }));
  r.add("aten::prod(Tensor self, *, ScalarType? dtype=None) -> Tensor",
        wrap([](const Tensor& x, OptDType dt) { return cpu::prod(x, std::nullopt, false, dt); }));
  r.add("aten::prod.dim_int(Tensor self, int dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
        wrap([](const Tensor& x, int64_t d, bool k, OptDType dt) { return cpu::prod(x, d, k, dt); }));
  r.add("aten::amax(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor",
        wrap([](const Tensor& x, IntList d, bool k) { return cpu::amax(x, as_span(d), k); }));
  r.add("aten::amin(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor",
        wrap([](const Tensor& x, IntList d, bool k) { return cpu::amin(x, as_span(d), k); }));
  r.add("aten::max(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::amax(x, std::nullopt, false); }));
  r.add("aten::min(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::amin(x, std::nullopt, false); }));
  r.add("aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)",
        wrap([](const Tensor& x, int64_t d, bool k) { return cpu::max_dim(x, d, k); }));
  r.add("aten::min.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)",
        wrap([](const Tensor& x, int64_t d, bool k) { return cpu::min_dim(x, d, k); }));
  r.add("aten::argmax(Tensor self, int? dim=None, bool keepdim=False) -> Tensor",
        wrap([](const Tensor& x, OptInt d, bool k) { return cpu::argmax(x, d, k); }));
  r.add("aten::argmin(Tensor self, int? dim=None, bool keepdim=False) -> Tensor",
        wrap([](const Tensor& x, OptInt d, bool k) { return cpu::argmin(x, d, k); }));

  r.add("aten::var(Tensor self, bool unbiased=True) -> Tensor",
        wrap([](const Tensor& x, bool u) { return cpu::var(x, std::nullopt, correction_of(u), false); }));
  r.add("aten::var.dim(Tensor self, int[1]? dim, bool unbiased=True, bool keepdim=False) -> Tensor",
        wrap([](const Tensor& x, OptIntList d, bool u, bool k) { return cpu::var(x, dims_of(d), correction_of(u), k); }));
  r.add("aten::var.correction(Tensor self, int[1]? dim, *, int? correction, bool keepdim=False) -> Tensor",
        wrap([](const Tensor& x, OptIntList d, OptInt c, bool k) { return cpu::var(x, dims_of(d), c, k); }));
  r.add("aten::std(Tensor self, bool unbiased=True) -> Tensor",
        wrap([](const Tensor& x, bool u) { return cpu::std(x, std::nullopt, correction_of(u), false); }));
  r.add("aten::std.dim(Tensor self, int[1]? dim, bool unbiased=True, bool keepdim=False) -> Tensor",
        wrap([](const Tensor& x, OptIntList d, bool u, bool k) { return cpu::std(x, dims_of(d), correction_of(u), k); }));
  r.add("aten::std.correction(Tensor self, int[1]? dim, *, int? correction, bool keepdim=False) -> Tensor",
        wrap([](const Tensor& x, OptIntList d, OptInt c, bool k) { return cpu::std(x, dims_of(d), c, k); }));
  r.add("aten::var_mean(Tensor self, bool unbiased=True) -> (Tensor, Tensor)",
        wrap([](const Tensor& x, bool u) { return cpu::var_mean(x, std::nullopt, correction_of(u), false); }));
  r.add("aten::var_mean.dim(Tensor self, int[1]? dim, bool unbiased=True, bool keepdim=False) -> (Tensor, Tensor)",
        wrap([](const Tensor& x, OptIntList d, bool u, bool k) { return cpu::var_mean(x, dims_of(d), correction_of(u), k); }));
  r.add("aten::var_mean.correction(Tensor self, int[1]? dim, *, int? correction, bool keepdim=False) -> (Tensor, Tensor)",
        wrap([](const Tensor& x, OptIntList d, OptInt c, bool k) { return cpu::var_mean(x, dims_of(d), c, k); }));
  r.add("aten::std_mean(Tensor self, bool unbiased=True) -> (Tensor, Tensor)",
        wrap([](const Tensor& x, bool u) { return cpu::std_mean(x, std::nullopt, correction_of(u), false); }));
  r.add("aten::std_mean.dim(Tensor self, int[1]? dim, bool unbiased=True, bool keepdim=False) -> (Tensor, Tensor)",
        wrap([](const Tensor& x, OptIntList d, bool u, bool k) { return cpu::std_mean(x, dims_of(d), correction_of(u), k); }));
  r.add("aten::std_mean.correction(Tensor self, int[1]? dim, *, int? correction, bool keepdim=False) -> (Tensor, Tensor)",
        wrap([](const Tensor& x, OptIntList d, OptInt c, bool k) { return cpu::std_mean(x, dims_of(d), c, k); }));

  r.add("aten::any(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::any(x, std::nullopt, false); }));
  r.add("aten::any.dim(Tensor self, int dim, bool keepdim=False) -> Tensor",
        wrap([](const Tensor& x, int64_t d, bool k) { return cpu::any(x, one_dim(d), k); }));
  r.add("aten::all(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::all(x, std::nullopt, false); }));
  r.add("aten::all.dim(Tensor self, int dim, bool keepdim=False) -> Tensor",
        wrap([](const Tensor& x, int64_t d, bool k) { return cpu::all(x, one_dim(d), k); }));
  r.add("aten::count_nonzero(Tensor self, int? dim=None) -> Tensor", wrap([](const Tensor& x, OptInt d) {
          return d ? cpu::count_nonzero(x, one_dim(*d)) : cpu::count_nonzero(x, std::nullopt);
        }));
  r.add("aten::count_nonzero.dim_IntList(Tensor self, int[] dim) -> Tensor",
        wrap([](const Tensor& x, IntList d) { return cpu::count_nonzero(x, as_span(d)); }));

  r.add("aten::norm.Scalar(Tensor self, Scalar p=2) -> Tensor",
        wrap([](const Tensor& x, Scalar p) { return cpu::norm(x, p, std::nullopt, false, std::nullopt); }));
  r.add("aten::norm.ScalarOpt_dim(Tensor self, Scalar? p, int[1] dim, bool keepdim=False) -> Tensor",
        wrap([](const Tensor& x, std::optional<Scalar> p, IntList d, bool k) {
          return cpu::norm(x, p_or_2(p), as_span(d), k, std::nullopt);
        }));
  r.add("aten::norm.ScalarOpt_dim_dtype(Tensor self, Scalar? p, int[1] dim, bool keepdim, *, ScalarType dtype) -> Tensor",
        wrap([](const Tensor& x, std::optional<Scalar> p, IntList d, bool k, DType dt) {
          return cpu::norm(x, p_or_2(p), as_span(d), k, dt);
        }));
  r.add("aten::norm.ScalarOpt_dtype(Tensor self, Scalar? p, *, ScalarType dtype) -> Tensor",
        wrap([](const Tensor& x, std::optional<Scalar> p, DType dt) {
          return cpu::norm(x, p_or_2(p), std::nullopt, false, dt);
        }));
  r.add("aten::linalg_vector_norm(Tensor self, Scalar ord=2, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
        wrap([](const Tensor& x, Scalar p, OptIntList d, bool k, OptDType dt) { return cpu::norm(x, p, dims_of(d), k, dt); }));
  r.add("aten::frobenius_norm(Tensor self) -> Tensor",
        wrap([](const Tensor& x) { return cpu::norm(x, Scalar(int64_t{2}), std::nullopt, false, std::nullopt); }));
  r.add("aten::frobenius_norm.dim(Tensor self, int[1] dim, bool keepdim=False) -> Tensor",
        wrap([](const Tensor& x, IntList d, bool k) { return cpu::norm(x, Scalar(int64_t{2}), as_span(d), k, std::nullopt); }));
  r.add("aten::logsumexp(Tensor self, int[1] dim, bool keepdim=False) -> Tensor",
        wrap([](const Tensor& x, IntList d, bool k) { return cpu::logsumexp(x, as_span(d), k); }));

  r.add("aten::cumsum(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor",
        wrap([](const Tensor& x, int64_t d, OptDType dt) { return cpu::cumsum(x, d, dt); }));
  r.add("aten::cumprod(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor",
        wrap([](const Tensor& x, int64_t d, OptDType dt) { return cpu::cumprod(x, d, dt); }));
  // Vectorised float32 rows, with reference paths computing every lane in double.
  using Softmax = Tensor (*)(const Tensor&, int64_t, std::optional<DType>);
  const auto softmax = [](Softmax k) { return wrap([k](const Tensor& x, int64_t d, OptDType dt) { return k(x, d, dt); }); };
  const auto softmax_half_to_float = [](Softmax k) {
    return wrap([k](const Tensor& x, int64_t d, bool h) { return k(x, d, h ? OptDType(DType::Float32) : std::nullopt); });
  };
  add_with_reference(r, "aten::softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor",
                     Softmax{cpu::softmax}, Softmax{cpu::softmax_reference}, softmax);
  add_with_reference(r, "aten::log_softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor",
                     Softmax{cpu::log_softmax}, Softmax{cpu::log_softmax_reference}, softmax);
  add_with_reference(r, "aten::_softmax(Tensor self, int dim, bool half_to_float) -> Tensor",
                     Softmax{cpu::softmax}, Softmax{cpu::softmax_reference}, softmax_half_to_float);
  add_with_reference(r, "aten::_log_softmax(Tensor self, int dim, bool half_to_float) -> Tensor",
                     Softmax{cpu::log_softmax}, Softmax{cpu::log_softmax_reference}, softmax_half_to_float);
}

}  // namespace ember::ops
