// Issue 11's ops (src/ops/aten_extra.cpp) against PyTorch 1.13, from tests/fixtures/gen_extra_ops.py:
// every case line (one aten overload called through the global registry with the arguments
// PyTorch was given: float and integer dtypes, empty and strided inputs, negative dims,
// broadcasting, and the inputs PyTorch rejects, which ember must reject too), then small modules
// that call the ops as models do, each loaded both traced and scripted and compared output by
// output (floats within 1e-4 of the output's magnitude, integers exactly), and a few of PyTorch's
// error messages word for word.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "../case_file.h"
#include "../fixtures.h"
#include "archive/npy.h"
#include "ember/module.h"
#include "ops/registry.h"

namespace ember {
namespace {

using testing::fixture;
using testing::case_file::CaseFile;

TEST(ExtraOps, CasesMatchPyTorch) {
  const CaseFile cases = CaseFile::load("extra_ops");
  ASSERT_FALSE(cases.manifest.empty());
  auto tally = cases.replay({/*typed_lists=*/true, /*echo_chars=*/240});
  EXPECT_GT(tally.total, 600);
  for (const char* op : {"aten::pixel_shuffle", "aten::im2col", "aten::col2im", "aten::grid_sampler_2d", "aten::cdist",
                         "aten::quantile", "aten::scatter_reduce", "aten::erfinv", "aten::histc", "aten::det",
                         "aten::inverse", "aten::divide", "aten::arccos", "aten::rot90", "aten::one_hot"})
    EXPECT_GT(tally.per_op[op], 0) << op;
  std::cout << tally.total - tally.failed << "/" << tally.total << " extra_ops cases match PyTorch\n";
}

// The largest |got - want| over max(1, max |want|); -1 when shapes or dtypes differ.
double relative_error(const Tensor& got, const Tensor& want) {
  if (got.dtype() != want.dtype() || got.sizes() != want.sizes()) return -1;
  double scale = 1, worst = 0;
  for (int64_t i = 0; i < want.numel(); ++i) scale = std::max(scale, std::abs(want.at_double(i)));
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double a = got.at_double(i), b = want.at_double(i);
    if (std::isnan(b) && std::isnan(a)) continue;
    worst = std::max(worst, std::isnan(a - b) ? 1e300 : std::abs(a - b) / scale);
  }
  return worst;
}

TEST(ExtraOps, TracedAndScriptedModulesMatchPyTorch) {
  std::ifstream in(fixture("extra_ops/models.txt"));
  std::string line;
  int ran = 0;
  double worst = 0;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string name;
    int nargs = 0, nout = 0;
    ss >> name >> nargs >> nout;
    if (name.empty()) continue;
    const std::string base = "extra_ops/models/" + name;
    for (const char* form : {"traced", "scripted"}) {
      SCOPED_TRACE(name + "." + form);
      try {
        const Module m = load(fixture(base + "." + form + ".pt"));
        std::vector<Value> args;
        for (int k = 0; k < nargs; ++k) args.emplace_back(archive::load_npy(fixture(base + ".in" + std::to_string(k) + ".npy")));
        const Value out = m.forward(args);
        std::vector<Value> outs = out.is_tuple() ? out.to_tuple()->items : std::vector<Value>{out};
        ASSERT_EQ(static_cast<int>(outs.size()), nout);
        for (int k = 0; k < nout; ++k) {
          const Tensor want = archive::load_npy(fixture(base + ".out" + std::to_string(k) + ".npy"));
          const Tensor got = outs[static_cast<size_t>(k)].to_tensor();
          const double err = relative_error(got, want);
          const double tol = is_floating(want.dtype()) ? 1e-4 : 0;
          EXPECT_TRUE(err >= 0 && err <= tol) << "output " << k << ": error " << err << " (" << got.summary() << " vs "
                                              << want.summary() << ")";
          worst = std::max(worst, err);
        }
        ++ran;
      } catch (const Error& e) {
        ADD_FAILURE() << e.what();
      }
    }
  }
  EXPECT_GE(ran, 20);
  std::cout << ran << " traced/scripted modules ran; worst relative error " << worst << "\n";
}

