// quantized.cpp — quantize, dequantize and the integer products (see quantized.h).
#include "kernels/cpu/quantized.h"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernels/cpu/dnnl_util.h"
#include "kernels/cpu/linalg.h"
#include "kernels/cpu/nn_util.h"
#include "kernels/cpu/shape.h"
#include "tensor/convert.h"
#include "tensor/impl.h"
#include "tensor/iterator.h"

namespace ember::cpu {

namespace {

// Calls f(S{}) with S the stored integer type of quantized dtype t.
template <class F>
decltype(auto) visit_qint(DType t, F&& f) {
  switch (t) {
    case DType::QInt8: return f(int8_t{});
    case DType::QUInt8: return f(uint8_t{});
    case DType::QUInt4x2: return f(uint8_t{});  // one 4-bit value per byte in ember
    case DType::QInt32: return f(int32_t{});
    default: fail("quantized ops are not implemented for ", dtype_name(t), " tensors");
  }
}

inline int64_t quantize_value(float x, float inv_scale, int64_t zero_point, int64_t qmin, int64_t qmax) {
  const float r = std::nearbyint(x * inv_scale);
  // Mirrors static_cast<int64_t>(zero_point + Round(x * inv_scale)): the sum is a float.
  const float sum = static_cast<float>(zero_point) + r;
  int64_t q;
  if (std::isnan(sum)) q = 0;
  else if (sum >= 9.2e18f) q = qmax;
  else if (sum <= -9.2e18f) q = qmin;
  else q = static_cast<int64_t>(sum);
  return std::clamp(q, qmin, qmax);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define EMBER_QCLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define EMBER_QCLONES
#endif

// quantize_value for 8-bit results in plain float lanes (vectorised, cloned per ISA): NaN gives 0
// (clamped), products beyond +-2^21 clamp to lo or hi as they would unclamped, rounding to
// nearest even by adding and taking away 1.5 * 2^23, the zero point added in float.
template <class S>
inline void quantize_8bit_impl(const float* x, S* out, int64_t n, float inv, float zp) {
  const float lo = static_cast<float>(std::numeric_limits<S>::lowest()), hi = static_cast<float>(std::numeric_limits<S>::max());
  const float nan_value = std::min(std::max(0.0f, lo), hi);
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i] * inv;
    const bool nan = v != v;
    v = std::min(std::max(v, -2097152.0f), 2097152.0f);
    const float rounded = (v + 12582912.0f) - 12582912.0f;
    const float q = std::min(std::max(rounded + zp, lo), hi);
    out[i] = static_cast<S>(static_cast<int32_t>(nan ? nan_value : q));
  }
}
EMBER_QCLONES void quantize_u8(const float* x, uint8_t* out, int64_t n, float inv, float zp) {
  quantize_8bit_impl(x, out, n, inv, zp);
}
EMBER_QCLONES void quantize_s8(const float* x, int8_t* out, int64_t n, float inv, float zp) {
  quantize_8bit_impl(x, out, n, inv, zp);
}

void check_zero_point(int64_t zp, DType qdtype) {
  if (zp < quant_min(qdtype) || zp > quant_max(qdtype))
    fail("zero point ", zp, " is out of range for ", dtype_name(qdtype));
}

}  // namespace

// The int8 convolution's state for one weight (QuantizedWeight::int8): the weight as plain int8,
// the sum of each output channel's weights (the input zero point's share of every sum), the
// weight packed for each layout a primitive asked for, and the primitive per input geometry.
struct QuantizedConvInt8 {
  Tensor s8;                   // int8 [OC, IC/G, KH, KW], contiguous
  std::vector<int64_t> wsum;   // per output channel
  std::vector<int64_t> wabs;   // per output channel, the sum of |w| (bounds the sums)
  struct Prim {
    dnnl::primitive conv;
    dnnl::memory::desc weights;  // the layout it reads the weight in
    bool fused = false;          // requantizes inside (u8/s8 result) rather than giving int32 sums
  };
  dnnl_util::LruCache<Prim> prims{8};  // by input geometry
  std::mutex mu;                       // guards `packed`
  std::vector<std::pair<dnnl::memory::desc, std::pair<std::shared_ptr<Storage>, dnnl::memory>>> packed;
};

namespace {

Tensor as_float_contiguous(const Tensor& x, const char* op) {
  if (is_quantized(x.dtype())) fail(op, " expects a float tensor but got a quantized ", dtype_name(x.dtype()), " one");
  if (!is_floating(x.dtype())) fail(op, " expects a float tensor but got ", dtype_name(x.dtype()));
  return x.dtype() == DType::Float32 ? x.contiguous() : x.to(DType::Float32);
}

}  // namespace

Tensor quantize_per_tensor(const Tensor& x, double scale, int64_t zero_point, DType qdtype) {
  if (!is_quantized(qdtype) || qdtype == DType::QUInt4x2)
    fail("quantize_per_tensor: dtype must be qint8, quint8 or qint32, not ", dtype_name(qdtype));
  if (!(scale > 0) || !std::isfinite(scale)) fail("quantize_per_tensor: scale must be positive and finite, got ", scale);
  check_zero_point(zero_point, qdtype);
  Tensor xf = as_float_contiguous(x, "quantize_per_tensor");
  Tensor out = Tensor::empty_uninitialized(xf.sizes(), underlying_dtype(qdtype));
  const float inv = 1.0f / static_cast<float>(scale);
  const int64_t lo = quant_min(qdtype), hi = quant_max(qdtype);
  const float* src = xf.data<float>();
  if (qdtype == DType::QUInt8 || qdtype == DType::QInt8) {
    void* dst = out.raw_data();
    parallel_range(xf.numel(), kParallelGrain, [&](int64_t i0, int64_t i1) {
      if (qdtype == DType::QUInt8)
        quantize_u8(src + i0, static_cast<uint8_t*>(dst) + i0, i1 - i0, inv, static_cast<float>(zero_point));
      else
        quantize_s8(src + i0, static_cast<int8_t*>(dst) + i0, i1 - i0, inv, static_cast<float>(zero_point));
    });
    return make_quantized(out, qdtype, per_tensor_params(scale, zero_point));
  }
  visit_qint(qdtype, [&](auto tag) {
    using S = decltype(tag);
    S* dst = static_cast<S*>(out.raw_data());
    for (int64_t i = 0, n = xf.numel(); i < n; ++i) dst[i] = static_cast<S>(quantize_value(src[i], inv, zero_point, lo, hi));
  });
  return make_quantized(out, qdtype, per_tensor_params(scale, zero_point));
}

