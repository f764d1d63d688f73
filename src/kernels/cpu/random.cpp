#include "kernels/cpu/random.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "tensor/broadcast.h"
#include "tensor/convert.h"
#include "tensor/dispatch.h"
#include "tensor/elementwise.h"
#include "core/check.h"

namespace ember::cpu {

// ---- the generator ----------------------------------------------------------------------------

namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

void Generator::set_seed(uint64_t seed) {
  seed_ = seed;
  uint64_t x = seed;
  for (uint64_t& s : s_) s = splitmix64(x);
  spare_normal_.reset();
}

uint64_t Generator::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Generator::uniform(int bits) {
  return static_cast<double>(next_u64() >> (64 - bits)) * std::ldexp(1.0, -bits);
}

uint64_t Generator::below(uint64_t n) {
  EMBER_ASSERT(n > 0, "Generator::below(0)");
  // Rejection keeps the result unbiased for every n.
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % n;
  uint64_t x;
  do x = next_u64();
  while (x >= limit);
  return x % n;
}

double Generator::normal() {
  if (spare_normal_) {
    const double z = *spare_normal_;
    spare_normal_.reset();
    return z;
  }
  const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * M_PI * u2;
  spare_normal_ = r * std::sin(theta);
  return r * std::cos(theta);
}

namespace detail {
LockedGenerator lock_default_generator() {
  static std::mutex mu;
  static Generator gen;
  return LockedGenerator{std::unique_lock<std::mutex>(mu), &gen};
}
}  // namespace detail

void manual_seed(uint64_t seed) {
  with_default_generator([&](Generator& g) { g.set_seed(seed); });
}

uint64_t initial_seed() {
  return with_default_generator([](Generator& g) { return g.seed(); });
}

// ---- fills ------------------------------------------------------------------------------------

namespace {

// Random mantissa bits of a floating type: the most a uniform draw can carry exactly.
template <class T>
constexpr int digits() {
  if constexpr (std::is_same_v<T, Half>) return 11;
  else if constexpr (std::is_same_v<T, BFloat16>) return 8;
  else if constexpr (std::is_same_v<T, float>) return 24;
  else return 53;
}

// Writes f(gen) into every element of self in row-major order, holding the generator once.
template <class T, class F>
Tensor fill_with(const Tensor& self, F&& f) {
  const Tensor dst = self.is_contiguous() ? self : Tensor::empty(self.sizes(), self.dtype());
  T* p = dst.data<T>();
  const int64_t n = dst.numel();
  with_default_generator([&](Generator& g) {
    for (int64_t i = 0; i < n; ++i) p[i] = f(g);
  });
  if (!dst.is_same(self)) copy_into(self, dst);
  return self;
}

// Float dtypes the distribution kernels accept; `kernel` names PyTorch's kernel in the error.
template <class F>
decltype(auto) dispatch_random_floating(DType t, const char* kernel, F&& f) {
  return dispatch_floating(t, kernel, std::forward<F>(f));
}

template <class T>
constexpr bool is_float_v = std::is_floating_point_v<T> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

// The inclusive integer range a dtype holds exactly (floats: +-2^digits).
std::pair<int64_t, int64_t> exact_range(DType t) {
  return dispatch_real(t, "random_", [](auto z) -> std::pair<int64_t, int64_t> {
    using T = decltype(z);
    if constexpr (std::is_same_v<T, bool>) return {0, 1};
    else if constexpr (is_float_v<T>) return {-(int64_t{1} << digits<T>()), int64_t{1} << digits<T>()};
    else return {static_cast<int64_t>(std::numeric_limits<T>::min()), static_cast<int64_t>(std::numeric_limits<T>::max())};
  });
}

// Integers in [lo, hi] (inclusive; the range may span all of int64).
Tensor random_inclusive(const Tensor& self, int64_t lo, int64_t hi) {
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);  // count - 1
  return dispatch_real(self.dtype(), "random_", [&](auto z) {
    using T = decltype(z);
    return fill_with<T>(self, [&](Generator& g) {
      const uint64_t k = span == std::numeric_limits<uint64_t>::max() ? g.next_u64() : g.below(span + 1);
      return scalar_cast<T>(static_cast<int64_t>(static_cast<uint64_t>(lo) + k));
    });
  });
}

Tensor contiguous_double(const Tensor& t, std::span<const int64_t> shape) {
  return expand_to(t, shape).to(DType::Float64).contiguous();
}

}  // namespace

