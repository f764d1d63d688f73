// Interpolation and padding kernels against PyTorch's outputs from gen_nn.py.
#include <gtest/gtest.h>

#include "kernels/cpu/pad.h"
#include "kernels/cpu/upsample.h"
#include "nn_cases.h"

namespace ember::cpu {
namespace {

using testing::nn::Case;
using testing::nn::expect_close;
using testing::nn::expect_close_to;
using testing::nn::load_cases;

InterpMode mode_of(const std::string& m) {
  if (m == "nearest") return InterpMode::Nearest;
  if (m == "nearest-exact") return InterpMode::NearestExact;
  if (m == "bicubic") return InterpMode::Cubic;
  return InterpMode::Linear;
}

TEST(NnUpsample, MatchesTorch) {
  for (const Case& c : load_cases("upsample")) {
    SCOPED_TRACE(c.name);
    const Tensor x = c.input(), want = c.tensor("out");
    const size_t sp = static_cast<size_t>(x.dim()) - 2;
    std::optional<Shape> size;
    std::optional<std::vector<double>> scale;
    if (!c.is_none("size")) size = c.ints("size");
    if (!c.is_none("scale")) scale = c.floats("scale");
    const InterpMode mode = mode_of(c.str("mode"));
    // F.interpolate calls the .vec overload with exactly one of size and scale_factor.
    expect_close_to([&] { return upsample_vec(mode, sp, x, size, c.b("align_corners"), scale); },
                    want, "vec");
    // The non-vec overload gets the computed size and per-dimension scales.
    std::vector<std::optional<double>> scales(sp);
    if (scale)
      for (size_t i = 0; i < sp; ++i) scales[i] = (*scale)[i];
    expect_close_to(
        [&] {
          return upsample(mode, sp, x, upsample_output_size(x, sp, size, scale),
                          c.b("align_corners"), scales);
        },
        want, "sizes");
    expect_close_to([&] {
      return upsample_vec(mode, sp, x.to(DType::Float64), size, c.b("align_corners"), scale);
    }, want.to(DType::Float64), "float64");
  }
}

TEST(NnUpsample, BadArgumentsAreErrors) {
  const Tensor x = Tensor::empty(Shape{1, 2, 3, 4}, DType::Float32);
  EXPECT_THROW(upsample_vec(InterpMode::Linear, 2, x, std::nullopt, false, std::nullopt), Error);
  EXPECT_THROW(upsample_vec(InterpMode::Linear, 2, x, Shape{4, 4}, false, std::vector<double>{2, 2}),
               Error);
  EXPECT_THROW(upsample_vec(InterpMode::Linear, 2, x, Shape{4}, false, std::nullopt), Error);
  EXPECT_THROW(upsample_vec(InterpMode::Nearest, 1, x, Shape{4}, false, std::nullopt), Error);
  EXPECT_THROW(upsample_vec(InterpMode::Nearest, 2, x, Shape{0, 4}, false, std::nullopt), Error);
}

TEST(NnPad, MatchesTorch) {
  for (const Case& c : load_cases("pad")) {
    SCOPED_TRACE(c.name);
    const Tensor x = c.input(), want = c.tensor("out");
    const Shape p = c.ints("pad");
    const std::string& mode = c.str("mode");
    std::optional<double> value;
    if (!c.is_none("value")) value = c.f("value");
    expect_close_to([&] { return pad(x, p, mode, value); }, want, "aten::pad");
    const size_t sp = p.size() / 2;
    if (mode == "constant")
      expect_close_to([&] { return constant_pad_nd(x, p, *value); }, want, "constant_pad_nd");
    else if (mode == "reflect")
      expect_close_to([&] { return reflection_pad(sp, x, p); }, want, "reflection_pad");
    else if (mode == "replicate")
      expect_close_to([&] { return replication_pad(sp, x, p); }, want, "replication_pad");
    else
      expect_close_to([&] { return circular_pad(x, p); }, want, "circular_pad");
  }
}

TEST(NnPad, BadArgumentsAreErrors) {
  const Tensor x = Tensor::empty(Shape{1, 2, 3, 4}, DType::Float32);
  EXPECT_THROW(constant_pad_nd(x, Shape{1, 2, 3}, 0), Error);
  EXPECT_THROW(constant_pad_nd(x, Shape{0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, 0), Error);
  EXPECT_THROW(constant_pad_nd(x, Shape{-3, -2}, 0), Error);
  EXPECT_THROW(reflection_pad(2, x, Shape{1, 1, 3, 0}), Error);
  EXPECT_THROW(reflection_pad(2, x, Shape{1, 1}), Error);
  EXPECT_THROW(circular_pad(x, Shape{5, 0}), Error);
  EXPECT_THROW(pad(x, Shape{1, 1}, "reflect", 2.0), Error);
  EXPECT_THROW(pad(x, Shape{1, 1}, "mirror", std::nullopt), Error);
  EXPECT_THROW(pad(x, Shape{1, 1, 1, 1, 1, 1, 1, 1}, "replicate", std::nullopt), Error);
}

}  // namespace
}  // namespace ember::cpu
