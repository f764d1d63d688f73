// The random ops through the global registry. ember's generator does not reproduce PyTorch's
// streams (kernels/cpu/random.h), so these tests check what must hold for any correct sampler:
// dtypes and shapes, ranges, sample means and variances within a few standard errors of the
// distribution's (the tolerances are ~5-6 standard errors, so a correct sampler fails about once in
// millions of runs and the fixed seed makes every run identical), determinism under
// aten::manual_seed, and PyTorch's argument errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "ember/error.h"
#include "ember/tensor.h"
#include "ember/value.h"
#include "ops/registry.h"

namespace ember {
namespace {

const ops::Registry& reg() { return ops::Registry::global(); }

Value ints(std::vector<int64_t> v) {
  std::vector<Value> items;
  for (int64_t x : v) items.emplace_back(x);
  return Value(make_list(Type::get(TypeKind::Int), std::move(items)));
}

Tensor call_t(const char* op, std::vector<Value> args, std::vector<std::pair<std::string, Value>> kw = {}) {
  return reg().call(op, std::move(args), std::move(kw)).at(0).to_tensor();
}

void seed(int64_t s) { reg().call("aten::manual_seed", {Value(s)}); }

struct Stats {
  double mean = 0, var = 0, min = 0, max = 0;
};

Stats stats(const Tensor& t) {
  Stats s;
  const int64_t n = t.numel();
  s.min = s.max = t.at_double(0);
  for (int64_t i = 0; i < n; ++i) {
    const double v = t.at_double(i);
    s.mean += v;
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
  }
  s.mean /= static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) s.var += (t.at_double(i) - s.mean) * (t.at_double(i) - s.mean);
  s.var /= static_cast<double>(n - 1);
  return s;
}

std::vector<double> values(const Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.numel(); ++i) v.push_back(t.at_double(i));
  return v;
}

constexpr int64_t kN = 200000;

TEST(GapsRandom, ManualSeedMakesStreamsRepeat) {
  seed(7);
  const auto a = values(call_t("aten::rand", {ints({1000})}));
  const auto b = values(call_t("aten::rand", {ints({1000})}));
  seed(7);
  const auto c = values(call_t("aten::rand", {ints({1000})}));
  EXPECT_EQ(a, c);
  EXPECT_NE(a, b);
  seed(8);
  EXPECT_NE(a, values(call_t("aten::rand", {ints({1000})})));
  seed(7);
  const auto p = values(call_t("aten::randperm", {Value(int64_t{50})}));
  seed(7);
  EXPECT_EQ(p, values(call_t("aten::randperm", {Value(int64_t{50})})));
}

TEST(GapsRandom, RandIsUniformOnZeroOne) {
  seed(1);
  const Tensor t = call_t("aten::rand", {ints({kN / 100, 100})});
  EXPECT_EQ(t.dtype(), DType::Float32);
  EXPECT_EQ(t.sizes(), (Shape{kN / 100, 100}));
  const Stats s = stats(t);
  EXPECT_GE(s.min, 0.0);
  EXPECT_LT(s.max, 1.0);
  EXPECT_NEAR(s.mean, 0.5, 0.004);
  EXPECT_NEAR(s.var, 1.0 / 12, 0.002);
  const Tensor d = call_t("aten::rand", {ints({3})}, {{"dtype", Value(int64_t{7})}});
  EXPECT_EQ(d.dtype(), DType::Float64);
  const Tensor like = call_t("aten::rand_like", {Value(Tensor::empty({2, 5}, DType::Float64))});
  EXPECT_EQ(like.dtype(), DType::Float64);
  EXPECT_EQ(like.sizes(), (Shape{2, 5}));
  // PyTorch: "check_uniform_bounds" not implemented for 'Long'.
  EXPECT_THROW(call_t("aten::rand", {ints({3})}, {{"dtype", Value(int64_t{4})}}), Error);
}