Tensor uniform_(const Tensor& self, double from, double to) {
  if (from > to)
    fail("uniform_ expects to return a [from, to) range, but found from=", from, " > to=", to);
  return dispatch_random_floating(self.dtype(), "check_uniform_bounds", [&](auto z) {
    using T = decltype(z);
    return fill_with<T>(self, [&](Generator& g) {
      return scalar_cast<T>(from + (to - from) * g.uniform(digits<T>()));
    });
  });
}

Tensor normal_(const Tensor& self, double mean, double std) {
  if (!(std >= 0.0)) fail("normal expects std >= 0.0, but found std ", std);
  return dispatch_random_floating(self.dtype(), "normal_kernel_cpu", [&](auto z) {
    using T = decltype(z);
    return fill_with<T>(self, [&](Generator& g) { return scalar_cast<T>(mean + std * g.normal()); });
  });
}

Tensor bernoulli_(const Tensor& self, double p) {
  if (!(p >= 0.0 && p <= 1.0)) fail("bernoulli_ expects p to be in [0, 1], but got p=", p);
  return dispatch_real(self.dtype(), "bernoulli_", [&](auto z) {
    using T = decltype(z);
    return fill_with<T>(self, [&](Generator& g) { return scalar_cast<T>(g.uniform() < p ? 1 : 0); });
  });
}

Tensor bernoulli_(const Tensor& self, const Tensor& p) {
  if (!is_floating(p.dtype()))
    fail("bernoulli_: expected a floating point probability tensor, got ", dtype_name(p.dtype()));
  if (!broadcastable_to(p.sizes(), self.sizes()))
    fail("bernoulli_: probability tensor of shape ", shape_string(p.sizes()),
         " cannot be broadcast to ", shape_string(self.sizes()));
  const Tensor probs = contiguous_double(p, self.sizes());
  const double* pp = probs.data<double>();
  for (int64_t i = 0; i < probs.numel(); ++i)
    if (!(pp[i] >= 0.0 && pp[i] <= 1.0)) fail("bernoulli_ expects all elements of p to be in [0, 1], got ", pp[i]);
  return dispatch_real(self.dtype(), "bernoulli_", [&](auto z) {
    using T = decltype(z);
    int64_t i = 0;
    return fill_with<T>(self, [&](Generator& g) { return scalar_cast<T>(g.uniform() < pp[i++] ? 1 : 0); });
  });
}

Tensor random_(const Tensor& self, int64_t from, std::optional<int64_t> to) {
  const auto [lo, hi] = exact_range(self.dtype());
  const std::string dt(dtype_name(self.dtype()));
  if (from < lo || from > hi) fail("random_: from=", from, " is out of bounds for ", dt);
  if (to) {
    if (from >= *to)
      fail("random_ expects 'from' to be less than 'to', but got from=", from, " >= to=", *to);
    if (*to - 1 > hi) fail("random_: to - 1 = ", *to - 1, " is out of bounds for ", dt);
    return random_inclusive(self, from, *to - 1);
  }
  return random_inclusive(self, from, hi);
}

Tensor random_(const Tensor& self) { return random_inclusive(self, 0, exact_range(self.dtype()).second); }

Tensor exponential_(const Tensor& self, double lambd) {
  if (!(lambd > 0.0)) fail("exponential_ expects lambda > 0.0, but found lambda=", lambd);
  return dispatch_random_floating(self.dtype(), "exponential_cpu", [&](auto z) {
    using T = decltype(z);
    return fill_with<T>(self, [&](Generator& g) { return scalar_cast<T>(-std::log1p(-g.uniform()) / lambd); });
  });
}

// ---- factories --------------------------------------------------------------------------------

Tensor rand(std::span<const int64_t> size, DType dtype) {
  checked_numel(size);
  return uniform_(Tensor::empty(size, dtype), 0.0, 1.0);
}

Tensor randn(std::span<const int64_t> size, DType dtype) {
  checked_numel(size);
  return normal_(Tensor::empty(size, dtype), 0.0, 1.0);
}

