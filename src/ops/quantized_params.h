// quantized_params.h — the payloads of torch.classes.quantized.* packed-parameter objects, shared
// by their restore functions (quantized_classes.cpp) and the ops that run them (quantized_ops.cpp).
#pragma once

#include <optional>

#include "ember/tensor.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/quantized.h"
#include "kernels/cpu/quantized_embedding.h"
#include "kernels/cpu/quantized_rnn.h"

namespace ember::ops {

inline constexpr const char* kConv2dParams = "__torch__.torch.classes.quantized.Conv2dPackedParamsBase";
inline constexpr const char* kConv3dParams = "__torch__.torch.classes.quantized.Conv3dPackedParamsBase";
inline constexpr const char* kLinearParams = "__torch__.torch.classes.quantized.LinearPackedParamsBase";
inline constexpr const char* kCellParams = "__torch__.torch.classes.rnn.CellParamsBase";
inline constexpr const char* kEmbeddingParams = "__torch__.torch.classes.quantized.EmbeddingPackedParamsBase";

// Conv{2,3}dPackedParamsBase: a quantized convolution's weight and geometry. Conv1d modules
// store 2-D parameters with a unit first spatial dim, as PyTorch does.
struct PackedConvParams {
  cpu::QuantizedWeight weight;
  int64_t spatial = 2;
  Shape stride, padding, dilation, output_padding;
  int64_t groups = 1;
  bool transpose = false;
  cpu::ConvParams conv_params() const;
};

// LinearPackedParamsBase: qint8 weights (quantized::linear, linear_dynamic) or float weights
// rounded to float16 (linear_prepack_fp16, quantized::linear_dynamic_fp16).
struct PackedLinearParams {
  bool fp16 = false;
  cpu::QuantizedWeight weight;  // int8 form
  Tensor weight_fp16;           // fp16 form: float32 values rounded to float16
  std::optional<Tensor> bias;   // fp16 form's bias (float32)
};

// CellParamsBase: one (layer, direction) of a dynamic-quantized LSTM / GRU: its two linear
// products as LinearPackedParamsBase (their biases inside), int8 ("quantized_dynamic") or fp16
// ("quantized_fp16").
struct PackedCellParams {
  std::shared_ptr<const PackedLinearParams> ih, hh;
  bool reduce_range = false;
  cpu::DynamicCellWeights weights() const;
};

// EmbeddingPackedParamsBase: a quint8 (bit_rate 8) or quint4x2 (bit_rate 4) table quantized per
// row with float qparams.
struct PackedEmbeddingParams {
  Tensor weight;  // as saved, for unpack
  cpu::RowwiseTable table;
};

std::shared_ptr<const PackedConvParams> make_packed_conv(int64_t spatial, const Tensor& weight,
                                                         const std::optional<Tensor>& bias, Shape stride,
                                                         Shape padding, Shape dilation, Shape output_padding,
                                                         int64_t groups, bool transpose);
// The packed payloads travel as Capsules in the object's restored state (ops/custom_class.h).
Value payload_value(const char* qualname, std::shared_ptr<const void> payload);
const void* payload_of(const Value& object, const char* qualname);
template <class T>
const T& custom_payload(const Value& object, const char* qualname) {
  return *static_cast<const T*>(payload_of(object, qualname));
}
// Registers the packed-parameter classes with ops/custom_class.h.
void register_quantized_classes();

std::shared_ptr<const PackedLinearParams> make_packed_linear(const Tensor& weight, const std::optional<Tensor>& bias,
                                                             bool fp16);
std::shared_ptr<const PackedCellParams> make_packed_cell(std::shared_ptr<const PackedLinearParams> ih,
                                                         std::shared_ptr<const PackedLinearParams> hh, bool reduce_range,
                                                         bool fp16);
std::shared_ptr<const PackedEmbeddingParams> make_packed_embedding(const Tensor& weight);
// The payload of a LinearPackedParamsBase object, shared.
std::shared_ptr<const PackedLinearParams> shared_linear_params(const Value& object);

}  // namespace ember::ops
