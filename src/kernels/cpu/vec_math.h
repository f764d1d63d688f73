// vec_math.h — float32 exp, log, sigmoid, silu, tanh, erf and GELU without libm, and the
// contiguous-array kernels built on them (vec_math.cpp).
//
// The scalar functions are branch-free (selects, bit casts, polynomials after a range
// reduction), so a plain loop over them vectorises. Measured against correctly rounded results
// over the whole float range (±0, ±inf, NaN and subnormals included): exp, log ≤ 1 ulp, tanh
// 1.3, erf, sigmoid, silu ≤ 2.5. The array kernels are compiled once per ISA level (x86-64
// baseline, AVX2, AVX-512), picked at load time, and built without floating-point contraction,
// so every element gets the same bits whether it lands in a vector body or a loop tail: results
// do not depend on how an array is split over threads. Elementwise ops on float32 call the array
// kernels for unit-stride runs and these scalar functions for strided ones, so both agree.
#pragma once

#include <bit>
#include <cstdint>

namespace ember::cpu::vec {

inline float abs_bits(float x) { return std::bit_cast<float>(std::bit_cast<uint32_t>(x) & 0x7fffffffu); }
// |mag| with the sign of s.
inline float copysign_bits(float mag, float s) {
  return std::bit_cast<float>((std::bit_cast<uint32_t>(mag) & 0x7fffffffu) | (std::bit_cast<uint32_t>(s) & 0x80000000u));
}
// 2^n for integer n in [-126, 127].
inline float pow2i(int32_t n) { return std::bit_cast<float>(static_cast<uint32_t>(n + 127) << 23); }

// e^x: n = round(x / ln 2), r = x - n ln 2 in two parts (Cody-Waite), Cephes' degree-6
// polynomial for e^r, then 2^n applied as two factors so results down to the subnormal range and
// up to the overflow threshold stay exact scalings.
inline float exp(float x) {
  x = x > 88.8f ? 88.8f : x;    // e^88.8 overflows to inf; comparisons let NaN through
  x = x < -104.0f ? -104.0f : x;  // e^-104 rounds to 0
  const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer in the low bits
  const float t = x * 1.44269504088896341f + shifter;
  const float n = t - shifter;
  const int32_t ni = std::bit_cast<int32_t>(t) - std::bit_cast<int32_t>(shifter);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const int32_t n1 = ni >> 1;
  return p * pow2i(n1) * pow2i(ni - n1);
}

// Natural log (Cephes logf): x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) by a degree-9
// polynomial in m - 1. Subnormals are scaled up first; 0 gives -inf, negatives NaN.
inline float log(float x) {
  const bool sub = x < 1.17549435e-38f;
  const float xs = sub ? x * 8388608.0f : x;  // 2^23
  const uint32_t bits = std::bit_cast<uint32_t>(xs);
  int32_t e = static_cast<int32_t>((bits >> 23) & 0xffu) - 126 - (sub ? 23 : 0);
  float m = std::bit_cast<float>((bits & 0x007fffffu) | 0x3f000000u);  // in [0.5, 1)
  const bool lo = m < 0.707106781186547524f;
  e = lo ? e - 1 : e;
  m = lo ? m + m - 1.0f : m - 1.0f;
  const float z = m * m;
  float y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  const float fe = static_cast<float>(e);
  y = y + fe * -2.12194440e-4f;
  y = y - 0.5f * z;
  float r = m + y + fe * 0.693359375f;
  const float inf = std::bit_cast<float>(0x7f800000u);
  r = x == inf ? inf : r;
  r = x == 0.0f ? -inf : r;
  r = x < 0.0f ? std::bit_cast<float>(0x7fc00000u) : r;
  return x != x ? x : r;
}

// relu keeping NaN (PyTorch's clamp_min(x, 0) semantics).
inline float relu(float x) { return x > 0.0f ? x : (x != x ? x : 0.0f); }

// PyTorch's formulas: sigmoid = 1 / (1 + e^-x), silu = x / (1 + e^-x).
inline float sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }
inline float silu(float x) { return x / (1.0f + exp(-x)); }

