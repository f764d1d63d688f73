// aten_util.h — argument conversions the aten_* registration files share: Scalar arguments keep
// their int/float/bool kind (promotion depends on it), in-place ops built from out-of-place
// kernels write their result back into self, and factories check their TensorOptions arguments.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "ops/kernel_util.h"
#include "tensor/elementwise.h"
#include "tensor/promotion.h"
#include "tensor/scalar.h"

namespace ember::ops {

template <>
struct FromValue<Scalar> {
  static Scalar get(const Value& v) {
    if (v.is_int()) return Scalar(v.int_unchecked());
    if (v.is_double()) return Scalar(v.double_unchecked());
    // PyTorch's dispatcher reads a Python bool given for a Scalar as the int 0 or 1.
    if (v.is_bool()) return Scalar(int64_t{v.bool_unchecked() ? 1 : 0});
    if (v.is_complex()) return Scalar(v.to_complex());
    fail("expected a number (Scalar) but got ", v.tag_name());
  }
};

// Writes `result` into self as an in-place op does (self's dtype must accept it) and returns self.
inline Tensor assign_inplace(const Tensor& self, const Tensor& result) {
  check_can_cast_to_output(result.dtype(), self.dtype());
  if (result.sizes() != self.sizes())
    fail("output with shape ", shape_string(self.sizes()), " doesn't match the broadcast shape ",
         shape_string(result.sizes()));
  copy_into(self, result);
  return self;
}

// A factory's TensorOptions arguments (layout, device, pin_memory) as a CPU-only, strided runtime
// can honour them; anything else is a clear error.
inline void check_options(const Value& layout, const std::optional<Device>& device,
                          const std::optional<bool>& pin_memory) {
  if (device && device->type != DeviceType::CPU)
    fail("ember runs tensors on the CPU only; cannot create a tensor on device '", device->str(), "'");
  if (!layout.is_none() && !(layout.is_int() && layout.int_unchecked() == 0))
    fail("ember supports only strided tensors (torch.strided); got layout ", layout.repr());
  if (pin_memory && *pin_memory) fail("cannot pin memory: ember runs on the CPU only");
}

inline std::span<const int64_t> as_span(const std::vector<int64_t>& v) { return {v.data(), v.size()}; }

}  // namespace ember::ops
