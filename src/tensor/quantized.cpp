// quantized.cpp — quantization parameters attached to tensors.
#include "tensor/quantized.h"
#include "core/check.h"
#include "tensor/impl.h"

#include <string_view>

namespace ember {

bool qscheme_from_name(std::string_view name, QScheme* out) {
  struct Entry { std::string_view name; QScheme scheme; };
  static constexpr Entry entries[] = {
      {"per_tensor_affine", QScheme::PerTensorAffine},
      {"per_channel_affine", QScheme::PerChannelAffine},
      {"per_tensor_symmetric", QScheme::PerTensorSymmetric},
      {"per_channel_symmetric", QScheme::PerChannelSymmetric},
      {"per_channel_affine_float_qparams", QScheme::PerChannelAffineFloatQParams},
  };
  for (const auto& e : entries)
    if (e.name == name) {
      *out = e.scheme;
      return true;
    }
  return false;
}

double QuantParams::channel_scale(int64_t c) const {
  return per_channel() ? scales.data<double>()[c] : scale;
}

double QuantParams::channel_zero_point(int64_t c) const {
  if (!per_channel()) return static_cast<double>(zero_point);
  if (zero_points.dtype() == DType::Float64) return zero_points.data<double>()[c];
  return static_cast<double>(zero_points.data<int64_t>()[c]);
}

const QuantParams& qparams(const Tensor& t) {
  if (!is_quantized(t.dtype()) || !t.unsafe_impl()->qparams)
    fail("expected a quantized tensor but got a ", dtype_name(t.dtype()), " one");
  return *t.unsafe_impl()->qparams;
}

Tensor make_quantized(const Tensor& t, DType qdtype, std::shared_ptr<const QuantParams> q) {
  if (!is_quantized(qdtype)) fail(dtype_name(qdtype), " is not a quantized dtype");
  if (t.dtype() != qdtype && t.dtype() != underlying_dtype(qdtype))
    fail("cannot hold ", dtype_name(t.dtype()), " values as ", dtype_name(qdtype));
  EMBER_ASSERT(q, "make_quantized without parameters");
  if (q->per_channel()) {
    if (q->axis < 0 || q->axis >= t.dim())
      fail("per-channel quantization axis ", q->axis, " is out of range for a tensor of ", t.dim(), " dims");
    const int64_t n = t.size(q->axis);
    if (q->scales.dim() != 1 || q->scales.numel() != n || q->scales.dtype() != DType::Float64 ||
        !q->scales.is_contiguous())
      fail("per-channel quantization needs ", n, " float64 scales along axis ", q->axis);
    const DType zd = q->scheme == QScheme::PerChannelAffineFloatQParams ? DType::Float64 : DType::Int64;
    if (q->zero_points.dim() != 1 || q->zero_points.numel() != n || q->zero_points.dtype() != zd ||
        !q->zero_points.is_contiguous())
      fail("per-channel quantization needs ", n, " ", dtype_name(zd), " zero points along axis ", q->axis);
  }
  auto impl = std::make_shared<TensorImpl>(*t.unsafe_impl());
  impl->dtype = qdtype;
  impl->qparams = std::move(q);
  return Tensor(std::move(impl));
}

std::shared_ptr<const QuantParams> per_tensor_params(double scale, int64_t zero_point) {
  auto q = std::make_shared<QuantParams>();
  q->scheme = QScheme::PerTensorAffine;
  q->scale = scale;
  q->zero_point = zero_point;
  return q;
}

Tensor int_repr_view(const Tensor& t) {
  qparams(t);
  auto impl = std::make_shared<TensorImpl>(*t.unsafe_impl());
  impl->dtype = underlying_dtype(t.dtype());
  impl->qparams.reset();
  return Tensor(std::move(impl));
}

int64_t quant_min(DType qdtype) {
  switch (qdtype) {
    case DType::QInt8: return -128;
    case DType::QUInt8: return 0;
    case DType::QInt32: return INT32_MIN;
    case DType::QUInt4x2: return 0;
    default: fail(dtype_name(qdtype), " is not a quantized dtype");
  }
}

int64_t quant_max(DType qdtype) {
  switch (qdtype) {
    case DType::QInt8: return 127;
    case DType::QUInt8: return 255;
    case DType::QInt32: return INT32_MAX;
    case DType::QUInt4x2: return 15;
    default: fail(dtype_name(qdtype), " is not a quantized dtype");
  }
}

}  // namespace ember