TEST(GapsRandom, RandnIsStandardNormal) {
  seed(2);
  const Tensor t = call_t("aten::randn", {ints({kN})}, {{"dtype", Value(int64_t{7})}});
  EXPECT_EQ(t.dtype(), DType::Float64);
  const Stats s = stats(t);
  EXPECT_NEAR(s.mean, 0.0, 0.012);
  EXPECT_NEAR(s.var, 1.0, 0.02);
  int64_t within1 = 0;
  for (int64_t i = 0; i < t.numel(); ++i) within1 += std::abs(t.at_double(i)) < 1.0 ? 1 : 0;
  EXPECT_NEAR(static_cast<double>(within1) / kN, 0.6827, 0.006);
  const Tensor h = call_t("aten::randn_like", {Value(Tensor::empty({4, 4}, DType::Float16))});
  EXPECT_EQ(h.dtype(), DType::Float16);
  EXPECT_THROW(call_t("aten::randn", {ints({3})}, {{"dtype", Value(int64_t{4})}}), Error);
}

TEST(GapsRandom, RandintCoversItsHalfOpenRange) {
  seed(3);
  const Tensor t = call_t("aten::randint", {Value(int64_t{-3}), Value(int64_t{4}), ints({kN})});
  EXPECT_EQ(t.dtype(), DType::Int64);
  std::vector<int64_t> counts(7, 0);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int64_t v = static_cast<int64_t>(t.at_double(i));
    ASSERT_GE(v, -3);
    ASSERT_LT(v, 4);
    ++counts[static_cast<size_t>(v + 3)];
  }
  for (int64_t c : counts) EXPECT_NEAR(static_cast<double>(c) / kN, 1.0 / 7, 0.005);
  const Tensor i32 = call_t("aten::randint", {Value(int64_t{10}), ints({5})}, {{"dtype", Value(int64_t{3})}});
  EXPECT_EQ(i32.dtype(), DType::Int32);
  const Tensor like = call_t("aten::randint_like", {Value(Tensor::empty({3}, DType::UInt8)), Value(int64_t{200})});
  EXPECT_EQ(like.dtype(), DType::UInt8);
  // random_ expects 'from' to be less than 'to'.
  EXPECT_THROW(call_t("aten::randint", {Value(int64_t{5}), Value(int64_t{5}), ints({2})}), Error);
  // to - 1 is out of bounds for unsigned char.
  EXPECT_THROW(call_t("aten::randint", {Value(int64_t{0}), Value(int64_t{300}), ints({2})},
                      {{"dtype", Value(int64_t{0})}}),
               Error);
}

TEST(GapsRandom, RandpermIsAPermutation) {
  seed(4);
  const Tensor p = call_t("aten::randperm", {Value(int64_t{1000})});
  EXPECT_EQ(p.dtype(), DType::Int64);
  std::vector<double> v = values(p), sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i) ASSERT_EQ(sorted[static_cast<size_t>(i)], static_cast<double>(i));
  int64_t fixed = 0;
  for (int64_t i = 0; i < 1000; ++i) fixed += v[static_cast<size_t>(i)] == static_cast<double>(i) ? 1 : 0;
  EXPECT_LT(fixed, 10);  // a uniform permutation fixes one point on average
  // Every position is equally likely to hold 0 (over many small permutations).
  std::vector<int64_t> where0(5, 0);
  for (int r = 0; r < 20000; ++r) {
    const Tensor q = call_t("aten::randperm", {Value(int64_t{5})});
    for (int64_t i = 0; i < 5; ++i)
      if (q.at_double(i) == 0) ++where0[static_cast<size_t>(i)];
  }
  for (int64_t c : where0) EXPECT_NEAR(c / 20000.0, 0.2, 0.02);
  EXPECT_EQ(call_t("aten::randperm", {Value(int64_t{0})}).numel(), 0);
  EXPECT_EQ(call_t("aten::randperm", {Value(int64_t{4})}, {{"dtype", Value(int64_t{6})}}).dtype(), DType::Float32);
  EXPECT_THROW(call_t("aten::randperm", {Value(int64_t{-1})}), Error);
}

