/* mock_libcuda.cpp — a stand-in for the NVIDIA driver's libcuda.so.1, for testing ember's CUDA
 * loader and device memory (src/kernels/cuda) on machines without a GPU. It exports the driver
 * entry points ember resolves, with the driver API's signatures, and keeps "device" memory in
 * host blocks. It checks what the real driver requires: cuInit before anything, a current context
 * for memory calls, valid device ordinals, and frees of live blocks only; each breach returns the
 * driver's error code, so ember's handling of errors is exercised too.
 * MOCK_CUDA_DEVICES=N sets the device count (default 1); MOCK_CUDA_INIT=fail makes cuInit fail.
 * MOCK_CUDA_REPORT=path appends "allocs frees live" at exit, to check that ember frees what it
 * allocates. */
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

struct CUctx_st;  // opaque, as in cuda.h: ember calls these through pointers of the driver's exact types

extern "C" {

typedef int CUresult;
enum {
  SUCCESS = 0, INVALID_VALUE = 1, NOT_INITIALIZED = 3, NO_DEVICE = 100, INVALID_DEVICE = 101,
  INVALID_CONTEXT = 201
};

static int initialised, devices = 1;
static CUctx_st* current;
static char contexts[8];
static long allocs, frees;

static void report() {
  const char* path = getenv("MOCK_CUDA_REPORT");
  if (!path) return;
  FILE* f = fopen(path, "a");
  if (!f) return;
  fprintf(f, "%ld %ld %ld\n", allocs, frees, allocs - frees);
  fclose(f);
}

CUresult cuInit(unsigned int flags) {
  const char* d = getenv("MOCK_CUDA_DEVICES");
  const char* init = getenv("MOCK_CUDA_INIT");
  if (flags != 0) return INVALID_VALUE;
  if (init && strcmp(init, "fail") == 0) return NO_DEVICE;
  if (d) devices = atoi(d);
  if (devices < 0 || devices > 8) devices = 0;
  if (!initialised) atexit(report);
  initialised = 1;
  return SUCCESS;
}
CUresult cuDriverGetVersion(int* v) { *v = 13000; return SUCCESS; }
CUresult cuDeviceGetCount(int* n) {
  if (!initialised) return NOT_INITIALIZED;
  *n = devices;
  return SUCCESS;
}
CUresult cuDeviceGet(int* dev, int ordinal) {
  if (!initialised) return NOT_INITIALIZED;
  if (ordinal < 0 || ordinal >= devices) return INVALID_DEVICE;
  *dev = ordinal;
  return SUCCESS;
}
CUresult cuDeviceGetName(char* name, int len, int dev) {
  if (dev < 0 || dev >= devices) return INVALID_DEVICE;
  snprintf(name, (size_t)len, "ember mock device %d", dev);
  return SUCCESS;
}
CUresult cuDevicePrimaryCtxRetain(CUctx_st** ctx, int dev) {
  if (!initialised) return NOT_INITIALIZED;
  if (dev < 0 || dev >= devices) return INVALID_DEVICE;
  *ctx = reinterpret_cast<CUctx_st*>(&contexts[dev]);
  return SUCCESS;
}
CUresult cuCtxSetCurrent(CUctx_st* ctx) {
  current = ctx;
  return SUCCESS;
}
CUresult cuMemAlloc_v2(unsigned long long* p, size_t n) {
  if (!current) return INVALID_CONTEXT;
  if (n == 0) return INVALID_VALUE;
  void* q = malloc(n);
  if (!q) return 2; /* CUDA_ERROR_OUT_OF_MEMORY */
  memset(q, 0xAB, n); /* device memory is not zeroed: ember must memset when it needs zeros */
  ++allocs;
  *p = (unsigned long long)(uintptr_t)q;
  return SUCCESS;
}
CUresult cuMemFree_v2(unsigned long long p) {
  if (!current) return INVALID_CONTEXT;
  free((void*)(uintptr_t)p);
  ++frees;
  return SUCCESS;
}
CUresult cuMemcpyHtoD_v2(unsigned long long dst, const void* src, size_t n) {
  if (!current) return INVALID_CONTEXT;
  memcpy((void*)(uintptr_t)dst, src, n);
  return SUCCESS;
}
CUresult cuMemcpyDtoH_v2(void* dst, unsigned long long src, size_t n) {
  if (!current) return INVALID_CONTEXT;
  memcpy(dst, (const void*)(uintptr_t)src, n);
  return SUCCESS;
}
CUresult cuMemcpyDtoD_v2(unsigned long long dst, unsigned long long src, size_t n) {
  if (!current) return INVALID_CONTEXT;
  memmove((void*)(uintptr_t)dst, (const void*)(uintptr_t)src, n);
  return SUCCESS;
}
CUresult cuMemsetD8_v2(unsigned long long dst, unsigned char v, size_t n) {
  if (!current) return INVALID_CONTEXT;
  memset((void*)(uintptr_t)dst, v, n);
  return SUCCESS;
}
CUresult cuGetErrorString(CUresult e, const char** s) {
  switch (e) {
    case NO_DEVICE: *s = "no CUDA-capable device is detected (mock)"; return SUCCESS;
    case INVALID_DEVICE: *s = "invalid device ordinal (mock)"; return SUCCESS;
    case INVALID_CONTEXT: *s = "invalid device context (mock)"; return SUCCESS;
    default: *s = "mock driver error"; return SUCCESS;
  }
}

}  // extern "C"
