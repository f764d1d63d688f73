// fake_quantize.cpp — fake quantization and the fused moving-average observer (see fake_quantize.h).
#include "kernels/cpu/fake_quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "tensor/broadcast.h"
#include "tensor/convert.h"

namespace ember::cpu {

namespace {

constexpr float kSmallScale = 6.1e-5f;  // quant_utils.h SMALL_SCALE_THRESHOLD

void check_range(int64_t quant_min, int64_t quant_max, const char* op) {
  if (quant_min > quant_max) fail(op, ": `quant_min` should be less than or equal to `quant_max`.");
}

void check_zero_point(int64_t zp, int64_t quant_min, int64_t quant_max, const char* op) {
  if (zp < quant_min || zp > quant_max) fail(op, ": `zero_point` must be between `quant_min` and `quant_max`.");
}

Tensor float_input(const Tensor& x, const char* op) {
  if (!is_floating(x.dtype())) fail(op, " expects a floating-point tensor, got ", dtype_name(x.dtype()));
  return x.dtype() == DType::Float32 ? x.contiguous() : x.to(DType::Float32);
}

// One value: PyTorch's fake_quant_tensor_cachemask / fake_quant_per_channel_cachemask_cpu.
inline float fake_one(float x, float scale, float inv_scale, int64_t zp, int64_t qmin, int64_t qmax, bool* inside) {
  // static_cast<int64_t>(zero_point + std::nearbyint(x * inv_scale)): the sum is a float.
  const float sum = static_cast<float>(zp) + std::nearbyint(x * inv_scale);
  int64_t q;
  if (std::isnan(sum)) q = std::numeric_limits<int64_t>::min();
  else if (sum >= 9.2e18f) q = std::numeric_limits<int64_t>::max();
  else if (sum <= -9.2e18f) q = std::numeric_limits<int64_t>::min();
  else q = static_cast<int64_t>(sum);
  *inside = q >= qmin && q <= qmax;
  return static_cast<float>((static_cast<double>(std::clamp(q, qmin, qmax)) - static_cast<double>(zp)) * scale);
}

// x (float32, contiguous) viewed as [outer, channels, inner] around `axis`.
struct Rows {
  int64_t outer = 1, channels = 1, inner = 1;
};
Rows rows_around(const Tensor& x, int64_t axis) {
  Rows r;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (d < axis) r.outer *= x.size(d);
    else if (d == axis) r.channels = x.size(d);
    else r.inner *= x.size(d);
  }
  return r;
}

std::pair<Tensor, Tensor> finish(const Tensor& like, Tensor out, Tensor mask, bool with_mask) {
  if (like.dtype() != DType::Float32) out = out.to(like.dtype());
  return {std::move(out), with_mask ? std::move(mask) : Tensor()};
}

std::vector<int64_t> integer_zero_points(const Tensor& zero_points, const char* op) {
  if (is_floating(zero_points.dtype()))
    fail(op, " with floating-point zero points (float_qparams) is not supported");
  Tensor z = zero_points.to(DType::Int64).contiguous();
  return std::vector<int64_t>(z.data<int64_t>(), z.data<int64_t>() + z.numel());
}

// The state tensors are written in place: they must be float32 (or an integer dtype for zero
// points) and contiguous, as the observer modules' buffers are.
float* float_state(const Tensor& t, const char* what) {
  if (t.dtype() != DType::Float32 || !t.is_contiguous())
    fail("fused_moving_avg_obs_fake_quant: ", what, " must be a contiguous float32 tensor, got ", dtype_name(t.dtype()));
  return t.data<float>();
}

void store_zero_point(const Tensor& t, int64_t i, int32_t v) {
  if (!t.is_contiguous()) fail("fused_moving_avg_obs_fake_quant: zero_point must be contiguous");
  switch (t.dtype()) {
    case DType::Int32: t.data<int32_t>()[i] = v; break;
    case DType::Int64: t.data<int64_t>()[i] = v; break;
    case DType::Float32: t.data<float>()[i] = static_cast<float>(v); break;
    default: fail("fused_moving_avg_obs_fake_quant: zero_point must be int32, got ", dtype_name(t.dtype()));
  }
}

Tensor all_true(const Shape& sizes) {
  Tensor m = Tensor::empty_uninitialized(sizes, DType::Bool);
  std::fill_n(m.data<bool>(), m.numel(), true);
  return m;
}

}  // namespace