TEST(GapsRandom, InPlaceFillsWriteThroughViews) {
  seed(5);
  Tensor base = Tensor::empty({kN / 500, 1000}, DType::Float32);
  // Every other column: a strided view.
  const Tensor view = base.as_strided({kN / 500, 500}, {1000, 2}, 0);
  const Tensor r = call_t("aten::uniform_", {Value(view), Value(-2.0), Value(3.0)});
  EXPECT_TRUE(r.is_same(view));
  const Stats s = stats(view);
  EXPECT_GE(s.min, -2.0);
  EXPECT_LT(s.max, 3.0);
  EXPECT_NEAR(s.mean, 0.5, 0.02);
  EXPECT_NEAR(s.var, 25.0 / 12, 0.03);
  for (int64_t i = 0; i < 1000; i += 2) EXPECT_EQ(base.at_double(i + 1), 0.0);  // untouched columns

  Tensor n = Tensor::empty({kN}, DType::Float64);
  call_t("aten::normal_", {Value(n), Value(3.0), Value(0.5)});
  const Stats sn = stats(n);
  EXPECT_NEAR(sn.mean, 3.0, 0.006);
  EXPECT_NEAR(sn.var, 0.25, 0.006);

  Tensor e = Tensor::empty({kN}, DType::Float32);
  call_t("aten::exponential_", {Value(e), Value(2.0)});
  const Stats se = stats(e);
  EXPECT_GE(se.min, 0.0);
  EXPECT_NEAR(se.mean, 0.5, 0.006);
  EXPECT_NEAR(se.var, 0.25, 0.01);

  Tensor ri = Tensor::empty({kN}, DType::Int32);
  call_t("aten::random_", {Value(ri), Value(int64_t{10}), Value(int64_t{20})});
  const Stats sr = stats(ri);
  EXPECT_EQ(sr.min, 10);
  EXPECT_EQ(sr.max, 19);
  EXPECT_NEAR(sr.mean, 14.5, 0.04);
  Tensor rb = Tensor::empty({1000}, DType::Bool);
  call_t("aten::random_", {Value(rb)});
  EXPECT_NEAR(stats(rb).mean, 0.5, 0.08);

  EXPECT_THROW(call_t("aten::uniform_", {Value(view), Value(1.0), Value(0.0)}), Error);
  EXPECT_THROW(call_t("aten::normal_", {Value(n), Value(0.0), Value(-1.0)}), Error);
  EXPECT_THROW(call_t("aten::uniform_", {Value(Tensor::empty({2}, DType::Int64))}), Error);
}

TEST(GapsRandom, Bernoulli) {
  seed(6);
  Tensor t = Tensor::empty({kN}, DType::Float32);
  call_t("aten::bernoulli_", {Value(t), Value(0.3)});
  const Stats s = stats(t);
  EXPECT_EQ(s.min, 0.0);
  EXPECT_EQ(s.max, 1.0);
  EXPECT_NEAR(s.mean, 0.3, 0.006);
  Tensor i = Tensor::empty({kN}, DType::Int32);
  call_t("aten::bernoulli_", {Value(i), Value(0.8)});
  EXPECT_NEAR(stats(i).mean, 0.8, 0.006);
  // Per-element probabilities: 0 and 1 are certain, 0.5 is a coin.
  Tensor p = Tensor::empty({3, kN / 3}, DType::Float64);
  for (int64_t k = 0; k < kN / 3; ++k) {
    p.data<double>()[k] = 0.0;
    p.data<double>()[kN / 3 + k] = 1.0;
    p.data<double>()[2 * (kN / 3) + k] = 0.5;
  }
  const Tensor b = call_t("aten::bernoulli", {Value(p)});
  EXPECT_EQ(b.dtype(), DType::Float64);
  double ones[3] = {0, 0, 0};
  for (int64_t k = 0; k < b.numel(); ++k) ones[k / (kN / 3)] += b.at_double(k);
  EXPECT_EQ(ones[0], 0.0);
  EXPECT_EQ(ones[1], static_cast<double>(kN / 3));
  EXPECT_NEAR(ones[2] / (kN / 3), 0.5, 0.01);
  // bernoulli_.Tensor broadcasts p over self.
  Tensor q = Tensor::empty({kN / 2, 2}, DType::Float32);
  Tensor row = Tensor::empty({2}, DType::Float32);
  row.data<float>()[0] = 0.0f;
  row.data<float>()[1] = 0.25f;
  call_t("aten::bernoulli_", {Value(q), Value(row)});
  double c0 = 0, c1 = 0;
  for (int64_t k = 0; k < kN / 2; ++k) c0 += q.at_double(2 * k), c1 += q.at_double(2 * k + 1);
  EXPECT_EQ(c0, 0.0);
  EXPECT_NEAR(c1 / (kN / 2), 0.25, 0.008);
  EXPECT_THROW(call_t("aten::bernoulli_", {Value(t), Value(1.5)}), Error);
  row.data<float>()[1] = 2.0f;
  EXPECT_THROW(call_t("aten::bernoulli_", {Value(q), Value(row)}), Error);
}