// tanh: Cephes' odd polynomial below |x| = 0.625, 1 - 2 / (e^2|x| + 1) with x's sign above.
inline float tanh(float x) {
  const float a = abs_bits(x);
  const float big = 1.0f - 2.0f / (exp(a + a) + 1.0f);
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  return a < 0.625f ? small : copysign_bits(big, x);
}

// erf: x P(x^2) below |x| = 1; above, 1 - e^(-x^2) Q(1/x) / x, with |x| clamped to 4 where erf
// already rounds to 1. Coefficients are least-squares fits made for this file (≤ 2.4 ulp).
inline float erf(float x) {
  const float a = abs_bits(x);
  const float z = x * x;
  float p = 8.11220525065437e-05f;
  p = p * z - 8.085633744485676e-04f;
  p = p * z + 5.19659835845232e-03f;
  p = p * z - 2.6858003810048103e-02f;
  p = p * z + 1.128368228673935e-01f;
  p = p * z - 3.7612634897232056e-01f;
  p = p * z + 1.128379225730896f;
  const float small = x * p;
  const float c = a > 4.0f ? 4.0f : a;  // NaN passes through
  const float u = 1.0f / c;
  const float v = u - 0.625f;
  float q = 6.466846168041229e-02f;
  q = q * v - 3.888977691531181e-02f;
  q = q * v - 1.3828047551214695e-02f;
  q = q * v + 5.102045089006424e-02f;
  q = q * v - 7.776939123868942e-02f;
  q = q * v + 7.205121964216232e-02f;
  q = q * v - 1.3010628754273057e-03f;
  q = q * v - 1.7158517241477966e-01f;
  q = q * v + 4.8952481150627136e-01f;
  const float big = 1.0f - exp(-(c * c)) * q * u;
  return a < 1.0f ? small : copysign_bits(big, x);
}

// GELU, PyTorch's two forms: x/2 (1 + erf(x / sqrt 2)) and x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
inline float gelu_erf(float x) { return x * 0.5f * (1.0f + erf(x * 0.707106781186547524f)); }
inline float gelu_tanh(float x) {
  const float k = 0.797884560802865355f;  // sqrt(2 / pi)
  return 0.5f * x * (1.0f + tanh(k * (x + 0.044715f * x * x * x)));
}

// ---- contiguous-array kernels (vec_math.cpp) ----------------------------------------------------
// Unless noted, y may be x itself (in place) but must not otherwise overlap it.

enum class Unary { Exp, Log, Sigmoid, Silu, Tanh, Erf, GeluErf, GeluTanh, Hardswish, Hardsigmoid, Relu };
void unary(Unary op, const float* x, float* y, int64_t n);

// y = min(max(x, lo), hi) with NaN in x kept; pass ±inf for a missing bound (bounds not NaN).
void clamp(const float* x, float* y, int64_t n, float lo, float hi);
// y = x > 0 ? x : x * slope.
void leaky_relu(const float* x, float* y, int64_t n, float slope);

// y = a op b with Add/Sub meaning a ± alpha * b. a_step/b_step are 1 (an array) or 0 (one value
// repeated); y may be a or b.
enum class Binary { Add, Sub, Mul, Div };
void binary(Binary op, const float* a, int64_t a_step, const float* b, int64_t b_step, float* y, int64_t n,
            float alpha);

// Row softmax and log-softmax over n contiguous floats (y may be x). NaN anywhere makes the row
// NaN; the sum of exponentials accumulates in double.
void softmax_row(const float* x, float* y, int64_t n);
void log_softmax_row(const float* x, float* y, int64_t n);

// y[p] = mean of x[p * n .. p * n + n), accumulated in double, for p in [0, planes).
void plane_means(const float* x, float* y, int64_t planes, int64_t n);
// acc[c] += sum over r of x[r * ld + c], for a rows x cols block (channels-last pooling).
void column_sums(const float* x, int64_t rows, int64_t cols, int64_t ld, double* acc);

}  // namespace ember::cpu::vec
