// quantized.h — the math of quantized tensors: quantize, dequantize, requantize, and the
// integer convolution and linear products of PyTorch's quantized engines.
//
// Rounding follows PyTorch's CPU kernels: quantize is zero_point + nearbyint(x * (1 / scale))
// in float, clamped to the dtype's range; dequantize is (q - zero_point) * scale. Convolution
// and linear accumulate (x - x_zp) * (w - w_zp) exactly and requantize as one of PyTorch's
// engines does; the archive does not say which engine will run it, so the weight decides:
//   per-tensor weights (the qnnpack qconfig): QNNPACK's way, the bias quantized to int32 with
//     scale x_scale * w_scale, nearbyint((acc + bias_q) * m) + y_zp with the multiplier
//     m = (w_scale * x_scale) * (1 / y_scale) computed in float;
//   per-channel weights (the x86, fbgemm and onednn qconfigs): oneDNN's way as PyTorch's ideep
//     sets it up, scales as float reciprocals, the float bias scaled but not rounded, the zero
//     point added before rounding: nearbyint((acc + bias * bs) * ((1/y_scale) / bs) + y_zp) with
//     bs = (1/x_scale) * (1/w_scale).
// Both match their engine exactly on the fixtures (resnet18, mobilenet_v2, shufflenet); the other
// engine can differ by a step where a product lands near a rounding tie.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "ember/tensor.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/pool.h"
#include "tensor/quantized.h"

namespace ember::cpu {

Tensor quantize_per_tensor(const Tensor& x, double scale, int64_t zero_point, DType qdtype);
Tensor quantize_per_channel(const Tensor& x, const Tensor& scales, const Tensor& zero_points,
                            int64_t axis, DType qdtype);
// A float32 tensor from a quantized one.
Tensor dequantize(const Tensor& q);
// The stored integers as a new contiguous tensor of the plain integer dtype.
Tensor int_repr(const Tensor& q);
// float32 values of (q - zero_point), exact integers; the per-tensor zero point only.
Tensor centered_float(const Tensor& q);
// `q`'s values under new per-tensor parameters.
Tensor requantize(const Tensor& q, double scale, int64_t zero_point);
// aten::quantize_per_tensor_dynamic and linear_dynamic's input: parameters covering [min, max]
// of `x` (and 0) over [qmin, qmax] as PyTorch's ChooseQuantizationParams picks them.
void choose_qparams(float min, float max, int64_t qmin, int64_t qmax, double* scale, int64_t* zero_point);

// A convolution's or linear layer's weights prepared once (packed at load): (w - w_zp) in float32
// (exact integers), the weight scale per output channel, the float bias.
struct QuantizedConvInt8;
struct QuantizedWeight {
  Tensor weight;       // the quantized weight as saved (for unpack)
  Tensor centered;     // float32 (w - w_zp), the weight's shape
  std::vector<double> scales;  // per output channel (one entry repeated for per-tensor)
  std::optional<Tensor> bias;  // float32 [C_out]
  // qint8 weights with every zero point 0 (symmetric observers: x86, fbgemm, onednn, and qnnpack's
  // default): what the int8 convolution kernels keep for them — the weight packed once per layout,
  // a primitive per input geometry, the per-channel weight sums. Null for other weights.
  std::shared_ptr<QuantizedConvInt8> int8;
};
// `weight` quantized qint8 (or quint8), per tensor or per channel along `axis`.
QuantizedWeight prepare_quantized_weight(const Tensor& weight, const std::optional<Tensor>& bias, int64_t axis);

// quantized::conv{1,2,3}d[_relu]: qx quint8 (or qint8) NC*; the result is quantized with
// (y_scale, y_zp) in qx's dtype; relu clamps at y_zp. 2-D convolutions with int8-ready weights
// (QuantizedWeight::int8) accumulate in int32 on oneDNN's int8 kernels (VNNI where the CPU has
// it); the others accumulate in float32 through the float convolution, exact while partial sums
// stay below 2^24.
Tensor quantized_conv(const Tensor& qx, const QuantizedWeight& w, const ConvParams& p, double y_scale,
                      int64_t y_zp, bool relu);
// quantized::linear[_relu]: qx [..., K], w [N, K].
Tensor quantized_linear(const Tensor& qx, const QuantizedWeight& w, double y_scale, int64_t y_zp, bool relu);
// PyTorch 2.x's oneDNN fusions, computed from their definition: the product in real units
// (exact integer sums * x_scale * w_scale + bias), then for quantized::conv2d_add[_relu] plus the
// dequantized `qaccum` (then relu), for linear_leaky_relu / linear_tanh through the activation,
// quantized with (y_scale, y_zp) in qx's dtype.
Tensor quantized_conv_add(const Tensor& qx, const Tensor& qaccum, const QuantizedWeight& w, const ConvParams& p,
                          double y_scale, int64_t y_zp, bool relu);
enum class QLinearActivation : uint8_t { LeakyRelu, Tanh };
Tensor quantized_linear_activation(const Tensor& qx, const QuantizedWeight& w, double y_scale, int64_t y_zp,
                                   QLinearActivation act, double negative_slope);
// quantized::linear_dynamic: float x quantized per call to quint8 over [min, max] (qmax 127
// when reduce_range), float32 result.
Tensor quantized_linear_dynamic(const Tensor& x, const QuantizedWeight& w, bool reduce_range, bool relu);
// quantized::linear_dynamic_fp16: weights rounded to float16, computed in float32.
Tensor linear_fp16_weight(const Tensor& x, const Tensor& weight_fp16_as_float, const std::optional<Tensor>& bias,
                          bool relu);

// quantized::add / mul (+relu) and their scalar forms: computed on the dequantized values in
// float, requantized with (scale, zero_point).
// quantized::clamp / aten::clamp and hardtanh of a quantized tensor: the bounds quantized with the
// input's parameters (quantize_val), the stored integers clamped between them; at least one bound.
Tensor quantized_clamp(const Tensor& qx, std::optional<double> min, std::optional<double> max);

// quantized::max_pool2d / aten::max_pool2d of a 4-D per-tensor quantized tensor, on the stored
// integers (exact: max picks a value), the result in the input's layout (channels-last stays
// channels-last). Nullopt where this kernel does not apply (other ranks, per-channel parameters,
// parameters PyTorch rejects): the caller takes the general path, which reports the errors.
std::optional<Tensor> quantized_max_pool2d(const Tensor& qx, const PoolParams& p);

enum class QBinary : uint8_t { Add, Mul };
Tensor quantized_binary(QBinary op, const Tensor& qa, const Tensor& qb, double scale, int64_t zero_point, bool relu);
Tensor quantized_binary_scalar(QBinary op, const Tensor& qa, double b, bool relu);

}  // namespace ember::cpu
