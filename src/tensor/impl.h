// tensor/impl.h — the header behind an ember::Tensor handle. Internal: the public API reaches a
// tensor only through ember::Tensor's accessors; ember's own code includes this file where it
// needs a field the accessors do not give (setting requires_grad while unpickling, the quantized
// and nested tags).
#pragma once

#include <memory>
#include <vector>

#include "ember/tensor.h"

namespace ember {

// The meaning of a quantized tensor's integers (scale, zero point, per-channel parameters);
// defined in tensor/quantized.h. Null for every non-quantized tensor.
struct QuantParams;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  DType dtype = DType::Float32;
  Shape sizes;
  Shape strides;        // in elements
  int64_t offset = 0;   // in elements
  bool requires_grad = false;
  // Set on the minimal nested tensors nn.TransformerEncoder's fast path builds (see
  // kernels/cpu/nested.h): the data is stored padded as [B, T, ...] and entry b holds
  // nested_lengths[b] valid rows along dim 1. Null for every ordinary tensor; views and results
  // of other ops never carry it.
  std::shared_ptr<const std::vector<int64_t>> nested_lengths;
  // Set exactly when dtype is quantized; views share it.
  std::shared_ptr<const QuantParams> qparams;
};

}  // namespace ember
