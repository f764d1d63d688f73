// aten_random.cpp — schemas of the random ops bound to kernels/cpu/random.h: factories (rand,
// randn, randint, randperm, *_like, normal), in-place fills (uniform_, normal_, bernoulli_,
// random_, exponential_), bernoulli, multinomial, native_dropout and manual_seed.
//
// They draw from ember's process-wide generator, whose streams differ from PyTorch's (see
// random.h): a model that samples gives statistically equivalent, not identical, numbers.
// `Generator?` arguments accept None only: ember has no per-call generator objects.
#include <string>

#include "kernels/cpu/random.h"
#include "ops/aten_util.h"

namespace ember::ops {

namespace {

using IntList = std::vector<int64_t>;
using OptDType = std::optional<DType>;
using OptDevice = std::optional<Device>;
using OptBool = std::optional<bool>;
using OptTensor = std::optional<Tensor>;

void check_generator(const Value& generator) {
  if (!generator.is_none())
    fail("ember draws from one process-wide generator (seeded by torch.manual_seed); an explicit "
         "torch.Generator argument is not supported");
}

void register_factories(Registry& r) {
  const std::string opts = "ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None";
  const std::string long_opts = "ScalarType? dtype=4, Layout? layout=None, Device? device=None, bool? pin_memory=None";
  const std::string like_opts = opts + ", MemoryFormat? memory_format=None";

  auto sized = [](auto fn) {
    return wrap([fn](IntList size, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
      check_options(layout, dev, pin);
      return fn(size, dt.value_or(kDefaultFloat));
    });
  };
  auto sized_gen = [](auto fn) {
    return wrap([fn](IntList size, Value gen, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
      check_generator(gen);
      check_options(layout, dev, pin);
      return fn(size, dt.value_or(kDefaultFloat));
    });
  };
  auto like = [](auto fn) {
    return wrap([fn](const Tensor& self, OptDType dt, Value layout, OptDevice dev, OptBool pin, Value) {
      check_options(layout, dev, pin);
      return fn(self.sizes(), dt.value_or(self.dtype()));
    });
  };
  auto rand_fn = [](std::span<const int64_t> s, DType d) { return cpu::rand(s, d); };
  auto randn_fn = [](std::span<const int64_t> s, DType d) { return cpu::randn(s, d); };
  r.add("aten::rand(int[] size, *, " + opts + ") -> Tensor", sized(rand_fn));
  r.add("aten::rand.generator(int[] size, *, Generator? generator, " + opts + ") -> Tensor", sized_gen(rand_fn));
  r.add("aten::randn(int[] size, *, " + opts + ") -> Tensor", sized(randn_fn));
  r.add("aten::randn.generator(int[] size, *, Generator? generator, " + opts + ") -> Tensor", sized_gen(randn_fn));
  r.add("aten::rand_like(Tensor self, *, " + like_opts + ") -> Tensor", like(rand_fn));
  r.add("aten::randn_like(Tensor self, *, " + like_opts + ") -> Tensor", like(randn_fn));

  // randint's dtype defaults to int64; an explicit None means the same.
  r.add("aten::randint(int high, int[] size, *, " + long_opts + ") -> Tensor",
        wrap([](int64_t high, IntList size, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::randint(0, high, size, dt.value_or(DType::Int64));
        }));
  r.add("aten::randint.generator(int high, int[] size, *, Generator? generator, " + long_opts + ") -> Tensor",
        wrap([](int64_t high, IntList size, Value gen, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_generator(gen);
          check_options(layout, dev, pin);
          return cpu::randint(0, high, size, dt.value_or(DType::Int64));
        }));
  r.add("aten::randint.low(int low, int high, int[] size, *, " + long_opts + ") -> Tensor",
        wrap([](int64_t low, int64_t high, IntList size, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::randint(low, high, size, dt.value_or(DType::Int64));
        }));
  r.add("aten::randint.low_generator(int low, int high, int[] size, *, Generator? generator, " + long_opts + ") -> Tensor",
        wrap([](int64_t low, int64_t high, IntList size, Value gen, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_generator(gen);
          check_options(layout, dev, pin);
          return cpu::randint(low, high, size, dt.value_or(DType::Int64));
        }));
  r.add("aten::randint_like(Tensor self, int high, *, " + like_opts + ") -> Tensor",
        wrap([](const Tensor& self, int64_t high, OptDType dt, Value layout, OptDevice dev, OptBool pin, Value) {
          check_options(layout, dev, pin);
          return cpu::randint(0, high, self.sizes(), dt.value_or(self.dtype()));
        }));
  r.add("aten::randint_like.low_dtype(Tensor self, int low, int high, *, " + like_opts + ") -> Tensor",
        wrap([](const Tensor& self, int64_t low, int64_t high, OptDType dt, Value layout, OptDevice dev, OptBool pin, Value) {
          check_options(layout, dev, pin);
          return cpu::randint(low, high, self.sizes(), dt.value_or(self.dtype()));
        }));
  r.add("aten::randperm(int n, *, " + long_opts + ") -> Tensor",
        wrap([](int64_t n, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::randperm(n, dt.value_or(DType::Int64));
        }));
  r.add("aten::randperm.generator(int n, *, Generator? generator, " + long_opts + ") -> Tensor",
        wrap([](int64_t n, Value gen, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_generator(gen);
          check_options(layout, dev, pin);
          return cpu::randperm(n, dt.value_or(DType::Int64));
        }));

  r.add("aten::normal.Tensor_Tensor(Tensor mean, Tensor std, *, Generator? generator=None) -> Tensor",
        wrap([](const Tensor& mean, const Tensor& std, Value gen) {
          check_generator(gen);
          return cpu::normal(mean, std);
        }));
  r.add("aten::normal.Tensor_float(Tensor mean, float std=1., *, Generator? generator=None) -> Tensor",
        wrap([](const Tensor& mean, double std, Value gen) {
          check_generator(gen);
          return cpu::normal(mean, std);
        }));
  r.add("aten::normal.float_Tensor(float mean, Tensor std, *, Generator? generator=None) -> Tensor",
        wrap([](double mean, const Tensor& std, Value gen) {
          check_generator(gen);
          return cpu::normal(mean, std);
        }));
  r.add("aten::normal.float_float(float mean, float std, int[] size, *, Generator? generator=None, " + opts + ") -> Tensor",
        wrap([](double mean, double std, IntList size, Value gen, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_generator(gen);
          check_options(layout, dev, pin);
          return cpu::normal_(Tensor::empty(size, dt.value_or(kDefaultFloat)), mean, std);
        }));
  r.add("aten::normal_functional(Tensor self, float mean=0., float std=1., *, Generator? generator=None) -> Tensor",
        wrap([](const Tensor& self, double mean, double std, Value gen) {
          check_generator(gen);
          return cpu::normal_(Tensor::empty(self.sizes(), self.dtype()), mean, std);
        }));
}

void register_fills(Registry& r) {
  r.add("aten::uniform_(Tensor(a!) self, float from=0., float to=1., *, Generator? generator=None) -> Tensor(a!)",
        wrap([](const Tensor& self, double from, double to, Value gen) {
          check_generator(gen);
          return cpu::uniform_(self, from, to);
        }));
  r.add("aten::normal_(Tensor(a!) self, float mean=0., float std=1., *, Generator? generator=None) -> Tensor(a!)",
        wrap([](const Tensor& self, double mean, double std, Value gen) {
          check_generator(gen);
          return cpu::normal_(self, mean, std);
        }));
  r.add("aten::bernoulli_.float(Tensor(a!) self, float p=0.5, *, Generator? generator=None) -> Tensor(a!)",
        wrap([](const Tensor& self, double p, Value gen) {
          check_generator(gen);
          return cpu::bernoulli_(self, p);
        }));
  r.add("aten::bernoulli_.Tensor(Tensor(a!) self, Tensor p, *, Generator? generator=None) -> Tensor(a!)",
        wrap([](const Tensor& self, const Tensor& p, Value gen) {
          check_generator(gen);
          return cpu::bernoulli_(self, p);
        }));
  // bernoulli(self): self holds the probabilities; the result has its dtype and shape.
  r.add("aten::bernoulli(Tensor self, *, Generator? generator=None) -> Tensor",
        wrap([](const Tensor& self, Value gen) {
          check_generator(gen);
          return cpu::bernoulli_(Tensor::empty(self.sizes(), self.dtype()), self);
        }));
  r.add("aten::bernoulli.p(Tensor self, float p, *, Generator? generator=None) -> Tensor",
        wrap([](const Tensor& self, double p, Value gen) {
          check_generator(gen);
          return cpu::bernoulli_(Tensor::empty(self.sizes(), self.dtype()), p);
        }));
  r.add("aten::bernoulli.Tensor(Tensor self, Tensor p, *, Generator? generator=None) -> Tensor",
        wrap([](const Tensor& self, const Tensor& p, Value gen) {
          check_generator(gen);
          return cpu::bernoulli_(Tensor::empty(self.sizes(), self.dtype()), p);
        }));
  r.add("aten::random_(Tensor(a!) self, *, Generator? generator=None) -> Tensor(a!)",
        wrap([](const Tensor& self, Value gen) {
          check_generator(gen);
          return cpu::random_(self);
        }));
  r.add("aten::random_.from(Tensor(a!) self, int from, int? to, *, Generator? generator=None) -> Tensor(a!)",
        wrap([](const Tensor& self, int64_t from, std::optional<int64_t> to, Value gen) {
          check_generator(gen);
          return cpu::random_(self, from, to);
        }));
  r.add("aten::random_.to(Tensor(a!) self, int to, *, Generator? generator=None) -> Tensor(a!)",
        wrap([](const Tensor& self, int64_t to, Value gen) {
          check_generator(gen);
          return cpu::random_(self, 0, to);
        }));
  r.add("aten::exponential_(Tensor(a!) self, float lambd=1., *, Generator? generator=None) -> Tensor(a!)",
        wrap([](const Tensor& self, double lambd, Value gen) {
          check_generator(gen);
          return cpu::exponential_(self, lambd);
        }));
  r.add("aten::multinomial(Tensor self, int num_samples, bool replacement=False, *, Generator? generator=None) -> Tensor",
        wrap([](const Tensor& self, int64_t n, bool replacement, Value gen) {
          check_generator(gen);
          return cpu::multinomial(self, n, replacement);
        }));
  r.add("aten::native_dropout(Tensor input, float p, bool? train) -> (Tensor, Tensor)",
        wrap([](const Tensor& x, double p, OptBool train) { return cpu::native_dropout(x, p, train); }));
  r.add("aten::manual_seed(int seed) -> ()",
        wrap([](int64_t seed) { cpu::manual_seed(static_cast<uint64_t>(seed)); }));
}

}  // namespace

void register_random_ops(Registry& r) {
  register_factories(r);
  register_fills(r);
}

}  // namespace ember::ops
