// The int8 convolution path (oneDNN's int8 kernels, int32 sums) against sums done here in int64
// and requantized with the same formula (QNNPACK's for per-tensor weights, oneDNN's for
// per-channel ones; quantized.h): exact for every geometry below, including a 4608-term sum of
// 255 * 127 products, past the 2^24 where float32 accumulation stops being exact. Where oneDNN
// requantizes inside the primitive (fused), scales that put many results exactly on a rounding tie
// check that it rounds and adds the zero point in the formula's order.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/cpu/quantized.h"
#include "tensor/quantized.h"

namespace ember {
namespace {

struct Case {
  int64_t n, cin, h, w, cout, k, stride, pad, groups;
  int x_zp;
  bool extreme;  // every input 255 and every weight 127: the largest sums
  bool per_channel = false;  // per-channel weights: oneDNN's requantization instead of QNNPACK's
};

TEST(QuantConvInt8, SumsExactlyAndRequantizesAsTheFormulaSays) {
  const Case cases[] = {
      {2, 16, 9, 11, 8, 3, 1, 1, 1, 37, false},   // padded with the zero point
      {1, 32, 12, 12, 32, 3, 2, 1, 32, 128, false},  // depthwise, strided
      {1, 24, 7, 7, 12, 1, 1, 0, 2, 0, false},    // grouped 1x1
      {1, 512, 5, 5, 4, 3, 1, 1, 1, 0, true},     // 4608 terms of 255 * 127
      {2, 16, 9, 11, 8, 3, 1, 1, 1, 37, false, true},  // per-channel weights
      {1, 32, 12, 12, 32, 3, 2, 1, 32, 128, false, true},
  };
  std::mt19937 rng(5);
  for (const Case& c : cases) {
    SCOPED_TRACE("cin " + std::to_string(c.cin) + " groups " + std::to_string(c.groups));
    Tensor xi = Tensor::empty({c.n, c.cin, c.h, c.w}, DType::Float32);
    Tensor wf = Tensor::empty({c.cout, c.cin / c.groups, c.k, c.k}, DType::Float32);
    const double xs = 0.05, ws = 0.02;
    for (int64_t i = 0; i < xi.numel(); ++i)
      xi.data<float>()[i] = static_cast<float>(((c.extreme ? 255 : static_cast<int>(rng() % 256)) - c.x_zp) * xs);
    for (int64_t i = 0; i < wf.numel(); ++i)
      wf.data<float>()[i] = static_cast<float>((c.extreme ? 127 : static_cast<int>(rng() % 255) - 127) * ws);
    Tensor qx = cpu::quantize_per_tensor(xi, xs, c.x_zp, DType::QUInt8);
    Tensor channel_scales = Tensor::empty({c.cout}, DType::Float64);
    for (int64_t i = 0; i < c.cout; ++i) channel_scales.data<double>()[i] = ws * (1.0 + 0.13 * static_cast<double>(i));
    Tensor qw = c.per_channel ? cpu::quantize_per_channel(wf, channel_scales, Tensor::zeros(std::vector<int64_t>{c.cout}, DType::Int64), 0,
                                                          DType::QInt8)
                              : cpu::quantize_per_tensor(wf, ws, 0, DType::QInt8);
    Tensor bias = Tensor::empty({c.cout}, DType::Float32);
    for (int64_t i = 0; i < c.cout; ++i) bias.data<float>()[i] = static_cast<float>(0.37 * static_cast<double>(i) - 1.0);
    const cpu::QuantizedWeight w = cpu::prepare_quantized_weight(qw, bias, 0);
    ASSERT_TRUE(w.int8) << "symmetric qint8 weights take the int8 path";
    const cpu::ConvParams p = cpu::make_conv_params(2, Shape{c.stride}, Shape{c.pad}, Shape{1}, false, {}, c.groups);
    const double ys = c.extreme ? 500.0 : 0.7;
    const int64_t yzp = 3;
    Tensor y = cpu::quantized_conv(qx, w, p, ys, yzp, false);
    Tensor yi = cpu::int_repr(y);
    cpu::QuantizedWeight wf32 = w;  // the float32 path, for comparison
    wf32.int8 = nullptr;
    Tensor yf = cpu::int_repr(cpu::quantized_conv(qx, wf32, p, ys, yzp, false));
    int64_t worst_float = 0;
    const int64_t oh = (c.h + 2 * c.pad - c.k) / c.stride + 1, ow = (c.w + 2 * c.pad - c.k) / c.stride + 1;
    ASSERT_EQ(y.sizes(), (Shape{c.n, c.cout, oh, ow}));
    Tensor xint = cpu::int_repr(qx);
    const uint8_t* xv = static_cast<const uint8_t*>(xint.raw_data());
    Tensor wint = cpu::int_repr(qw);
    const int8_t* wv = static_cast<const int8_t*>(wint.raw_data());
    const int64_t cin_g = c.cin / c.groups, cout_g = c.cout / c.groups;
    int64_t worst = 0, largest = 0;
    for (int64_t n = 0; n < c.n; ++n)
      for (int64_t oc = 0; oc < c.cout; ++oc)
        for (int64_t oy = 0; oy < oh; ++oy)
          for (int64_t ox = 0; ox < ow; ++ox) {
            int64_t acc = 0;
            const int64_t g = oc / cout_g;
            for (int64_t ic = 0; ic < cin_g; ++ic)
              for (int64_t ky = 0; ky < c.k; ++ky)
                for (int64_t kx = 0; kx < c.k; ++kx) {
                  const int64_t iy = oy * c.stride - c.pad + ky, ix = ox * c.stride - c.pad + kx;
                  if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;  // padding: x = x_zp
                  const int64_t xval = xv[((n * c.cin + g * cin_g + ic) * c.h + iy) * c.w + ix] - c.x_zp;
                  acc += xval * wv[((oc * cin_g + ic) * c.k + ky) * c.k + kx];
                }
            largest = std::max(largest, std::abs(acc));
            int64_t want;
            if (c.per_channel) {
              // oneDNN as ideep sets it up: float reciprocals, the float bias scaled, not rounded,
              // the zero point added before rounding.
              const double wsc = channel_scales.data<double>()[oc];
              const float bs = static_cast<float>(1.0 / xs) * static_cast<float>(1.0 / wsc);
              const float m = static_cast<float>(1.0 / ys) / bs;
              const float v = (static_cast<float>(acc) + bias.data<float>()[oc] * bs) * m + static_cast<float>(yzp);
              want = std::clamp<int64_t>(static_cast<int64_t>(std::nearbyint(v)), 0, 255);
            } else {
              const float inv = 1.0f / static_cast<float>(xs * ws);
              const int64_t bq = static_cast<int64_t>(std::nearbyint(bias.data<float>()[oc] * inv));
              // Per-tensor weights: QNNPACK's multiplier, (w_scale * x_scale) * (1 / y_scale) in float.
              const float m = (static_cast<float>(ws) * static_cast<float>(xs)) * (1.0f / static_cast<float>(ys));
              want = std::clamp<int64_t>(
                  static_cast<int64_t>(std::nearbyint(static_cast<float>(acc + bq) * m) + static_cast<float>(yzp)), 0, 255);
            }
            const int64_t got = static_cast<int64_t>(yi.at_double(((n * c.cout + oc) * oh + oy) * ow + ox));
            worst = std::max(worst, std::abs(got - want));
            worst_float = std::max(worst_float, std::abs(static_cast<int64_t>(yf.at_double(((n * c.cout + oc) * oh + oy) * ow + ox)) - want));
          }
    EXPECT_EQ(worst, 0);
    if (!c.extreme) {
      EXPECT_EQ(worst_float, 0);
    }
    if (c.extreme) {
      EXPECT_GT(largest, int64_t{1} << 24);  // the case means what it says
    }
  }
}

TEST(QuantConvInt8, FusedRequantizationRoundsTiesAsTheFormula) {
  // Scales of powers of two: (acc + bias) * m lands on k + 0.5 for a large share of outputs, and an
  // odd output zero point tells rounding before adding it from rounding after.
  std::mt19937 rng(9);
  for (bool per_channel : {false, true})
    for (bool relu : {false, true})
      for (int64_t yzp : {0, 3, 128}) {
        SCOPED_TRACE(std::string(per_channel ? "per-channel" : "per-tensor") + (relu ? " relu" : "") + " y_zp " +
                     std::to_string(yzp));
        const int64_t n = 1, cin = 16, h = 18, w = 17, cout = 24;
        Tensor xi = Tensor::empty({n, cin, h, w}, DType::Float32);
        Tensor wf = Tensor::empty({cout, cin, 3, 3}, DType::Float32);
        const double xs = 0.25, ws = 0.5;
        const int x_zp = 7;
        for (int64_t i = 0; i < xi.numel(); ++i) xi.data<float>()[i] = static_cast<float>((static_cast<int>(rng() % 256) - x_zp) * xs);
        for (int64_t i = 0; i < wf.numel(); ++i) wf.data<float>()[i] = static_cast<float>((static_cast<int>(rng() % 31) - 15) * ws);
        Tensor qx = cpu::quantize_per_tensor(xi, xs, x_zp, DType::QUInt8);
        Tensor channel_scales = Tensor::empty({cout}, DType::Float64);
        for (int64_t i = 0; i < cout; ++i) channel_scales.data<double>()[i] = ws * static_cast<double>(1 << (i % 3));
        Tensor qw = per_channel ? cpu::quantize_per_channel(wf, channel_scales, Tensor::zeros(std::vector<int64_t>{cout}, DType::Int64), 0,
                                                            DType::QInt8)
                                : cpu::quantize_per_tensor(wf, ws, 0, DType::QInt8);
        Tensor bias = Tensor::empty({cout}, DType::Float32);
        for (int64_t i = 0; i < cout; ++i) bias.data<float>()[i] = static_cast<float>(0.125 * static_cast<double>(i) - 1.0);
        const cpu::QuantizedWeight wq = cpu::prepare_quantized_weight(qw, bias, 0);
        ASSERT_TRUE(wq.int8);
        cpu::QuantizedWeight wf32 = wq;  // the float path: exact sums here, requantized by the formula
        wf32.int8 = nullptr;
        const cpu::ConvParams p = cpu::make_conv_params(2, Shape{1}, Shape{1}, Shape{1}, false, {}, 1);
        const double ys = 16.0;  // m = 0.25 * 0.5 / 16 = 1/128 (times 1, 2, 4 per channel): exact halves
        Tensor got = cpu::int_repr(cpu::quantized_conv(qx, wq, p, ys, yzp, relu));
        Tensor want = cpu::int_repr(cpu::quantized_conv(qx, wf32, p, ys, yzp, relu));
        ASSERT_EQ(got.sizes(), want.sizes());
        int64_t differing = 0, ties = 0;
        for (int64_t i = 0; i < got.numel(); ++i) differing += got.at_double(i) != want.at_double(i);
        // The case means what it says: outputs on a tie round differently when the scale moves a
        // little either way.
        Tensor up = cpu::int_repr(cpu::quantized_conv(qx, wf32, p, ys * (1.0 + 1e-5), yzp, relu));
        Tensor down = cpu::int_repr(cpu::quantized_conv(qx, wf32, p, ys * (1.0 - 1e-5), yzp, relu));
        for (int64_t i = 0; i < got.numel(); ++i) ties += up.at_double(i) != down.at_double(i);
        EXPECT_EQ(differing, 0);
        EXPECT_GT(ties, 0);
      }
}

}  // namespace
}  // namespace ember
