// nvrtc.cpp — compiling ember's CUDA C++ at run time (NVRTC), the on-disk CUBIN cache, launches.
#include "kernels/cuda/nvrtc.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ember/error.h"
#include "kernels/cuda/memory.h"

namespace ember::cuda {

namespace {

// NVRTC's C API (nvrtc.h): nvrtcResult is an enum whose 0 is NVRTC_SUCCESS; a program is opaque.
using nvrtcResult = int;
struct nvrtcProgramOpaque;
using nvrtcProgram = nvrtcProgramOpaque*;

struct Nvrtc {
  nvrtcResult (*nvrtcVersion)(int* major, int* minor) = nullptr;
  const char* (*nvrtcGetErrorString)(nvrtcResult r) = nullptr;
  nvrtcResult (*nvrtcCreateProgram)(nvrtcProgram* prog, const char* src, const char* name, int num_headers,
                                    const char* const* headers, const char* const* include_names) = nullptr;
  nvrtcResult (*nvrtcCompileProgram)(nvrtcProgram prog, int num_options, const char* const* options) = nullptr;
  nvrtcResult (*nvrtcGetProgramLogSize)(nvrtcProgram prog, size_t* size) = nullptr;
  nvrtcResult (*nvrtcGetProgramLog)(nvrtcProgram prog, char* log) = nullptr;
  nvrtcResult (*nvrtcGetCUBINSize)(nvrtcProgram prog, size_t* size) = nullptr;
  nvrtcResult (*nvrtcGetCUBIN)(nvrtcProgram prog, char* cubin) = nullptr;
  nvrtcResult (*nvrtcGetPTXSize)(nvrtcProgram prog, size_t* size) = nullptr;
  nvrtcResult (*nvrtcGetPTX)(nvrtcProgram prog, char* ptx) = nullptr;
  nvrtcResult (*nvrtcDestroyProgram)(nvrtcProgram* prog) = nullptr;
  int major = 0, minor = 0;
};

struct LoadedNvrtc {
  Nvrtc n;
  bool ok = false;
  std::string why;
};

template <class F>
bool resolve(void* lib, const char* symbol, F*& fn, std::string* why) {
  fn = reinterpret_cast<F*>(dlsym(lib, symbol));
  if (!fn) *why = std::string("NVRTC lacks ") + symbol;
  return fn != nullptr;
}

LoadedNvrtc load_nvrtc() {
  LoadedNvrtc l;
  std::string tried, ignored;
  // NVRTC loads its builtins library by name at the first compile: opened first (globally).
  for (const char* part : {"libnvrtc-builtins.so.13.0", "libnvrtc-builtins.so.12.9", "libnvrtc-builtins.so.12.8"})
    if (open_library({part}, &ignored)) break;
  void* lib = open_library({"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"}, &tried);
  if (!lib) {
    l.why = "NVRTC (libnvrtc.so.13 or .12) was not found (" + tried +
            "); install the CUDA runtime compiler or set EMBER_CUDA_LIBS to its folder";
    return l;
  }
  Nvrtc& n = l.n;
  if (!resolve(lib, "nvrtcVersion", n.nvrtcVersion, &l.why) ||
      !resolve(lib, "nvrtcGetErrorString", n.nvrtcGetErrorString, &l.why) ||
      !resolve(lib, "nvrtcCreateProgram", n.nvrtcCreateProgram, &l.why) ||
      !resolve(lib, "nvrtcCompileProgram", n.nvrtcCompileProgram, &l.why) ||
      !resolve(lib, "nvrtcGetProgramLogSize", n.nvrtcGetProgramLogSize, &l.why) ||
      !resolve(lib, "nvrtcGetProgramLog", n.nvrtcGetProgramLog, &l.why) ||
      !resolve(lib, "nvrtcGetCUBINSize", n.nvrtcGetCUBINSize, &l.why) ||
      !resolve(lib, "nvrtcGetCUBIN", n.nvrtcGetCUBIN, &l.why) ||
      !resolve(lib, "nvrtcGetPTXSize", n.nvrtcGetPTXSize, &l.why) || !resolve(lib, "nvrtcGetPTX", n.nvrtcGetPTX, &l.why) ||
      !resolve(lib, "nvrtcDestroyProgram", n.nvrtcDestroyProgram, &l.why))
    return l;
  n.nvrtcVersion(&n.major, &n.minor);
  l.ok = true;
  return l;
}

const LoadedNvrtc& nvrtc() {
  static const LoadedNvrtc l = load_nvrtc();
  return l;
}

const Driver& driver() {
  std::string why;
  const Driver* d = open(&why);
  if (!d) fail("CUDA is not available: ", why);
  return *d;
}

uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::filesystem::path cache_dir() {
  if (const char* d = std::getenv("EMBER_CUDA_CACHE"); d && *d) return d;
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d && *d) return std::filesystem::path(d) / "ember" / "cuda";
  if (const char* d = std::getenv("HOME"); d && *d) return std::filesystem::path(d) / ".cache" / "ember" / "cuda";
  return {};
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file_atomically(const std::filesystem::path& p, const std::string& bytes) {
  std::error_code ec;
  std::filesystem::create_directories(p.parent_path(), ec);
  if (ec) return;  // no cache: the next process compiles again
  const std::filesystem::path tmp = p.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) return;
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::filesystem::remove(tmp, ec);
      return;
    }
  }
  std::filesystem::rename(tmp, p, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

// Compiles `source` for sm_<cc> (CUBIN), or for compute_<cc> (PTX, which the driver finishes) when
// this NVRTC does not know the architecture.
std::string compile(const std::string& source, int cc) {
  const Nvrtc& n = nvrtc().n;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool cubin = attempt == 0;
    const std::string arch = std::string("--gpu-architecture=") + (cubin ? "sm_" : "compute_") + std::to_string(cc);
    const char* options[] = {arch.c_str(), "--std=c++17", "--device-as-default-execution-space"};
    nvrtcProgram prog = nullptr;
    if (nvrtcResult r = n.nvrtcCreateProgram(&prog, source.c_str(), "ember_kernels.cu", 0, nullptr, nullptr); r != 0)
      fail("nvrtcCreateProgram failed: ", n.nvrtcGetErrorString(r));
    const nvrtcResult r = n.nvrtcCompileProgram(prog, 3, options);
    std::string out;
    if (r == 0) {
      size_t size = 0;
      if (cubin) {
        n.nvrtcGetCUBINSize(prog, &size);
        out.resize(size);
        n.nvrtcGetCUBIN(prog, out.data());
      } else {
        n.nvrtcGetPTXSize(prog, &size);
        out.resize(size);
        n.nvrtcGetPTX(prog, out.data());
      }
      n.nvrtcDestroyProgram(&prog);
      if (!out.empty()) return out;
      continue;
    }
    size_t log_size = 0;
    n.nvrtcGetProgramLogSize(prog, &log_size);
    std::string log(log_size, '\0');
    if (log_size) n.nvrtcGetProgramLog(prog, log.data());
    n.nvrtcDestroyProgram(&prog);
    const bool unknown_arch = log.find("arch") != std::string::npos || log.find("architecture") != std::string::npos;
    if (cubin && unknown_arch) continue;
    fail("NVRTC could not compile ember's CUDA kernels for sm_", cc, ": ", n.nvrtcGetErrorString(r), "\n",
         log.substr(0, 4000));
  }
  fail("NVRTC produced no code for sm_", cc);
}