Tensor quantize_per_channel(const Tensor& x, const Tensor& scales, const Tensor& zero_points, int64_t axis,
                            DType qdtype) {
  if (!is_quantized(qdtype) || qdtype == DType::QUInt4x2)
    fail("quantize_per_channel: dtype must be qint8, quint8 or qint32, not ", dtype_name(qdtype));
  Tensor xf = as_float_contiguous(x, "quantize_per_channel");
  if (axis < 0) axis += xf.dim();
  if (axis < 0 || axis >= xf.dim()) fail("quantize_per_channel: axis ", axis, " is out of range for ", xf.dim(), " dims");
  const int64_t c = xf.size(axis);
  if (scales.dim() != 1 || scales.numel() != c || zero_points.dim() != 1 || zero_points.numel() != c)
    fail("quantize_per_channel: expected ", c, " scales and zero points along axis ", axis);
  auto q = std::make_shared<QuantParams>();
  const bool float_zp = is_floating(zero_points.dtype());
  q->scheme = float_zp ? QScheme::PerChannelAffineFloatQParams : QScheme::PerChannelAffine;
  q->scales = scales.to(DType::Float64).contiguous();
  q->zero_points = zero_points.to(float_zp ? DType::Float64 : DType::Int64).contiguous();
  q->axis = axis;
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < xf.dim(); ++d) inner *= xf.size(d);
  const int64_t outer = xf.numel() / std::max<int64_t>(1, c * inner);
  Tensor out = Tensor::empty_uninitialized(xf.sizes(), underlying_dtype(qdtype));
  const int64_t lo = quant_min(qdtype), hi = quant_max(qdtype);
  const float* src = xf.data<float>();
  const double* sc = q->scales.data<double>();
  visit_qint(qdtype, [&](auto tag) {
    using S = decltype(tag);
    S* dst = static_cast<S*>(out.raw_data());
    for (int64_t ch = 0; ch < c; ++ch) {
      if (!(sc[ch] > 0)) fail("quantize_per_channel: scale ", sc[ch], " of channel ", ch, " is not positive");
      if (float_zp) {
        // Float qparams (embedding tables): x / scale + zp, rounded.
        const float scale = static_cast<float>(sc[ch]);
        const float zp = static_cast<float>(q->zero_points.data<double>()[ch]);
        const float inv = 1.0f / scale;
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t i = 0; i < inner; ++i) {
            const int64_t k = (o * c + ch) * inner + i;
            const float v = std::nearbyint(src[k] * inv + zp);
            dst[k] = static_cast<S>(std::clamp<float>(v, static_cast<float>(lo), static_cast<float>(hi)));
          }
      } else {
        const int64_t zp = q->zero_points.data<int64_t>()[ch];
        check_zero_point(zp, qdtype);
        const float inv = 1.0f / static_cast<float>(sc[ch]);
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t i = 0; i < inner; ++i) {
            const int64_t k = (o * c + ch) * inner + i;
            dst[k] = static_cast<S>(quantize_value(src[k], inv, zp, lo, hi));
          }
      }
    }
  });
  return make_quantized(out, qdtype, std::move(q));
}

Tensor dequantize(const Tensor& qt) {
  const QuantParams& q = qparams(qt);
  Tensor ints = int_repr_view(qt).contiguous();
  Tensor out = Tensor::empty_uninitialized(ints.sizes(), DType::Float32);
  float* dst = out.data<float>();
  const int64_t n = ints.numel();
  visit_qint(qt.dtype(), [&](auto tag) {
    using S = decltype(tag);
    const S* src = static_cast<const S*>(ints.raw_data());
    if (!q.per_channel()) {
      const float scale = static_cast<float>(q.scale);
      const int64_t zp = q.zero_point;
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(static_cast<int64_t>(src[i]) - zp) * scale;
      return;
    }
    const int64_t axis = q.axis, c = ints.size(axis);
    int64_t inner = 1;
    for (int64_t d = axis + 1; d < ints.dim(); ++d) inner *= ints.size(d);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t ch = (i / inner) % c;
      const float scale = static_cast<float>(q.channel_scale(ch));
      if (q.scheme == QScheme::PerChannelAffineFloatQParams)
        dst[i] = (static_cast<float>(src[i]) - static_cast<float>(q.channel_zero_point(ch))) * scale;
      else
        dst[i] = static_cast<float>(static_cast<int64_t>(src[i]) - static_cast<int64_t>(q.channel_zero_point(ch))) * scale;
    }
  });
  return out;
}

Tensor int_repr(const Tensor& q) { return int_repr_view(q).clone(); }

Tensor centered_float(const Tensor& qt) {
  const QuantParams& q = qparams(qt);
  if (q.per_channel()) fail("expected a per-tensor quantized tensor");
  Tensor ints = int_repr_view(qt).contiguous();
  Tensor out = Tensor::empty_uninitialized(ints.sizes(), DType::Float32);
  float* dst = out.data<float>();
  visit_qint(qt.dtype(), [&](auto tag) {
    using S = decltype(tag);
    const S* src = static_cast<const S*>(ints.raw_data());
    for (int64_t i = 0, n = ints.numel(); i < n; ++i) dst[i] = static_cast<float>(static_cast<int64_t>(src[i]) - q.zero_point);
  });
  return out;
}

Tensor requantize(const Tensor& qt, double scale, int64_t zero_point) {
  const QuantParams& q = qparams(qt);
  if (!q.per_channel() && q.scale == scale && q.zero_point == zero_point) return qt;
  return quantize_per_tensor(dequantize(qt), scale, zero_point, qt.dtype());
}

void choose_qparams(float min, float max, int64_t qmin, int64_t qmax, double* scale_out, int64_t* zp_out) {
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  double scale = (static_cast<double>(max) - min) / static_cast<double>(qmax - qmin);
  if (static_cast<float>(scale) == 0.0f || std::isinf(1.0f / static_cast<float>(scale))) scale = 0.1;
  if (scale < FLT_MIN) {
    // Ranges too small for a normal float scale are widened (PyTorch's QuantUtils does the same).
    scale = FLT_MIN;
    if (min < 0) min = static_cast<float>(-static_cast<double>(qmax - qmin) * scale);  // keep the range symmetric-ish
    else max = static_cast<float>(static_cast<double>(qmax - qmin) * scale);
  }
  const double zp_from_min = qmin - min / scale;
  const double zp_from_max = qmax - max / scale;
  const double zp_from_min_error = std::abs(static_cast<double>(qmin)) - std::abs(min / scale);
  const double zp_from_max_error = std::abs(static_cast<double>(qmax)) - std::abs(max / scale);
  const double initial = zp_from_min_error < zp_from_max_error ? zp_from_min : zp_from_max;
  int64_t zp;
  if (initial < qmin) zp = qmin;
  else if (initial > qmax) zp = qmax;
  else zp = static_cast<int64_t>(std::nearbyint(initial));
  *scale_out = static_cast<float>(scale);
  *zp_out = zp;
}