std::pair<Tensor, Tensor> fake_quantize_per_tensor(const Tensor& x, float scale, int64_t zero_point, int64_t quant_min,
                                                   int64_t quant_max, bool with_mask) {
  const char* op = "fake_quantize_per_tensor_affine";
  check_range(quant_min, quant_max, op);
  check_zero_point(zero_point, quant_min, quant_max, op);
  Tensor xf = float_input(x, op);
  Tensor out = Tensor::empty_uninitialized(xf.sizes(), DType::Float32);
  Tensor mask = with_mask ? Tensor::empty_uninitialized(xf.sizes(), DType::Bool) : Tensor();
  const float inv_scale = 1.0f / scale;
  const float* src = xf.data<float>();
  float* dst = out.data<float>();
  bool* m = with_mask ? mask.data<bool>() : nullptr;
  for (int64_t i = 0, n = xf.numel(); i < n; ++i) {
    bool inside;
    dst[i] = fake_one(src[i], scale, inv_scale, zero_point, quant_min, quant_max, &inside);
    if (m) m[i] = inside;
  }
  return finish(x, std::move(out), std::move(mask), with_mask);
}

std::pair<Tensor, Tensor> fake_quantize_per_channel(const Tensor& x, const Tensor& scales, const Tensor& zero_points,
                                                    int64_t axis_in, int64_t quant_min, int64_t quant_max,
                                                    bool with_mask) {
  const char* op = "fake_quantize_per_channel_affine";
  check_range(quant_min, quant_max, op);
  Tensor xf = float_input(x, op);
  const int64_t axis = wrap_dim(axis_in, std::max<int64_t>(1, xf.dim()));
  if (xf.dim() == 0) fail(op, ": the input must have at least one dimension");
  const Rows r = rows_around(xf, axis);
  if (scales.dim() != 1 || scales.numel() != r.channels)
    fail(op, ": dimensions of scale and zero-point are not consistent with input tensor (", scales.numel(),
         " scales for ", r.channels, " channels)");
  if (zero_points.dim() != 1 || zero_points.numel() != r.channels)
    fail(op, ": dimensions of scale and zero-point are not consistent with input tensor (", zero_points.numel(),
         " zero points for ", r.channels, " channels)");
  Tensor s = scales.to(DType::Float32).contiguous();
  const std::vector<int64_t> zps = integer_zero_points(zero_points, op);
  for (int64_t zp : zps) check_zero_point(zp, quant_min, quant_max, op);
  Tensor out = Tensor::empty_uninitialized(xf.sizes(), DType::Float32);
  Tensor mask = with_mask ? Tensor::empty_uninitialized(xf.sizes(), DType::Bool) : Tensor();
  const float* src = xf.data<float>();
  float* dst = out.data<float>();
  bool* m = with_mask ? mask.data<bool>() : nullptr;
  for (int64_t o = 0; o < r.outer; ++o)
    for (int64_t c = 0; c < r.channels; ++c) {
      const float scale = s.data<float>()[c];
      const float inv_scale = 1.0f / scale;
      const int64_t zp = zps[static_cast<size_t>(c)];
      const int64_t base = (o * r.channels + c) * r.inner;
      for (int64_t i = 0; i < r.inner; ++i) {
        bool inside;
        dst[base + i] = fake_one(src[base + i], scale, inv_scale, zp, quant_min, quant_max, &inside);
        if (m) m[base + i] = inside;
      }
    }
  return finish(x, std::move(out), std::move(mask), with_mask);
}

