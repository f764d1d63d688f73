#include "kernels/cpu/norm.h"

#include <cmath>
#include <string>
#include <vector>

#include "kernels/cpu/dnnl_util.h"
#include "kernels/cpu/nn_util.h"
#include "tensor/iterator.h"
#include "core/check.h"

namespace ember::cpu {
namespace {

// A 1-D per-channel tensor (weight, bias, running statistics) as doubles; `fill` when absent.
std::vector<double> channel_values(const OptTensor& t, int64_t n, double fill, const char* op,
                                   const char* name) {
  std::vector<double> out(static_cast<size_t>(n), fill);
  if (!t) return out;
  if (t->numel() != n)
    fail(op, ": expected ", name, " to have ", n, " elements, but got ", shape_string(t->sizes()));
  const Tensor c = t->contiguous();
  for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = c.at_double(i);
  return out;
}

// Writes doubles into a 1-D floating tensor in place (running statistics).
void store_values(const Tensor& t, const std::vector<double>& v, const char* op) {
  EMBER_ASSERT(t.numel() == static_cast<int64_t>(v.size()), "running statistic size");
  const int64_t stride = t.dim() == 0 ? 0 : t.stride(0);
  if (t.dim() > 1) fail(op, ": running statistics must be 1-dimensional");
  visit_floating(is_reduced_float(t.dtype()) ? DType::Float32 : t.dtype(), op, [&](auto z) {
    using T = decltype(z);
    if (t.dtype() != dtype_of<T>::value) fail(op, ": running statistics must be float32 or float64");
    T* p = t.data<T>();
    for (size_t i = 0; i < v.size(); ++i) p[static_cast<int64_t>(i) * stride] = static_cast<T>(v[i]);
  });
}

// Runs f on a float32/float64 contiguous version of `input` and converts tensor results back.
template <class F>
auto in_float(const Tensor& input, F&& f) {
  if (!is_reduced_float(input.dtype())) return f(input.contiguous());
  auto r = f(input.to(DType::Float32));
  if constexpr (std::is_same_v<decltype(r), Tensor>) {
    return r.to(input.dtype());
  } else {
    return std::apply([&](auto&... ts) { return std::make_tuple(ts.to(input.dtype())...); }, r);
  }
}

// y[o, c, i] = x[o, c, i] * alpha[o*C + c] + beta[o*C + c] when `per_outer`, else with
// alpha[c], beta[c]; x contiguous [outer, C, inner].
template <class T>
void scale_shift(const T* x, T* y, int64_t outer, int64_t C, int64_t inner,
                 const std::vector<double>& alpha, const std::vector<double>& beta) {
  const bool per_outer = static_cast<int64_t>(alpha.size()) == outer * C;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < C; ++c) {
      const size_t k = static_cast<size_t>(per_outer ? o * C + c : c);
      const double a = alpha[k], b = beta[k];
      const int64_t base = (o * C + c) * inner;
      for (int64_t i = 0; i < inner; ++i)
        y[base + i] = static_cast<T>(static_cast<double>(x[base + i]) * a + b);
    }
}

// Mean and biased variance of x[o, c, *] over (o, *) for every c (per_channel) or over * for
// every (o, c); two passes in double.
template <class T>
void moments(const T* x, int64_t outer, int64_t C, int64_t inner, bool per_channel,
             std::vector<double>& mean, std::vector<double>& var) {
  const size_t n_stats = static_cast<size_t>(per_channel ? C : outer * C);
  mean.assign(n_stats, 0.0);
  var.assign(n_stats, 0.0);
  const double count = static_cast<double>(per_channel ? outer * inner : inner);
  for (int pass = 0; pass < 2; ++pass) {
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t c = 0; c < C; ++c) {
        const size_t k = static_cast<size_t>(per_channel ? c : o * C + c);
        const T* p = x + (o * C + c) * inner;
        double acc = 0;
        if (pass == 0) {
          for (int64_t i = 0; i < inner; ++i) acc += static_cast<double>(p[i]);
          mean[k] += acc;
        } else {
          for (int64_t i = 0; i < inner; ++i) {
            const double d = static_cast<double>(p[i]) - mean[k];
            acc += d * d;
          }
          var[k] += acc;
        }
      }
    for (size_t k = 0; k < n_stats; ++k) {
      if (pass == 0) mean[k] /= count;
      else var[k] /= count;
    }
  }
}

