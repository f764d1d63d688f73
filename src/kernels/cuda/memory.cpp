// memory.cpp — CUDA device memory (cuMemAlloc / cuMemcpy) behind tensor/device_memory.h, with a
// caching allocator.
#include "kernels/cuda/memory.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "ember/error.h"
#include "kernels/cuda/driver.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/nvrtc.h"
#include "tensor/device_memory.h"
#include "tensor/elementwise_meta.h"

namespace ember::cuda {

namespace {

std::mutex g_context_mu;
std::vector<CUcontext> g_contexts;

// Freed blocks are kept by size and handed out again: cuMemAlloc and cuMemFree synchronise the
// device and cost tens of microseconds, more than a small kernel. All work runs on one stream in
// issue order, so a block freed after its last kernel was issued can be reused by a later one.
// Sizes round up (512 bytes, then to 1/8 of the next power of two above 1 MiB) so repeated calls
// of one model reuse the same blocks; when the device is full the cache is released and the
// allocation tried again. EMBER_CUDA_NO_CACHE=1 frees blocks at once (for memory checkers).
class CudaMemory final : public DeviceMemory {
 public:
  explicit CudaMemory(const Driver& d) : d_(d) {
    const char* e = std::getenv("EMBER_CUDA_NO_CACHE");
    cache_ = !(e && *e && *e != '0');
  }

  static size_t round_size(size_t n) {
    n = std::max<size_t>(n, 1);
    if (n <= (size_t{1} << 20)) return (n + 511) & ~size_t{511};
    size_t p = size_t{1} << 20;
    while (p < n) p <<= 1;
    const size_t step = p / 8;
    return (n + step - 1) / step * step;
  }

  std::shared_ptr<Storage> allocate(size_t nbytes, Device device, bool zero) override {
    make_current(device);
    const size_t size = round_size(nbytes);
    CUdeviceptr p = take_cached(device.index, size);
    if (!p) p = fresh(device, size, nbytes);
    if (zero && nbytes > 0) check(d_, d_.cuMemsetD8(p, 0, nbytes), "cuMemsetD8");
    CudaMemory* self = this;
    const int index = device.index;
    std::shared_ptr<void> owner(reinterpret_cast<void*>(static_cast<uintptr_t>(p)),
                                [self, index, size](void* q) { self->release(index, size, q); });
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

  // At exit: what the cache holds goes back to the driver, and so does every block freed later.
  void shutdown() {
    cache_ = false;
    release_cache();
  }

  bool copy_elements(const Tensor& dst, const Tensor& src) override {
    if (!kernels_ready(nullptr) || !has_cuda_type(dst.dtype()) || !has_cuda_type(src.dtype())) return false;
    cuda::copy_elements(dst, src);
    return true;
  }

 private:
  CUdeviceptr take_cached(int index, size_t size) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find({index, size});
    if (it == free_.end() || it->second.empty()) return 0;
    const CUdeviceptr p = it->second.back();
    it->second.pop_back();
    return p;
  }

  CUdeviceptr fresh(Device device, size_t size, size_t nbytes) {
    CUdeviceptr p = 0;
    CUresult r = d_.cuMemAlloc(&p, size);
    if (r != 0) {
      release_cache();
      make_current(device);
      r = d_.cuMemAlloc(&p, size);
    }
    if (r != 0) {
      const char* text = nullptr;
      d_.cuGetErrorString(r, &text);
      fail("cannot allocate ", nbytes, " bytes on ", device.str(), ": ", text ? text : "CUDA error");
    }
    return p;
  }

  void release(int index, size_t size, void* q) {
    const CUdeviceptr p = static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(q));
    if (cache_) {
      std::lock_guard<std::mutex> lock(mu_);
      if (cache_) {
        free_[{index, size}].push_back(p);
        return;
      }
    }
    try {
      make_current(Device{DeviceType::CUDA, index});
    } catch (const Error&) {
      return;  // the context is gone (process exit): nothing left to free
    }
    d_.cuMemFree(p);
  }

  void release_cache() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, blocks] : free_) {
      try {
        make_current(Device{DeviceType::CUDA, key.first});
      } catch (const Error&) {
        continue;
      }
      for (CUdeviceptr p : blocks) d_.cuMemFree(p);
      blocks.clear();
    }
  }

  const Driver& d_;
  std::atomic<bool> cache_{true};
  std::mutex mu_;
  std::map<std::pair<int, size_t>, std::vector<CUdeviceptr>> free_;
};

}  // namespace

void make_current(Device device) {
  std::string why;
  const Driver* d = open(&why);
  if (!d) fail("CUDA is not available: ", why);
  if (device.index < 0 || device.index >= d->device_count)
    fail(device.str(), " does not exist: this machine has ", d->device_count, " CUDA device",
         d->device_count == 1 ? "" : "s");
  CUcontext ctx;
  {
    std::lock_guard<std::mutex> lock(g_context_mu);
    if (g_contexts.size() < static_cast<size_t>(d->device_count))
      g_contexts.resize(static_cast<size_t>(d->device_count), nullptr);
    CUcontext& slot = g_contexts[static_cast<size_t>(device.index)];
    if (!slot) {
      CUdevice dev = 0;
      check(*d, d->cuDeviceGet(&dev, device.index), "cuDeviceGet");
      check(*d, d->cuDevicePrimaryCtxRetain(&slot, dev), "cuDevicePrimaryCtxRetain");
    }
    ctx = slot;
  }
  thread_local CUcontext current = nullptr;
  if (current == ctx) return;
  check(*d, d->cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
  current = ctx;
}

bool register_memory(std::string* why) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  if (find_device_memory(DeviceType::CUDA)) return true;
  const Driver* d = open(why);
  if (!d) return false;
  static CudaMemory* memory = new CudaMemory(*d);  // never destroyed: storages free into it until exit
  register_device_memory(DeviceType::CUDA, memory);
  std::atexit([] { memory->shutdown(); });
  if (kernels_ready(nullptr)) {
    static const DeviceElementwise runner{&run_binary, &run_unary};
    register_device_elementwise(DeviceType::CUDA, &runner);
  }
  return true;
}

}  // namespace ember::cuda
