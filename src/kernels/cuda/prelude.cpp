// prelude.cpp — the CUDA C++ every ember kernel program starts with (kernels/cuda/prelude.h).
#include "kernels/cuda/prelude.h"

namespace ember::cuda {

const char* prelude() {
  // NVRTC has no C++ standard library: the traits, the math overloads (`ewm::`, which the table's
  // `std::` calls are rewritten to) and the one-element helpers of kernels/cpu/elementwise_scalar.h
  // (`ew::`) are written here for the real dtypes, with the same rules (wrapping integer
  // arithmetic, NaN-propagating maximum/minimum, shifts past the width, PyTorch's floor division).
  return R"CUDA(
typedef long long i64;
typedef unsigned long long u64;
namespace et {
template <class T> struct is_int { static constexpr bool value = false; };
template <> struct is_int<bool> { static constexpr bool value = true; };
template <> struct is_int<signed char> { static constexpr bool value = true; };
template <> struct is_int<unsigned char> { static constexpr bool value = true; };
template <> struct is_int<short> { static constexpr bool value = true; };
template <> struct is_int<int> { static constexpr bool value = true; };
template <> struct is_int<long long> { static constexpr bool value = true; };
template <class T> struct is_signed { static constexpr bool value = T(-1) < T(0); };
template <> struct is_signed<bool> { static constexpr bool value = false; };
template <class T> struct make_unsigned { typedef T type; };
template <> struct make_unsigned<signed char> { typedef unsigned char type; };
template <> struct make_unsigned<short> { typedef unsigned short type; };
template <> struct make_unsigned<int> { typedef unsigned int type; };
template <> struct make_unsigned<long long> { typedef unsigned long long type; };
template <class A, class B> struct same { static constexpr bool value = false; };
template <class A> struct same<A, A> { static constexpr bool value = true; };
// At least as wide as unsigned int, so narrow products do not promote to (signed) int.
template <class T> struct wide_unsigned { typedef typename make_unsigned<T>::type type; };
template <> struct wide_unsigned<signed char> { typedef unsigned int type; };
template <> struct wide_unsigned<short> { typedef unsigned int type; };
template <> struct wide_unsigned<unsigned char> { typedef unsigned int type; };
}  // namespace et

// 16-bit floats travel as their bits; the math runs in float.
struct em_half { unsigned short x; };
struct em_bf16 { unsigned short x; };
inline float to_float(em_half h) { float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h.x)); return f; }
inline em_half to_half(float f) { em_half h; asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h.x) : "f"(f)); return h; }
inline float to_float(em_bf16 b) { return __uint_as_float(((unsigned)b.x) << 16); }
inline em_bf16 to_bf16(float f) {
  unsigned u = __float_as_uint(f);
  em_bf16 b;
  if (f != f) { b.x = 0x7fc0; return b; }
  u += 0x7fffu + ((u >> 16) & 1u);
  b.x = (unsigned short)(u >> 16);
  return b;
}
template <class T> struct opmath { typedef T type; };
template <> struct opmath<em_half> { typedef float type; };
template <> struct opmath<em_bf16> { typedef float type; };
template <class A, class T> A load_as(const T* p) { return (A)(*p); }
template <class A> A load_as(const em_half* p) { return (A)to_float(*p); }
template <class A> A load_as(const em_bf16* p) { return (A)to_float(*p); }
template <class T, class V> void store_as(T* p, V v) { *p = (T)v; }
template <class V> void store_as(em_half* p, V v) { *p = to_half((float)v); }
template <class V> void store_as(em_bf16* p, V v) { *p = to_bf16((float)v); }