TEST(GapsRandom, NormalWithTensorArguments) {
  seed(9);
  Tensor mean = Tensor::empty({2, 1}, DType::Float32);
  mean.data<float>()[0] = -5.0f;
  mean.data<float>()[1] = 5.0f;
  Tensor std = Tensor::empty({kN / 2}, DType::Float32);
  std::fill_n(std.data<float>(), std.numel(), 2.0f);
  const Tensor t = call_t("aten::normal", {Value(mean), Value(std)});
  EXPECT_EQ(t.sizes(), (Shape{2, kN / 2}));
  EXPECT_EQ(t.dtype(), DType::Float32);
  const Stats lo = stats(t.as_strided({kN / 2}, {1}, 0)), hi = stats(t.as_strided({kN / 2}, {1}, kN / 2));
  EXPECT_NEAR(lo.mean, -5.0, 0.04);
  EXPECT_NEAR(hi.mean, 5.0, 0.04);
  EXPECT_NEAR(lo.var, 4.0, 0.12);
  const Tensor f = call_t("aten::normal", {Value(1.0), Value(2.0), ints({kN})});
  EXPECT_NEAR(stats(f).mean, 1.0, 0.03);
  EXPECT_NEAR(stats(f).var, 4.0, 0.1);
  std.data<float>()[0] = -1.0f;
  EXPECT_THROW(call_t("aten::normal", {Value(mean), Value(std)}), Error);
}

TEST(GapsRandom, Multinomial) {
  seed(10);
  Tensor probs = Tensor::empty({4}, DType::Float32);
  const float p[] = {1.0f, 0.0f, 2.0f, 1.0f};  // unnormalised weights
  std::copy(p, p + 4, probs.data<float>());
  const Tensor s = call_t("aten::multinomial", {Value(probs), Value(int64_t{kN / 4}), Value(true)});
  EXPECT_EQ(s.dtype(), DType::Int64);
  EXPECT_EQ(s.sizes(), (Shape{kN / 4}));
  std::vector<double> counts(4, 0);
  for (int64_t i = 0; i < s.numel(); ++i) counts[static_cast<size_t>(s.at_double(i))] += 1;
  EXPECT_EQ(counts[1], 0.0);
  EXPECT_NEAR(counts[0] / (kN / 4), 0.25, 0.01);
  EXPECT_NEAR(counts[2] / (kN / 4), 0.5, 0.01);
  // Without replacement: distinct draws; the first draw follows the weights.
  std::vector<double> first(4, 0);
  for (int r = 0; r < 20000; ++r) {
    const Tensor d = call_t("aten::multinomial", {Value(probs), Value(int64_t{3})});
    const std::vector<double> drawn = values(d);
    const std::set<double> seen(drawn.begin(), drawn.end());
    ASSERT_EQ(seen.size(), 3u);
    ASSERT_EQ(seen.count(1.0), 0u);
    first[static_cast<size_t>(d.at_double(0))] += 1;
  }
  EXPECT_NEAR(first[2] / 20000, 0.5, 0.02);
  EXPECT_NEAR(first[0] / 20000, 0.25, 0.02);
  Tensor rows = Tensor::empty({2, 3}, DType::Float64);
  const double rp[] = {0, 0, 1, 1, 0, 0};
  std::copy(rp, rp + 6, rows.data<double>());
  const Tensor m = call_t("aten::multinomial", {Value(rows), Value(int64_t{2}), Value(true)});
  EXPECT_EQ(m.sizes(), (Shape{2, 2}));
  EXPECT_EQ(values(m), (std::vector<double>{2, 2, 0, 0}));
  EXPECT_THROW(call_t("aten::multinomial", {Value(probs), Value(int64_t{5})}), Error);
  probs.data<float>()[0] = -1.0f;
  EXPECT_THROW(call_t("aten::multinomial", {Value(probs), Value(int64_t{1}), Value(true)}), Error);
  EXPECT_THROW(call_t("aten::multinomial", {Value(Tensor::empty({3}, DType::Float32)), Value(int64_t{1}), Value(true)}),
               Error);
}