QuantizedWeight prepare_quantized_weight(const Tensor& weight, const std::optional<Tensor>& bias, int64_t axis) {
  const QuantParams& q = qparams(weight);
  if (weight.dtype() != DType::QInt8 && weight.dtype() != DType::QUInt8)
    fail("quantized weights must be qint8 or quint8, not ", dtype_name(weight.dtype()));
  if (weight.dim() < 1) fail("quantized weight must have at least one dimension");
  QuantizedWeight w;
  w.weight = weight;
  const int64_t c = weight.size(axis);
  if (q.per_channel()) {
    if (q.axis != axis) fail("per-channel weight quantized along dim ", q.axis, ", expected ", axis);
    if (q.scheme == QScheme::PerChannelAffineFloatQParams) fail("weights with float zero points are not supported here");
  }
  Tensor ints = int_repr_view(weight).contiguous();
  w.centered = Tensor::empty_uninitialized(ints.sizes(), DType::Float32);
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < ints.dim(); ++d) inner *= ints.size(d);
  float* dst = w.centered.data<float>();
  std::vector<int64_t> zps(static_cast<size_t>(c));
  for (int64_t ch = 0; ch < c; ++ch) zps[static_cast<size_t>(ch)] = static_cast<int64_t>(q.channel_zero_point(ch));
  visit_qint(weight.dtype(), [&](auto tag) {
    using S = decltype(tag);
    const S* src = static_cast<const S*>(ints.raw_data());
    const int64_t outer = ints.numel() / std::max<int64_t>(1, c * inner);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t ch = 0; ch < c; ++ch) {
        const int64_t zp = zps[static_cast<size_t>(ch)];
        const int64_t base = (o * c + ch) * inner;
        for (int64_t i = 0; i < inner; ++i) dst[base + i] = static_cast<float>(static_cast<int64_t>(src[base + i]) - zp);
      }
  });
  if (q.per_channel()) {
    w.scales.resize(static_cast<size_t>(c));
    for (int64_t ch = 0; ch < c; ++ch) w.scales[static_cast<size_t>(ch)] = q.channel_scale(ch);
  } else {
    w.scales = {q.scale};
  }
  if (bias) {
    if (bias->dim() != 1) fail("bias must be 1-D, got ", shape_string(bias->sizes()));
    w.bias = bias->to(DType::Float32).contiguous();
  }
  bool symmetric = weight.dtype() == DType::QInt8 && axis == 0;
  for (int64_t ch = 0; ch < c && symmetric; ++ch) symmetric = q.channel_zero_point(ch) == 0;
  if (symmetric && (weight.dim() == 4 || weight.dim() == 2) && weight.numel() > 0) {
    // A linear layer's [OC, K] weight is kept as the [OC, K, 1, 1] of a 1x1 convolution.
    auto s = std::make_shared<QuantizedConvInt8>();
    s->s8 = Tensor::empty_uninitialized(weight.dim() == 2 ? Shape{ints.size(0), ints.size(1), 1, 1} : Shape(ints.sizes().begin(), ints.sizes().end()),
                                        DType::Int8);
    std::memcpy(s->s8.raw_data(), ints.raw_data(), static_cast<size_t>(ints.numel()));
    const int8_t* v = s->s8.data<int8_t>();
    const int64_t row = ints.numel() / c;
    s->wsum.resize(static_cast<size_t>(c));
    s->wabs.resize(static_cast<size_t>(c));
    for (int64_t ch = 0; ch < c; ++ch) {
      int64_t sum = 0, abs_sum = 0;
      for (int64_t i = 0; i < row; ++i) sum += v[ch * row + i], abs_sum += std::abs(static_cast<int64_t>(v[ch * row + i]));
      s->wsum[static_cast<size_t>(ch)] = sum;
      s->wabs[static_cast<size_t>(ch)] = abs_sum;
    }
    w.int8 = std::move(s);
  }
  return w;
}

namespace {

// nearbyint(x) + zp clamped to [lo, hi], as PyTorch's engines requantize a scaled sum. The rounding
// is the round-to-nearest-even of adding and taking away 1.5 * 2^23, exact for |x| < 2^22; x is
// clamped to +-2^21 first, which changes no result (anything that large clamps to lo or hi). Plain
// float arithmetic, so loops over it vectorise.
inline float requantized(float x, float lo, float hi, float zp) {
  x = std::min(std::max(x, -2097152.0f), 2097152.0f);
  const float rounded = (x + 12582912.0f) - 12582912.0f;
  return std::min(std::max(rounded + zp, lo), hi);
}

// How accumulators of one product become quantized outputs, per output channel, in one of the
// two ways PyTorch's engines do it (its archives do not say which engine will run them):
//   QNNPACK (per-tensor weights, the qnnpack qconfig's): the bias quantized to int32 with scale
//     x_scale * w_scale, nearbyint(float(acc + bias_q) * m) + y_zp with m = (w_scale * x_scale) *
//     (1 / y_scale) in float;
//   oneDNN / x86 (per-channel weights, the x86, fbgemm and onednn qconfigs'): scales as ideep
//     keeps them, reciprocals in float: bs = (1/x_scale) * (1/w_scale), the bias NOT rounded but
//     scaled to bias * bs in float, and the zero point added in float before rounding:
//     nearbyint((float(acc) + bias * bs) * ((1/y_scale) / bs) + y_zp).
// A per-channel weight selects the second. The clamp follows (relu clamps at y_zp).
struct Requant {
  std::vector<float> mult;
  std::vector<int64_t> bias_q;  // integer part of the bias (QNNPACK)
  std::vector<float> bias_f;    // float part of the bias in accumulator units (oneDNN)
  float lo = 0, hi = 0;
  float zp = 0;      // added after rounding (QNNPACK)
  float pre_zp = 0;  // added before rounding (oneDNN)
  bool onednn = false;

  Requant(const QuantizedWeight& w, double x_scale, double y_scale, int64_t y_zp, bool relu, DType out_dtype, int64_t c) {
    check_zero_point(y_zp, out_dtype);
    if (!(y_scale > 0)) fail("output scale must be positive, got ", y_scale);
    if (w.scales.size() != 1 && static_cast<int64_t>(w.scales.size()) != c)
      fail("weight has ", w.scales.size(), " channel scales for ", c, " output channels");
    if (w.bias && w.bias->numel() != c) fail("bias has ", w.bias->numel(), " elements for ", c, " output channels");
    onednn = qparams(w.weight).per_channel();
    mult.resize(static_cast<size_t>(c));
    bias_q.assign(static_cast<size_t>(c), 0);
    bias_f.assign(static_cast<size_t>(c), 0.0f);
    for (int64_t ch = 0; ch < c; ++ch) {
      const double w_scale = w.scales[w.scales.size() == 1 ? 0 : static_cast<size_t>(ch)];
      const size_t i = static_cast<size_t>(ch);
      if (onednn) {
        const float bs = static_cast<float>(1.0 / x_scale) * static_cast<float>(1.0 / w_scale);
        mult[i] = static_cast<float>(1.0 / y_scale) / bs;
        if (w.bias) bias_f[i] = w.bias->data<float>()[ch] * bs;
      } else {
        // generate_requantization_scales: float products, the output scale's reciprocal in float.
        const double prod = x_scale * w_scale;
        mult[i] = (static_cast<float>(w_scale) * static_cast<float>(x_scale)) * (1.0f / static_cast<float>(y_scale));
        if (w.bias) bias_q[i] = quantize_value(w.bias->data<float>()[ch], 1.0f / static_cast<float>(prod), 0, INT32_MIN, INT32_MAX);
      }
    }
    lo = static_cast<float>(relu ? std::max(quant_min(out_dtype), y_zp) : quant_min(out_dtype));
    hi = static_cast<float>(quant_max(out_dtype));
    (onednn ? pre_zp : zp) = static_cast<float>(y_zp);
  }

  // nearbyint((float(acc + bias_q) + bias_f) * m + pre_zp) + zp, clamped (requantized()).
  template <class S>
  S one(int64_t acc_plus_bias, float bias_float, float m) const {
    return static_cast<S>(requantized((static_cast<float>(acc_plus_bias) + bias_float) * m + pre_zp, lo, hi, zp));
  }
};

// Turns accumulators [N, C, inner] (int32, or exact integers in float32 from the float path)
// into the quantized result.
Tensor requantize_acc(const Tensor& acc, const QuantizedWeight& w, double x_scale, double y_scale, int64_t y_zp,
                      bool relu, DType out_dtype, int64_t channel_dim) {
  const int64_t c = acc.size(channel_dim);
  int64_t inner = 1;
  for (int64_t d = channel_dim + 1; d < acc.dim(); ++d) inner *= acc.size(d);
  const int64_t outer = acc.numel() / std::max<int64_t>(1, c * inner);
  const Requant rq(w, x_scale, y_scale, y_zp, relu, out_dtype, c);
  Tensor out = Tensor::empty_uninitialized(acc.sizes(), underlying_dtype(out_dtype));
  Tensor acc32 = acc.dtype() == DType::Int32 ? acc.contiguous() : acc.to(DType::Int32);
  const int32_t* a = acc32.data<int32_t>();
  visit_qint(out_dtype, [&](auto tag) {
    using S = decltype(tag);
    S* dst = static_cast<S*>(out.raw_data());
    parallel_range(outer * c, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(inner, 1)), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t ch = r % c;
        const float m = rq.mult[static_cast<size_t>(ch)];
        const int64_t b = rq.bias_q[static_cast<size_t>(ch)];
        const float bf = rq.bias_f[static_cast<size_t>(ch)];
        const int32_t* src = a + r * inner;
        S* o = dst + r * inner;
        for (int64_t i = 0; i < inner; ++i) o[i] = rq.template one<S>(src[i] + b, bf, m);
      }
    });
  });
  return make_quantized(out, out_dtype, per_tensor_params(y_scale, y_zp));
}