void choose_fake_quant_qparams(float min, float max, int64_t qmin_in, int64_t qmax_in, bool symmetric, float* scale_out,
                               int32_t* zero_point_out) {
  if (!(min <= max))
    fail("In ChooseQuantizationParams, min should be less than or equal to max (the observer has seen no values)");
  const int32_t qmin = static_cast<int32_t>(qmin_in), qmax = static_cast<int32_t>(qmax_in);
  if (qmin >= qmax) fail("In ChooseQuantizationParams, qmin should be less than qmax");
  if (min < 0 && max > 0 && symmetric) {
    const int symmetric_qmin = -((qmax - qmin) / 2 + 1);
    const int symmetric_qmax = (qmax - qmin) / 2;
    const double max_scale = std::max(std::fabs(min / symmetric_qmin), std::fabs(max / symmetric_qmax));
    min = static_cast<float>(max_scale * symmetric_qmin);
    max = static_cast<float>(max_scale * symmetric_qmax);
  }
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  double scale = (static_cast<double>(max) - min) / (qmax - qmin);
  if (static_cast<float>(scale) == 0.0f || std::isinf(1.0f / static_cast<float>(scale))) scale = 0.1;
  if (scale < kSmallScale) {
    const float org_scale = static_cast<float>(scale);
    scale = kSmallScale;
    if (min == 0.0f) {
      max = kSmallScale * static_cast<float>(qmax - qmin);
    } else if (max == 0.0f) {
      min = -kSmallScale * static_cast<float>(qmax - qmin);
    } else {
      const float amplifier = kSmallScale / org_scale;
      min *= amplifier;
      max *= amplifier;
    }
  }
  const double zp_from_min = qmin - min / scale;
  const double zp_from_max = qmax - max / scale;
  const double zp_from_min_error = std::abs(qmin) - std::abs(min / scale);
  const double zp_from_max_error = std::abs(qmax) - std::abs(max / scale);
  double initial = zp_from_min_error < zp_from_max_error ? zp_from_min : zp_from_max;
  if (min < 0 && max > 0 && symmetric) initial = static_cast<double>(qmin + qmax) / 2;
  int32_t zp;
  if (initial < qmin) zp = qmin;
  else if (initial > qmax) zp = qmax;
  else zp = static_cast<int32_t>(std::nearbyint(initial));
  *scale_out = static_cast<float>(scale);
  *zero_point_out = zp;
}

std::pair<Tensor, Tensor> fused_moving_avg_obs_fake_quant(const Tensor& x, bool observer_on, bool fake_quant_on,
                                                          FusedObserverState& state, double averaging_const,
                                                          int64_t quant_min, int64_t quant_max, int64_t ch_axis,
                                                          bool per_row, bool symmetric) {
  const char* op = "fused_moving_avg_obs_fake_quant";
  if (ch_axis >= x.dim()) fail("Error in ", op, "_cpu: ch_axis must be < self.dim()");
  if (x.numel() == 0) return {x.clone(), Tensor::empty(x.sizes(), DType::Bool)};
  Tensor xf = float_input(x, op);
  const int64_t axis = per_row ? wrap_dim(ch_axis, xf.dim()) : 0;
  const Rows r = per_row ? rows_around(xf, axis) : Rows{1, 1, xf.numel()};
  const int64_t size = r.channels;
  if (per_row && state.running_min.numel() == 0)
    fail(op, ": the per-channel observer has no statistics yet (its running_min is empty); ember cannot resize "
         "the module's buffers: run the model in PyTorch once before saving");
  if (state.running_min.numel() != size || state.running_max.numel() != size)
    fail(op, ": running_min/running_max have ", state.running_min.numel(), " elements, expected ", size);
  float* run_min = float_state(state.running_min, "running_min");
  float* run_max = float_state(state.running_max, "running_max");
  if (observer_on) {
    const float c = static_cast<float>(averaging_const);
    const float* src = xf.data<float>();
    for (int64_t ch = 0; ch < size; ++ch) {
      float mn = std::numeric_limits<float>::infinity(), mx = -std::numeric_limits<float>::infinity();
      for (int64_t o = 0; o < r.outer; ++o) {
        const float* row = src + (o * r.channels + ch) * r.inner;
        for (int64_t i = 0; i < r.inner; ++i) {
          // aminmax propagates NaN
          const float v = row[i];
          if (std::isnan(v)) mn = mx = v;
          else if (!std::isnan(mn)) mn = std::min(mn, v), mx = std::max(mx, v);
        }
      }
      run_min[ch] = std::isinf(run_min[ch]) ? mn : run_min[ch] + c * (mn - run_min[ch]);
      run_max[ch] = std::isinf(run_max[ch]) ? mx : run_max[ch] + c * (mx - run_max[ch]);
    }
  }
  if (!fake_quant_on) return {x.clone(), all_true(x.sizes())};
  if (state.scale.numel() != size || state.zero_point.numel() != size)
    fail(op, ": scale/zero_point have ", state.scale.numel(), " elements, expected ", size);
  float* scale = float_state(state.scale, "scale");
  for (int64_t ch = 0; ch < size; ++ch) {
    int32_t zp;
    choose_fake_quant_qparams(run_min[ch], run_max[ch], quant_min, quant_max, symmetric, &scale[ch], &zp);
    store_zero_point(state.zero_point, ch, zp);
  }
  if (per_row) return fake_quantize_per_channel(x, state.scale, state.zero_point, axis, quant_min, quant_max, true);
  return fake_quantize_per_tensor(x, scale[0], static_cast<int64_t>(state.zero_point.to(DType::Int64).item_int()),
                                  quant_min, quant_max, true);
}

}  // namespace ember::cpu
