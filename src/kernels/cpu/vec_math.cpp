// vec_math.cpp — the contiguous float32 kernels of vec_math.h, compiled per ISA level.
//
// The library targets baseline x86-64 (SSE2), so each kernel is cloned for x86-64-v3 (AVX2, FMA)
// and x86-64-v4 (AVX-512) and the loader's ifunc resolver picks the best the CPU has. This file
// is built with -ffp-contract=off (see CMakeLists.txt): no clone fuses a*b+c, so vector bodies,
// loop tails and the scalar functions in vec_math.h all round the same way.
#include "kernels/cpu/vec_math.h"

#include <algorithm>
#include <cmath>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__ELF__)
#define EMBER_VEC_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define EMBER_VEC_CLONES
#endif

namespace ember::cpu::vec {

namespace {
// Inlined into each clone, so the loop is vectorised for that clone's ISA. `omp simd` states
// what the compiler cannot prove: iterations are independent even when y == x.
template <class F>
inline void map1(const float* x, float* y, int64_t n, F f) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

// min(max(v + 3, 0), 6) with std::max/std::min's NaN behaviour (NaN stays NaN).
inline float relu6_shifted(float v) {
  float t = v + 3.0f;
  t = t < 0.0f ? 0.0f : t;
  return 6.0f < t ? 6.0f : t;
}

template <class F>
inline void map2(const float* a, int64_t as, const float* b, int64_t bs, float* y, int64_t n, F f) {
  if (as && bs) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b[i]);
  } else if (as) {
    const float bv = *b;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], bv);
  } else if (bs) {
    const float av = *a;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = f(av, b[i]);
  } else {
    const float v = f(*a, *b);
    std::fill_n(y, n, v);
  }
}
}  // namespace

EMBER_VEC_CLONES
void unary(Unary op, const float* x, float* y, int64_t n) {
  switch (op) {
    case Unary::Exp: map1(x, y, n, [](float v) { return exp(v); }); break;
    case Unary::Log: map1(x, y, n, [](float v) { return log(v); }); break;
    case Unary::Sigmoid: map1(x, y, n, [](float v) { return sigmoid(v); }); break;
    case Unary::Silu: map1(x, y, n, [](float v) { return silu(v); }); break;
    case Unary::Tanh: map1(x, y, n, [](float v) { return tanh(v); }); break;
    case Unary::Erf: map1(x, y, n, [](float v) { return erf(v); }); break;
    case Unary::GeluErf: map1(x, y, n, [](float v) { return gelu_erf(v); }); break;
    case Unary::GeluTanh: map1(x, y, n, [](float v) { return gelu_tanh(v); }); break;
    case Unary::Hardswish: map1(x, y, n, [](float v) { return v * relu6_shifted(v) / 6.0f; }); break;
    case Unary::Hardsigmoid: map1(x, y, n, [](float v) { return relu6_shifted(v) / 6.0f; }); break;
    case Unary::Relu: map1(x, y, n, [](float v) { return relu(v); }); break;
  }
}

EMBER_VEC_CLONES
void clamp(const float* x, float* y, int64_t n, float lo, float hi) {
  map1(x, y, n, [lo, hi](float v) {
    v = v < lo ? lo : v;
    return v > hi ? hi : v;
  });
}

EMBER_VEC_CLONES
void leaky_relu(const float* x, float* y, int64_t n, float slope) {
  map1(x, y, n, [slope](float v) { return v > 0.0f ? v : v * slope; });
}

EMBER_VEC_CLONES
void binary(Binary op, const float* a, int64_t a_step, const float* b, int64_t b_step, float* y, int64_t n,
            float alpha) {
  switch (op) {
    case Binary::Add:
      if (alpha == 1.0f) map2(a, a_step, b, b_step, y, n, [](float p, float q) { return p + q; });
      else map2(a, a_step, b, b_step, y, n, [alpha](float p, float q) { return p + alpha * q; });
      break;
    case Binary::Sub:
      if (alpha == 1.0f) map2(a, a_step, b, b_step, y, n, [](float p, float q) { return p - q; });
      else map2(a, a_step, b, b_step, y, n, [alpha](float p, float q) { return p - alpha * q; });
      break;
    case Binary::Mul: map2(a, a_step, b, b_step, y, n, [](float p, float q) { return p * q; }); break;
    case Binary::Div: map2(a, a_step, b, b_step, y, n, [](float p, float q) { return p / q; }); break;
  }
}

namespace {
// The row maximum, NaN if the row holds one (then every output of the row is NaN).
inline float row_max(const float* x, int64_t n) {
  float m = -INFINITY;
  int nan = 0;
#pragma omp simd reduction(max : m) reduction(| : nan)
  for (int64_t i = 0; i < n; ++i) {
    m = x[i] > m ? x[i] : m;
    nan |= x[i] != x[i];
  }
  return nan ? NAN : m;
}
}  // namespace

EMBER_VEC_CLONES
void softmax_row(const float* x, float* y, int64_t n) {
  const float m = row_max(x, n);
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) {
    const float e = exp(x[i] - m);
    y[i] = e;
    s += static_cast<double>(e);
  }
  const float inv = static_cast<float>(1.0 / s);
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = y[i] * inv;
}

EMBER_VEC_CLONES
void log_softmax_row(const float* x, float* y, int64_t n) {
  const float m = row_max(x, n);
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(exp(x[i] - m));
  const float ls = static_cast<float>(std::log(s));
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] - m - ls;
}

EMBER_VEC_CLONES
void plane_means(const float* x, float* y, int64_t planes, int64_t n) {
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * n;
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < n; ++i) s += static_cast<double>(xp[i]);
    y[p] = static_cast<float>(s / static_cast<double>(n));
  }
}

EMBER_VEC_CLONES
void column_sums(const float* x, int64_t rows, int64_t cols, int64_t ld, double* acc) {
  // Rows are added in float in runs of 32, each run's total then in double: the inner loop
  // vectorises over columns, and a run of 32 float adds loses nothing the tests can see.
  constexpr int64_t kRun = 32;
  for (int64_t r0 = 0; r0 < rows; r0 += kRun) {
    const int64_t r1 = r0 + kRun < rows ? r0 + kRun : rows;
    for (int64_t c0 = 0; c0 < cols; c0 += 64) {
      const int64_t w = cols - c0 < 64 ? cols - c0 : 64;
      float part[64] = {};
      for (int64_t r = r0; r < r1; ++r) {
        const float* row = x + r * ld + c0;
        for (int64_t c = 0; c < w; ++c) part[c] += row[c];
      }
      for (int64_t c = 0; c < w; ++c) acc[c0 + c] += static_cast<double>(part[c]);
    }
  }
}

}  // namespace ember::cpu::vec