double per_tensor_scale(const Tensor& qx, const char* op) {
  const QuantParams& q = qparams(qx);
  if (q.per_channel()) fail(op, " expects a per-tensor quantized input");
  return q.scale;
}

}  // namespace

namespace {

// One pixel's channels of an int8 product requantized (Requant::one: bias holds the zero point's
// share and the integer bias, fbias the float one): int32 and float lanes only, so the compiler
// vectorises it, cloned per ISA.
template <class S>
inline void requant_row_impl(const int32_t* acc, const int32_t* bias, const float* fbias, const float* mult, float pre_zp,
                             float lo, float hi, float zp, S* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    // The sum wraps in int32 as the engines' int32 accumulators do (no overflow in C++ terms).
    const auto v = static_cast<int32_t>(static_cast<uint32_t>(acc[i]) + static_cast<uint32_t>(bias[i]));
    out[i] = static_cast<S>(static_cast<int32_t>(requantized((static_cast<float>(v) + fbias[i]) * mult[i] + pre_zp, lo, hi, zp)));
  }
}
EMBER_QCLONES void requant_row_u8(const int32_t* acc, const int32_t* bias, const float* fbias, const float* mult,
                                  float pre_zp, float lo, float hi, float zp, uint8_t* out, int64_t n) {
  requant_row_impl(acc, bias, fbias, mult, pre_zp, lo, hi, zp, out, n);
}
EMBER_QCLONES void requant_row_s8(const int32_t* acc, const int32_t* bias, const float* fbias, const float* mult,
                                  float pre_zp, float lo, float hi, float zp, int8_t* out, int64_t n) {
  requant_row_impl(acc, bias, fbias, mult, pre_zp, lo, hi, zp, out, n);
}

