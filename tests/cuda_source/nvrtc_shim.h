// What NVRTC provides without headers, declared for clang's CUDA front end, so ember's generated
// kernels can be compiled (syntax and types, templates instantiated) on a machine with no CUDA
// toolkit. NVRTC's --device-as-default-execution-space is clang's force_cuda_host_device.
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __shared__ __attribute__((shared))
struct uint3 { unsigned x, y, z; };
struct dim3 { unsigned x, y, z; };
extern const __attribute__((device)) uint3 threadIdx, blockIdx;
extern const __attribute__((device)) dim3 blockDim, gridDim;
#pragma clang force_cuda_host_device begin
#define EMBER_SHIM_M1(n) float n##f(float); double n(double);
EMBER_SHIM_M1(sqrt) EMBER_SHIM_M1(exp) EMBER_SHIM_M1(exp2) EMBER_SHIM_M1(expm1) EMBER_SHIM_M1(log)
EMBER_SHIM_M1(log1p) EMBER_SHIM_M1(log2) EMBER_SHIM_M1(log10) EMBER_SHIM_M1(sin) EMBER_SHIM_M1(cos)
EMBER_SHIM_M1(tan) EMBER_SHIM_M1(asin) EMBER_SHIM_M1(acos) EMBER_SHIM_M1(atan) EMBER_SHIM_M1(sinh)
EMBER_SHIM_M1(cosh) EMBER_SHIM_M1(tanh) EMBER_SHIM_M1(asinh) EMBER_SHIM_M1(acosh) EMBER_SHIM_M1(atanh)
EMBER_SHIM_M1(erf) EMBER_SHIM_M1(erfc) EMBER_SHIM_M1(floor) EMBER_SHIM_M1(ceil) EMBER_SHIM_M1(trunc)
EMBER_SHIM_M1(nearbyint) EMBER_SHIM_M1(rint) EMBER_SHIM_M1(fabs) EMBER_SHIM_M1(rsqrt)
float fmodf(float, float); double fmod(double, double); float powf(float, float); double pow(double, double);
float atan2f(float, float); double atan2(double, double); float copysignf(float, float);
double copysign(double, double); float __uint_as_float(unsigned); unsigned __float_as_uint(float);
long long __double_as_longlong(double); double __longlong_as_double(long long); float __int_as_float(int);
int __float_as_int(float); float __shfl_xor_sync(unsigned, float, int); float fmaxf(float, float);
float fminf(float, float); double fmax(double, double); double fmin(double, double);