namespace ewm {
#define EMBER_M1(name) inline float name(float x) { return ::name##f(x); } inline double name(double x) { return ::name(x); }
EMBER_M1(sqrt) EMBER_M1(exp) EMBER_M1(exp2) EMBER_M1(expm1) EMBER_M1(log) EMBER_M1(log1p) EMBER_M1(log2)
EMBER_M1(log10) EMBER_M1(sin) EMBER_M1(cos) EMBER_M1(tan) EMBER_M1(asin) EMBER_M1(acos) EMBER_M1(atan)
EMBER_M1(sinh) EMBER_M1(cosh) EMBER_M1(tanh) EMBER_M1(asinh) EMBER_M1(acosh) EMBER_M1(atanh) EMBER_M1(erf)
EMBER_M1(erfc) EMBER_M1(floor) EMBER_M1(ceil) EMBER_M1(trunc) EMBER_M1(nearbyint) EMBER_M1(rint)
#undef EMBER_M1
inline float fmod(float x, float y) { return ::fmodf(x, y); }
inline double fmod(double x, double y) { return ::fmod(x, y); }
inline float pow(float x, float y) { return ::powf(x, y); }
inline double pow(double x, double y) { return ::pow(x, y); }
inline float atan2(float x, float y) { return ::atan2f(x, y); }
inline double atan2(double x, double y) { return ::atan2(x, y); }
inline float copysign(float x, float y) { return ::copysignf(x, y); }
inline double copysign(double x, double y) { return ::copysign(x, y); }
inline float abs(float x) { return ::fabsf(x); }
inline double abs(double x) { return ::fabs(x); }
template <class A> A min(A x, A y) { return y < x ? y : x; }
template <class A> A max(A x, A y) { return x < y ? y : x; }
template <class A> bool isinf(A v) { return v == v && (v - v) != (v - v); }
template <class A> bool isfinite(A v) { return v - v == v - v; }
inline bool signbit(float v) { return (__float_as_uint(v) >> 31) != 0; }
inline bool signbit(double v) { return __double_as_longlong(v) < 0; }
template <class A> A infinity() { return (A)__longlong_as_double(0x7ff0000000000000LL); }
}  // namespace ewm