Tensor from_doubles(const std::vector<double>& v, Shape sizes, DType dtype) {
  Tensor t = Tensor::empty(sizes, dtype);
  visit_floating(dtype, "normalization", [&](auto z) {
    using T = decltype(z);
    T* p = t.data<T>();
    for (size_t i = 0; i < v.size(); ++i) p[i] = static_cast<T>(v[i]);
  });
  return t;
}

void check_channels_input(const Tensor& input, const char* op) {
  if (input.dim() < 2)
    fail(op, ": expected an input with at least 2 dimensions, but got ", shape_string(input.sizes()));
}

// Per-channel alpha/beta from statistics, weight and bias: y = (x - mean) * invstd * w + b.
void fold(const std::vector<double>& mean, const std::vector<double>& invstd,
          const std::vector<double>& w, const std::vector<double>& b, int64_t C,
          std::vector<double>& alpha, std::vector<double>& beta) {
  alpha.resize(mean.size());
  beta.resize(mean.size());
  for (size_t k = 0; k < mean.size(); ++k) {
    const size_t c = k % static_cast<size_t>(C);
    alpha[k] = invstd[k] * w[c];
    beta[k] = b[c] - mean[k] * alpha[k];
  }
}

}  // namespace

// ---- batch norm ---------------------------------------------------------------------------------

Tensor batch_norm_inference_reference(const Tensor& input, const OptTensor& weight,
                                      const OptTensor& bias, const Tensor& mean,
                                      const Tensor& var, double eps) {
  const char* op = "batch_norm";
  check_channels_input(input, op);
  const int64_t C = input.size(1);
  const std::vector<double> m = channel_values(mean, C, 0, op, "running_mean");
  const std::vector<double> v = channel_values(var, C, 1, op, "running_var");
  const std::vector<double> w = channel_values(weight, C, 1, op, "weight");
  const std::vector<double> b = channel_values(bias, C, 0, op, "bias");
  std::vector<double> invstd(static_cast<size_t>(C)), alpha, beta;
  for (size_t c = 0; c < invstd.size(); ++c) invstd[c] = 1.0 / std::sqrt(v[c] + eps);
  fold(m, invstd, w, b, C, alpha, beta);
  return in_float(input, [&](const Tensor& x) {
    Tensor y = Tensor::empty(x.sizes(), x.dtype());
    visit_floating(x.dtype(), op, [&](auto z) {
      using T = decltype(z);
      scale_shift(x.data<T>(), y.data<T>(), x.size(0), C, prod(x.sizes(), 2, x.sizes().size()),
                  alpha, beta);
    });
    return y;
  });
}

Tensor batch_norm_inference_float(const Tensor& input_, const OptTensor& weight,
                                  const OptTensor& bias, const Tensor& mean, const Tensor& var,
                                  double eps) {
  const char* op = "batch_norm";
  check_channels_input(input_, op);
  if (input_.dtype() != DType::Float32)
    fail(op, ": the float32 kernel takes float32, got ", dtype_name(input_.dtype()));
  const int64_t C = input_.size(1);
  const std::vector<double> m = channel_values(mean, C, 0, op, "running_mean");
  const std::vector<double> v = channel_values(var, C, 1, op, "running_var");
  const std::vector<double> w = channel_values(weight, C, 1, op, "weight");
  const std::vector<double> b = channel_values(bias, C, 0, op, "bias");
  // PyTorch's inference form: y = x * alpha + beta with alpha = w / sqrt(var + eps) and
  // beta = b - mean * alpha per channel, the elementwise part in float.
  std::vector<float> alpha(static_cast<size_t>(C)), beta(static_cast<size_t>(C));
  for (size_t c = 0; c < alpha.size(); ++c) {
    const double a = w[c] / std::sqrt(v[c] + eps);
    alpha[c] = static_cast<float>(a);
    beta[c] = static_cast<float>(b[c] - m[c] * a);
  }
  const Tensor x = input_.contiguous();
  Tensor y = Tensor::empty(x.sizes(), DType::Float32);
  const int64_t planes = x.size(0) * C, inner = prod(x.sizes(), 2, x.sizes().size());
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  // One (sample, channel) plane per step; planes are split over the threads.
  parallel_range(planes, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, inner)),
                 [&](int64_t p0, int64_t p1) {
                   for (int64_t p = p0; p < p1; ++p) {
                     const float a = alpha[static_cast<size_t>(p % C)], s = beta[static_cast<size_t>(p % C)];
                     const float* xi = xp + p * inner;
                     float* yi = yp + p * inner;
                     for (int64_t i = 0; i < inner; ++i) yi[i] = xi[i] * a + s;
                   }
                 });
  return y;
}

