// quantized_norm.cpp — layer, group, instance and batch norm of quantized tensors (see quantized_norm.h).
#include "kernels/cpu/quantized_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/quantized.h"

namespace ember::cpu {

namespace {

// The stored integers as int64, contiguous.
std::vector<int64_t> stored_ints(const Tensor& qx, const char* op) {
  if (qx.dtype() != DType::QUInt8 && qx.dtype() != DType::QInt8)
    fail(op, " expects a quint8 or qint8 tensor, got ", dtype_name(qx.dtype()));
  if (qparams(qx).per_channel()) fail(op, " on a per-channel quantized tensor is not supported");
  Tensor ints = int_repr_view(qx).contiguous();
  std::vector<int64_t> out(static_cast<size_t>(ints.numel()));
  if (qx.dtype() == DType::QUInt8) std::copy_n(ints.data<uint8_t>(), out.size(), out.begin());
  else std::copy_n(ints.data<int8_t>(), out.size(), out.begin());
  return out;
}

// quantize_val: zero_point + nearbyint(v * (1.0f / scale)) with the sum in float, clamped.
struct Quantizer {
  float inv_scale;
  int64_t zp, lo, hi;
  Quantizer(double scale, int64_t zero_point, DType dtype)
      : inv_scale(1.0f / static_cast<float>(scale)), zp(zero_point), lo(quant_min(dtype)), hi(quant_max(dtype)) {
    if (zero_point < lo || zero_point > hi) fail("zero point ", zero_point, " is out of range for ", dtype_name(dtype));
  }
  int64_t operator()(float v) const {
    const float sum = static_cast<float>(zp) + std::nearbyint(v * inv_scale);
    if (std::isnan(sum)) return lo;
    return std::clamp(static_cast<int64_t>(std::clamp(sum, -9.0e18f, 9.0e18f)), lo, hi);
  }
};

Tensor from_ints(const std::vector<int64_t>& q, const Tensor& like, double scale, int64_t zp) {
  Tensor out = Tensor::empty_uninitialized(like.sizes(), like.dtype() == DType::QUInt8 ? DType::UInt8 : DType::Int8);
  if (like.dtype() == DType::QUInt8) std::transform(q.begin(), q.end(), out.data<uint8_t>(), [](int64_t v) { return static_cast<uint8_t>(v); });
  else std::transform(q.begin(), q.end(), out.data<int8_t>(), [](int64_t v) { return static_cast<int8_t>(v); });
  return make_quantized(out, like.dtype(), per_tensor_params(scale, zp));
}

std::vector<float> float_values(const std::optional<Tensor>& t, int64_t n, const char* what, const char* op) {
  if (!t || !t->defined()) return {};
  if (t->numel() != n) fail(op, ": ", what, " has ", t->numel(), " elements, expected ", n);
  Tensor f = t->to(DType::Float32).contiguous();
  return std::vector<float>(f.data<float>(), f.data<float>() + n);
}

// Rows of n integers; gamma/beta index of element j of row r given by `index(r, j)`.
template <class Index>
std::vector<int64_t> normalize_rows(const std::vector<int64_t>& q, int64_t rows, int64_t n, float x_scale, int64_t x_zp,
                                    double eps, const std::vector<float>& gamma, const std::vector<float>& beta,
                                    bool per_channel, const Quantizer& quant, Index index) {
  std::vector<int64_t> out(q.size());
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t* row = q.data() + r * n;
    int64_t sum = 0, sum_sq = 0;
    for (int64_t j = 0; j < n; ++j) sum += row[j], sum_sq += row[j] * row[j];
    const float mean_shifted = static_cast<float>(sum) / static_cast<float>(n);
    const float mean = mean_shifted - static_cast<float>(x_zp);
    const float var = std::max(static_cast<float>(sum_sq) / static_cast<float>(n) - mean_shifted * mean_shifted, 0.0f);
    const float inv_std = static_cast<float>(x_scale / std::sqrt(static_cast<double>(var * x_scale * x_scale) + eps));
    for (int64_t j = 0; j < n; ++j) {
      const int64_t k = index(r, j);
      const float g = gamma.empty() ? 1.0f : gamma[static_cast<size_t>(k)];
      const float b = beta.empty() ? 0.0f : beta[static_cast<size_t>(k)];
      const float dq = static_cast<float>(row[j] - x_zp);
      // Group/instance norm fold the scale into gamma first; layer norm multiplies in turn.
      const float y = per_channel ? (dq - mean) * (inv_std * g) + b : (dq - mean) * inv_std * g + b;
      out[static_cast<size_t>(r * n + j)] = quant(y);
    }
  }
  return out;
}

}  // namespace

