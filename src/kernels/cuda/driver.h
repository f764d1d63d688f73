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
#include <vector>

// The driver's opaque context, declared as cuda.h declares it (global, `struct CUctx_st`), so a
// function pointer here has the very type of the driver's function.
struct CUctx_st;
struct CUmod_st;
struct CUfunc_st;
struct CUstream_st;

namespace ember::cuda {

// The driver API's own types (cuda.h): CUresult is an enum whose 0 is CUDA_SUCCESS; CUdevice an
// int ordinal; CUdeviceptr a 64-bit device address; CUcontext an opaque handle.
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = ::CUctx_st*;
using CUmodule = ::CUmod_st*;
using CUfunction = ::CUfunc_st*;
using CUstream = ::CUstream_st*;

// CUdevice_attribute values used here (cuda.h).
inline constexpr int kAttrMultiprocessorCount = 16;
inline constexpr int kAttrComputeCapabilityMajor = 75;
inline constexpr int kAttrComputeCapabilityMinor = 76;

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
  // Running ember's own kernels (kernels/cuda/nvrtc.h); null when the library lacks them, and then
  // `can_launch` is false and every op runs on the CPU with copies.
  CUresult (*cuDeviceGetAttribute)(int* value, int attribute, CUdevice device) = nullptr;
  CUresult (*cuModuleLoadData)(CUmodule* module, const void* image) = nullptr;
  CUresult (*cuModuleGetFunction)(CUfunction* function, CUmodule module, const char* name) = nullptr;
  CUresult (*cuLaunchKernel)(CUfunction f, unsigned grid_x, unsigned grid_y, unsigned grid_z, unsigned block_x,
                             unsigned block_y, unsigned block_z, unsigned shared_bytes, CUstream stream,
                             void** params, void** extra) = nullptr;
  CUresult (*cuCtxSynchronize)() = nullptr;
  CUresult (*cuMemGetInfo)(size_t* free, size_t* total) = nullptr;  // cuMemGetInfo_v2
  bool can_launch = false;

  int device_count = 0;
  int version = 0;  // e.g. 13000 for CUDA 13.0
};

// The driver, loaded and initialised once per process; null when it cannot be, with the reason in
// `why` ("libcuda.so.1 not found: ...", "cuInit failed: ...", "no CUDA device").
const Driver* open(std::string* why);

// Opens the first of `names` that loads, looking in each folder of EMBER_CUDA_LIBS (a
// colon-separated list) before the system's search path; null with what was tried in `why`.
void* open_library(const std::vector<std::string>& names, std::string* why);

// Fails with ember::Error naming `what` and the driver's message when `r` is not CUDA_SUCCESS.
void check(const Driver& d, CUresult r, const char* what);

}  // namespace ember::cuda