namespace {

// native_batch_norm; `reference` runs eval mode on the reference kernel whatever the dtype
// (training mode always does).
std::tuple<Tensor, Tensor, Tensor> native_batch_norm_impl(const Tensor& input, const OptTensor& weight,
                                                          const OptTensor& bias,
                                                          const OptTensor& running_mean,
                                                          const OptTensor& running_var, bool training,
                                                          double momentum, double eps, bool reference) {
  const char* op = "batch_norm";
  check_channels_input(input, op);
  const int64_t C = input.size(1);
  const DType stat_dtype = is_reduced_float(input.dtype()) ? DType::Float32 : input.dtype();
  if (!training) {
    if (!running_mean || !running_var)
      fail(op, ": running_mean and running_var must be defined in evaluation mode");
    Tensor out = input.dtype() == DType::Float32 && !reference
                     ? batch_norm_inference_float(input, weight, bias, *running_mean, *running_var, eps)
                     : batch_norm_inference_reference(input, weight, bias, *running_mean,
                                                      *running_var, eps);
    return {out, Tensor::empty(Shape{0}, stat_dtype), Tensor::empty(Shape{0}, stat_dtype)};
  }
  // One value per channel is allowed, as in aten::native_batch_norm (F.batch_norm's Python
  // check, _verify_batch_size, is compiled into scripted code and raises there).
  const int64_t N = input.size(0), inner = prod(input.sizes(), 2, input.sizes().size());
  const std::vector<double> w = channel_values(weight, C, 1, op, "weight");
  const std::vector<double> b = channel_values(bias, C, 0, op, "bias");
  std::vector<double> mean, var, invstd, alpha, beta;
  Tensor out = in_float(input, [&](const Tensor& x) {
    visit_floating(x.dtype(), op, [&](auto z) {
      using T = decltype(z);
      moments(x.data<T>(), N, C, inner, true, mean, var);
    });
    invstd.resize(var.size());
    for (size_t c = 0; c < var.size(); ++c) invstd[c] = 1.0 / std::sqrt(var[c] + eps);
    fold(mean, invstd, w, b, C, alpha, beta);
    Tensor y = Tensor::empty(x.sizes(), x.dtype());
    visit_floating(x.dtype(), op, [&](auto z) {
      using T = decltype(z);
      scale_shift(x.data<T>(), y.data<T>(), N, C, inner, alpha, beta);
    });
    return y;
  });
  const double n = static_cast<double>(N * inner);
  if (running_mean) {
    std::vector<double> rm = channel_values(running_mean, C, 0, op, "running_mean");
    for (size_t c = 0; c < rm.size(); ++c) rm[c] = (1 - momentum) * rm[c] + momentum * mean[c];
    store_values(*running_mean, rm, op);
  }
  if (running_var) {
    std::vector<double> rv = channel_values(running_var, C, 1, op, "running_var");
    for (size_t c = 0; c < rv.size(); ++c)
      rv[c] = (1 - momentum) * rv[c] + momentum * var[c] * n / (n - 1);
    store_values(*running_var, rv, op);
  }
  return {out, from_doubles(mean, {C}, stat_dtype), from_doubles(invstd, {C}, stat_dtype)};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> native_batch_norm(const Tensor& input, const OptTensor& weight,
                                                     const OptTensor& bias,
                                                     const OptTensor& running_mean,
                                                     const OptTensor& running_var, bool training,
                                                     double momentum, double eps) {
  return native_batch_norm_impl(input, weight, bias, running_mean, running_var, training, momentum, eps, false);
}

std::tuple<Tensor, Tensor, Tensor> native_batch_norm_reference(const Tensor& input, const OptTensor& weight,
                                                               const OptTensor& bias,
                                                               const OptTensor& running_mean,
                                                               const OptTensor& running_var, bool training,
                                                               double momentum, double eps) {
  return native_batch_norm_impl(input, weight, bias, running_mean, running_var, training, momentum, eps, true);
}

Tensor batch_norm(const Tensor& input, const OptTensor& weight, const OptTensor& bias,
                  const OptTensor& running_mean, const OptTensor& running_var, bool training,
                  double momentum, double eps) {
  return std::get<0>(
      native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps));
}

// ---- layer norm ---------------------------------------------------------------------------------

namespace {

// Rows M and row length N after checking normalized_shape against the input's trailing sizes.
std::pair<int64_t, int64_t> layer_norm_rows(const Tensor& input,
                                            std::span<const int64_t> normalized_shape,
                                            const OptTensor& weight, const OptTensor& bias) {
  const size_t nd = normalized_shape.size(), dim = static_cast<size_t>(input.dim());
  if (nd == 0) fail("layer_norm: expected normalized_shape to be at least 1-dimensional");
  bool ok = dim >= nd;
  for (size_t i = 0; ok && i < nd; ++i) ok = input.size(static_cast<int64_t>(dim - nd + i)) == normalized_shape[i];
  if (!ok)
    fail("layer_norm: given normalized_shape=", shape_string(normalized_shape),
         ", expected input with shape [*, ", shape_string(normalized_shape).substr(1),
         ", but got input of size", shape_string(input.sizes()));
  for (const OptTensor* t : {&weight, &bias})
    if (*t && (*t)->sizes() != Shape(normalized_shape.begin(), normalized_shape.end()))
      fail("layer_norm: expected weight and bias of shape ", shape_string(normalized_shape),
           ", but got ", shape_string((*t)->sizes()));
  const int64_t N = prod(input.sizes(), dim - nd, dim);
  return {N == 0 ? 0 : input.numel() / N, N};
}

Shape layer_norm_stat_sizes(const Tensor& input, size_t nd) {
  Shape s = input.sizes();
  for (size_t i = s.size() - nd; i < s.size(); ++i) s[i] = 1;
  return s;
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> layer_norm_reference(const Tensor& input,
                                                        std::span<const int64_t> normalized_shape,
                                                        const OptTensor& weight,
                                                        const OptTensor& bias, double eps) {
  const char* op = "layer_norm";
  const auto rows = layer_norm_rows(input, normalized_shape, weight, bias);
  const int64_t M = rows.first, N = rows.second;  // (not a structured binding: clang 14 cannot capture one)
  const std::vector<double> w = channel_values(weight, N, 1, op, "weight");
  const std::vector<double> b = channel_values(bias, N, 0, op, "bias");
  const Shape stat_sizes = layer_norm_stat_sizes(input, normalized_shape.size());
  return in_float(input, [&](const Tensor& x) {
    Tensor y = Tensor::empty(x.sizes(), x.dtype());
    std::vector<double> mean, var;
    visit_floating(x.dtype(), op, [&](auto z) {
      using T = decltype(z);
      const T* xp = x.data<T>();
      T* yp = y.data<T>();
      moments(xp, M, 1, N, false, mean, var);
      for (int64_t r = 0; r < M; ++r) {
        const double rstd = 1.0 / std::sqrt(var[static_cast<size_t>(r)] + eps);
        var[static_cast<size_t>(r)] = rstd;
        for (int64_t j = 0; j < N; ++j) {
          const double v = (static_cast<double>(xp[r * N + j]) - mean[static_cast<size_t>(r)]) * rstd;
          yp[r * N + j] = static_cast<T>(v * w[static_cast<size_t>(j)] + b[static_cast<size_t>(j)]);
        }
      }
    });
    return std::make_tuple(y, from_doubles(mean, stat_sizes, x.dtype()),
                           from_doubles(var, stat_sizes, x.dtype()));
  });
}

std::tuple<Tensor, Tensor, Tensor> layer_norm_dnnl(const Tensor& input_,
                                                   std::span<const int64_t> normalized_shape,
                                                   const OptTensor& weight, const OptTensor& bias,
                                                   double eps) {
  const char* op = "layer_norm";
  const auto rows = layer_norm_rows(input_, normalized_shape, weight, bias);
  const int64_t M = rows.first, N = rows.second;  // (not a structured binding: clang 14 cannot capture one)
  if (input_.dtype() != DType::Float32)
    fail(op, ": the oneDNN kernel takes float32, got ", dtype_name(input_.dtype()));
  const Shape stat_sizes = layer_norm_stat_sizes(input_, normalized_shape.size());
  Tensor out = Tensor::empty(input_.sizes(), DType::Float32);
  Tensor mean = Tensor::empty(stat_sizes, DType::Float32);
  Tensor rstd = Tensor::empty(stat_sizes, DType::Float32);
  if (M == 0 || N == 0) return {out, mean, rstd};
  const Tensor input = input_.contiguous();
  auto row = [&](const OptTensor& t, double fill, const char* name) {
    return from_doubles(channel_values(t, N, fill, op, name), {N}, DType::Float32);
  };
  const Tensor w = row(weight, 1, "weight"), b = row(bias, 0, "bias");
  try {
    using namespace dnnl;
    const memory::desc md = dnnl_util::plain_desc(Shape{M, N}, DType::Float32);
    const memory::desc smd = dnnl_util::plain_desc(Shape{M}, DType::Float32);
    const memory::desc wmd = dnnl_util::plain_desc(Shape{N}, DType::Float32);
    // forward_training makes oneDNN write the statistics it used; rstd follows from variance.
    static dnnl_util::LruCache<primitive> cache(256);
    dnnl_util::PrimitiveKey key("layer_normalization");
    key.add(M).add(N).add(eps);
    const auto prim = cache.get_or_make(key.bytes(), [&] {
      layer_normalization_forward::desc desc(
          prop_kind::forward_training, md, smd, static_cast<float>(eps),
          normalization_flags::use_scale | normalization_flags::use_shift);
      layer_normalization_forward::primitive_desc pd(desc, dnnl_util::attr(), dnnl_util::engine());
      return std::make_shared<const primitive>(layer_normalization_forward(pd));
    });
    dnnl_util::execute(op, *prim,
                       {{DNNL_ARG_SRC, dnnl_util::wrap(input, md)},
                        {DNNL_ARG_DST, dnnl_util::wrap(out, md)},
                        {DNNL_ARG_MEAN, dnnl_util::wrap(mean, smd)},
                        {DNNL_ARG_VARIANCE, dnnl_util::wrap(rstd, smd)},
                        {DNNL_ARG_SCALE, dnnl_util::wrap(w, wmd)},
                        {DNNL_ARG_SHIFT, dnnl_util::wrap(b, wmd)}});
  } catch (const dnnl::error& e) {
    dnnl_util::rethrow(op, e);
  }
  float* r = rstd.data<float>();
  for (int64_t i = 0; i < M; ++i) r[i] = 1.0f / std::sqrt(r[i] + static_cast<float>(eps));
  return {out, mean, rstd};
}

std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input,
                                                     std::span<const int64_t> normalized_shape,
                                                     const OptTensor& weight,
                                                     const OptTensor& bias, double eps) {
  if (input.dtype() == DType::Float32)
    return layer_norm_dnnl(input, normalized_shape, weight, bias, eps);
  return layer_norm_reference(input, normalized_shape, weight, bias, eps);
}

Tensor layer_norm(const Tensor& input, std::span<const int64_t> normalized_shape,
                  const OptTensor& weight, const OptTensor& bias, double eps) {
  return std::get<0>(native_layer_norm(input, normalized_shape, weight, bias, eps));
}

// ---- group norm ---------------------------------------------------------------------------------

std::tuple<Tensor, Tensor, Tensor> native_group_norm(const Tensor& input, const OptTensor& weight,
                                                     const OptTensor& bias, int64_t groups,
                                                     double eps) {
  const char* op = "group_norm";
  check_channels_input(input, op);
  const int64_t N = input.size(0), C = input.size(1);
  if (groups <= 0 || C % groups != 0)
    fail(op, ": expected number of channels in input to be divisible by num_groups, but got "
             "input of shape ", shape_string(input.sizes()), " and num_groups=", groups);
  const int64_t inner = prod(input.sizes(), 2, input.sizes().size());
  const int64_t cg = C / groups;
  const std::vector<double> w = channel_values(weight, C, 1, op, "weight");
  const std::vector<double> b = channel_values(bias, C, 0, op, "bias");
  return in_float(input, [&](const Tensor& x) {
    std::vector<double> mean, var, alpha(static_cast<size_t>(N * C)), beta(alpha.size());
    Tensor y = Tensor::empty(x.sizes(), x.dtype());
    visit_floating(x.dtype(), op, [&](auto z) {
      using T = decltype(z);
      // A group's channels are contiguous: [N, G, cg * inner].
      moments(x.data<T>(), N, groups, cg * inner, false, mean, var);
      for (size_t k = 0; k < var.size(); ++k) var[k] = 1.0 / std::sqrt(var[k] + eps);
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c) {
          const size_t k = static_cast<size_t>(n * groups + c / cg), i = static_cast<size_t>(n * C + c);
          alpha[i] = var[k] * w[static_cast<size_t>(c)];
          beta[i] = b[static_cast<size_t>(c)] - mean[k] * alpha[i];
        }
      scale_shift(x.data<T>(), y.data<T>(), N, C, inner, alpha, beta);
    });
    return std::make_tuple(y, from_doubles(mean, {N, groups}, x.dtype()),
                           from_doubles(var, {N, groups}, x.dtype()));
  });
}

Tensor group_norm(const Tensor& input, int64_t groups, const OptTensor& weight,
                  const OptTensor& bias, double eps) {
  return std::get<0>(native_group_norm(input, weight, bias, groups, eps));
}

// ---- instance norm ------------------------------------------------------------------------------

Tensor instance_norm(const Tensor& input, const OptTensor& weight, const OptTensor& bias,
                     const OptTensor& running_mean, const OptTensor& running_var,
                     bool use_input_stats, double momentum, double eps) {
  const char* op = "instance_norm";
  check_channels_input(input, op);
  if (!use_input_stats) {
    if (!running_mean || !running_var)
      fail(op, ": expected running_mean and running_var to be defined when use_input_stats is "
               "false");
    return batch_norm(input, weight, bias, running_mean, running_var, false, momentum, eps);
  }
  const int64_t N = input.size(0), C = input.size(1);
  const int64_t inner = prod(input.sizes(), 2, input.sizes().size());
  const std::vector<double> w = channel_values(weight, C, 1, op, "weight");
  const std::vector<double> b = channel_values(bias, C, 0, op, "bias");
  std::vector<double> mean, var;
  Tensor out = in_float(input, [&](const Tensor& x) {
    std::vector<double> invstd, alpha, beta;
    Tensor y = Tensor::empty(x.sizes(), x.dtype());
    visit_floating(x.dtype(), op, [&](auto z) {
      using T = decltype(z);
      moments(x.data<T>(), N, C, inner, false, mean, var);
      invstd.resize(var.size());
      for (size_t k = 0; k < var.size(); ++k) invstd[k] = 1.0 / std::sqrt(var[k] + eps);
      fold(mean, invstd, w, b, C, alpha, beta);
      scale_shift(x.data<T>(), y.data<T>(), N, C, inner, alpha, beta);
    });
    return y;
  });
  // PyTorch normalises the input as one batch-norm batch of N*C channels and then averages the
  // N updated copies of each channel's running statistics.
  const double n = static_cast<double>(inner);
  if (running_mean) {
    std::vector<double> rm = channel_values(running_mean, C, 0, op, "running_mean");
    for (int64_t c = 0; c < C; ++c) {
      double m = 0;
      for (int64_t s = 0; s < N; ++s) m += mean[static_cast<size_t>(s * C + c)];
      rm[static_cast<size_t>(c)] = (1 - momentum) * rm[static_cast<size_t>(c)] + momentum * m / static_cast<double>(N);
    }
    store_values(*running_mean, rm, op);
  }
  if (running_var) {
    std::vector<double> rv = channel_values(running_var, C, 1, op, "running_var");
    for (int64_t c = 0; c < C; ++c) {
      double v = 0;
      for (int64_t s = 0; s < N; ++s) v += var[static_cast<size_t>(s * C + c)] * n / (n - 1);
      rv[static_cast<size_t>(c)] = (1 - momentum) * rv[static_cast<size_t>(c)] + momentum * v / static_cast<double>(N);
    }
    store_values(*running_var, rv, op);
  }
  return out;
}

}  // namespace ember::cpu
