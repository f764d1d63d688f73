// The float32 vector math (kernels/cpu/vec_math.h) against PyTorch: exp, log, sigmoid, silu,
// tanh, erf and both GELUs on edge cases (±0, ±inf, NaN, subnormals, huge and tiny values,
// thresholds) and random values that tests/fixtures/gen_vecmath.py wrote with PyTorch's results.
// Each op is checked through the public kernels on contiguous tensors of lengths that leave
// vector tails (1, 7, 15, 16, 17, 1000, all) at aligned and unaligned starts, in place, on strided
// views (the scalar path) and through the scalar functions directly. Errors are measured in
// float32 ulps against PyTorch's float64 result; NaN and infinity positions must match PyTorch's
// float32 result exactly. Softmax and log-softmax rows get the same treatment, and the float32
// fast paths with scalar bounds or operands are checked against PyTorch in and out of place.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "archive/npy.h"
#include "fixtures.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cpu/shape.h"
#include "kernels/cpu/vec_math.h"
#include "tensor/elementwise.h"

namespace ember::cpu {
namespace {

Tensor load(const std::string& name) { return archive::load_npy(testing::fixture("vecmath/" + name + ".npy")); }

std::vector<float> values(const Tensor& t) {
  const Tensor c = t.contiguous();
  std::vector<float> v(static_cast<size_t>(c.numel()));
  std::memcpy(v.data(), c.raw_data(), v.size() * sizeof(float));
  return v;
}

Tensor from_values(const std::vector<float>& v) {
  Tensor t = Tensor::empty({static_cast<int64_t>(v.size())}, DType::Float32);
  std::memcpy(t.raw_data(), v.data(), v.size() * sizeof(float));
  return t;
}

double ulp_of(float w) {
  const float a = std::abs(w);
  return std::max<double>(std::nextafter(a, std::numeric_limits<float>::infinity()) - a,
                          std::numeric_limits<float>::denorm_min());
}

struct OpSpec {
  std::string name;
  std::function<Tensor(const Tensor&)> op;          // out of place
  std::function<Tensor(const Tensor&)> op_inplace;  // writes its argument; may be empty
  float (*scalar)(float);
  double max_ulp;
  // Allowed absolute error on top, as a function of x: float formulas that cancel (1 + erf(x)
  // for x << 0) or overflow an intermediate (1 + e^-x for x < -88) lose what float64 keeps.
  double (*slack)(float x);
};

double no_slack(float) { return 0; }
double denormal_slack(float) { return 1e-37; }
// silu's x / (1 + e^-x) is -0 once e^-x overflows (x < -88.7) where the true value is ~ -1e-37.
double silu_slack(float) { return 1e-36; }
double gelu_slack(float x) { return 1.2e-7 * std::abs(static_cast<double>(x)) + 1e-37; }

std::vector<OpSpec> specs() {
  auto un = [](UnaryOp op) { return [op](const Tensor& t) { return unary(op, t); }; };
  auto un_ = [](UnaryOp op) { return [op](const Tensor& t) { return unary_(op, t); }; };
  return {
      {"exp", un(UnaryOp::Exp), un_(UnaryOp::Exp), vec::exp, 2, no_slack},
      {"log", un(UnaryOp::Log), un_(UnaryOp::Log), vec::log, 2, no_slack},
      {"sigmoid", un(UnaryOp::Sigmoid), un_(UnaryOp::Sigmoid), vec::sigmoid, 3, denormal_slack},
      {"silu", un(UnaryOp::Silu), un_(UnaryOp::Silu), vec::silu, 3, silu_slack},
      {"tanh", un(UnaryOp::Tanh), un_(UnaryOp::Tanh), vec::tanh, 2, no_slack},
      {"erf", un(UnaryOp::Erf), un_(UnaryOp::Erf), vec::erf, 3, no_slack},
      {"gelu", [](const Tensor& t) { return gelu(t, "none"); }, nullptr, vec::gelu_erf, 4, gelu_slack},
      {"gelu_tanh", [](const Tensor& t) { return gelu(t, "tanh"); }, nullptr, vec::gelu_tanh, 4, gelu_slack},
      {"hardswish", un(UnaryOp::Hardswish), un_(UnaryOp::Hardswish), nullptr, 2, no_slack},
      {"hardsigmoid", un(UnaryOp::Hardsigmoid), un_(UnaryOp::Hardsigmoid), nullptr, 2, no_slack},
  };
}

// got[i] against PyTorch for input element first + i.
void check(const OpSpec& s, const std::vector<float>& x, const std::vector<float>& want64,
           const std::vector<float>& want32, size_t first, const std::vector<float>& got, const std::string& how) {
  ASSERT_LE(first + got.size(), x.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const size_t k = first + i;
    const float g = got[i], w = want64[k], w32 = want32[k];
    SCOPED_TRACE(::testing::Message() << s.name << " " << how << " x=" << x[k] << " got " << g << " torch f64 " << w
                                    << " torch f32 " << w32);
    ASSERT_EQ(std::isnan(g), std::isnan(w32));
    if (std::isnan(g)) continue;
    if (std::isinf(w32) || std::isinf(g)) {
      ASSERT_EQ(g, w32);
      continue;
    }
    const double err = std::abs(static_cast<double>(g) - static_cast<double>(w));
    ASSERT_LE(err, s.max_ulp * ulp_of(w) + s.slack(x[k]));
  }
}

TEST(VecMath, UnaryOpsMatchPyTorch) {
  const std::vector<float> x = values(load("input"));
  ASSERT_GT(x.size(), 4000u);
  const Tensor xt = from_values(x);
  for (const OpSpec& s : specs()) {
    const std::vector<float> w64 = values(load(s.name + ".f64")), w32 = values(load(s.name + ".f32"));
    ASSERT_EQ(w64.size(), x.size());
    // Whole array, then short prefixes at aligned and unaligned starts (vector tails and peels).
    check(s, x, w64, w32, 0, values(s.op(xt)), "all");
    for (size_t start : {size_t{0}, size_t{1}, size_t{3}})
      for (size_t n : {1, 7, 15, 16, 17, 1000}) {
        const Tensor part = from_values(std::vector<float>(x.begin() + static_cast<std::ptrdiff_t>(start),
                                                           x.begin() + static_cast<std::ptrdiff_t>(start + n)));
        check(s, x, w64, w32, start, values(s.op(part)), "n=" + std::to_string(n) + " start=" + std::to_string(start));
        // A view starting mid-storage: the kernel sees an unaligned pointer.
        const Tensor view = xt.as_strided({static_cast<int64_t>(n)}, {1}, static_cast<int64_t>(start));
        check(s, x, w64, w32, start, values(s.op(view)), "view n=" + std::to_string(n));
      }
    // Every other element: the strided (scalar) path.
    const auto half = static_cast<int64_t>(x.size() / 2);
    const std::vector<float> strided = values(s.op(xt.as_strided({half}, {2}, 0)));
    for (int64_t i = 0; i < half; ++i) {
      const std::vector<float> one{strided[static_cast<size_t>(i)]};
      check(s, x, w64, w32, static_cast<size_t>(2 * i), one, "strided");
    }
    if (s.op_inplace) {
      Tensor t = xt.clone();
      const Tensor r = s.op_inplace(t);
      EXPECT_TRUE(r.is_same(t)) << s.name << "_ must return its argument";
      check(s, x, w64, w32, 0, values(t), "in place");
    }
    if (s.scalar) {
      std::vector<float> one(x.size());
      for (size_t i = 0; i < x.size(); ++i) one[i] = s.scalar(x[i]);
      check(s, x, w64, w32, 0, one, "scalar function");
    }
  }
}

// A float64 tensor keeps going through std:: math (no float rounding on the way).
TEST(VecMath, Float64StaysDouble) {
  Tensor x = Tensor::empty({3}, DType::Float64);
  double* p = x.data<double>();
  p[0] = 0.1, p[1] = -2.5, p[2] = 30.0;
  const Tensor e = unary(UnaryOp::Exp, x), t = unary(UnaryOp::Tanh, x), f = unary(UnaryOp::Erf, x);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(e.data<double>()[i], std::exp(p[i]));
    EXPECT_EQ(t.data<double>()[i], std::tanh(p[i]));
    EXPECT_EQ(f.data<double>()[i], std::erf(p[i]));
  }
}

// Element by element: NaN where PyTorch has NaN, infinities exactly, finite values within
// tol(i) of PyTorch's.
template <class Tol>
void compare_values(const std::vector<float>& g, const std::vector<float>& w, const std::string& what, Tol tol) {
  ASSERT_EQ(g.size(), w.size()) << what;
  for (size_t i = 0; i < w.size(); ++i) {
    SCOPED_TRACE(::testing::Message() << what << " element " << i << " got " << g[i] << " want " << w[i]);
    ASSERT_EQ(std::isnan(g[i]), std::isnan(w[i]));
    if (std::isnan(w[i])) continue;
    if (std::isinf(w[i])) {
      ASSERT_EQ(g[i], w[i]);
      continue;
    }
    ASSERT_LE(std::abs(static_cast<double>(g[i]) - w[i]), tol(i));
  }
}

// PyTorch's float32 softmax rows; log-softmax rows may differ from it by the rounding of x - max
// and of max + log(sum) (a couple of ulps of the row's largest inputs).
void check_rows(const Tensor& rows, const Tensor& got, const Tensor& want, const std::string& what) {
  const std::vector<float> x = values(rows), g = values(got), w = values(want);
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  const auto n = static_cast<size_t>(rows.size(-1));
  compare_values(g, w, what, [&](size_t i) {
    float big = 0;
    for (size_t j = i / n * n; j < i / n * n + n; ++j)
      if (std::isfinite(x[j])) big = std::max(big, std::abs(x[j]));
    return 4 * ulp_of(w[i]) + 1e-6 * std::abs(w[i]) + 2 * ulp_of(big);
  });
}

TEST(VecMath, SoftmaxRowsMatchPyTorch) {
  for (int64_t n : {1, 7, 15, 16, 17, 1000}) {
    const std::string len = std::to_string(n);
    const Tensor rows = load("rows" + len);
    check_rows(rows, softmax(rows, -1, std::nullopt), load("softmax" + len), "softmax n=" + len);
    check_rows(rows, log_softmax(rows, -1, std::nullopt), load("log_softmax" + len), "log_softmax n=" + len);
    // The same rows as the columns of a transposed copy: the strided lane path.
    const Tensor cols = transpose(transpose(rows, 0, 1).contiguous(), 0, 1);
    check_rows(rows, softmax(cols, 1, std::nullopt), load("softmax" + len), "softmax strided n=" + len);
    check_rows(rows, log_softmax(cols, 1, std::nullopt), load("log_softmax" + len), "log_softmax strided n=" + len);
  }
}

// The float32 fast paths with scalar bounds or operands (clamp family, relu, leaky_relu,
// add/sub/mul/div with tensor, scalar and per-row operands) against PyTorch: whole [3, 1000]
// tensors, column prefixes (runs of 1, 7, 15, 16, 17), stride-2 views (element path), and the
// in-place forms, which must return their argument and write through views.
struct FastOp {
  std::string name;
  std::function<Tensor(const Tensor& a, const Tensor& b, const Tensor& r)> op;
  std::function<Tensor(const Tensor& a, const Tensor& b, const Tensor& r)> op_inplace;  // may be empty
};

std::vector<FastOp> fast_ops() {
  using O = std::optional<Scalar>;
  const Scalar one(int64_t{1});
  return {
      {"clamp", [](auto& a, auto&, auto&) { return clamp(a, O(Scalar(-1.0)), O(Scalar(2.0))); },
       [](auto& a, auto&, auto&) { return clamp_(a, O(Scalar(-1.0)), O(Scalar(2.0))); }},
      {"clamp_min", [](auto& a, auto&, auto&) { return clamp(a, O(Scalar(0.25)), O()); },
       [](auto& a, auto&, auto&) { return clamp_(a, O(Scalar(0.25)), O()); }},
      {"clamp_max", [](auto& a, auto&, auto&) { return clamp(a, O(), O(Scalar(1.5))); },
       [](auto& a, auto&, auto&) { return clamp_(a, O(), O(Scalar(1.5))); }},
      {"clamp_crossed", [](auto& a, auto&, auto&) { return clamp(a, O(Scalar(3.0)), O(Scalar(-3.0))); }, nullptr},
      {"hardtanh", [](auto& a, auto&, auto&) { return hardtanh(a, Scalar(-0.5), Scalar(0.5)); },
       [](auto& a, auto&, auto&) { return hardtanh_(a, Scalar(-0.5), Scalar(0.5)); }},
      {"relu6", [](auto& a, auto&, auto&) { return relu6(a); },
       [](auto& a, auto&, auto&) { return hardtanh_(a, Scalar(int64_t{0}), Scalar(int64_t{6})); }},
      {"relu", [](auto& a, auto&, auto&) { return unary(UnaryOp::Relu, a); },
       [](auto& a, auto&, auto&) { return unary_(UnaryOp::Relu, a); }},
      {"leaky_relu", [](auto& a, auto&, auto&) { return leaky_relu(a, Scalar(0.1)); },
       [](auto& a, auto&, auto&) { return leaky_relu_(a, Scalar(0.1)); }},
      {"add_alpha", [](auto& a, auto& b, auto&) { return binary(BinaryOp::Add, a, b, Scalar(0.5)); },
       [](auto& a, auto& b, auto&) { return binary_(BinaryOp::Add, a, b, Scalar(0.5)); }},
      {"sub", [one](auto& a, auto& b, auto&) { return binary(BinaryOp::Sub, a, b, one); },
       [one](auto& a, auto& b, auto&) { return binary_(BinaryOp::Sub, a, b, one); }},
      {"mul_row", [one](auto& a, auto&, auto& r) { return binary(BinaryOp::Mul, a, r, one); },
       [one](auto& a, auto&, auto& r) { return binary_(BinaryOp::Mul, a, r, one); }},
      {"div_scalar", [one](auto& a, auto&, auto&) { return binary(BinaryOp::Div, a, Scalar(3.0), one); },
       [one](auto& a, auto&, auto&) { return binary_(BinaryOp::Div, a, Scalar(3.0), one); }},
      {"rsub_scalar", [one](auto& a, auto&, auto&) { return binary(BinaryOp::Sub, Scalar(2.0), a, one); }, nullptr},
      {"div", [one](auto& a, auto& b, auto&) { return binary(BinaryOp::Div, a, b, one); },
       [one](auto& a, auto& b, auto&) { return binary_(BinaryOp::Div, a, b, one); }},
  };
}

// Within one float32 ulp of PyTorch (its scalar division multiplies by the reciprocal), NaN and
// infinities exactly.
void expect_matches(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  ASSERT_EQ(got.dtype(), DType::Float32) << what;
  const std::vector<float> g = values(got), w = values(want);
  compare_values(g, w, what, [&](size_t i) { return ulp_of(w[i]); });
}

// [rows, 2 * cols] storage whose even columns are t: t seen through a stride-2 view.
Tensor spread_columns(const Tensor& t) {
  Tensor wide = Tensor::empty({t.size(0), 2 * t.size(1)}, DType::Float32);
  fill_(wide, Scalar(-7.0));
  const Tensor view = wide.as_strided({t.size(0), t.size(1)}, {2 * t.size(1), 2}, 0);
  copy_into(view, t);
  return view;
}

TEST(VecMath, ScalarBoundAndArithmeticFastPathsMatchPyTorch) {
  const Tensor a = load("ops_a"), b = load("ops_b"), r = load("ops_r");
  ASSERT_EQ(a.sizes(), (Shape{3, 1000}));
  const Tensor a2 = spread_columns(a), b2 = spread_columns(b);
  for (const FastOp& f : fast_ops()) {
    const Tensor want = load("op_" + f.name);
    expect_matches(f.op(a, b, r), want, f.name);
    expect_matches(f.op(a2, b2, r), want, f.name + " stride 2");
    for (int64_t n : {1, 7, 15, 16, 17}) {
      const std::string what = f.name + " columns " + std::to_string(n);
      expect_matches(f.op(slice(a, 1, 0, n, 1), slice(b, 1, 0, n, 1), r), slice(want, 1, 0, n, 1), what);
    }
    if (!f.op_inplace) continue;
    Tensor c = a.clone();
    const Tensor res = f.op_inplace(c, b, r);
    EXPECT_TRUE(res.is_same(c)) << f.name << " in place must return its argument";
    expect_matches(c, want, f.name + " in place");
    // Through a stride-2 view: the view's elements change, the columns between stay -7.
    Tensor v = spread_columns(a);
    f.op_inplace(v, b2, r);
    expect_matches(v, want, f.name + " in place, stride 2");
    const Tensor gaps = Tensor(v).as_strided({3, 1000}, {2000, 2}, 1);
    for (int64_t i = 0; i < gaps.numel(); ++i) ASSERT_EQ(gaps.at_double(i), -7.0) << f.name << " wrote outside its view";
  }
}

}  // namespace
}  // namespace ember::cpu
