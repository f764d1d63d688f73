// The 8-bit fast paths of quantized tensors against their references: max pooling on the stored
// integers (channels-last and NCHW) against the float kernel run on the integers; quantized
// add/mul (+relu) against the dequantize-compute-quantize formula written out here; quantize_per_tensor
// against zero_point + nearbyint(x * (1 / scale)) clamped, NaN to 0; quantized::linear on the int8
// convolution against its float32 path. All exact.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <random>

#include "kernels/cpu/pool.h"
#include "kernels/cpu/quantized.h"
#include "kernels/cpu/shape.h"
#include "tensor/quantized.h"

namespace ember {
namespace {

// A random quantized [n, c, h, w] tensor, channels-last when asked.
Tensor random_q(std::mt19937& rng, Shape sizes, DType qd, double scale, int64_t zp, bool channels_last) {
  Tensor ints;
  if (channels_last) {
    ints = Tensor::empty({sizes[0], sizes[2], sizes[3], sizes[1]}, underlying_dtype(qd));
  } else {
    ints = Tensor::empty(sizes, underlying_dtype(qd));
  }
  auto* p = static_cast<uint8_t*>(ints.raw_data());
  for (int64_t i = 0; i < ints.numel(); ++i) p[i] = static_cast<uint8_t>(rng() & 0xff);
  if (channels_last) ints = cpu::permute(ints, std::array<int64_t, 4>{0, 3, 1, 2});
  return make_quantized(ints, qd, per_tensor_params(scale, zp));
}

int64_t stored(const Tensor& q, int64_t i) {
  Tensor c = cpu::int_repr(q);  // contiguous
  return q.dtype() == DType::QInt8 ? static_cast<const int8_t*>(c.raw_data())[i] : static_cast<const uint8_t*>(c.raw_data())[i];
}

TEST(QuantFastPaths, MaxPoolOnIntegersMatchesTheFloatKernel) {
  struct Case {
    Shape sizes;
    int64_t k, s, pad, dil;
    bool ceil;
  };
  const Case cases[] = {
      {{1, 64, 112, 112}, 3, 2, 1, 1, false},  // resnet's stem
      {{2, 5, 9, 11}, 3, 2, 1, 1, true},       // ceil mode: a last window past the input
      {{1, 7, 10, 10}, 2, 2, 0, 1, false},
      {{2, 3, 13, 8}, 3, 1, 1, 2, false},      // dilated
      {{1, 16, 6, 6}, 4, 3, 2, 1, true},
  };
  std::mt19937 rng(11);
  for (const Case& c : cases)
    for (DType qd : {DType::QUInt8, DType::QInt8})
      for (bool cl : {true, false}) {
        SCOPED_TRACE(std::string(dtype_name(qd)) + (cl ? " channels-last" : " NCHW") + " k" + std::to_string(c.k) +
                     " s" + std::to_string(c.s) + " pad" + std::to_string(c.pad) + " dil" + std::to_string(c.dil));
        Tensor q = random_q(rng, c.sizes, qd, 0.1, qd == DType::QInt8 ? -3 : 7, cl);
        const cpu::PoolParams p = cpu::make_pool_params(2, Shape{c.k}, Shape{c.s}, Shape{c.pad}, Shape{c.dil}, c.ceil);
        auto fast = cpu::quantized_max_pool2d(q, p);
        ASSERT_TRUE(fast.has_value());
        Tensor ref = cpu::max_pool(2, int_repr_view(q).to(DType::Float32), p).contiguous();
        ASSERT_EQ(fast->sizes(), ref.sizes());
        EXPECT_EQ(fast->dtype(), qd);
        EXPECT_EQ(qparams(*fast).scale, 0.1);
        EXPECT_EQ(cl, !fast->is_contiguous()) << "the result keeps the input's layout";
        Tensor fi = cpu::int_repr(*fast);
        for (int64_t i = 0; i < ref.numel(); ++i) {
          const int64_t got = qd == DType::QInt8 ? static_cast<const int8_t*>(fi.raw_data())[i]
                                                 : static_cast<const uint8_t*>(fi.raw_data())[i];
          ASSERT_EQ(got, static_cast<int64_t>(ref.data<float>()[i])) << "at " << i;
        }
      }
}

TEST(QuantFastPaths, MaxPoolLeavesWhatItDoesNotCoverToTheGeneralPath) {
  std::mt19937 rng(12);
  Tensor q = random_q(rng, {1, 4, 8, 8}, DType::QUInt8, 0.1, 0, false);
  // Padding over half the kernel: PyTorch rejects it, the general path says so.
  EXPECT_FALSE(cpu::quantized_max_pool2d(q, cpu::make_pool_params(2, Shape{2}, Shape{1}, Shape{2}, Shape{1}, false)));
  // A strided view that is neither contiguous nor channels-last.
  Tensor v = cpu::permute(q, std::array<int64_t, 4>{0, 1, 3, 2});
  EXPECT_FALSE(cpu::quantized_max_pool2d(v, cpu::make_pool_params(2, Shape{2}, Shape{2}, Shape{0}, Shape{1}, false)));
}

TEST(QuantFastPaths, BinaryOpsMatchTheDequantizeQuantizeFormula) {
  std::mt19937 rng(13);
  for (DType qd : {DType::QUInt8, DType::QInt8})
    for (bool cl : {true, false})
      for (cpu::QBinary op : {cpu::QBinary::Add, cpu::QBinary::Mul})
        for (bool relu : {false, true}) {
          SCOPED_TRACE(std::string(dtype_name(qd)) + (cl ? " channels-last" : " NCHW") +
                       (op == cpu::QBinary::Add ? " add" : " mul") + (relu ? " relu" : ""));
          const double sa = 0.0371, sb = 0.0913, s = op == cpu::QBinary::Add ? 0.071 : 0.53;
          const int64_t za = qd == DType::QInt8 ? 5 : 131, zb = qd == DType::QInt8 ? -9 : 97;
          const int64_t z = qd == DType::QInt8 ? 2 : 120;
          Tensor a = random_q(rng, {2, 19, 7, 5}, qd, sa, za, cl);
          Tensor b = random_q(rng, {2, 19, 7, 5}, qd, sb, zb, cl);
          Tensor c = cpu::quantized_binary(op, a, b, s, z, relu);
          EXPECT_EQ(cl, !c.is_contiguous()) << "the result keeps the inputs' layout";
          const float inv = 1.0f / static_cast<float>(s);
          const int64_t lo = quant_min(qd), hi = quant_max(qd);
          for (int64_t i = 0; i < c.numel(); ++i) {
            const float da = static_cast<float>(stored(a, i) - za) * static_cast<float>(sa);
            const float db = static_cast<float>(stored(b, i) - zb) * static_cast<float>(sb);
            float v = op == cpu::QBinary::Add ? da + db : da * db;
            if (relu) v = std::max(v, 0.0f);
            const int64_t want = std::clamp<int64_t>(z + static_cast<int64_t>(std::nearbyint(v * inv)), lo, hi);
            ASSERT_EQ(stored(c, i), want) << "at " << i;
          }
        }
}

TEST(QuantFastPaths, BinaryOpsOfMixedLayoutsAgreeWithOneLayout) {
  std::mt19937 rng(14);
  Tensor a = random_q(rng, {1, 8, 6, 6}, DType::QUInt8, 0.02, 128, true);
  Tensor b = random_q(rng, {1, 8, 6, 6}, DType::QUInt8, 0.03, 100, false);
  Tensor nhwc = cpu::permute(int_repr_view(b), std::array<int64_t, 4>{0, 2, 3, 1}).contiguous();
  Tensor b_cl = make_quantized(cpu::permute(nhwc, std::array<int64_t, 4>{0, 3, 1, 2}), DType::QUInt8,
                               per_tensor_params(0.03, 100));
  Tensor mixed = cpu::quantized_binary(cpu::QBinary::Add, a, b, 0.05, 110, true);
  Tensor same = cpu::quantized_binary(cpu::QBinary::Add, a, b_cl, 0.05, 110, true);
  for (int64_t i = 0; i < mixed.numel(); ++i) ASSERT_EQ(stored(mixed, i), stored(same, i)) << "at " << i;
}

TEST(QuantFastPaths, QuantizePerTensorRoundsAndClampsAsTheFormulaSays) {
  std::vector<float> xs = {0.0f, -0.0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 1e30f, -1e30f,
                           std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::quiet_NaN(), 3.0e7f, -3.0e7f, 12.7f, -12.8f};
  std::mt19937 rng(15);
  std::uniform_real_distribution<float> u(-40.0f, 40.0f);
  for (int i = 0; i < 3000; ++i) xs.push_back(u(rng));
  Tensor x = Tensor::empty({static_cast<int64_t>(xs.size())}, DType::Float32);
  std::copy(xs.begin(), xs.end(), x.data<float>());
  for (DType qd : {DType::QUInt8, DType::QInt8})
    for (double scale : {0.1, 0.5, 1.0 / 3.0}) {
      const int64_t zp = qd == DType::QInt8 ? -4 : 128;
      Tensor q = cpu::quantize_per_tensor(x, scale, zp, qd);
      const float inv = 1.0f / static_cast<float>(scale);
      for (size_t i = 0; i < xs.size(); ++i) {
        const float r = std::nearbyint(xs[i] * inv);
        int64_t want = 0;
        if (!std::isnan(r)) want = static_cast<int64_t>(std::clamp(static_cast<double>(r) + static_cast<double>(zp), -1e6, 1e6));
        want = std::clamp<int64_t>(want, quant_min(qd), quant_max(qd));
        ASSERT_EQ(stored(q, static_cast<int64_t>(i)), want) << "x " << xs[i] << " scale " << scale;
      }
    }
}

TEST(QuantFastPaths, Int8LinearMatchesTheFloatPath) {
  std::mt19937 rng(16);
  for (bool per_channel : {false, true})
    for (bool relu : {false, true})
      for (Shape xs : {Shape{1, 40}, Shape{3, 5, 40}, Shape{7, 40}}) {
        SCOPED_TRACE(std::string(per_channel ? "per-channel" : "per-tensor") + (relu ? " relu" : "") + " rows " +
                     std::to_string(xs.size() == 2 ? xs[0] : xs[0] * xs[1]));
        const int64_t K = 40, OC = 23;
        Tensor xf = Tensor::empty(xs, DType::Float32);
        for (int64_t i = 0; i < xf.numel(); ++i) xf.data<float>()[i] = static_cast<float>(static_cast<int>(rng() % 256) - 100) * 0.03f;
        Tensor qx = cpu::quantize_per_tensor(xf, 0.03, 100, DType::QUInt8);
        Tensor wf = Tensor::empty({OC, K}, DType::Float32);
        for (int64_t i = 0; i < wf.numel(); ++i) wf.data<float>()[i] = static_cast<float>(static_cast<int>(rng() % 255) - 127) * 0.01f;
        Tensor scales = Tensor::empty({OC}, DType::Float64);
        for (int64_t i = 0; i < OC; ++i) scales.data<double>()[i] = 0.01 * (1.0 + 0.07 * static_cast<double>(i));
        Tensor qw = per_channel ? cpu::quantize_per_channel(wf, scales, Tensor::zeros(std::vector<int64_t>{OC}, DType::Int64), 0, DType::QInt8)
                                : cpu::quantize_per_tensor(wf, 0.01, 0, DType::QInt8);
        Tensor bias = Tensor::empty({OC}, DType::Float32);
        for (int64_t i = 0; i < OC; ++i) bias.data<float>()[i] = static_cast<float>(0.05 * static_cast<double>(i) - 0.4);
        const cpu::QuantizedWeight w = cpu::prepare_quantized_weight(qw, bias, 0);
        ASSERT_TRUE(w.int8) << "symmetric qint8 linear weights take the int8 path";
        cpu::QuantizedWeight wf32 = w;
        wf32.int8 = nullptr;
        Tensor got = cpu::quantized_linear(qx, w, 0.05, 60, relu);
        Tensor want = cpu::quantized_linear(qx, wf32, 0.05, 60, relu);
        ASSERT_EQ(got.sizes(), want.sizes());
        EXPECT_EQ(qparams(got).scale, 0.05);
        EXPECT_EQ(qparams(got).zero_point, 60);
        for (int64_t i = 0; i < got.numel(); ++i) ASSERT_EQ(stored(got, i), stored(want, i)) << "at " << i;
      }
}

}  // namespace
}  // namespace ember
