// convolution_fused against PyTorch's unfused conv, `+ residual`, activation (gen_conv_fused.py).
#include <gtest/gtest.h>

#include <map>

#include "kernels/cpu/conv.h"
#include "../nn/nn_cases.h"

namespace ember::cpu {
namespace {

using Case = testing::nn::Case;
using testing::nn::expect_close_to;

ConvEpilogue::Act act_of(const std::string& name) {
  using A = ConvEpilogue::Act;
  static const std::map<std::string, A> acts{
      {"None", A::None},       {"Relu", A::Relu},           {"Clamp", A::Clamp},
      {"Silu", A::Silu},       {"Sigmoid", A::Sigmoid},     {"HardSwish", A::HardSwish},
      {"Tanh", A::Tanh},       {"Gelu", A::Gelu}};
  auto it = acts.find(name);
  EXPECT_NE(it, acts.end()) << name;
  return it == acts.end() ? A::None : it->second;
}

std::vector<Case> cases() { return testing::load_npy_cases<Case>("conv_fused", "fused"); }

// The residual as the case means it: a transposed view of the stored array when t_residual=1.
std::optional<Tensor> residual_of(const Case& c) {
  if (!c.b("residual")) return std::nullopt;
  Tensor r = c.tensor("residual");
  if (!c.b("t_residual")) return r;
  Shape sizes = r.sizes(), strides = r.strides();
  const size_t n = sizes.size();
  std::swap(sizes[n - 1], sizes[n - 2]);
  std::swap(strides[n - 1], strides[n - 2]);
  Tensor v = r.as_strided(sizes, strides, r.offset());
  EXPECT_FALSE(v.is_contiguous()) << c.name;
  return v;
}

ConvParams params_of(const Case& c) {
  return make_conv_params(static_cast<size_t>(c.i("spatial")), c.ints("stride"), c.ints("padding"),
                          c.ints("dilation"), c.b("transposed"), {}, c.i("groups"));
}

TEST(ConvFused, MatchesUnfusedTorch) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const Tensor x = c.tensor("input"), w = c.tensor("weight"), want = c.tensor("out");
    const std::optional<Tensor> b = c.opt_tensor("bias");
    ASSERT_EQ(b.has_value(), c.b("bias"));
    const std::optional<Tensor> r = residual_of(c);
    ConvEpilogue e;
    e.act = act_of(c.str("act"));
    e.lo = static_cast<float>(c.f("lo"));
    e.hi = static_cast<float>(c.f("hi"));
    e.residual = r ? &*r : nullptr;
    expect_close_to([&] { return convolution_fused(x, w, b, params_of(c), e); }, want, "fused");
  }
}

// The same geometry with and without an epilogue must not share a cached primitive.
TEST(ConvFused, EpilogueIsPartOfThePrimitive) {
  int tried = 0;
  for (const Case& c : cases()) {
    if (c.str("act") != "Relu" || c.b("residual")) continue;
    SCOPED_TRACE(c.name);
    ++tried;
    const Tensor x = c.tensor("input"), w = c.tensor("weight"), want = c.tensor("out");
    const std::optional<Tensor> b = c.opt_tensor("bias");
    ConvEpilogue relu;
    relu.act = ConvEpilogue::Act::Relu;
    const Tensor plain = convolution(x, w, b, params_of(c));
    const Tensor fused = convolution_fused(x, w, b, params_of(c), relu);
    const Tensor plain_again = convolution(x, w, b, params_of(c));
    testing::expect_close(fused, want, "fused");
    bool saw_negative = false;
    for (int64_t i = 0; i < plain_again.numel(); ++i) {
      EXPECT_EQ(plain_again.data<float>()[i], plain.data<float>()[i]);
      saw_negative |= plain_again.data<float>()[i] < 0;
    }
    EXPECT_TRUE(saw_negative) << "the unfused output should keep negative values";
  }
  EXPECT_GE(tried, 3);
}

TEST(ConvFused, RejectsMismatchedResidual) {
  const Case c = cases().front();
  const Tensor x = c.tensor("input"), w = c.tensor("weight");
  const Tensor bad = Tensor::empty({1, 2, 3}, DType::Float32);
  ConvEpilogue e;
  e.residual = &bad;
  EXPECT_THROW(convolution_fused(x, w, std::nullopt, params_of(c), e), Error);
  const Tensor want = c.tensor("out");
  const Tensor wrong_type = want.to(DType::Float64);
  e.residual = &wrong_type;
  EXPECT_THROW(convolution_fused(x, w, std::nullopt, params_of(c), e), Error);
}

}  // namespace
}  // namespace ember::cpu
