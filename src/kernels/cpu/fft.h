// fft.h — the discrete Fourier transform of any length, in double precision.
//
// A plan for length n factors it into radices 2..7 and runs a recursive mixed-radix
// Cooley-Tukey transform; a length with a larger prime factor goes through Bluestein's chirp-z
// algorithm over a power-of-two plan. Transforms are unnormalised:
//   forward  X[k] = sum_j x[j] exp(-2 pi i jk / n)
//   inverse  x[j] = sum_k X[k] exp(+2 pi i jk / n)
// float32 callers compute in double and round once, so their error is one rounding, below what
// PyTorch's own float32 pocketfft leaves.
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <vector>

namespace ember::cpu {

using cdouble = std::complex<double>;

// The largest transform length ember plans (2^22 points: an archive chooses n_fft and n, so a hostile value fails instead of allocating gigabytes).
inline constexpr int64_t kMaxFftLength = int64_t{1} << 22;

class FftPlan {
 public:
  // Fails (ember::Error) for n < 1 or n > kMaxFftLength.
  explicit FftPlan(int64_t n);
  ~FftPlan();
  FftPlan(const FftPlan&) = delete;
  FftPlan& operator=(const FftPlan&) = delete;

  int64_t size() const { return n_; }
  // out[k] = DFT of in (in and out may not overlap). `work` is scratch the plan resizes; one per
  // thread.
  void forward(const cdouble* in, cdouble* out, std::vector<cdouble>& work) const;
  void inverse(const cdouble* in, cdouble* out, std::vector<cdouble>& work) const;

 private:
  void run(const cdouble* in, cdouble* out, std::vector<cdouble>& work) const;
  void mixed_radix(const cdouble* in, cdouble* out) const;

  // One decimation-in-time stage: a length p*m transform from p interleaved length-m ones.
  struct Stage {
    int64_t p = 0, m = 0;
    std::vector<cdouble> twiddle;  // W_{pm}^{r k} at (r - 1) * m + k, 1 <= r < p, k < m
    std::vector<cdouble> roots;    // W_p^j, j < p (the generic butterfly's)
  };

  int64_t n_ = 0;
  std::vector<Stage> stages_;  // mixed radix: stage 0 is the whole length, the last has m = 1
  std::vector<int64_t> perm_;  // out[i] starts as in[perm_[i]] (mixed-radix digit reversal)
  // Bluestein: chirp w[j] = exp(-pi i j^2 / n), the transformed conjugate chirp, the inner plan.
  std::vector<cdouble> chirp_, chirp_fft_;
  std::unique_ptr<FftPlan> inner_;
};

// Reference O(n^2) DFT in long double (tests compare the plan with it).
std::vector<cdouble> naive_dft(const std::vector<cdouble>& x, bool inverse);

}  // namespace ember::cpu
