// driver.h — the NVIDIA driver, found at run time.
//
// ember is built without CUDA headers or libraries (Debian's main archive has no CUDA toolkit):
// the few driver entry points it calls are declared here from NVIDIA's public CUDA Driver API
// documentation and resolved with dlopen/dlsym from libcuda.so.1, which the NVIDIA driver
// installs. EMBER_CUDA_LIBS names a folder to look in first. On a machine without the driver
// nothing is loaded and `open()` says why, so one build serves machines with and without a GPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

// The driver's opaque context, declared as cuda.h declares it (global, `struct CUctx_st`), so a
// function pointer here has the very type of the driver's function.
struct CUctx_st;

namespace ember::cuda {

// The driver API's own types (cuda.h): CUresult is an enum whose 0 is CUDA_SUCCESS; CUdevice an
// int ordinal; CUdeviceptr a 64-bit device address; CUcontext an opaque handle.
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = ::CUctx_st*;

struct Driver {
  CUresult (*cuInit)(unsigned int flags) = nullptr;
  CUresult (*cuDriverGetVersion)(int* version) = nullptr;
  CUresult (*cuDeviceGetCount)(int* count) = nullptr;
  CUresult (*cuDeviceGet)(CUdevice* device, int ordinal) = nullptr;
  CUresult (*cuDeviceGetName)(char* name, int len, CUdevice device) = nullptr;
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext* context, CUdevice device) = nullptr;
  CUresult (*cuCtxSetCurrent)(CUcontext context) = nullptr;
  CUresult (*cuMemAlloc)(CUdeviceptr* ptr, size_t bytes) = nullptr;               // cuMemAlloc_v2
  CUresult (*cuMemFree)(CUdeviceptr ptr) = nullptr;                              // cuMemFree_v2
  CUresult (*cuMemcpyHtoD)(CUdeviceptr dst, const void* src, size_t bytes) = nullptr;  // _v2
  CUresult (*cuMemcpyDtoH)(void* dst, CUdeviceptr src, size_t bytes) = nullptr;        // _v2
  CUresult (*cuMemcpyDtoD)(CUdeviceptr dst, CUdeviceptr src, size_t bytes) = nullptr;  // _v2
  CUresult (*cuMemsetD8)(CUdeviceptr dst, unsigned char value, size_t count) = nullptr;  // _v2
  CUresult (*cuGetErrorString)(CUresult error, const char** text) = nullptr;

  int device_count = 0;
  int version = 0;  // e.g. 13000 for CUDA 13.0
};

// The driver, loaded and initialised once per process; null when it cannot be, with the reason in
// `why` ("libcuda.so.1 not found: ...", "cuInit failed: ...", "no CUDA device").
const Driver* open(std::string* why);

// Fails with ember::Error naming `what` and the driver's message when `r` is not CUDA_SUCCESS.
void check(const Driver& d, CUresult r, const char* what);

}  // namespace ember::cuda