Tensor randint(int64_t low, int64_t high, std::span<const int64_t> size, DType dtype) {
  checked_numel(size);
  return random_(Tensor::empty(size, dtype), low, high);
}

Tensor randperm(int64_t n, DType dtype) {
  if (n < 0) fail("Trying to create tensor with negative dimension ", n, ": [", n, "]");
  if (n > 0 && n - 1 > exact_range(dtype).second)
    fail("randperm: n=", n, " is too large for result tensor type '", dtype_name(dtype), "'");
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  with_default_generator([&](Generator& g) {
    for (int64_t i = n - 1; i > 0; --i)
      std::swap(perm[static_cast<size_t>(i)], perm[g.below(static_cast<uint64_t>(i + 1))]);
  });
  Tensor idx = Tensor::empty({n}, DType::Int64);
  std::copy(perm.begin(), perm.end(), idx.data<int64_t>());
  return dtype == DType::Int64 ? idx : idx.to(dtype);
}

namespace {

// mean + std * N(0, 1) over the broadcast of both, in `dtype`.
Tensor normal_broadcast(const Tensor& mean, const Tensor& std, DType dtype) {
  const Shape shape = broadcast_shapes(mean.sizes(), std.sizes());
  const Tensor m = contiguous_double(mean, shape), s = contiguous_double(std, shape);
  const double* sp = s.data<double>();
  for (int64_t i = 0; i < s.numel(); ++i)
    if (!(sp[i] >= 0.0)) fail("normal expects all elements of std >= 0.0");
  const double* mp = m.data<double>();
  Tensor out = Tensor::empty(shape, dtype);
  dispatch_random_floating(dtype, "normal_kernel_cpu", [&](auto z) {
    using T = decltype(z);
    int64_t i = 0;
    fill_with<T>(out, [&](Generator& g) {
      const double v = mp[i] + sp[i] * g.normal();
      ++i;
      return scalar_cast<T>(v);
    });
  });
  return out;
}

}  // namespace

Tensor normal(const Tensor& mean, const Tensor& std) { return normal_broadcast(mean, std, mean.dtype()); }

Tensor normal(const Tensor& mean, double std) {
  if (!(std >= 0.0)) fail("normal expects std >= 0.0, but found std ", std);
  return normal_broadcast(mean, Tensor::scalar(std), mean.dtype());
}

Tensor normal(double mean, const Tensor& std) { return normal_broadcast(Tensor::scalar(mean), std, std.dtype()); }

Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement) {
  if (probs.dim() != 1 && probs.dim() != 2) fail("prob_dist must be 1 or 2 dim");
  if (!is_floating(probs.dtype()))
    fail("multinomial only supports floating-point dtypes for input, got: ", dtype_name(probs.dtype()));
  if (num_samples <= 0) fail("cannot sample n_sample <= 0 samples");
  const int64_t rows = probs.dim() == 2 ? probs.size(0) : 1, cats = probs.size(-1);
  if (!replacement && num_samples > cats)
    fail("cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  const Tensor p = probs.to(DType::Float64).contiguous();
  const double* pp = p.data<double>();
  for (int64_t r = 0; r < rows; ++r) {
    double total = 0;
    for (int64_t c = 0; c < cats; ++c) {
      const double v = pp[r * cats + c];
      if (std::isnan(v) || std::isinf(v))
        fail("invalid multinomial distribution (encountering probability entry = infinity or NaN)");
      if (v < 0) fail("invalid multinomial distribution (encountering probability entry < 0)");
      total += v;
    }
    if (!(total > 0)) fail("invalid multinomial distribution (sum of probabilities <= 0)");
  }
  Shape out_shape = probs.dim() == 2 ? Shape{rows, num_samples} : Shape{num_samples};
  Tensor out = Tensor::empty(out_shape, DType::Int64);
  int64_t* op = out.data<int64_t>();
  with_default_generator([&](Generator& g) {
    std::vector<double> work(static_cast<size_t>(cats));
    std::vector<int64_t> order(static_cast<size_t>(cats));
    for (int64_t r = 0; r < rows; ++r) {
      const double* row = pp + r * cats;
      int64_t* dst = op + r * num_samples;
      if (replacement) {
        std::partial_sum(row, row + cats, work.begin());
        int64_t last = cats - 1;
        while (last > 0 && row[last] == 0) --last;
        for (int64_t k = 0; k < num_samples; ++k) {
          const double u = g.uniform() * work.back();
          const auto it = std::upper_bound(work.begin(), work.end(), u);
          dst[k] = std::min<int64_t>(it - work.begin(), last);
        }
      } else {
        // Gumbel-top-k in its exponential form: the k largest p / Exp(1) are a sample without
        // replacement.
        for (int64_t c = 0; c < cats; ++c)
          work[static_cast<size_t>(c)] = row[c] / -std::log1p(-g.uniform());
        std::iota(order.begin(), order.end(), int64_t{0});
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
          return work[static_cast<size_t>(a)] > work[static_cast<size_t>(b)];
        });
        std::copy_n(order.begin(), num_samples, dst);
      }
    }
  });
  return out;
}

