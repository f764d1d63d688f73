// driver.cpp — loading libcuda.so.1 and resolving the driver entry points ember uses.
#include "kernels/cuda/driver.h"

#include <dlfcn.h>

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

void* open_library(std::string* why) {
  std::vector<std::string> names;
  if (const char* dir = std::getenv("EMBER_CUDA_LIBS"); dir && *dir) names.push_back(std::string(dir) + "/libcuda.so.1");
  names.emplace_back("libcuda.so.1");
  std::string tried;
  for (const std::string& name : names) {
    if (void* h = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL)) return h;
    const char* e = dlerror();
    tried += (tried.empty() ? "" : "; ") + (e ? std::string(e) : name);
  }
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
  void* lib = open_library(&l.why);
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