// The quantized convolution on oneDNN's int8 kernels, channels-last end to end (the layout those
// kernels read and write, and the one PyTorch's quantized engines return): x is copied into an
// NHWC buffer padded with its zero point (so padding adds nothing, as in PyTorch's engines) unless
// it arrives channels-last and unpadded; the raw integers are convolved exactly into int32 NHWC
// sums; each sum less x_zp * sum(w) of its channel is requantized. The result has NCHW sizes and
// NHWC strides.
Tensor quantized_conv_int8(const Tensor& qx, const QuantizedWeight& w, const ConvParams& p, double x_scale,
                           double y_scale, int64_t y_zp, bool relu) {
  using dnnl::memory;
  QuantizedConvInt8& st = *w.int8;
  const QuantParams& q = qparams(qx);
  const Shape out_sizes = conv_output_sizes(qx, w.centered, std::nullopt, p);
  const Requant rq(w, x_scale, y_scale, y_zp, relu, qx.dtype(), out_sizes[1]);
  Tensor ints = int_repr_view(qx);
  const int64_t N = ints.size(0), C = ints.size(1), H = ints.size(2), W = ints.size(3);
  const Shape& pe = p.padding_end.empty() ? p.padding : p.padding_end;
  const int64_t pt = p.padding[0], pl = p.padding[1], pb = pe[0], pr = pe[1];
  const int64_t Hp = H + pt + pb, Wp = W + pl + pr;
  const bool nhwc_in = is_channels_last_2d(ints);
  Tensor src;  // NHWC bytes [N, Hp, Wp, C]
  if (nhwc_in && !(pt || pl || pb || pr)) {
    src = ints;
  } else {
    src = Tensor::empty_uninitialized(std::vector<int64_t>{N, Hp, Wp, C}, ints.dtype());
    auto* d = static_cast<uint8_t*>(src.raw_data());
    const auto fill = static_cast<uint8_t>(q.zero_point);  // the same byte for qint8's two's complement
    Tensor in = nhwc_in ? ints : ints.contiguous();
    const auto* s = static_cast<const uint8_t*>(in.raw_data());
    parallel_range(N * Hp, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(Wp * C, 1)), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t n = r / Hp, y = r % Hp - pt;
        uint8_t* row = d + r * Wp * C;
        if (y < 0 || y >= H) {
          std::memset(row, fill, static_cast<size_t>(Wp * C));
          continue;
        }
        std::memset(row, fill, static_cast<size_t>(pl * C));
        std::memset(row + (pl + W) * C, fill, static_cast<size_t>(pr * C));
        uint8_t* o = row + pl * C;
        if (nhwc_in) {
          std::memcpy(o, s + (n * H + y) * W * C, static_cast<size_t>(W * C));
        } else {
          for (int64_t c = 0; c < C; ++c) {
            const uint8_t* plane = s + ((n * C + c) * H + y) * W;
            for (int64_t x = 0; x < W; ++x) o[x * C + c] = plane[x];
          }
        }
      }
    });
  }
  const memory::data_type src_t = qx.dtype() == DType::QUInt8 ? memory::data_type::u8 : memory::data_type::s8;
  const int64_t G = p.groups, OC = out_sizes[1], OH = out_sizes[2], OW = out_sizes[3];
  memory::dims wdims{OC / G, C / G, st.s8.size(2), st.s8.size(3)};
  if (G > 1) wdims.insert(wdims.begin(), G);
  const memory::dims sdims{N, C, Hp, Wp}, ddims{N, OC, OH, OW};
  const memory::dims strides{p.stride[0], p.stride[1]}, dil{p.dilation[0] - 1, p.dilation[1] - 1}, zero{0, 0};
  const memory::desc src_nhwc(sdims, src_t, memory::format_tag::acdb);
  // The requantization runs inside the primitive (fused: u8/s8 out, no int32 sums in memory) where
  // oneDNN's int8 kernel computes exactly the formula: it converts the int32 sum (the input zero
  // point's share subtracted in int32, as a runtime zero point) to float, adds the float bias,
  // multiplies by the per-channel scale, applies the post-ops, adds the output zero point, rounds
  // to nearest even and saturates, each a separate float step.
  //   oneDNN's way (per-channel weights) is that sequence as PyTorch's ideep sets it up: bias
  //     bias * bs, scale (1/y_scale)/bs, relu, y_zp before rounding.
  //   QNNPACK's way rounds before adding the zero point and adds the int32 bias to the int32 sum:
  //     an eltwise_round post-op rounds first (the zero point then adds exactly), and the bias as
  //     a float equals the integer sum only while every term and sum stays below 2^24 in
  //     magnitude, which the weights' absolute sums bound: fused only then.
  // Otherwise (or where oneDNN has no such kernel) the primitive gives int32 sums and the loop below
  // requantizes them.
  bool want_fused = rq.onednn;
  std::vector<float> qnnpack_bias;
  if (!rq.onednn) {
    const int64_t lo_x = quant_min(qx.dtype()), hi_x = quant_max(qx.dtype());
    const int64_t dev = std::max(q.zero_point - lo_x, hi_x - q.zero_point);
    want_fused = true;
    qnnpack_bias.resize(static_cast<size_t>(OC));
    for (int64_t oc = 0; oc < OC && want_fused; ++oc) {
      const int64_t b = rq.bias_q[static_cast<size_t>(oc)];
      want_fused = dev * st.wabs[static_cast<size_t>(oc)] + std::abs(b) < (int64_t{1} << 24);
      qnnpack_bias[static_cast<size_t>(oc)] = static_cast<float>(b);
    }
  }
  const memory::desc acc_nhwc(ddims, memory::data_type::s32, memory::format_tag::acdb);
  const memory::desc q_nhwc(ddims, src_t, memory::format_tag::acdb);
  const memory::desc bias_d(memory::dims{OC}, memory::data_type::f32, memory::format_tag::a);
  const memory::desc w_plain(wdims, memory::data_type::s8, G > 1 ? memory::format_tag::abcde : memory::format_tag::abcd);
  dnnl_util::PrimitiveKey key(want_fused ? (relu ? "qconv_fused_relu" : "qconv_fused") : "qconv");
  key.add(sdims).add(wdims).add(strides).add(dil).add(static_cast<int64_t>(src_t));
  if (want_fused) {
    // The scales and output zero point are baked into the primitive (constants of a call site).
    key.add(y_zp).add(static_cast<int64_t>(rq.onednn));
    for (float m : rq.mult) key.add(static_cast<double>(m));
  }
  const dnnl::engine& eng = dnnl_util::engine();
  const auto prim = st.prims.get_or_make(key.bytes(), [&] {
    auto made = std::make_shared<QuantizedConvInt8::Prim>();
    const memory::desc any_w(wdims, memory::data_type::s8, memory::format_tag::any);
    using dnnl::convolution_forward;
    if (want_fused) {
      dnnl::primitive_attr attr = dnnl_util::attr();
      attr.set_output_scales(2, rq.mult);
      attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
      if (y_zp != 0) attr.set_zero_points(DNNL_ARG_DST, 0, {static_cast<int32_t>(y_zp)});
      dnnl::post_ops ops;
      if (!rq.onednn) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_round, 0.0f, 0.0f);
      if (relu) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
      attr.set_post_ops(ops);
      try {
        convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_nhwc,
                                       any_w, bias_d, q_nhwc, strides, dil, zero, zero);
        convolution_forward::primitive_desc pd(desc, attr, eng);
        made->conv = convolution_forward(pd);
        made->weights = pd.weights_desc();
        made->fused = true;
        return std::shared_ptr<const QuantizedConvInt8::Prim>(made);
      } catch (const dnnl::error&) {
        // No fused int8 kernel for this geometry here: int32 sums below.
      }
    }
    convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_nhwc,
                                   any_w, acc_nhwc, strides, dil, zero, zero);
    convolution_forward::primitive_desc pd(desc, dnnl_util::attr(), eng);
    made->conv = convolution_forward(pd);
    made->weights = pd.weights_desc();
    return std::shared_ptr<const QuantizedConvInt8::Prim>(made);
  });
  dnnl::memory wmem;
  {
    std::lock_guard<std::mutex> lock(st.mu);
    for (auto& [desc, packed] : st.packed)
      if (desc == prim->weights) wmem = packed.second;
    if (!wmem) {
      std::shared_ptr<Storage> bytes;
      wmem = dnnl_util::reordered(dnnl::memory(w_plain, eng, st.s8.raw_data()), prim->weights, bytes);
      st.packed.push_back({prim->weights, {bytes, wmem}});
    }
  }
  const auto* src_data = const_cast<void*>(static_cast<const void*>(src.raw_data()));
  if (prim->fused) {
    Tensor out = Tensor::empty_uninitialized(std::vector<int64_t>{N, OH, OW, OC}, underlying_dtype(qx.dtype()));
    int32_t src_zp = static_cast<int32_t>(q.zero_point);
    const memory::desc one_s32(memory::dims{1}, memory::data_type::s32, memory::format_tag::a);
    float* bias_data = const_cast<float*>(rq.onednn ? rq.bias_f.data() : qnnpack_bias.data());
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, dnnl::memory(src_nhwc, eng, const_cast<void*>(src_data))},
        {DNNL_ARG_WEIGHTS, wmem},
        {DNNL_ARG_BIAS, dnnl::memory(bias_d, eng, bias_data)},
        {DNNL_ARG_DST, dnnl::memory(q_nhwc, eng, out.raw_data())},
        {DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC, dnnl::memory(one_s32, eng, &src_zp)}};
    dnnl_util::execute("quantized convolution", prim->conv, std::move(args));
    return make_quantized(permute(out, std::array<int64_t, 4>{0, 3, 1, 2}), qx.dtype(), per_tensor_params(y_scale, y_zp));
  }
  Tensor acc = Tensor::empty_uninitialized(std::vector<int64_t>{N, OH, OW, OC}, DType::Int32);
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, dnnl::memory(src_nhwc, eng, const_cast<void*>(src_data))},
      {DNNL_ARG_WEIGHTS, wmem},
      {DNNL_ARG_DST, dnnl::memory(acc_nhwc, eng, acc.raw_data())}};
  dnnl_util::execute("quantized convolution", prim->conv, std::move(args));
  // Requantize channel by channel along each pixel, the zero point's share folded into the bias
  // (in int32, wrapping like the engines' accumulators).
  std::vector<int32_t> bias(static_cast<size_t>(OC));
  for (int64_t oc = 0; oc < OC; ++oc)
    bias[static_cast<size_t>(oc)] = static_cast<int32_t>(static_cast<uint32_t>(
        rq.bias_q[static_cast<size_t>(oc)] - q.zero_point * st.wsum[static_cast<size_t>(oc)]));
  Tensor out = Tensor::empty_uninitialized(std::vector<int64_t>{N, OH, OW, OC}, underlying_dtype(qx.dtype()));
  const int32_t* a = acc.data<int32_t>();
  const bool u8 = qx.dtype() == DType::QUInt8;
  parallel_range(N * OH * OW, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(OC, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      if (u8)
        requant_row_u8(a + r * OC, bias.data(), rq.bias_f.data(), rq.mult.data(), rq.pre_zp, rq.lo, rq.hi, rq.zp, static_cast<uint8_t*>(out.raw_data()) + r * OC, OC);
      else
        requant_row_s8(a + r * OC, bias.data(), rq.bias_f.data(), rq.mult.data(), rq.pre_zp, rq.lo, rq.hi, rq.zp, static_cast<int8_t*>(out.raw_data()) + r * OC, OC);
    }
  });
  return make_quantized(permute(out, std::array<int64_t, 4>{0, 3, 1, 2}), qx.dtype(), per_tensor_params(y_scale, y_zp));
}

bool int8_conv_fits(const Tensor& qx, const QuantizedWeight& w, const ConvParams& p) {
  if (!w.int8 || p.transposed || qx.dim() != 4 || w.weight.dim() != 4) return false;
  if (qx.dtype() != DType::QUInt8 && qx.dtype() != DType::QInt8) return false;
  if (qparams(qx).per_channel() || p.stride.size() != 2 || p.groups <= 0) return false;
  for (size_t i = 0; i < 2; ++i)
    if (!p.output_padding.empty() && p.output_padding[i] != 0) return false;
  return true;
}

}  // namespace

Tensor quantized_conv(const Tensor& qx, const QuantizedWeight& w, const ConvParams& p, double y_scale, int64_t y_zp,
                      bool relu) {
  const double x_scale = per_tensor_scale(qx, "quantized convolution");
  if (int8_conv_fits(qx, w, p)) {
    try {
      return quantized_conv_int8(qx, w, p, x_scale, y_scale, y_zp, relu);
    } catch (const dnnl::error&) {
      // No int8 kernel for this geometry here (building the primitive failed): the float path
      // below computes the same sums.
    }
  }
  Tensor acc = convolution(centered_float(qx), w.centered, std::nullopt, p);
  return requantize_acc(acc, w, x_scale, y_scale, y_zp, relu, qx.dtype(), 1);
}