namespace ew {
template <class A> A wrap_add(A x, A y) {
  if constexpr (et::is_int<A>::value && et::is_signed<A>::value) {
    typedef typename et::make_unsigned<A>::type U;
    return (A)((U)x + (U)y);
  } else return (A)(x + y);
}
template <class A> A wrap_sub(A x, A y) {
  if constexpr (et::is_int<A>::value && et::is_signed<A>::value) {
    typedef typename et::make_unsigned<A>::type U;
    return (A)((U)x - (U)y);
  } else return (A)(x - y);
}
template <class A> A wrap_mul(A x, A y) {
  if constexpr (et::is_int<A>::value && et::is_signed<A>::value) {
    typedef typename et::wide_unsigned<A>::type U;
    typedef typename et::make_unsigned<A>::type N;
    return (A)((U)(N)x * (U)(N)y);
  } else return (A)(x * y);
}
template <class A> A add(A x, A y, A al) {
  if constexpr (et::same<A, bool>::value) return x || (al && y);
  else return wrap_add(x, wrap_mul(al, y));
}
template <class A> A sub(A x, A y, A al) { return wrap_sub(x, wrap_mul(al, y)); }
template <class A> A div_trunc(A x, A y) {
  if constexpr (et::is_int<A>::value) {
    if (y == 0) return A(0);
    if constexpr (et::is_signed<A>::value) if (y == A(-1)) return wrap_sub<A>(A(0), x);
    return (A)(x / y);
  } else return ewm::trunc(x / y);
}
template <class A> A div_floor(A a, A b) {
  if constexpr (et::is_int<A>::value) {
    if (b == 0) return A(0);
    if constexpr (et::is_signed<A>::value) {
      if (b == A(-1)) return wrap_sub<A>(A(0), a);
      A q = (A)(a / b);
      if (a % b != 0 && ((a < 0) != (b < 0))) --q;
      return q;
    } else return (A)(a / b);
  } else {
    if (b == 0) return a / b;
    A mod = ewm::fmod(a, b);
    A div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1;
    if (div == 0) return ewm::copysign(A(0), a / b);
    A floordiv = ewm::floor(div);
    if (div - floordiv > A(0.5)) floordiv += 1;
    return floordiv;
  }
}
template <class A> A remainder(A x, A y) {
  if constexpr (et::is_int<A>::value) {
    if (y == 0) return A(0);
    if constexpr (et::is_signed<A>::value) if (y == A(-1)) return A(0);
    A r = (A)(x % y);
    if (r != 0 && ((r < 0) != (y < 0))) r = (A)(r + y);
    return r;
  } else {
    A m = ewm::fmod(x, y);
    if (m != 0 && ((y < 0) != (m < 0))) m += y;
    return m;
  }
}
template <class A> A fmod(A x, A y) {
  if constexpr (et::is_int<A>::value) {
    if (y == 0) return A(0);
    if constexpr (et::is_signed<A>::value) if (y == A(-1)) return A(0);
    return (A)(x % y);
  } else return ewm::fmod(x, y);
}
template <class A> A pow(A base, A e) {
  if constexpr (et::is_int<A>::value) {
    if constexpr (et::is_signed<A>::value) {
      if (e < 0) {
        if (base == 1) return A(1);
        if (base == A(-1)) return (e & 1) ? A(-1) : A(1);
        return A(0);
      }
    }
    typedef typename et::wide_unsigned<A>::type U;
    typedef typename et::make_unsigned<A>::type N;
    U result = 1, b = (U)(N)base, x = (U)(N)e;
    while (x) { if (x & 1) result *= b; b *= b; x >>= 1; }
    return (A)result;
  } else {
    if (e == A(2)) return base * base;
    if (e == A(0.5)) return ewm::sqrt(base);
    return ewm::pow(base, e);
  }
}
template <class A> A maximum(A x, A y) {
  if constexpr (!et::is_int<A>::value) if (x != x || y != y) return x != x ? x : y;
  return x > y ? x : y;
}
template <class A> A minimum(A x, A y) {
  if constexpr (!et::is_int<A>::value) if (x != x || y != y) return x != x ? x : y;
  return x < y ? x : y;
}
template <class A> A lshift(A x, A y) {
  typedef typename et::make_unsigned<A>::type U;
  if (y < 0 || y >= (A)(sizeof(A) * 8)) return A(0);
  return (A)((U)x << y);
}
template <class A> A rshift(A x, A y) {
  if (y < 0 || y >= (A)(sizeof(A) * 8)) return (A)(x < 0 ? -1 : 0);
  return (A)(x >> y);
}
template <class A> A negated(A v) {
  if constexpr (et::is_int<A>::value && et::is_signed<A>::value) {
    typedef typename et::make_unsigned<A>::type U;
    return (A)((U)0 - (U)v);
  } else return (A)(-v);
}
template <class A> A abs(A v) {
  if constexpr (!et::is_signed<A>::value) return v;
  else if constexpr (et::is_int<A>::value) return v < A(0) ? negated(v) : v;
  else return ewm::abs(v);
}
template <class A> A sign(A v) {
  if constexpr (et::same<A, bool>::value) return v;
  else return (A)((A(0) < v) - (v < A(0)));
}
template <class A> A exp(A v) { return ewm::exp(v); }
template <class A> A log(A v) { return ewm::log(v); }
template <class A> A tanh(A v) { return ewm::tanh(v); }
template <class A> A erf(A v) { return ewm::erf(v); }
template <class A> A sigmoid(A x) { return A(1) / (A(1) + ewm::exp(-x)); }
template <class A> A silu(A x) { return x / (A(1) + ewm::exp(-x)); }
template <class A> A hardsigmoid(A v) { return ewm::min(ewm::max(v + A(3), A(0)), A(6)) / A(6); }
template <class A> A hardswish(A v) { return v * ewm::min(ewm::max(v + A(3), A(0)), A(6)) / A(6); }
template <class A> A floor(A v) { if constexpr (et::is_int<A>::value) return v; else return ewm::floor(v); }
template <class A> A ceil(A v) { if constexpr (et::is_int<A>::value) return v; else return ewm::ceil(v); }
template <class A> A round(A v) { if constexpr (et::is_int<A>::value) return v; else return ewm::nearbyint(v); }
template <class A> A trunc(A v) { if constexpr (et::is_int<A>::value) return v; else return ewm::trunc(v); }
template <class A> A bitwise_not(A v) { if constexpr (et::same<A, bool>::value) return !v; else return (A)(~v); }
template <class A> bool isnan(A v) { if constexpr (et::is_int<A>::value) return false; else return v != v; }
template <class A> bool isinf(A v) { if constexpr (et::is_int<A>::value) return false; else return ewm::isinf(v); }
template <class A> bool isfinite(A v) { if constexpr (et::is_int<A>::value) return true; else return ewm::isfinite(v); }
template <class A> bool isposinf(A v) { if constexpr (et::is_int<A>::value) return false; else return v == ewm::infinity<A>(); }
template <class A> bool isneginf(A v) { if constexpr (et::is_int<A>::value) return false; else return v == -ewm::infinity<A>(); }
template <class A> bool signbit(A v) {
  if constexpr (!et::is_int<A>::value) return ewm::signbit(v);
  else if constexpr (et::is_signed<A>::value) return v < 0;
  else return false;
}
}  // namespace ew

// The strided geometry of an elementwise launch (tensor/iterator.h after merging dims): dim 0 is
// the innermost; strides are in bytes; operand 0 is the output.
struct Geo {
  i64 n;
  int nd;
  int nt;
  i64 shape[8];
  i64 strides[3][8];
  char* data[3];
};
inline void geo_offsets(const Geo& g, i64 i, i64* off) {
  off[0] = off[1] = off[2] = 0;
  for (int d = 0; d < g.nd; ++d) {
    const i64 idx = i % g.shape[d];
    i /= g.shape[d];
    for (int k = 0; k < 3; ++k) off[k] += idx * g.strides[k][d];
  }
}
#define EMBER_GRID_LOOP(i, n) \
  for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64)gridDim.x * blockDim.x)
)CUDA";
}

}  // namespace ember::cuda
