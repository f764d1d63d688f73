#include "kernels/cpu/loss.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cpu/reduce.h"
#include "tensor/dispatch.h"
#include "tensor/elementwise.h"
#include "tensor/promotion.h"
#include "tensor/scalar.h"

namespace ember::cpu {

Reduction to_reduction(int64_t r) {
  if (r < 0 || r > 2) fail("reduction must be 0 (none), 1 (mean) or 2 (sum), got ", r);
  return static_cast<Reduction>(r);
}

namespace {

Tensor apply_reduction(const Tensor& loss, Reduction r) {
  if (r == Reduction::None) return loss;
  if (r == Reduction::Sum) return sum(loss, std::nullopt, false, std::nullopt);
  return mean(loss, std::nullopt, false, std::nullopt);
}

// f(x, y) per element over the promoted, broadcast input and target.
template <class F>
Tensor pointwise_loss(const char* op, const Tensor& input, const Tensor& target, Reduction r, F f) {
  const DType dt = result_type(input, target);
  Tensor loss = dispatch_floating(dt, op, [&](auto z) {
    using T = decltype(z);
    using A = opmath_t<T>;
    return map<T, T, T>({input, target}, [&](A x, A y) { return static_cast<A>(f(x, y)); });
  });
  return apply_reduction(loss, r);
}

Tensor ones_like_dtype(DType dt) { return scalar_to_tensor(Scalar(1.0), dt); }

}  // namespace

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction r) {
  return pointwise_loss("l1_loss", input, target, r, [](auto x, auto y) { return std::abs(x - y); });
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction r) {
  return pointwise_loss("mse_loss", input, target, r, [](auto x, auto y) { return (x - y) * (x - y); });
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction r, double beta) {
  if (beta < 0) fail("smooth_l1_loss does not support negative values for beta.");
  if (beta == 0) return l1_loss(input, target, r);
  return pointwise_loss("smooth_l1_loss", input, target, r, [beta](auto x, auto y) {
    using A = decltype(x);
    const A b = static_cast<A>(beta);
    const A z = std::abs(x - y);
    return z < b ? A(0.5) * z * z / b : z - A(0.5) * b;
  });
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction r, double delta) {
  if (!(delta > 0)) fail("huber_loss does not support non-positive values for delta.");
  return pointwise_loss("huber_loss", input, target, r, [delta](auto x, auto y) {
    using A = decltype(x);
    const A d = static_cast<A>(delta);
    const A z = std::abs(x - y);
    return z < d ? A(0.5) * z * z : d * (z - A(0.5) * d);
  });
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const std::optional<Tensor>& weight, Reduction r) {
  if (input.sizes() != target.sizes())
    fail("Using a target size (", shape_string(target.sizes()),
         ") that is different to the input size (", shape_string(input.sizes()), ") is deprecated. ",
         "Please ensure they have the same size.");
  const DType dt = input.dtype();
  Tensor loss = dispatch_floating(dt, "binary_cross_entropy", [&](auto z) {
    using T = decltype(z);
    using A = opmath_t<T>;
    const Tensor w = weight ? *weight : ones_like_dtype(dt);
    return map<T, T, T, T>({input, target, w}, [](A x, A y, A wt) {
      if (!(x >= A(0) && x <= A(1))) fail("all elements of input should be between 0 and 1");
      const A log_x = std::max(static_cast<A>(std::log(x)), A(-100));
      const A log_1mx = std::max(static_cast<A>(std::log1p(-x)), A(-100));
      return -wt * (y * log_x + (A(1) - y) * log_1mx);
    });
  });
  return apply_reduction(loss, r);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const std::optional<Tensor>& weight,
                                        const std::optional<Tensor>& pos_weight, Reduction r) {
  const DType dt = result_type(input, target);
  Tensor loss = dispatch_floating(dt, "binary_cross_entropy_with_logits", [&](auto z) {
    using T = decltype(z);
    using A = opmath_t<T>;
    const Tensor w = weight ? *weight : ones_like_dtype(dt);
    const Tensor pw = pos_weight ? *pos_weight : ones_like_dtype(dt);
    return map<T, T, T, T, T>({input, target, w, pw}, [](A x, A y, A wt, A pwt) {
      const A m = std::max(-x, A(0));
      const A log_weight = (pwt - A(1)) * y + A(1);
      const A lse = static_cast<A>(std::log(std::exp(-m) + std::exp(-x - m))) + m;
      return wt * ((A(1) - y) * x + log_weight * lse);
    });
  });
  return apply_reduction(loss, r);
}