Tensor quantized_linear(const Tensor& qx, const QuantizedWeight& w, double y_scale, int64_t y_zp, bool relu) {
  const double x_scale = per_tensor_scale(qx, "quantized::linear");
  if (w.int8 && w.weight.dim() == 2 && qx.dim() >= 1 && (qx.dtype() == DType::QUInt8 || qx.dtype() == DType::QInt8) &&
      qx.size(-1) == w.weight.size(1) && qx.numel() > 0) {
    // The int8 path: rows of x as the pixels of a 1x1 convolution, [1, K, 1, M] channels-last over
    // x's [M, K] rows; its [1, OC, 1, M] channels-last result is the [M, OC] rows of the answer.
    // The same requantization as below (Requant), so the same numbers.
    const int64_t K = qx.size(-1), M = qx.numel() / K, OC = w.weight.size(0);
    Tensor rows = reshape(int_repr_view(qx).contiguous(), std::array<int64_t, 4>{1, 1, M, K});
    Tensor x4 = make_quantized(permute(rows, std::array<int64_t, 4>{0, 3, 1, 2}), qx.dtype(), qx.unsafe_impl()->qparams);
    QuantizedWeight w4 = w;
    w4.centered = reshape(w.centered, std::array<int64_t, 4>{OC, K, 1, 1});
    const ConvParams p = make_conv_params(2, Shape{1}, Shape{0}, Shape{1}, false, {}, 1);
    try {
      Tensor y4 = quantized_conv_int8(x4, w4, p, x_scale, y_scale, y_zp, relu);
      Shape out_sizes(qx.sizes().begin(), qx.sizes().end());
      out_sizes.back() = OC;
      Tensor ints = permute(int_repr_view(y4), std::array<int64_t, 4>{0, 2, 3, 1}).contiguous();  // [1, 1, M, OC]
      return make_quantized(reshape(ints, out_sizes), qx.dtype(), y4.unsafe_impl()->qparams);
    } catch (const dnnl::error&) {
      // No int8 kernel for this shape here: the float path below computes the same sums.
    }
  }
  Tensor acc = linear(centered_float(qx), w.centered, std::nullopt);
  return requantize_acc(acc, w, x_scale, y_scale, y_zp, relu, qx.dtype(), acc.dim() - 1);
}

Tensor quantized_linear_dynamic(const Tensor& x, const QuantizedWeight& w, bool reduce_range, bool relu) {
  Tensor xf = as_float_contiguous(x, "quantized::linear_dynamic");
  float mn = 0, mx = 0;
  const float* p = xf.data<float>();
  if (xf.numel() > 0) {
    mn = mx = p[0];
    for (int64_t i = 1, n = xf.numel(); i < n; ++i) mn = std::min(mn, p[i]), mx = std::max(mx, p[i]);
  }
  double scale;
  int64_t zp;
  choose_qparams(mn, mx, 0, reduce_range ? 127 : 255, &scale, &zp);
  Tensor qx = quantize_per_tensor(xf, scale, zp, DType::QUInt8);
  Tensor acc = linear(centered_float(qx), w.centered, std::nullopt);
  const int64_t c = acc.size(-1);
  const int64_t rows = acc.numel() / std::max<int64_t>(1, c);
  if (w.scales.size() != 1 && static_cast<int64_t>(w.scales.size()) != c)
    fail("weight has ", w.scales.size(), " channel scales for ", c, " outputs");
  if (w.bias && w.bias->numel() != c) fail("bias has ", w.bias->numel(), " elements for ", c, " outputs");
  float* a = acc.data<float>();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t ch = 0; ch < c; ++ch) {
      float v = std::nearbyint(a[r * c + ch]) * static_cast<float>(scale * w.scales[w.scales.size() == 1 ? 0 : static_cast<size_t>(ch)]);
      if (w.bias) v += w.bias->data<float>()[ch];
      a[r * c + ch] = relu ? std::max(v, 0.0f) : v;
    }
  return acc;
}

Tensor linear_fp16_weight(const Tensor& x, const Tensor& weight, const std::optional<Tensor>& bias, bool relu) {
  Tensor out = linear(as_float_contiguous(x, "quantized::linear_dynamic_fp16"), weight, bias);
  if (relu) {
    float* a = out.data<float>();
    for (int64_t i = 0, n = out.numel(); i < n; ++i) a[i] = std::max(a[i], 0.0f);
  }
  return out;
}

namespace {

// How a tensor's elements lie in memory, for the kernels below that walk storage directly.
enum class DenseLayout : uint8_t { Other, Contiguous, ChannelsLast };
DenseLayout dense_layout(const Tensor& t) {
  if (t.is_contiguous()) return DenseLayout::Contiguous;
  if (is_channels_last_2d(t)) return DenseLayout::ChannelsLast;
  return DenseLayout::Other;
}

// An uninitialised tensor of `sizes` (4-D NCHW sizes for ChannelsLast) laid out as `layout`.
Tensor empty_like_layout(std::span<const int64_t> sizes, DType dtype, DenseLayout layout) {
  if (layout != DenseLayout::ChannelsLast) return Tensor::empty_uninitialized(Shape(sizes.begin(), sizes.end()), dtype);
  Tensor t = Tensor::empty_uninitialized(std::vector<int64_t>{sizes[0], sizes[2], sizes[3], sizes[1]}, dtype);
  return permute(t, std::array<int64_t, 4>{0, 3, 1, 2});
}

// quantize_value(x, inv, zp, lo, hi) for 8-bit results where x * inv cannot be NaN (the callers
// check their scales): the product clamped to +-2^21 (larger values clamp to lo or hi either way),
// rounded to nearest even by adding and taking away 1.5 * 2^23, the zero point added, clamped.
inline float quantize_8bit(float x, float inv, float zp, float lo, float hi) {
  float v = x * inv;
  v = std::min(std::max(v, -2097152.0f), 2097152.0f);
  const float rounded = (v + 12582912.0f) - 12582912.0f;
  return std::min(std::max(rounded + zp, lo), hi);
}

struct QBinaryArgs {
  float sa, sb, inv, za, zb, zp, lo, hi;
  bool add, relu;
};

// c = quantize(dequantize(a) op dequantize(b)) element by element, each step as dequantize,
// quantized_binary and quantize_per_tensor compute it (float (q - zp) * scale; the sum or product
// in float; relu; quantize_value).
// Add/Relu are template arguments and every parameter a local copy, so that the loop has no
// branch and no load that the byte stores could alias: it vectorises.
template <class S, bool Add, bool Relu>
inline void qbinary_loop(const S* __restrict a, const S* __restrict b, S* __restrict c, int64_t n, QBinaryArgs k) {
  const float sa = k.sa, sb = k.sb, inv = k.inv, zp = k.zp, lo = k.lo, hi = k.hi;
  const int32_t za = static_cast<int32_t>(k.za), zb = static_cast<int32_t>(k.zb);
  for (int64_t i = 0; i < n; ++i) {
    const float da = static_cast<float>(static_cast<int32_t>(a[i]) - za) * sa;
    const float db = static_cast<float>(static_cast<int32_t>(b[i]) - zb) * sb;
    float v = Add ? da + db : da * db;
    if (Relu) v = std::max(v, 0.0f);
    c[i] = static_cast<S>(static_cast<int32_t>(quantize_8bit(v, inv, zp, lo, hi)));
  }
}
template <class S>
inline void qbinary_impl(const S* a, const S* b, S* c, int64_t n, const QBinaryArgs& k) {
  if (k.add)
    k.relu ? qbinary_loop<S, true, true>(a, b, c, n, k) : qbinary_loop<S, true, false>(a, b, c, n, k);
  else
    k.relu ? qbinary_loop<S, false, true>(a, b, c, n, k) : qbinary_loop<S, false, false>(a, b, c, n, k);
}
EMBER_QCLONES void qbinary_u8(const uint8_t* a, const uint8_t* b, uint8_t* c, int64_t n, const QBinaryArgs& k) {
  qbinary_impl(a, b, c, n, k);
}
EMBER_QCLONES void qbinary_s8(const int8_t* a, const int8_t* b, int8_t* c, int64_t n, const QBinaryArgs& k) {
  qbinary_impl(a, b, c, n, k);
}

// Scales for which no step of the 8-bit binary kernel can produce NaN: every dequantized value
// below 2^8 * 1e15 (sums and products stay finite) and a finite reciprocal of the output scale.
bool qbinary_scales_safe(double sa, double sb, double s) {
  const auto ok = [](double x) { return x > 0 && x < 1e15; };
  return ok(sa) && ok(sb) && ok(s) && std::isfinite(1.0f / static_cast<float>(s));
}

// The 8-bit per-tensor case of quantized_binary on two tensors of one dense layout, in that layout.
std::optional<Tensor> quantized_binary_8bit(QBinary op, const Tensor& qa, const Tensor& qb, double scale,
                                            int64_t zero_point, bool relu) {
  const DType qd = qa.dtype();
  if ((qd != DType::QUInt8 && qd != DType::QInt8) || qb.dtype() != qd) return std::nullopt;
  const QuantParams& pa = qparams(qa);
  const QuantParams& pb = qparams(qb);
  if (pa.per_channel() || pb.per_channel() || !qbinary_scales_safe(pa.scale, pb.scale, scale)) return std::nullopt;
  if (zero_point < quant_min(qd) || zero_point > quant_max(qd)) return std::nullopt;
  const DenseLayout layout = dense_layout(qa);
  if (layout == DenseLayout::Other || dense_layout(qb) != layout) return std::nullopt;
  QBinaryArgs k{};
  k.sa = static_cast<float>(pa.scale);
  k.sb = static_cast<float>(pb.scale);
  k.za = static_cast<float>(pa.zero_point);
  k.zb = static_cast<float>(pb.zero_point);
  k.inv = 1.0f / static_cast<float>(scale);
  k.zp = static_cast<float>(zero_point);
  k.lo = static_cast<float>(quant_min(qd));
  k.hi = static_cast<float>(quant_max(qd));
  k.add = op == QBinary::Add;
  k.relu = relu;
  Tensor out = empty_like_layout(qa.sizes(), underlying_dtype(qd), layout);
  const auto* a = static_cast<const uint8_t*>(int_repr_view(qa).raw_data());
  const auto* b = static_cast<const uint8_t*>(int_repr_view(qb).raw_data());
  auto* c = static_cast<uint8_t*>(out.raw_data());
  parallel_range(qa.numel(), kParallelGrain, [&](int64_t i0, int64_t i1) {
    if (qd == DType::QUInt8)
      qbinary_u8(a + i0, b + i0, c + i0, i1 - i0, k);
    else
      qbinary_s8(reinterpret_cast<const int8_t*>(a) + i0, reinterpret_cast<const int8_t*>(b) + i0,
                 reinterpret_cast<int8_t*>(c) + i0, i1 - i0, k);
  });
  return make_quantized(out, qd, per_tensor_params(scale, zero_point));
}

}  // namespace

