// quantized.h — what a quantized tensor's integers mean.
//
// A quantized tensor stores integers (dtype qint8, quint8, qint32 or quint4x2) and carries
// QuantParams: real = (q - zero_point) * scale, per tensor or per slice along `axis`. Views share
// the parameters of the tensor they view. The scheme numbers are torch.qscheme's, which pickles
// and TorchScript code use.
#pragma once

#include <cstdint>
#include <memory>

#include "ember/tensor.h"

namespace ember {

enum class QScheme : int8_t {
  PerTensorAffine = 0,
  PerChannelAffine = 1,
  PerTensorSymmetric = 2,
  PerChannelSymmetric = 3,
  PerChannelAffineFloatQParams = 4,
};
// "per_tensor_affine", ... as torch names them; false when `name` is no scheme.
bool qscheme_from_name(std::string_view name, QScheme* out);

struct QuantParams {
  QScheme scheme = QScheme::PerTensorAffine;
  // Per-tensor schemes.
  double scale = 1.0;
  int64_t zero_point = 0;
  // Per-channel schemes: contiguous 1-D tensors with one entry per index of dim `axis`; scales
  // float64, zero points int64 (float64 for PerChannelAffineFloatQParams).
  Tensor scales;
  Tensor zero_points;
  int64_t axis = 0;

  bool per_channel() const {
    return scheme == QScheme::PerChannelAffine || scheme == QScheme::PerChannelSymmetric ||
           scheme == QScheme::PerChannelAffineFloatQParams;
  }
  double channel_scale(int64_t c) const;
  double channel_zero_point(int64_t c) const;  // an integer except for float qparams
};

// The parameters of a quantized tensor; fails when `t` is not quantized.
const QuantParams& qparams(const Tensor& t);
// Gives `t` (a quantized dtype, or the plain integer dtype it stores, which is reinterpreted) the
// parameters `q`; shares t's storage. Fails when the dtypes or per-channel sizes disagree.
Tensor make_quantized(const Tensor& t, DType qdtype, std::shared_ptr<const QuantParams> q);
std::shared_ptr<const QuantParams> per_tensor_params(double scale, int64_t zero_point);
// The stored integers of a quantized tensor as a view of the plain integer dtype (no copy).
Tensor int_repr_view(const Tensor& t);
// Smallest and largest stored value of a quantized dtype.
int64_t quant_min(DType qdtype);
int64_t quant_max(DType qdtype);

}  // namespace ember