TEST(GapsRandom, TrainingModeDropout) {
  seed(11);
  Tensor x = Tensor::empty({kN / 100, 100}, DType::Float32);
  std::fill_n(x.data<float>(), x.numel(), 2.0f);
  const Tensor y = call_t("aten::dropout", {Value(x), Value(0.25), Value(true)});
  int64_t zeros = 0;
  for (int64_t i = 0; i < y.numel(); ++i) {
    const double v = y.at_double(i);
    if (v == 0) ++zeros;
    else ASSERT_NEAR(v, 2.0 / 0.75, 1e-6);
  }
  EXPECT_NEAR(static_cast<double>(zeros) / kN, 0.25, 0.006);
  EXPECT_EQ(x.at_double(0), 2.0);  // out of place
  EXPECT_TRUE(call_t("aten::dropout", {Value(x), Value(0.25), Value(false)}).is_same(x));
  const Tensor all = call_t("aten::dropout", {Value(x), Value(1.0), Value(true)});
  EXPECT_EQ(stats(all).max, 0.0);

  // Feature dropout zeroes whole channels.
  Tensor f = Tensor::empty({50, 40, 3, 3}, DType::Float64);
  std::fill_n(f.data<double>(), f.numel(), 1.0);
  const Tensor g = call_t("aten::feature_dropout", {Value(f), Value(0.5), Value(true)});
  int64_t dropped = 0;
  for (int64_t ch = 0; ch < 50 * 40; ++ch) {
    const double first = g.at_double(ch * 9);
    for (int64_t k = 1; k < 9; ++k) ASSERT_EQ(g.at_double(ch * 9 + k), first);
    dropped += first == 0 ? 1 : 0;
  }
  EXPECT_NEAR(dropped / 2000.0, 0.5, 0.06);

  // Alpha dropout keeps zero mean and unit variance of standard normal inputs.
  const Tensor z = call_t("aten::randn", {ints({kN})});
  const Tensor a = call_t("aten::alpha_dropout", {Value(z), Value(0.2), Value(true)});
  EXPECT_NEAR(stats(a).mean, 0.0, 0.015);
  EXPECT_NEAR(stats(a).var, 1.0, 0.03);

  // In place writes into its argument.
  Tensor w = x.clone();
  const Tensor r = call_t("aten::dropout_", {Value(w), Value(0.5), Value(true)});
  EXPECT_TRUE(r.is_same(w));
  const std::vector<double> wv = values(w);
  EXPECT_GT(std::count(wv.begin(), wv.end(), 0.0), kN / 3);

  const auto nd = reg().call("aten::native_dropout", {Value(x), Value(0.5), Value()});
  const Tensor out = nd.at(0).to_tensor(), keep = nd.at(1).to_tensor();
  EXPECT_EQ(keep.dtype(), DType::Bool);
  for (int64_t i = 0; i < 1000; ++i) EXPECT_EQ(out.at_double(i), keep.at_double(i) != 0 ? 4.0 : 0.0);

  EXPECT_THROW(call_t("aten::dropout", {Value(x), Value(1.5), Value(true)}), Error);
}

}  // namespace
}  // namespace ember
