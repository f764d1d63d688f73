// device_dispatch.h — which kernel a call site runs when its module is placed on a device.
//
// On the CPU every call site runs the op's `kernel`. On another device the lowering asks
// `kernel_for_device`: the op's kernel for that device's backend (Operator::paths) when it has
// one and it is ready (KernelPath::ready); the CPU kernel itself when the op reads no tensor bytes (sizes, dtypes, devices, and pure
// views, which only make new geometry over the same storage); otherwise the CPU kernel with
// explicit copies: its tensor arguments are copied to host memory, it runs, and its tensor
// results are copied back to the device. An argument the op writes in place (`Tensor(a!)`) gets
// the written bytes back. A view taken by such a call is a copy, not a view, of its input.
#pragma once

#include "ember/device.h"
#include "ember/value.h"
#include "ops/registry.h"

namespace ember::ops {

// `v` with its tensors on `device`: a tensor, or the tensors of a list or tuple (rebuilt, not
// edited, and only when one of them is elsewhere: the caller's list keeps its own tensors).
Value to_device(const Value& v, Device device);

// The backend whose kernels serve `type`, or false when no backend has kernels for it.
bool backend_of(DeviceType type, Backend* backend);

// The `ready` of ember's CUDA paths (KernelPath::ready): the driver can launch kernels and NVRTC
// loads. Without them the paths are passed over and ops run on the CPU with copies.
bool cuda_kernels_ready();

// True when the op's CPU kernel reads and writes no tensor bytes, so it runs unchanged on tensors
// of any device (aten::size, aten::dim, prim::device, aten::view, aten::permute, ...).
bool reads_no_tensor_data(const Operator& op);

enum class DeviceKernelKind { Native, AnyDevice, HostCopies };
struct DeviceKernel {
  Kernel kernel;
  DeviceKernelKind kind;
};
// The op's CPU kernel run on host copies of its tensor arguments, its results copied to `device`
// and what it writes in place copied back (the HostCopies kind below). A device kernel that
// declines a call (a form its code does not handle) runs this instead.
Kernel host_copies(const Operator& op, Device device);

// The kernel a call site of `op` runs on `device` (not the CPU), as described above.
DeviceKernel kernel_for_device(const Operator& op, Device device);

}  // namespace ember::ops