namespace {

// The shared core of nll_loss and cross_entropy: logp [N, C, S...] (or [C]) of log-probabilities,
// integer targets [N, S...]. Per position the loss is (1 - ls) * -w[t] * logp[t] + ls / C *
// -sum_c w[c] * logp[c]; ignored positions contribute 0 and no weight.
Tensor nll_core(const char* op, const Tensor& logp, const Tensor& target,
                const std::optional<Tensor>& weight, Reduction r, int64_t ignore_index, double ls) {
  if (logp.dim() < 1) fail(op, ": Expected 1 or more dimensions (got ", logp.dim(), ")");
  if (!is_floating(logp.dtype())) fail(op, ": expected a floating point input, got ", dtype_name(logp.dtype()));
  if (!is_integral(target.dtype(), false))
    fail(op, ": expected scalar type Long for the target but found ", dtype_name(target.dtype()));
  const bool unbatched = logp.dim() == 1;
  const int64_t n = unbatched ? 1 : logp.size(0);
  const int64_t c = unbatched ? logp.size(0) : logp.size(1);
  Shape spatial;
  for (int64_t d = 2; d < logp.dim(); ++d) spatial.push_back(logp.size(d));
  int64_t s = 1;
  for (int64_t v : spatial) s *= v;
  if (unbatched) {
    if (target.dim() != 0) fail(op, ": 0D target tensor expected for a 1D input, got target of size ", shape_string(target.sizes()));
  } else {
    if (target.dim() < 1 || target.size(0) != n)
      fail("Expected input batch_size (", n, ") to match target batch_size (",
           target.dim() < 1 ? 0 : target.size(0), ").");
    Shape want{n};
    want.insert(want.end(), spatial.begin(), spatial.end());
    if (target.sizes() != want)
      fail(op, ": Expected target size ", shape_string(want), ", got ", shape_string(target.sizes()));
  }
  if (weight && (weight->dim() != 1 || weight->numel() != c))
    fail(op, ": weight tensor should be defined either for all ", c,
         " classes or no classes but got weight tensor of shape: ", shape_string(weight->sizes()));
  const Tensor lp = logp.to(DType::Float64).contiguous();
  const Tensor tg = target.to(DType::Int64).contiguous();
  std::vector<double> w(static_cast<size_t>(c), 1.0);
  if (weight) {
    const Tensor wd = weight->to(DType::Float64).contiguous();
    for (int64_t k = 0; k < c; ++k) w[static_cast<size_t>(k)] = wd.data<double>()[k];
  }
  const double* lpp = lp.data<double>();
  const int64_t* tp = tg.data<int64_t>();
  Tensor per = Tensor::empty(target.sizes(), DType::Float64);
  double* out = per.data<double>();
  double total_loss = 0, total_weight = 0;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t j = 0; j < s; ++j) {
      const int64_t pos = b * s + j;
      const int64_t t = tp[pos];
      double loss = 0;
      if (t != ignore_index) {
        if (t < 0 || t >= c) fail("Target ", t, " is out of bounds.");
        const double* col = lpp + b * c * s + j;
        loss = (1 - ls) * -w[static_cast<size_t>(t)] * col[t * s];
        if (ls > 0) {
          double smooth = 0;
          for (int64_t k = 0; k < c; ++k) smooth -= w[static_cast<size_t>(k)] * col[k * s];
          loss += ls / static_cast<double>(c) * smooth;
        }
        total_weight += w[static_cast<size_t>(t)];
      }
      out[pos] = loss;
      total_loss += loss;
    }
  if (r == Reduction::None) return per.to(logp.dtype());
  if (r == Reduction::Sum) return Tensor::scalar(total_loss).to(logp.dtype());
  return Tensor::scalar(total_loss / total_weight).to(logp.dtype());
}

}  // namespace

