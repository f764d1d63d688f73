// driver.cpp — loading libcuda.so.1 and resolving the driver entry points ember uses.
#include "kernels/cuda/driver.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "ember/error.h"

namespace ember::cuda {

namespace {

struct Loaded {
  Driver driver;
  bool ok = false;
  std::string why;
};

void* open_driver(std::string* why) {
  std::string tried;
  if (void* h = open_library({"libcuda.so.1"}, &tried)) return h;
  *why = "the NVIDIA driver's libcuda.so.1 was not found (" + tried +
         "); install the driver or set EMBER_CUDA_LIBS to the folder that holds it";
  return nullptr;
}

template <class F>
bool resolve(void* lib, const char* symbol, F*& fn, std::string* why) {
  fn = reinterpret_cast<F*>(dlsym(lib, symbol));
  if (!fn) *why = std::string("libcuda.so.1 lacks ") + symbol + " (a driver too old for ember)";
  return fn != nullptr;
}

Loaded load() {
  Loaded l;
  void* lib = open_driver(&l.why);
  if (!lib) return l;  // never closed: storages may free device memory until the process ends
  Driver& d = l.driver;
  if (!resolve(lib, "cuInit", d.cuInit, &l.why) || !resolve(lib, "cuDriverGetVersion", d.cuDriverGetVersion, &l.why) ||
      !resolve(lib, "cuDeviceGetCount", d.cuDeviceGetCount, &l.why) || !resolve(lib, "cuDeviceGet", d.cuDeviceGet, &l.why) ||
      !resolve(lib, "cuDeviceGetName", d.cuDeviceGetName, &l.why) ||
      !resolve(lib, "cuDevicePrimaryCtxRetain", d.cuDevicePrimaryCtxRetain, &l.why) ||
      !resolve(lib, "cuCtxSetCurrent", d.cuCtxSetCurrent, &l.why) || !resolve(lib, "cuMemAlloc_v2", d.cuMemAlloc, &l.why) ||
      !resolve(lib, "cuMemFree_v2", d.cuMemFree, &l.why) || !resolve(lib, "cuMemcpyHtoD_v2", d.cuMemcpyHtoD, &l.why) ||
      !resolve(lib, "cuMemcpyDtoH_v2", d.cuMemcpyDtoH, &l.why) || !resolve(lib, "cuMemcpyDtoD_v2", d.cuMemcpyDtoD, &l.why) ||
      !resolve(lib, "cuMemsetD8_v2", d.cuMemsetD8, &l.why) || !resolve(lib, "cuGetErrorString", d.cuGetErrorString, &l.why))
    return l;
  // Optional: without them the backend keeps to device memory and copies.
  d.cuDeviceGetAttribute = reinterpret_cast<decltype(d.cuDeviceGetAttribute)>(dlsym(lib, "cuDeviceGetAttribute"));
  d.cuModuleLoadData = reinterpret_cast<decltype(d.cuModuleLoadData)>(dlsym(lib, "cuModuleLoadData"));
  d.cuModuleGetFunction = reinterpret_cast<decltype(d.cuModuleGetFunction)>(dlsym(lib, "cuModuleGetFunction"));
  d.cuLaunchKernel = reinterpret_cast<decltype(d.cuLaunchKernel)>(dlsym(lib, "cuLaunchKernel"));
  d.cuCtxSynchronize = reinterpret_cast<decltype(d.cuCtxSynchronize)>(dlsym(lib, "cuCtxSynchronize"));
  d.cuMemGetInfo = reinterpret_cast<decltype(d.cuMemGetInfo)>(dlsym(lib, "cuMemGetInfo_v2"));
  d.can_launch = d.cuDeviceGetAttribute && d.cuModuleLoadData && d.cuModuleGetFunction && d.cuLaunchKernel &&
                 d.cuCtxSynchronize;
  if (CUresult r = d.cuInit(0); r != 0) {
    const char* text = nullptr;
    d.cuGetErrorString(r, &text);
    l.why = "cuInit failed: " + std::string(text ? text : "error " + std::to_string(r));
    return l;
  }
  d.cuDriverGetVersion(&d.version);
  if (d.cuDeviceGetCount(&d.device_count) != 0 || d.device_count <= 0) {
    l.why = "the NVIDIA driver reports no CUDA device";
    return l;
  }
  l.ok = true;
  return l;
}

}  // namespace

void* open_library(const std::vector<std::string>& names, std::string* why) {
  std::vector<std::string> candidates;
  if (const char* dirs = std::getenv("EMBER_CUDA_LIBS"); dirs && *dirs) {
    std::string list(dirs);
    size_t start = 0;
    while (start <= list.size()) {
      const size_t end = std::min(list.find(':', start), list.size());
      if (end > start)
        for (const std::string& n : names) candidates.push_back(list.substr(start, end - start) + "/" + n);
      start = end + 1;
    }
  }
  for (const std::string& n : names) candidates.push_back(n);
  std::string tried;
  for (const std::string& name : candidates) {
    // RTLD_GLOBAL: a library opened by its path here then satisfies another's dependency on it
    // (cuBLAS needs cuBLASLt, cuDNN its sub-libraries) without the folder on the search path.
    if (void* h = dlopen(name.c_str(), RTLD_NOW | RTLD_GLOBAL)) return h;
    const char* e = dlerror();
    tried += (tried.empty() ? "" : "; ") + (e ? std::string(e) : name);
  }
  if (why) *why = tried;
  return nullptr;
}

const Driver* open(std::string* why) {
  static const Loaded loaded = load();
  if (!loaded.ok) {
    if (why) *why = loaded.why;
    return nullptr;
  }
  return &loaded.driver;
}

void check(const Driver& d, CUresult r, const char* what) {
  if (r == 0) return;
  const char* text = nullptr;
  if (d.cuGetErrorString(r, &text) != 0) text = nullptr;
  fail(what, " failed: ", text ? text : "CUDA error", " (", r, ")");
}

}  // namespace ember::cuda
