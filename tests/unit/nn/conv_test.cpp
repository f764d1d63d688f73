// Convolution kernels (reference and oneDNN) against PyTorch's outputs from gen_nn.py.
#include <gtest/gtest.h>

#include "kernels/cpu/conv.h"
#include "nn_cases.h"

namespace ember::cpu {
namespace {

using testing::nn::Case;
using testing::nn::expect_close;
using testing::nn::expect_close_to;
using testing::nn::load_cases;

ConvParams params_of(const Case& c, const Tensor& weight) {
  const auto sp = static_cast<size_t>(c.i("spatial"));
  const std::string& padding = c.str("padding");
  if (padding == "same" || padding == "valid")
    return conv_mode_params(weight, c.ints("stride"), padding, c.ints("dilation"), c.i("groups"));
  return make_conv_params(sp, c.ints("stride"), c.ints("padding"), c.ints("dilation"),
                          c.b("transposed"), c.ints("output_padding"), c.i("groups"));
}

TEST(NnConv, MatchesTorch) {
  for (const Case& c : load_cases("conv")) {
    SCOPED_TRACE(c.name);
    const Tensor x = c.input(), w = c.tensor("weight"), want = c.tensor("out");
    const std::optional<Tensor> b = c.opt_tensor("bias");
    ASSERT_EQ(b.has_value(), c.b("bias"));
    const auto sp = static_cast<size_t>(c.i("spatial"));
    if (!c.b("batched")) {
      // The functional entry points add the batch dimension themselves.
      Tensor got = c.b("transposed")
                       ? conv_transpose_nd(sp, x, w, b, c.ints("stride"), c.ints("padding"),
                                           c.ints("output_padding"), c.i("groups"),
                                           c.ints("dilation"))
                       : conv_nd(sp, x, w, b, c.ints("stride"), c.ints("padding"),
                                 c.ints("dilation"), c.i("groups"));
      expect_close(got, want, "conv_nd");
      continue;
    }
    const ConvParams p = params_of(c, w);
    expect_close_to([&] { return convolution_reference(x, w, b, p); }, want, "reference");
    if (x.dtype() == DType::Float32)
      expect_close_to([&] { return convolution_dnnl(x, w, b, p); }, want, "oneDNN");
    expect_close_to([&] { return convolution(x, w, b, p); }, want, "dispatch");
    if (!c.b("transposed")) {
      const std::string& padding = c.str("padding");
      Tensor got = padding == "same" || padding == "valid"
                       ? conv_nd_mode(sp, x, w, b, c.ints("stride"), padding, c.ints("dilation"),
                                      c.i("groups"))
                       : conv_nd(sp, x, w, b, c.ints("stride"), c.ints("padding"),
                                 c.ints("dilation"), c.i("groups"));
      expect_close(got, want, "conv_nd");
    }
  }
}

TEST(NnConv, Float16ComputesInFloat) {
  const Case c = load_cases("conv").front();
  const Tensor x = c.input(), w = c.tensor("weight"), want = c.tensor("out");
  const std::optional<Tensor> b = c.opt_tensor("bias");
  const ConvParams p = params_of(c, w);
  Tensor got = convolution(x.to(DType::BFloat16), w.to(DType::BFloat16),
                           b->to(DType::BFloat16), p);
  ASSERT_EQ(got.dtype(), DType::BFloat16);
  // bfloat16 keeps 8 bits of mantissa: inputs and output round at ~0.4%.
  Tensor got32 = got.to(DType::Float32);
  double max_err = 0, max_want = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    max_err = std::max(max_err, std::abs(got32.at_double(i) - want.at_double(i)));
    max_want = std::max(max_want, std::abs(want.at_double(i)));
  }
  EXPECT_LE(max_err, 0.05 * max_want);
}

Tensor filled(Shape sizes, float v) {
  Tensor t = Tensor::empty(sizes, DType::Float32);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = v;
  return t;
}

TEST(NnConv, BadArgumentsAreErrors) {
  const Tensor x = filled({1, 3, 5, 5}, 1.f);
  const ConvParams p = make_conv_params(2, Shape{1}, Shape{0}, Shape{1}, false, {}, 1);
  // Channel mismatch.
  EXPECT_THROW(convolution(x, filled({2, 4, 3, 3}, 1.f), std::nullopt, p), Error);
  // Kernel larger than the padded input.
  EXPECT_THROW(convolution(x, filled({2, 3, 6, 6}, 1.f), std::nullopt, p), Error);
  // Bias of the wrong length.
  EXPECT_THROW(convolution(x, filled({2, 3, 3, 3}, 1.f), filled({3}, 0.f), p), Error);
  // Groups that do not divide the channels.
  EXPECT_THROW(convolution(x, filled({2, 3, 3, 3}, 1.f), std::nullopt,
                           make_conv_params(2, Shape{1}, Shape{0}, Shape{1}, false, {}, 2)),
               Error);
  // padding='same' with a stride.
  EXPECT_THROW(convolution_mode(x, filled({2, 3, 3, 3}, 1.f), std::nullopt, Shape{2}, "same",
                                Shape{1}, 1),
               Error);
  EXPECT_THROW(convolution_mode(x, filled({2, 3, 3, 3}, 1.f), std::nullopt, Shape{1}, "full",
                                Shape{1}, 1),
               Error);
  // Wrong input rank for conv2d.
  EXPECT_THROW(conv_nd(2, filled({5, 5}, 1.f), filled({2, 3, 3, 3}, 1.f), std::nullopt, Shape{1},
                       Shape{0}, Shape{1}, 1),
               Error);
  // Mixed dtypes.
  EXPECT_THROW(convolution(x.to(DType::Float64), filled({2, 3, 3, 3}, 1.f), std::nullopt, p),
               Error);
}

TEST(NnConv, EmptyBatch) {
  const Tensor x = Tensor::empty(Shape{0, 3, 5, 5}, DType::Float32);
  const ConvParams p = make_conv_params(2, Shape{1}, Shape{1}, Shape{1}, false, {}, 1);
  Tensor y = convolution(x, filled({4, 3, 3, 3}, 1.f), std::nullopt, p);
  EXPECT_EQ(y.sizes(), (Shape{0, 4, 5, 5}));
}

}  // namespace
}  // namespace ember::cpu