namespace {

struct QPoolGeometry {
  int64_t batches, H, W, C;        // C: elements per pixel, contiguous (1 for NCHW planes)
  int64_t in_batch, out_batch;     // element strides between batches
  int64_t OH, OW, kh, kw, sh, sw, ph, pw, dh, dw;
};

// Max over each window of every channel at once (the channels of a pixel are contiguous); windows
// are clipped to the input, as PyTorch's padding never wins a max.
template <class S>
inline void qmax_window(S* __restrict o, const S* __restrict i, int64_t n) {
  for (int64_t c = 0; c < n; ++c) o[c] = std::max(o[c], i[c]);
}
template <class S>
inline void qmax_pool_rows(const S* in, S* out, const QPoolGeometry& geometry, int64_t r0, int64_t r1) {
  const QPoolGeometry g = geometry;  // a local copy: the byte stores below cannot alias it
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t b = r / g.OH, oy = r % g.OH;
    for (int64_t ox = 0; ox < g.OW; ++ox) {
      S* o = out + b * g.out_batch + (oy * g.OW + ox) * g.C;
      std::fill(o, o + g.C, std::numeric_limits<S>::lowest());
      for (int64_t ky = 0; ky < g.kh; ++ky) {
        const int64_t y = oy * g.sh - g.ph + ky * g.dh;
        if (y < 0 || y >= g.H) continue;
        for (int64_t kx = 0; kx < g.kw; ++kx) {
          const int64_t x = ox * g.sw - g.pw + kx * g.dw;
          if (x < 0 || x >= g.W) continue;
          qmax_window(o, in + b * g.in_batch + (y * g.W + x) * g.C, g.C);
        }
      }
    }
  }
}
EMBER_QCLONES void qmax_pool_u8(const uint8_t* in, uint8_t* out, const QPoolGeometry& g, int64_t r0, int64_t r1) {
  qmax_pool_rows(in, out, g, r0, r1);
}
EMBER_QCLONES void qmax_pool_s8(const int8_t* in, int8_t* out, const QPoolGeometry& g, int64_t r0, int64_t r1) {
  qmax_pool_rows(in, out, g, r0, r1);
}

}  // namespace

std::optional<Tensor> quantized_max_pool2d(const Tensor& qx, const PoolParams& p) {
  const DType qd = qx.dtype();
  if ((qd != DType::QUInt8 && qd != DType::QInt8) || qx.dim() != 4 || qparams(qx).per_channel()) return std::nullopt;
  if (p.kernel.size() != 2 || p.stride.size() != 2 || p.padding.size() != 2 || p.dilation.size() != 2) return std::nullopt;
  const DenseLayout layout = dense_layout(qx);
  if (layout == DenseLayout::Other) return std::nullopt;
  const int64_t N = qx.size(0), C = qx.size(1), H = qx.size(2), W = qx.size(3);
  QPoolGeometry g{};
  g.kh = p.kernel[0], g.kw = p.kernel[1], g.sh = p.stride[0], g.sw = p.stride[1];
  g.ph = p.padding[0], g.pw = p.padding[1], g.dh = p.dilation[0], g.dw = p.dilation[1];
  // What PyTorch accepts (the general path reports the rest): padding at most half the kernel,
  // every window starting inside the input or its left padding, non-empty output.
  if (2 * g.ph > g.kh || 2 * g.pw > g.kw || H <= 0 || W <= 0 || N <= 0 || C <= 0) return std::nullopt;
  g.OH = pool_output_size(H, g.kh, g.ph, g.sh, g.dh, p.ceil_mode);
  g.OW = pool_output_size(W, g.kw, g.pw, g.sw, g.dw, p.ceil_mode);
  if (g.OH <= 0 || g.OW <= 0) return std::nullopt;
  const Shape out_sizes{N, C, g.OH, g.OW};
  Tensor out = empty_like_layout(out_sizes, underlying_dtype(qd), layout);
  g.H = H, g.W = W;
  if (layout == DenseLayout::ChannelsLast) {
    g.batches = N, g.C = C;
    g.in_batch = N == 1 ? 0 : H * W * C;
    g.out_batch = g.OH * g.OW * C;
  } else {
    g.batches = N * C, g.C = 1;
    g.in_batch = H * W;
    g.out_batch = g.OH * g.OW;
  }
  const auto* in = static_cast<const uint8_t*>(int_repr_view(qx).raw_data());
  auto* o = static_cast<uint8_t*>(out.raw_data());
  const int64_t per_row = std::max<int64_t>(1, g.OW * g.C * g.kh * g.kw);
  parallel_range(g.batches * g.OH, std::max<int64_t>(1, kParallelGrain / per_row), [&](int64_t r0, int64_t r1) {
    if (qd == DType::QUInt8)
      qmax_pool_u8(in, o, g, r0, r1);
    else
      qmax_pool_s8(reinterpret_cast<const int8_t*>(in), reinterpret_cast<int8_t*>(o), g, r0, r1);
  });
  return make_quantized(out, qd, qx.unsafe_impl()->qparams);
}

