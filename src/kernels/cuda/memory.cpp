// memory.cpp — CUDA device memory (cuMemAlloc / cuMemcpy) behind tensor/device_memory.h.
#include "kernels/cuda/memory.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include "ember/error.h"
#include "kernels/cuda/driver.h"
#include "tensor/device_memory.h"

namespace ember::cuda {

namespace {

class CudaMemory final : public DeviceMemory {
 public:
  explicit CudaMemory(const Driver& d) : d_(d), contexts_(static_cast<size_t>(d.device_count), nullptr) {}

  std::shared_ptr<Storage> allocate(size_t nbytes, Device device, bool zero) override {
    make_current(device);
    CUdeviceptr p = 0;
    const CUresult r = d_.cuMemAlloc(&p, std::max<size_t>(nbytes, 1));
    if (r != 0) {
      const char* text = nullptr;
      d_.cuGetErrorString(r, &text);
      fail("cannot allocate ", nbytes, " bytes on ", device.str(), ": ", text ? text : "CUDA error");
    }
    if (zero && nbytes > 0) check(d_, d_.cuMemsetD8(p, 0, nbytes), "cuMemsetD8");
    const Driver* d = &d_;
    CudaMemory* self = this;
    std::shared_ptr<void> owner(reinterpret_cast<void*>(static_cast<uintptr_t>(p)), [d, self, device](void* q) {
      try {
        self->make_current(device);
      } catch (const Error&) {
        return;  // the context is gone (process exit): nothing left to free
      }
      d->cuMemFree(static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(q)));
    });
    return std::make_shared<Storage>(owner.get(), nbytes, owner, false, device);
  }

  void copy(void* dst, const void* src, size_t nbytes, Direction direction, Device device) override {
    if (nbytes == 0) return;
    make_current(device);
    const auto addr = [](const void* p) { return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p)); };
    switch (direction) {
      case Direction::HostToDevice: check(d_, d_.cuMemcpyHtoD(addr(dst), src, nbytes), "cuMemcpyHtoD"); break;
      case Direction::DeviceToHost: check(d_, d_.cuMemcpyDtoH(dst, addr(src), nbytes), "cuMemcpyDtoH"); break;
      case Direction::DeviceToDevice: check(d_, d_.cuMemcpyDtoD(addr(dst), addr(src), nbytes), "cuMemcpyDtoD"); break;
    }
  }

  void make_current(Device device) {
    if (device.index < 0 || device.index >= d_.device_count)
      fail(device.str(), " does not exist: this machine has ", d_.device_count, " CUDA device",
           d_.device_count == 1 ? "" : "s");
    CUcontext ctx;
    {
      std::lock_guard<std::mutex> lock(mu_);
      CUcontext& slot = contexts_[static_cast<size_t>(device.index)];
      if (!slot) {
        CUdevice dev = 0;
        check(d_, d_.cuDeviceGet(&dev, device.index), "cuDeviceGet");
        check(d_, d_.cuDevicePrimaryCtxRetain(&slot, dev), "cuDevicePrimaryCtxRetain");
      }
      ctx = slot;
    }
    check(d_, d_.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
  }

 private:
  const Driver& d_;
  std::mutex mu_;
  std::vector<CUcontext> contexts_;
};

}  // namespace

bool register_memory(std::string* why) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  if (find_device_memory(DeviceType::CUDA)) return true;
  const Driver* d = open(why);
  if (!d) return false;
  static CudaMemory* memory = new CudaMemory(*d);  // never destroyed: storages free into it until exit
  register_device_memory(DeviceType::CUDA, memory);
  return true;
}

}  // namespace ember::cuda