// ---- dropout ----------------------------------------------------------------------------------

Tensor dropout(DropoutKind kind, const Tensor& x, double p, bool train, bool inplace) {
  if (!(p >= 0 && p <= 1)) fail("dropout probability has to be between 0 and 1, but got ", p);
  if (p == 0 || !train || x.numel() == 0) return x;
  if (!is_floating(x.dtype()))
    fail("dropout: training-mode dropout needs a floating point input, got ", dtype_name(x.dtype()));
  const bool feature = kind == DropoutKind::Feature || kind == DropoutKind::FeatureAlpha;
  const bool alpha = kind == DropoutKind::Alpha || kind == DropoutKind::FeatureAlpha;
  Tensor result;
  if (p == 1) {
    // PyTorch multiplies by zero, so NaN and inf inputs stay NaN.
    result = dispatch_floating(x.dtype(), "dropout", [&](auto z) {
      using T = decltype(z);
      using A = opmath_t<T>;
      return map<T, T>({x}, [](A v) { return v * A(0); });
    });
  } else {
    Shape noise_shape = x.sizes();
    if (feature) {
      if (x.dim() < 2) fail("Feature dropout requires at least 2 dimensions in the input");
      std::fill(noise_shape.begin() + 2, noise_shape.end(), int64_t{1});
    }
    const Tensor keep = bernoulli_(Tensor::empty(noise_shape, DType::Float64), 1 - p);
    result = dispatch_floating(x.dtype(), "dropout", [&](auto z) {
      using T = decltype(z);
      using A = opmath_t<T>;
      if (!alpha) {
        const A scale = A(1.0 / (1 - p));
        return map<T, T, double>({x, keep}, [scale](A v, double k) { return v * (A(k) * scale); });
      }
      constexpr double kAlpha = 1.7580993408473766;
      const double a = 1.0 / std::sqrt((kAlpha * kAlpha * p + 1) * (1 - p));
      return map<T, T, double>({x, keep}, [a, p](A v, double k) {
        const double b = (k - 1) * (kAlpha * a) + kAlpha * a * p;
        return static_cast<A>(static_cast<double>(v) * (k * a) + b);
      });
    });
  }
  if (!inplace) return result;
  copy_into(x, result);
  return x;
}

std::tuple<Tensor, Tensor> native_dropout(const Tensor& x, double p, std::optional<bool> train) {
  if (x.numel() == 0) return {x, Tensor::empty(x.sizes(), x.dtype())};
  if (train.has_value() && !*train) {
    Tensor ones = Tensor::empty(x.sizes(), DType::Bool);
    std::fill_n(ones.data<bool>(), ones.numel(), true);
    return {x.clone(), ones};
  }
  if (!is_floating(x.dtype()))
    fail("native_dropout: needs a floating point input, got ", dtype_name(x.dtype()));
  const double p1m = 1.0 - p;
  const double scale = p1m == 0 ? 0.0 : 1.0 / p1m;
  const Tensor keep = bernoulli_(Tensor::empty(x.sizes(), DType::Bool), p1m);
  Tensor out = dispatch_floating(x.dtype(), "native_dropout", [&](auto z) {
    using T = decltype(z);
    using A = opmath_t<T>;
    return map<T, T, bool>({x, keep}, [scale](A v, bool k) { return (v * A(k ? 1 : 0)) * A(scale); });
  });
  return {out, keep};
}

}  // namespace ember::cpu
