// random.h — ember's random number generator and the random ops TorchScript code calls: rand,
// randn, randint, randperm, uniform_, normal_/normal, bernoulli(_), random_, exponential_,
// multinomial and training-mode dropout.
//
// ember draws from ONE process-wide generator: xoshiro256** (Blackman & Vigna) seeded through
// splitmix64, guarded by a mutex so concurrent calls are safe (their interleaving, and so the
// values each call gets, then depends on scheduling). `manual_seed` (aten::manual_seed) resets it;
// the initial seed is PyTorch's default, 67280421310721. The streams are NOT PyTorch's: PyTorch's
// CPU generator is an mt19937 with its own float/normal transforms (and vectorised paths), so
// for the same seed ember produces different numbers. What matches PyTorch is the distribution,
// the dtype and shape rules, the argument checks and, within ember, determinism under a seed:
// the same seed and the same sequence of calls give the same values. Elements are drawn in
// row-major order of the result.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <tuple>

#include "ember/tensor.h"

namespace ember::cpu {

class Generator {
 public:
  static constexpr uint64_t kDefaultSeed = 67280421310721ULL;  // PyTorch's default seed

  explicit Generator(uint64_t seed = kDefaultSeed) { set_seed(seed); }
  void set_seed(uint64_t seed);
  uint64_t seed() const { return seed_; }

  uint64_t next_u64();
  // Uniform in [0, 1) with `bits` random mantissa bits (53 for double, 24 for float).
  double uniform(int bits = 53);
  // Unbiased uniform integer in [0, n); n > 0.
  uint64_t below(uint64_t n);
  // Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  double normal();

 private:
  uint64_t s_[4] = {};
  uint64_t seed_ = 0;
  std::optional<double> spare_normal_;
};

namespace detail {
struct LockedGenerator {
  std::unique_lock<std::mutex> lock;
  Generator* gen;
};
LockedGenerator lock_default_generator();
}  // namespace detail

// Runs f(Generator&) holding the process-wide generator's lock.
template <class F>
decltype(auto) with_default_generator(F&& f) {
  detail::LockedGenerator g = detail::lock_default_generator();
  return f(*g.gen);
}

void manual_seed(uint64_t seed);
uint64_t initial_seed();

// In-place fills (self may be any strided view; its dtype decides how values are drawn).
Tensor uniform_(const Tensor& self, double from, double to);
Tensor normal_(const Tensor& self, double mean, double std);
// 0/1 with probability p (any real dtype, bool included).
Tensor bernoulli_(const Tensor& self, double p);
// p broadcast to self's shape; every element must lie in [0, 1].
Tensor bernoulli_(const Tensor& self, const Tensor& p);
// Integers in [from, to) (to nullopt: up to the largest value the dtype holds exactly, inclusive).
Tensor random_(const Tensor& self, int64_t from, std::optional<int64_t> to);
// random_() without bounds: [0, 2^mantissa] for floats, [0, max] for integers, {0, 1} for bool.
Tensor random_(const Tensor& self);
Tensor exponential_(const Tensor& self, double lambd);

// Factories.
Tensor rand(std::span<const int64_t> size, DType dtype);
Tensor randn(std::span<const int64_t> size, DType dtype);
Tensor randint(int64_t low, int64_t high, std::span<const int64_t> size, DType dtype);
Tensor randperm(int64_t n, DType dtype);
// normal with tensor mean and/or std (broadcast together); the result takes the dtype of the
// tensor operand (of mean when both are tensors).
Tensor normal(const Tensor& mean, const Tensor& std);
Tensor normal(const Tensor& mean, double std);
Tensor normal(double mean, const Tensor& std);
// Samples from each row of probabilities (1-D [C] or 2-D [B, C]) → int64 [n] or [B, n].
// Without replacement it keeps the n largest p / Exp(1) draws, PyTorch's algorithm.
Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement);

// aten::dropout / feature_dropout / alpha_dropout / feature_alpha_dropout. Identity when not
// training, for p = 0 and for empty inputs; feature variants drop whole channels (dims 0 and 1
// keep their size in the mask). inplace writes the result into x.
enum class DropoutKind { Plain, Feature, Alpha, FeatureAlpha };
Tensor dropout(DropoutKind kind, const Tensor& x, double p, bool train, bool inplace);
// aten::native_dropout: (output, bool keep-mask); train nullopt means training.
std::tuple<Tensor, Tensor> native_dropout(const Tensor& x, double p, std::optional<bool> train);

}  // namespace ember::cpu
