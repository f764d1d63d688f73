// Fake quantization and the newer quantized kernels below the model level: the fused observer's
// in-place updates, and the errors for inputs PyTorch rejects or ember cannot run.
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "../error_text.h"
#include "kernels/cpu/fake_quantize.h"
#include "kernels/cpu/quantized.h"
#include "kernels/cpu/quantized_norm.h"
#include "tensor/quantized.h"

namespace ember {
namespace {

using testing::error_of;

Tensor floats(std::vector<float> v, Shape sizes) {
  Tensor t = Tensor::empty(sizes, DType::Float32);
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

TEST(QuantFake, PerTensorRoundsTiesToEvenAndMasksOutOfRange) {
  // scale 0.5, zero point 1, range [0, 4]: q = 1 + nearbyint(2x), clamped.
  auto [y, mask] = cpu::fake_quantize_per_tensor(floats({0.25f, 0.75f, -1.0f, 2.0f, 0.5f}, {5}), 0.5f, 1, 0, 4, true);
  const float want[] = {0.0f, 1.0f, -0.5f, 1.5f, 0.5f};
  const bool inside[] = {true, true, false, false, true};
  for (int i = 0; i < 5; ++i) {
    EXPECT_FLOAT_EQ(y.at_double(i), want[i]) << i;
    EXPECT_EQ(mask.at_double(i) != 0, inside[i]) << i;
  }
}

TEST(QuantFake, FusedObserverMovesStatisticsInPlace) {
  cpu::FusedObserverState s{floats({-1.0f}, {}), floats({1.0f}, {}), floats({1.0f}, {1}), Tensor::empty({1}, DType::Int32)};
  Tensor x = floats({-3.0f, 0.0f, 5.0f}, {3});
  cpu::fused_moving_avg_obs_fake_quant(x, true, true, s, 0.5, 0, 255, -1, false, false);
  EXPECT_FLOAT_EQ(s.running_min.at_double(0), -2.0f);  // -1 + 0.5 * (-3 - -1)
  EXPECT_FLOAT_EQ(s.running_max.at_double(0), 3.0f);
  EXPECT_FLOAT_EQ(s.scale.at_double(0), 5.0f / 255.0f);
  EXPECT_EQ(s.zero_point.at_double(0), 102);  // nearbyint(2 / (5 / 255))
  // Observer off, fake quantization off: the input comes back and nothing moves.
  auto [y, mask] = cpu::fused_moving_avg_obs_fake_quant(x, false, false, s, 0.5, 0, 255, -1, false, false);
  EXPECT_FLOAT_EQ(y.at_double(2), 5.0f);
  EXPECT_FLOAT_EQ(s.running_max.at_double(0), 3.0f);
}

TEST(QuantFake, Errors) {
  Tensor x = floats({1, 2, 3, 4}, {2, 2});
  EXPECT_HAS(error_of([&] { cpu::fake_quantize_per_tensor(x, 0.1f, 0, 5, 1, false); }), "quant_min");
  EXPECT_HAS(error_of([&] { cpu::fake_quantize_per_tensor(x, 0.1f, 9, 0, 5, false); }), "zero_point");
  EXPECT_HAS(error_of([&] {
               cpu::fake_quantize_per_channel(x, floats({0.1f}, {1}), Tensor::zeros(std::vector<int64_t>{1}, DType::Int32), 0,
                                              -128, 127, false);
             }),
             "not consistent");
  // A per-channel observer that has seen nothing has empty buffers PyTorch would resize.
  cpu::FusedObserverState empty{Tensor::empty({0}, DType::Float32), Tensor::empty({0}, DType::Float32),
                                Tensor::empty({0}, DType::Float32), Tensor::empty({0}, DType::Int32)};
  EXPECT_HAS(error_of([&] { cpu::fused_moving_avg_obs_fake_quant(x, true, true, empty, 0.01, -128, 127, 0, true, true); }),
             "no statistics");
  // Never observed: min > max.
  const float inf = std::numeric_limits<float>::infinity();
  cpu::FusedObserverState fresh{floats({inf}, {}), floats({-inf}, {}), floats({1.0f}, {1}), Tensor::empty({1}, DType::Int32)};
  EXPECT_HAS(error_of([&] { cpu::fused_moving_avg_obs_fake_quant(x, false, true, fresh, 0.01, 0, 255, -1, false, false); }),
             "min should be less than or equal to max");
  Tensor q = cpu::quantize_per_tensor(floats({1, 2, 3, 4, 5, 6}, {1, 6}), 0.1, 0, DType::QUInt8);
  EXPECT_HAS(error_of([&] { cpu::quantized_group_norm(q, 4, std::nullopt, std::nullopt, 1e-5, 0.1, 0); }), "divisible");
  const int64_t bad_shape[] = {5};
  EXPECT_HAS(error_of([&] { cpu::quantized_layer_norm(q, bad_shape, std::nullopt, std::nullopt, 1e-5, 0.1, 0); }),
             "normalized_shape");
  EXPECT_HAS(error_of([&] { cpu::quantized_clamp(q, std::nullopt, std::nullopt); }), "At least one");
}

}  // namespace
}  // namespace ember