Tensor nll_loss(NllForm form, const Tensor& input, const Tensor& target,
                const std::optional<Tensor>& weight, Reduction r, int64_t ignore_index) {
  switch (form) {
    case NllForm::Flat:
      if (input.dim() != 1 && input.dim() != 2) fail("nll_loss: input tensor should be 1D or 2D");
      if (target.dim() > 1) fail("nll_loss: 0D or 1D target tensor expected, multi-target not supported");
      return nll_core("nll_loss", input, target, weight, r, ignore_index, 0.0);
    case NllForm::Spatial2d:
      if (input.dim() != 4)
        fail("nll_loss2d: only batches of spatial inputs supported (4D tensors), but got input of dimension: ", input.dim());
      if (target.dim() != 3)
        fail("nll_loss2d: only batches of spatial targets supported (3D tensors) but got targets of dimension: ", target.dim());
      return nll_core("nll_loss2d", input, target, weight, r, ignore_index, 0.0);
    case NllForm::Nd: break;
  }
  return nll_core("nll_loss_nd", input, target, weight, r, ignore_index, 0.0);
}

Tensor cross_entropy_loss(const Tensor& input, const Tensor& target,
                          const std::optional<Tensor>& weight, Reduction r, int64_t ignore_index,
                          double label_smoothing) {
  if (input.dim() < 1) fail("cross_entropy_loss: Expected 1 or more dimensions (got 0)");
  if (label_smoothing < 0 || label_smoothing > 1)
    fail("label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
  const int64_t class_dim = input.dim() == 1 ? 0 : 1;
  const Tensor logp = log_softmax(input, class_dim, std::nullopt);
  if (input.sizes() != target.sizes())
    return nll_core("cross_entropy_loss", logp, target, weight, r, ignore_index, label_smoothing);
  // Class probabilities.
  if (!is_floating(target.dtype()))
    fail("Expected floating point type for target with class probabilities, got ", dtype_name(target.dtype()));
  if (ignore_index >= 0) fail("ignore_index is not supported for floating point target");
  const int64_t c = input.size(class_dim);
  if (weight && (weight->dim() != 1 || weight->numel() != c))
    fail("cross_entropy_loss: weight tensor should be defined either for all ", c,
         " classes or no classes but got weight tensor of shape: ", shape_string(weight->sizes()));
  Shape wshape(static_cast<size_t>(input.dim()), 1);
  wshape[static_cast<size_t>(class_dim)] = c;
  // The weight as a view broadcast along every dim but the class dim.
  Tensor w = scalar_to_tensor(Scalar(1.0), logp.dtype());
  if (weight) {
    Shape wshape(static_cast<size_t>(input.dim()), 1), wstride(static_cast<size_t>(input.dim()), 0);
    wshape[static_cast<size_t>(class_dim)] = c;
    wstride[static_cast<size_t>(class_dim)] = weight->stride(0);
    w = weight->as_strided(wshape, wstride, weight->offset());
  }
  const double ls = label_smoothing;
  Tensor terms = dispatch_floating(logp.dtype(), "cross_entropy_loss", [&](auto z) {
    using T = decltype(z);
    using A = opmath_t<T>;
    const A keep = static_cast<A>(1 - ls), spread = static_cast<A>(ls / static_cast<double>(c));
    return map<T, T, T, T>({logp, target, w}, [keep, spread](A lp, A y, A wt) {
      return -(lp * (y * keep + spread) * wt);
    });
  });
  if (r == Reduction::None) {
    const std::vector<int64_t> dims{class_dim};
    return sum(terms, std::span<const int64_t>(dims), false, std::nullopt);
  }
  const Tensor total = sum(terms, std::nullopt, false, std::nullopt);
  if (r == Reduction::Sum) return total;
  const double count = static_cast<double>(input.numel() / c);
  return dispatch_floating(total.dtype(), "cross_entropy_loss", [&](auto z) {
    using T = decltype(z);
    using A = opmath_t<T>;
    return map<T, T>({total}, [count](A v) {
      return count == 0 ? std::numeric_limits<A>::quiet_NaN() : static_cast<A>(v / count);
    });
  });
}

}  // namespace ember::cpu