std::string error_of(const std::string& op, std::vector<Value> args,
                     std::vector<std::pair<std::string, Value>> kw = {}) {
  try {
    ops::Registry::global().call(op, std::move(args), std::move(kw));
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

Tensor ramp(Shape s, DType dt = DType::Float32) {
  Tensor t = Tensor::empty(s, DType::Float32);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t.to(dt);
}

TEST(ExtraOps, ErrorsUsePyTorchWording) {
  auto has = [](const std::string& text, const std::string& part) {
    EXPECT_NE(text.find(part), std::string::npos) << "\"" << text << "\" lacks \"" << part << "\"";
  };
  has(error_of("aten::pixel_shuffle", {Value(ramp({5, 3, 2})), Value(int64_t{2})}),
      "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=5 is not divisible by 4");
  has(error_of("aten::one_hot", {Value(ramp({3}, DType::Int64)), Value(int64_t{2})}),
      "Class values must be smaller than num_classes.");
  has(error_of("aten::take", {Value(ramp({2, 3})), Value(Tensor::scalar<int64_t>(6))}),
      "out of range: tried to access index 6 on a tensor of 6 elements.");
  has(error_of("aten::hypot", {Value(ramp({2}, DType::Int64)), Value(ramp({2}, DType::Int64))}),
      "\"hypot_cpu\" not implemented for 'int64'");
  has(error_of("aten::inverse", {Value(Tensor::empty({3, 3}, DType::Float32))}),
      "linalg.inv: The diagonal element 1 is zero, the inversion could not be completed because the input matrix is singular.");
  has(error_of("aten::quantile", {Value(ramp({4})), Value(1.5)}), "quantile() q must be in the range [0, 1] but got 1.5");
  has(error_of("aten::rot90", {Value(ramp({2, 2})), Value(int64_t{1}),
                               Value(make_list(Type::get(TypeKind::Int), {Value(int64_t{0}), Value(int64_t{0})}))}),
      "expected rotation dims to be different, but got dim0 = 0 and dim1 = 0");
}

// rrelu in training mode draws each negative element's slope from U(lower, upper) with ember's
// generator (not PyTorch's stream), so only the bounds and the spread are checked.
TEST(ExtraOps, RreluTrainingDrawsSlopesWithinBounds) {
  Tensor x = Tensor::empty({4000}, DType::Float32);
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = i % 2 ? 2.0f : -1.0f;
  const auto out = ops::Registry::global().call("aten::rrelu", {Value(x), Value(0.1), Value(0.3), Value(true)});
  const Tensor y = out.at(0).to_tensor();
  double lo = 1, hi = 0, sum = 0;
  for (int64_t i = 0; i < y.numel(); i += 2) {
    const double slope = -y.data<float>()[i];
    lo = std::min(lo, slope);
    hi = std::max(hi, slope);
    sum += slope;
  }
  for (int64_t i = 1; i < y.numel(); i += 2) EXPECT_EQ(y.data<float>()[i], 2.0f);
  EXPECT_GE(lo, 0.1 - 1e-6);
  EXPECT_LE(hi, 0.3 + 1e-6);
  EXPECT_NEAR(sum / 2000, 0.2, 0.01);
  EXPECT_GT(hi - lo, 0.15);
}

// Sizes from a hostile archive's constants end in an ember::Error, never a hang or a wrapped product.
TEST(ExtraOps, HugeSizesAreErrors) {
  const int64_t big = int64_t{1} << 35;
  EXPECT_NE(error_of("aten::tril_indices", {Value(big), Value(big)}), "(no error)");
  auto ints = [](std::initializer_list<int64_t> v) {
    std::vector<Value> items;
    for (int64_t x : v) items.emplace_back(x);
    return Value(make_list(Type::get(TypeKind::Int), std::move(items)));
  };
  EXPECT_NE(error_of("aten::im2col", {Value(ramp({1, 1, 2, 2})), ints({1, 1}), ints({1, 1}),
                                      ints({int64_t{1} << 62, 0}), ints({1, 1})}),
            "(no error)");
  EXPECT_NE(error_of("aten::range", {Value(0.0), Value(1e18)}), "(no error)");
  EXPECT_NE(error_of("aten::one_hot", {Value(ramp({2}, DType::Int64)), Value(int64_t{1} << 61)}), "(no error)");
  EXPECT_NE(error_of("aten::bincount", {Value(Tensor::scalar<int64_t>(int64_t{1} << 61).as_strided({1}, {1}, 0))}),
            "(no error)");
}

}  // namespace
}  // namespace ember