Tensor quantized_binary(QBinary op, const Tensor& qa, const Tensor& qb, double scale, int64_t zero_point, bool relu) {
  if (qa.dtype() != qb.dtype()) fail("quantized binary op: both inputs must have the same dtype");
  if (qa.sizes() != qb.sizes()) fail("quantized binary op: shapes ", shape_string(qa.sizes()), " and ", shape_string(qb.sizes()), " differ");
  if (auto fast = quantized_binary_8bit(op, qa, qb, scale, zero_point, relu)) return *fast;
  Tensor a = dequantize(qa), b = dequantize(qb);
  float* pa = a.data<float>();
  const float* pb = b.data<float>();
  for (int64_t i = 0, n = a.numel(); i < n; ++i) {
    float v = op == QBinary::Add ? pa[i] + pb[i] : pa[i] * pb[i];
    pa[i] = relu ? std::max(v, 0.0f) : v;
  }
  return quantize_per_tensor(a, scale, zero_point, qa.dtype());
}

Tensor quantized_binary_scalar(QBinary op, const Tensor& qa, double b, bool relu) {
  const QuantParams& q = qparams(qa);
  if (q.per_channel()) fail("quantized scalar op expects a per-tensor quantized input");
  const int64_t lo = quant_min(qa.dtype()), hi = quant_max(qa.dtype());
  double s = q.scale;
  int64_t z = q.zero_point;
  if (op == QBinary::Add) {
    // Output parameters as PyTorch's add_scalar picks them: the scalar moves the zero point when
    // the result fits, else the scale stretches to cover the shifted range.
    const int64_t c_q = static_cast<int64_t>(std::nearbyint(b / s));
    if (lo > z - c_q) {
      s = (hi - (z - c_q)) / static_cast<double>(hi - lo) * s;
      z = lo;
    } else if (hi < z - c_q) {
      s = ((z - c_q) - lo) / static_cast<double>(hi - lo) * s;
      z = hi;
    } else {
      z = z - c_q;
    }
  } else {
    if (b == 0) {
      s = 1.0;
      z = 0;
    } else {
      s = std::fabs(b) * s;
      if (b < 0) z = hi - (z - lo);
    }
  }
  Tensor a = dequantize(qa);
  float* pa = a.data<float>();
  for (int64_t i = 0, n = a.numel(); i < n; ++i) {
    float v = op == QBinary::Add ? pa[i] + static_cast<float>(b) : pa[i] * static_cast<float>(b);
    pa[i] = relu ? std::max(v, 0.0f) : v;
  }
  return quantize_per_tensor(a, s, z, qa.dtype());
}

Tensor quantized_clamp(const Tensor& qx, std::optional<double> min, std::optional<double> max) {
  if (!min && !max) fail("clamp: At least one of 'min' or 'max' must not be None");
  if (!is_quantized(qx.dtype())) fail("quantized clamp expects a quantized tensor, got ", dtype_name(qx.dtype()));
  const QuantParams& p = qparams(qx);
  if (p.per_channel()) fail("clamp of a per-channel quantized tensor is not supported");
  const DType qd = qx.dtype();
  const int64_t qmin = quant_min(qd), qmax = quant_max(qd);
  const float inv_scale = 1.0f / static_cast<float>(p.scale);
  const int64_t lo = min ? quantize_value(static_cast<float>(*min), inv_scale, p.zero_point, qmin, qmax) : qmin;
  const int64_t hi = max ? quantize_value(static_cast<float>(*max), inv_scale, p.zero_point, qmin, qmax) : qmax;
  Tensor ints = int_repr(qx);  // a new contiguous tensor
  visit_qint(qd, [&](auto s) {
    using S = decltype(s);
    S* d = static_cast<S*>(ints.raw_data());
    for (int64_t i = 0, n = ints.numel(); i < n; ++i)
      d[i] = static_cast<S>(std::min<int64_t>(std::max<int64_t>(d[i], lo), hi));
  });
  return make_quantized(ints, qd, qx.unsafe_impl()->qparams);
}

namespace {

// acc [N, C, inner] of exact integer sums in float32 to real values in place: * x_scale * w_scale
// per channel, + bias.
void to_real(Tensor& acc, const QuantizedWeight& w, double x_scale, int64_t channel_dim) {
  const int64_t c = acc.size(channel_dim);
  int64_t inner = 1;
  for (int64_t d = channel_dim + 1; d < acc.dim(); ++d) inner *= acc.size(d);
  if (w.scales.size() != 1 && static_cast<int64_t>(w.scales.size()) != c)
    fail("weight has ", w.scales.size(), " channel scales for ", c, " output channels");
  if (w.bias && w.bias->numel() != c) fail("bias has ", w.bias->numel(), " elements for ", c, " output channels");
  float* a = acc.data<float>();
  const int64_t outer = acc.numel() / std::max<int64_t>(1, c * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t ch = 0; ch < c; ++ch) {
      const float m = static_cast<float>(x_scale * w.scales[w.scales.size() == 1 ? 0 : static_cast<size_t>(ch)]);
      const float b = w.bias ? w.bias->data<float>()[ch] : 0.0f;
      float* row = a + (o * c + ch) * inner;
      for (int64_t i = 0; i < inner; ++i) row[i] = row[i] * m + b;
    }
}

}  // namespace

Tensor quantized_conv_add(const Tensor& qx, const Tensor& qaccum, const QuantizedWeight& w, const ConvParams& p,
                          double y_scale, int64_t y_zp, bool relu) {
  const double x_scale = per_tensor_scale(qx, "quantized::conv2d_add");
  if (!is_quantized(qaccum.dtype())) fail("quantized::conv2d_add expects a quantized accum, got ", dtype_name(qaccum.dtype()));
  Tensor acc = convolution(centered_float(qx), w.centered, std::nullopt, p).contiguous();
  if (acc.sizes() != qaccum.sizes())
    fail("quantized::conv2d_add: accum has shape ", shape_string(qaccum.sizes()), ", the convolution gives ",
         shape_string(acc.sizes()));
  to_real(acc, w, x_scale, 1);
  Tensor extra = dequantize(qaccum).contiguous();
  float* a = acc.data<float>();
  const float* e = extra.data<float>();
  for (int64_t i = 0, n = acc.numel(); i < n; ++i) {
    const float v = a[i] + e[i];
    a[i] = relu ? std::max(v, 0.0f) : v;
  }
  return quantize_per_tensor(acc, y_scale, y_zp, qx.dtype());
}

Tensor quantized_linear_activation(const Tensor& qx, const QuantizedWeight& w, double y_scale, int64_t y_zp,
                                   QLinearActivation act, double negative_slope) {
  const double x_scale = per_tensor_scale(qx, "quantized::linear");
  Tensor acc = linear(centered_float(qx), w.centered, std::nullopt).contiguous();
  to_real(acc, w, x_scale, acc.dim() - 1);
  float* a = acc.data<float>();
  const float slope = static_cast<float>(negative_slope);
  for (int64_t i = 0, n = acc.numel(); i < n; ++i)
    a[i] = act == QLinearActivation::Tanh ? std::tanh(a[i]) : (a[i] >= 0 ? a[i] : a[i] * slope);
  return quantize_per_tensor(acc, y_scale, y_zp, qx.dtype());
}

}  // namespace ember::cpu
