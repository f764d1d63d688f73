// nvrtc.h — ember's own GPU kernels: CUDA C++ source compiled at run time by NVRTC for the GPU's
// architecture, cached on disk, and launched through the driver.
//
// NVRTC (libnvrtc.so.13/.12/.11.2) is found like the driver: in EMBER_CUDA_LIBS's folders, then on
// the system's search path. A program is compiled once per architecture; its CUBIN is kept in
// EMBER_CUDA_CACHE (default $XDG_CACHE_HOME/ember/cuda, else ~/.cache/ember/cuda) under a hash of
// the source, the options and NVRTC's version, so a second process loads it without compiling.
// The cache is written atomically (temporary file + rename) and a file that does not load is
// compiled again. Kernels run on the device's legacy default stream, in issue order with the
// synchronous copies of memory.h, so a caller never waits unless it reads results back.
// EMBER_CUDA_SYNC=1 waits after every launch and checks it, to find a failing kernel.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ember/device.h"
#include "kernels/cuda/driver.h"

namespace ember::cuda {

// True when ember's kernels can run: the driver has the module and launch entry points and NVRTC
// loads. Otherwise `why` says what is missing and the backend keeps to copies.
bool kernels_ready(std::string* why);

// One CUDA C++ source (any number of `extern "C" __global__` functions), compiled lazily for each
// device it runs on. Thread-safe; programs are meant to live as long as the process (static).
class Program {
 public:
  explicit Program(std::string source) : source_(std::move(source)) {}
  // The function `name` of the source on `device` (compiled and loaded on first use).
  CUfunction function(Device device, const char* name);
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::mutex mu_;
  std::vector<CUmodule> modules_;  // by device index
  std::vector<std::pair<std::pair<int, std::string>, CUfunction>> functions_;
};

// Launch geometry: one-dimensional grids of `block` threads.
struct Launch {
  unsigned grid_x = 1;
  unsigned grid_y = 1;
  unsigned block = 256;
  unsigned shared_bytes = 0;
};
// A grid-stride launch over n elements (kernels loop while i < n, stepping by the grid's size).
Launch launch_for(int64_t n, unsigned block = 256);

// Launches `f` on `device` with the kernel's parameters (pointers to each argument, in order).
void launch(Device device, CUfunction f, const Launch& l, std::initializer_list<void*> params);

// The device's compute capability as "sm_XY"'s digits (90 for Hopper).
int compute_capability(Device device);

}  // namespace ember::cuda