Tensor quantized_layer_norm(const Tensor& qx, std::span<const int64_t> normalized_shape,
                            const std::optional<Tensor>& weight, const std::optional<Tensor>& bias, double eps,
                            double y_scale, int64_t y_zp) {
  const char* op = "quantized::layer_norm";
  const int64_t nd = static_cast<int64_t>(normalized_shape.size());
  if (nd < 1 || nd > qx.dim()) fail(op, ": normalized_shape ", shape_string(normalized_shape), " does not fit input ", shape_string(qx.sizes()));
  int64_t n = 1;
  for (int64_t d = 0; d < nd; ++d) {
    if (qx.size(qx.dim() - nd + d) != normalized_shape[static_cast<size_t>(d)])
      fail(op, ": Given normalized_shape=", shape_string(normalized_shape), ", expected input with shape [*, ",
           shape_string(normalized_shape), "], but got input of size", shape_string(qx.sizes()));
    n *= normalized_shape[static_cast<size_t>(d)];
  }
  const std::vector<int64_t> q = stored_ints(qx, op);
  const QuantParams& p = qparams(qx);
  const int64_t rows = n == 0 ? 0 : qx.numel() / n;
  const auto gamma = float_values(weight, n, "weight", op), beta = float_values(bias, n, "bias", op);
  const Quantizer quant(y_scale, y_zp, qx.dtype());
  auto out = normalize_rows(q, rows, n, static_cast<float>(p.scale), p.zero_point, eps, gamma, beta, false, quant,
                            [](int64_t, int64_t j) { return j; });
  return from_ints(out, qx, y_scale, y_zp);
}

Tensor quantized_group_norm(const Tensor& qx, int64_t num_groups, const std::optional<Tensor>& weight,
                            const std::optional<Tensor>& bias, double eps, double y_scale, int64_t y_zp) {
  const char* op = "quantized::group_norm";
  if (qx.dim() < 2) fail(op, ": expected an input with at least 2 dimensions, got ", shape_string(qx.sizes()));
  const int64_t batch = qx.size(0), channels = qx.size(1);
  if (num_groups < 1 || channels % num_groups != 0)
    fail(op, ": Expected number of channels in input to be divisible by num_groups, but got input of shape ",
         shape_string(qx.sizes()), " and num_groups=", num_groups);
  const int64_t per_channel = batch * channels == 0 ? 0 : qx.numel() / (batch * channels);
  const int64_t channels_per_group = channels / num_groups;
  const int64_t n = channels_per_group * per_channel;
  const std::vector<int64_t> q = stored_ints(qx, op);
  const QuantParams& p = qparams(qx);
  const auto gamma = float_values(weight, channels, "weight", op), beta = float_values(bias, channels, "bias", op);
  const Quantizer quant(y_scale, y_zp, qx.dtype());
  auto out = normalize_rows(q, batch * num_groups, n, static_cast<float>(p.scale), p.zero_point, eps, gamma, beta, true,
                            quant, [=](int64_t r, int64_t j) {
                              return (r * channels_per_group + j / std::max<int64_t>(1, per_channel)) % channels;
                            });
  return from_ints(out, qx, y_scale, y_zp);
}

Tensor quantized_batch_norm(const Tensor& qx, const std::optional<Tensor>& weight, const std::optional<Tensor>& bias,
                            const Tensor& mean, const Tensor& var, double eps, double y_scale, int64_t y_zp, bool relu) {
  const char* op = "quantized::batch_norm";
  if (qx.dim() < 2) fail(op, ": expected an input with channels, got ", shape_string(qx.sizes()));
  const int64_t channels = qx.size(1);
  const int64_t inner = qx.numel() / std::max<int64_t>(1, qx.size(0) * channels);
  const auto w = float_values(weight, channels, "weight", op), b = float_values(bias, channels, "bias", op);
  const auto m = float_values(mean, channels, "running_mean", op), v = float_values(var, channels, "running_var", op);
  const std::vector<int64_t> q = stored_ints(qx, op);
  const QuantParams& p = qparams(qx);
  std::vector<float> alpha(static_cast<size_t>(channels)), beta(static_cast<size_t>(channels));
  for (size_t c = 0; c < alpha.size(); ++c) {
    // compute_fused_params: float products, the scale ratio in double.
    const float inv_sigma = static_cast<float>(1.0 / std::sqrt(v[c] + static_cast<float>(eps)));
    const float wv = w.empty() ? 1.0f : w[c], bv = b.empty() ? 0.0f : b[c];
    alpha[c] = static_cast<float>(inv_sigma * wv * (p.scale / y_scale));
    beta[c] = static_cast<float>((bv - m[c] * inv_sigma * wv) / y_scale);
  }
  const int64_t lo = quant_min(qx.dtype()), hi = quant_max(qx.dtype());
  if (y_zp < lo || y_zp > hi) fail("zero point ", y_zp, " is out of range for ", dtype_name(qx.dtype()));
  std::vector<int64_t> out(q.size());
  for (size_t i = 0; i < q.size(); ++i) {
    const size_t c = static_cast<size_t>((static_cast<int64_t>(i) / std::max<int64_t>(1, inner)) % std::max<int64_t>(1, channels));
    const float y = std::fma(alpha[c], static_cast<float>(q[i] - p.zero_point), beta[c]);
    int64_t r = y_zp + static_cast<int64_t>(std::nearbyint(std::clamp(y, -1.0e9f, 1.0e9f)));
    if (relu) r = std::max(r, y_zp);
    out[i] = std::clamp(r, lo, hi);
  }
  return from_ints(out, qx, y_scale, y_zp);
}

}  // namespace ember::cpu