CUmodule load_module(Device device, const std::string& source) {
  const Driver& d = driver();
  make_current(device);
  const int cc = compute_capability(device);
  const LoadedNvrtc& nv = nvrtc();
  if (!nv.ok) fail("CUDA kernels cannot be compiled: ", nv.why);
  const std::string key = source + "\n// sm_" + std::to_string(cc) + " nvrtc " + std::to_string(nv.n.major) + "." +
                          std::to_string(nv.n.minor) + " c++17 v1";
  char name[40];
  std::snprintf(name, sizeof name, "%016llx-sm_%d.bin", static_cast<unsigned long long>(fnv1a(key)), cc);
  const std::filesystem::path dir = cache_dir();
  CUmodule module = nullptr;
  if (!dir.empty()) {
    const std::string cached = read_file(dir / name);
    if (!cached.empty() && d.cuModuleLoadData(&module, cached.data()) == 0) return module;
  }
  std::string image = compile(source, cc);
  if (image.back() != '\0') image.push_back('\0');  // PTX is text: the driver reads up to the NUL
  check(d, d.cuModuleLoadData(&module, image.data()), "cuModuleLoadData");
  if (!dir.empty()) write_file_atomically(dir / name, image);
  return module;
}

}  // namespace

bool kernels_ready(std::string* why) {
  std::string reason;
  const Driver* d = open(&reason);
  if (d && !d->can_launch) reason = "the NVIDIA driver library lacks the module and launch entry points";
  else if (d && !nvrtc().ok) reason = nvrtc().why;
  else if (d) return true;
  if (why) *why = reason;
  return false;
}

CUfunction Program::function(Device device, const char* name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, f] : functions_)
    if (key.first == device.index && key.second == name) return f;
  const size_t index = static_cast<size_t>(device.index);
  if (modules_.size() <= index) modules_.resize(index + 1, nullptr);
  if (!modules_[index]) modules_[index] = load_module(device, source_);
  CUfunction f = nullptr;
  const Driver& d = driver();
  check(d, d.cuModuleGetFunction(&f, modules_[index], name), name);
  functions_.push_back({{device.index, name}, f});
  return f;
}

Launch launch_for(int64_t n, unsigned block) {
  Launch l;
  l.block = block;
  const int64_t blocks = std::max<int64_t>(1, (n + block - 1) / block);
  l.grid_x = static_cast<unsigned>(std::min<int64_t>(blocks, 65535LL * 8));
  return l;
}

void launch(Device device, CUfunction f, const Launch& l, std::initializer_list<void*> params) {
  const Driver& d = driver();
  make_current(device);
  std::vector<void*> args(params);
  check(d, d.cuLaunchKernel(f, l.grid_x, l.grid_y, 1, l.block, 1, 1, l.shared_bytes, nullptr, args.data(), nullptr),
        "cuLaunchKernel");
  static const bool sync = [] {
    const char* e = std::getenv("EMBER_CUDA_SYNC");
    return e && *e && *e != '0';
  }();
  if (sync) check(d, d.cuCtxSynchronize(), "a CUDA kernel");
}

int compute_capability(Device device) {
  static std::mutex mu;
  static std::vector<int> known;
  std::lock_guard<std::mutex> lock(mu);
  const size_t i = static_cast<size_t>(device.index);
  if (known.size() <= i) known.resize(i + 1, 0);
  if (!known[i]) {
    const Driver& d = driver();
    CUdevice dev = 0;
    check(d, d.cuDeviceGet(&dev, device.index), "cuDeviceGet");
    int major = 0, minor = 0;
    check(d, d.cuDeviceGetAttribute(&major, kAttrComputeCapabilityMajor, dev), "cuDeviceGetAttribute");
    check(d, d.cuDeviceGetAttribute(&minor, kAttrComputeCapabilityMinor, dev), "cuDeviceGetAttribute");
    known[i] = major * 10 + minor;
  }
  return known[i];
}

}  // namespace ember::cuda
