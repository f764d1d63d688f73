// Quantized tensors and torch.classes objects below the model level: rounding of
// quantize_per_tensor against PyTorch's formula, the errors for malformed packed-parameter states, and the fp16 dynamic linear layer (which
// Debian's PyTorch cannot build: it lacks fbgemm) against its documented formula.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "kernels/cpu/quantized.h"
#include "ops/custom_class.h"
#include "ops/registry.h"
#include "tensor/quantized.h"

namespace ember {
namespace {

Tensor floats(std::vector<float> v, Shape sizes) {
  Tensor t = Tensor::empty(sizes, DType::Float32);
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

TEST(QuantTensor, QuantizeRoundsHalfToEvenAndClamps) {
  Tensor x = floats({0.25f, 0.75f, -0.25f, 100.0f, -100.0f, 0.5f}, {6});
  Tensor q = cpu::quantize_per_tensor(x, 0.5, 2, DType::QUInt8);
  ASSERT_EQ(q.dtype(), DType::QUInt8);
  // zero_point + nearbyint(x / scale), clamped to [0, 255].
  const int64_t want[] = {2, 4, 2, 202, 0, 3};
  Tensor ints = cpu::int_repr(q);
  ASSERT_EQ(ints.dtype(), DType::UInt8);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(ints.at_double(i), want[i]) << i;
  Tensor back = cpu::dequantize(q);
  EXPECT_FLOAT_EQ(back.at_double(3), 100.0f);
  EXPECT_FLOAT_EQ(back.at_double(4), -1.0f);
  EXPECT_THROW(cpu::quantize_per_tensor(x, 0.5, 300, DType::QUInt8), Error);
  EXPECT_THROW(cpu::quantize_per_tensor(x, 0.0, 0, DType::QInt8), Error);
  EXPECT_THROW(q.to(DType::Float32), Error);  // quantized tensors convert through dequantize
}

TEST(QuantTensor, ViewsShareParameters) {
  Tensor q = cpu::quantize_per_tensor(floats({1, 2, 3, 4, 5, 6}, {2, 3}), 0.1, 0, DType::QInt8);
  Tensor v = q.as_strided({3}, {1}, 3);
  EXPECT_EQ(qparams(v).scale, 0.1);
  EXPECT_EQ(qparams(q.clone()).scale, 0.1);
  EXPECT_NEAR(cpu::dequantize(v).at_double(0), 4.0, 1e-6);
}

TEST(QuantTensor, MalformedPackedStatesAreErrors) {
  // A conv state that is a tuple of one int, and a linear state with three fields.
  ops::Registry::global();  // registers the classes
  const auto* conv = ops::find_custom_class("__torch__.torch.classes.quantized.Conv2dPackedParamsBase");
  const auto* lin = ops::find_custom_class("__torch__.torch.classes.quantized.LinearPackedParamsBase");
  ASSERT_TRUE(conv && lin);
  EXPECT_THROW((*conv)(Value(make_tuple({Value(int64_t{5})}))), Error);
  EXPECT_THROW((*lin)(Value(make_tuple({Value(), Value(), Value()}))), Error);
}

TEST(QuantTensor, LinearDynamicFp16MatchesFormula) {
  // y = x @ fp16(w)^T + b, in float32.
  Tensor w = floats({0.1f, -0.333333f, 1.0001f, 2.5f, 0.7f, -1.9f}, {2, 3});
  Tensor b = floats({0.5f, -0.25f}, {2});
  Tensor x = floats({1, 2, 3, -1, 0.5f, 4}, {2, 3});
  auto& r = ops::Registry::global();
  Value packed = r.call("quantized::linear_prepack_fp16", {Value(w), Value(b)})[0];
  Tensor y = r.call("quantized::linear_dynamic_fp16", {Value(x), packed})[0].to_tensor();
  ASSERT_EQ(y.sizes(), (Shape{2, 2}));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      float acc = 0;
      for (int k = 0; k < 3; ++k) acc += static_cast<float>(x.at_double(i * 3 + k)) * static_cast<float>(Half(static_cast<float>(w.at_double(j * 3 + k))));
      EXPECT_NEAR(y.at_double(i * 2 + j), acc + b.at_double(j), 1e-5) << i << "," << j;
    }
  EXPECT_THROW(r.call("quantized::linear", {Value(x), packed, Value(0.1), Value(int64_t{0})}), Error);
}

}  // namespace
}  // namespace ember
