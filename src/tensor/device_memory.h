// tensor/device_memory.h — what the tensor layer needs from a device other than the CPU: memory
// and copies. A backend (src/kernels/<backend>/) implements DeviceMemory and registers it for its
// device type when it starts; Storage::allocate and Tensor::to(Device) reach device memory only
// through it, so nothing below the backend knows how a device allocates or copies.
//
// Without a registered backend, a tensor on that device cannot be made: the error says so.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "ember/device.h"
#include "ember/tensor.h"

namespace ember {

class DeviceMemory {
 public:
  virtual ~DeviceMemory() = default;
  // A block of at least `nbytes` on `device` (its index already resolved, >= 0), zero-filled
  // when `zero`; ember::Error when the device cannot give it. The Storage's device is `device`.
  virtual std::shared_ptr<Storage> allocate(size_t nbytes, Device device, bool zero) = 0;
  enum class Direction { HostToDevice, DeviceToHost, DeviceToDevice };
  // Copies `nbytes` contiguous bytes; `device` is the device side (the destination's for
  // DeviceToDevice). Returns when the bytes are in place.
  virtual void copy(void* dst, const void* src, size_t nbytes, Direction direction, Device device) = 0;
  // dst's elements set to src's (same device as dst, src already broadcast to dst's sizes, zero
  // strides allowed), converted to dst's dtype, following both tensors' strides: strided copies,
  // `to(dtype)` and `contiguous()` of this device's tensors. False when the backend cannot (then
  // the caller fails with a message naming the op).
  virtual bool copy_elements(const Tensor& /*dst*/, const Tensor& /*src*/) { return false; }
  // The index a device spelled without one ("cuda") means: the backend's current device.
  virtual int default_index() const { return 0; }
};

// Registers (or, with null, removes) the backend memory of a device type; the pointer must stay
// valid while registered. Not for the CPU, whose memory is built in.
void register_device_memory(DeviceType type, DeviceMemory* memory);
// The registered memory of `type`, or null.
DeviceMemory* find_device_memory(DeviceType type);
// The same, failing with a clear message naming `device` when no backend serves it.
DeviceMemory& device_memory(Device device);
// `device` with its index resolved (cuda -> cuda:0); the CPU keeps index -1.
Device resolve_device(Device device);

}  // namespace ember
