// fft.cpp — mixed-radix Cooley-Tukey with a Bluestein fallback (see fft.h).
#include "kernels/cpu/fft.h"

#include <array>
#include <functional>
#include <cmath>
#include <numbers>

#include "ember/error.h"

namespace ember::cpu {

namespace {

// Radices the recursive transform takes directly; a larger prime factor means Bluestein.
constexpr int64_t kMaxRadix = 31;

// exp(-2 pi i num / den) with num reduced first, so large indices keep full precision.
cdouble unit_root(int64_t num, int64_t den) {
  const long double a = -2.0L * std::numbers::pi_v<long double> * static_cast<long double>(num % den) /
                        static_cast<long double>(den);
  return {static_cast<double>(std::cos(a)), static_cast<double>(std::sin(a))};
}

// Factors of n in radices <= kMaxRadix (4s first, they take the cheapest butterfly), or empty
// when a prime factor is larger.
std::vector<int64_t> factor(int64_t n) {
  std::vector<int64_t> out;
  while (n % 4 == 0) out.push_back(4), n /= 4;
  for (int64_t p = 2; p <= kMaxRadix && n > 1; ++p)
    while (n % p == 0) out.push_back(p), n /= p;
  if (n != 1) return {};
  return out;
}

}  // namespace

FftPlan::FftPlan(int64_t n) : n_(n) {
  if (n < 1) fail("FFT length must be positive, but got ", n);
  if (n > kMaxFftLength) fail("FFT length ", n, " exceeds ember's limit of ", kMaxFftLength);
  const std::vector<int64_t> radices = factor(n);
  if (n == 1 || !radices.empty()) {
    int64_t len = n;
    for (int64_t p : radices) {
      Stage st;
      st.p = p;
      st.m = len / p;
      st.twiddle.resize(static_cast<size_t>((p - 1) * st.m));
      for (int64_t r = 1; r < p; ++r)
        for (int64_t k = 0; k < st.m; ++k) st.twiddle[static_cast<size_t>((r - 1) * st.m + k)] = unit_root(r * k, len);
      for (int64_t j = 0; j < p; ++j) st.roots.push_back(unit_root(j, p));
      stages_.push_back(std::move(st));
      len /= p;
    }
    // Where each input lands: the recursive split sends x[r + p*j] (sub-transform r, taken with
    // stride p) to outputs [r*m, r*m + m), down to single elements.
    perm_.resize(static_cast<size_t>(n));
    std::function<void(int64_t, int64_t, int64_t, size_t)> place = [&](int64_t first, int64_t stride, int64_t at,
                                                                     size_t level) {
      if (level == stages_.size()) {
        perm_[static_cast<size_t>(at)] = first;
        return;
      }
      const Stage& st = stages_[level];
      for (int64_t r = 0; r < st.p; ++r) place(first + r * stride, stride * st.p, at + r * st.m, level + 1);
    };
    place(0, 1, 0, 0);
    return;
  }
  // Bluestein: X[k] = w[k] * sum_j (x[j] w[j]) conj(w[k - j]), w[j] = exp(-pi i j^2 / n), as a
  // cyclic convolution of power-of-two length m >= 2n - 1.
  int64_t m = 1;
  while (m < 2 * n - 1) m *= 2;
  inner_ = std::make_unique<FftPlan>(m);
  chirp_.resize(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) chirp_[static_cast<size_t>(j)] = unit_root(j * j % (2 * n), 2 * n);
  std::vector<cdouble> b(static_cast<size_t>(m));
  b[0] = std::conj(chirp_[0]);
  for (int64_t j = 1; j < n; ++j)
    b[static_cast<size_t>(j)] = b[static_cast<size_t>(m - j)] = std::conj(chirp_[static_cast<size_t>(j)]);
  chirp_fft_.resize(static_cast<size_t>(m));
  std::vector<cdouble> unused;
  inner_->run(b.data(), chirp_fft_.data(), unused);
}

FftPlan::~FftPlan() = default;

namespace {

// a * b without the NaN/infinity recovery of std::complex's operator* (a library call on some
// paths); the transform's values are finite products of finite inputs and unit roots.
inline cdouble cmul(cdouble a, cdouble b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

// The p-point DFT of t[0..p) written to out[0], out[m], ..., out[(p-1)m].
inline void butterfly(int64_t p, const cdouble* t, cdouble* out, int64_t m, const cdouble* roots) {
  switch (p) {
    case 2:
      out[0] = t[0] + t[1];
      out[m] = t[0] - t[1];
      return;
    case 3: {
      // W_3 = -1/2 - i sqrt(3)/2.
      constexpr double h = 0.86602540378443864676;  // sqrt(3) / 2
      const cdouble s = t[1] + t[2], d = t[1] - t[2];
      const cdouble base = t[0] - 0.5 * s, rot(h * d.imag(), -h * d.real());  // -i sqrt(3)/2 d
      out[0] = t[0] + s;
      out[m] = base + rot;
      out[2 * m] = base - rot;
      return;
    }
    case 4: {
      // W_4 = -i.
      const cdouble a = t[0] + t[2], b = t[0] - t[2], c = t[1] + t[3];
      const cdouble d = t[1] - t[3], rot(d.imag(), -d.real());  // -i d
      out[0] = a + c;
      out[m] = b + rot;
      out[2 * m] = a - c;
      out[3 * m] = b - rot;
      return;
    }
    default:
      for (int64_t q = 0; q < p; ++q) {
        cdouble s = t[0];
        for (int64_t r = 1; r < p; ++r) s += cmul(t[r], roots[r * q % p]);
        out[q * m] = s;
      }
  }
}

}  // namespace

// Decimation in time, run bottom-up: out starts as the input in digit-reversed order, then each
// stage from the last (m = 1) to the first combines p interleaved length-m transforms of every
// block of p*m outputs into one.
void FftPlan::mixed_radix(const cdouble* in, cdouble* out) const {
  for (int64_t i = 0; i < n_; ++i) out[i] = in[perm_[static_cast<size_t>(i)]];
  std::array<cdouble, kMaxRadix> t;
  for (size_t s = stages_.size(); s-- > 0;) {
    const Stage& st = stages_[s];
    const int64_t p = st.p, m = st.m, len = p * m;
    const cdouble* w = st.twiddle.data();
    for (int64_t blk = 0; blk < n_; blk += len) {
      cdouble* o = out + blk;
      for (int64_t k = 0; k < m; ++k) {
        t[0] = o[k];
        for (int64_t r = 1; r < p; ++r) t[static_cast<size_t>(r)] = cmul(o[r * m + k], w[(r - 1) * m + k]);
        butterfly(p, t.data(), o + k, m, st.roots.data());
      }
    }
  }
}

void FftPlan::run(const cdouble* in, cdouble* out, std::vector<cdouble>& work) const {
  if (!inner_) {
    mixed_radix(in, out);
    return;
  }
  const int64_t m = inner_->size();
  if (work.size() < static_cast<size_t>(2 * m)) work.resize(static_cast<size_t>(2 * m));
  cdouble* a = work.data();
  cdouble* fa = work.data() + m;
  for (int64_t j = 0; j < n_; ++j) a[j] = cmul(in[j], chirp_[static_cast<size_t>(j)]);
  for (int64_t j = n_; j < m; ++j) a[j] = 0;
  std::vector<cdouble> unused;
  inner_->run(a, fa, unused);
  // Inverse transform of the product through conjugation: ifft(y) = conj(fft(conj(y))).
  for (int64_t j = 0; j < m; ++j) fa[j] = std::conj(cmul(fa[j], chirp_fft_[static_cast<size_t>(j)]));
  inner_->run(fa, a, unused);
  const double scale = 1.0 / static_cast<double>(m);
  for (int64_t k = 0; k < n_; ++k) out[k] = cmul(std::conj(a[k]) * scale, chirp_[static_cast<size_t>(k)]);
}

void FftPlan::forward(const cdouble* in, cdouble* out, std::vector<cdouble>& work) const { run(in, out, work); }

void FftPlan::inverse(const cdouble* in, cdouble* out, std::vector<cdouble>& work) const {
  // conj(fft(conj(x))); the conjugated input is staged at the end of `work`, past the part
  // Bluestein uses.
  const size_t base = inner_ ? static_cast<size_t>(2 * inner_->size()) : 0;
  if (work.size() < base + static_cast<size_t>(n_)) work.resize(base + static_cast<size_t>(n_));
  cdouble* c = work.data() + base;
  for (int64_t j = 0; j < n_; ++j) c[j] = std::conj(in[j]);
  run(c, out, work);
  for (int64_t k = 0; k < n_; ++k) out[k] = std::conj(out[k]);
}

std::vector<cdouble> naive_dft(const std::vector<cdouble>& x, bool inverse) {
  const auto n = static_cast<int64_t>(x.size());
  std::vector<cdouble> out(x.size());
  for (int64_t k = 0; k < n; ++k) {
    long double re = 0, im = 0;
    for (int64_t j = 0; j < n; ++j) {
      const long double a = (inverse ? 2.0L : -2.0L) * std::numbers::pi_v<long double> *
                            static_cast<long double>(j * k % n) / static_cast<long double>(n);
      const long double c = std::cos(a), s = std::sin(a);
      const long double xr = x[static_cast<size_t>(j)].real(), xi = x[static_cast<size_t>(j)].imag();
      re += xr * c - xi * s;
      im += xr * s + xi * c;
    }
    out[static_cast<size_t>(k)] = {static_cast<double>(re), static_cast<double>(im)};
  }
  return out;
}

}  // namespace ember::cpu
