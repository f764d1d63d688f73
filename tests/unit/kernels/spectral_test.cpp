// The FFT plan against a direct DFT for many lengths (powers of two, the mixed radices, primes
// that go through Bluestein, 400 and 512 as audio models use), and the messages stft, istft and
// the complex views fail with: PyTorch 1.13's texts for its checks, ember's own for the limits
// that keep an archive's sizes from allocating without bound. The numbers of whole front ends
// against PyTorch are in tests/unit/compat (CompatModels.SpectralOps).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "../error_text.h"
#include "ember/tensor.h"
#include "ember/value.h"
#include "kernels/cpu/fft.h"
#include "ops/registry.h"

namespace ember {
namespace {

using cpu::cdouble;
using testing::error_of;

std::vector<cdouble> random_signal(int64_t n, uint64_t seed) {
  std::vector<cdouble> x(static_cast<size_t>(n));
  uint64_t s = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  auto next = [&] {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(s >> 11) / static_cast<double>(1ULL << 53) - 0.5;
  };
  for (auto& v : x) v = {next(), next()};
  return x;
}

double max_error(const std::vector<cdouble>& a, const std::vector<cdouble>& b) {
  double e = 0;
  for (size_t i = 0; i < a.size(); ++i) e = std::max(e, std::abs(a[i] - b[i]));
  return e;
}

TEST(Fft, MatchesDirectDftForManyLengths) {
  // 1..8, radix 4/2/3/5/7 products, radices up to 31 (generic butterflies), primes above 31
  // (Bluestein), and the audio sizes.
  const int64_t sizes[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 17, 25, 31, 32, 37, 49, 60, 64, 97, 100,
                           127, 128, 243, 255, 256, 257, 400, 512, 640, 1000, 1021, 1024};
  for (int64_t n : sizes) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const auto x = random_signal(n, static_cast<uint64_t>(n));
    cpu::FftPlan plan(n);
    std::vector<cdouble> got(static_cast<size_t>(n)), work;
    plan.forward(x.data(), got.data(), work);
    const auto want = cpu::naive_dft(x, false);
    // Inputs are O(1), so entries are O(sqrt(n)); double rounding stays far below 1e-9.
    EXPECT_LT(max_error(got, want), 1e-10 * std::sqrt(static_cast<double>(n)));
    plan.inverse(x.data(), got.data(), work);
    EXPECT_LT(max_error(got, cpu::naive_dft(x, true)), 1e-10 * std::sqrt(static_cast<double>(n)));
  }
}

TEST(Fft, InverseUndoesForwardAtLargeSizes) {
  for (int64_t n : {4096, 4099, 44100, 65536}) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const auto x = random_signal(n, 7);
    cpu::FftPlan plan(n);
    std::vector<cdouble> f(static_cast<size_t>(n)), back(static_cast<size_t>(n)), work;
    plan.forward(x.data(), f.data(), work);
    plan.inverse(f.data(), back.data(), work);
    for (auto& v : back) v /= static_cast<double>(n);
    EXPECT_LT(max_error(back, x), 1e-12);
  }
}

TEST(Fft, PlanSizeLimits) {
  EXPECT_HAS(error_of([] { cpu::FftPlan p(0); }), "FFT length must be positive, but got 0");
  EXPECT_HAS(error_of([] { cpu::FftPlan p(cpu::kMaxFftLength + 1); }), "exceeds ember's limit");
}

Tensor signal(int64_t n) {
  Tensor t = Tensor::empty({n}, DType::Float32);
  for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = std::sin(0.37f * static_cast<float>(i));
  return t;
}

Tensor ones(int64_t n) {
  Tensor t = Tensor::empty({n}, DType::Float32);
  for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = 1.0f;
  return t;
}

std::string call_error(const char* op, std::vector<Value> args, std::vector<std::pair<std::string, Value>> kw = {}) {
  return error_of([&] { ops::Registry::global().call(op, std::move(args), std::move(kw)); });
}

TEST(SpectralErrors, StftChecksLikePyTorch) {
  const Value x(signal(100));
  const std::pair<std::string, Value> rc{"return_complex", Value(true)};
  // PyTorch 1.13: "stft(torch.FloatTensor[100], n_fft=400, hop_length=100, win_length=400,
  // window=None, normalized=0, onesided=None, return_complex=1) : expected 0 < n_fft < 100, ..."
  const std::string big = call_error("aten::stft", {x, Value(int64_t{400})}, {rc});
  EXPECT_HAS(big, "stft(torch.FloatTensor[100], n_fft=400, hop_length=100, win_length=400, window=None, "
                  "normalized=0, onesided=None, return_complex=1) : expected 0 < n_fft < 100, but got n_fft=400");
  EXPECT_HAS(call_error("aten::stft", {x, Value(int64_t{64}), Value(int64_t{0})}, {rc}),
             ": expected hop_length > 0, but got hop_length=0");
  EXPECT_HAS(call_error("aten::stft", {x, Value(int64_t{64})}, {{"win_length", Value(int64_t{65})}, rc}),
             ": expected 0 < win_length <= n_fft, but got win_length=65");
  EXPECT_HAS(call_error("aten::stft", {x, Value(int64_t{64})}, {{"window", Value(ones(10))}, rc}),
             "window=torch.FloatTensor{[10]}, normalized=0, onesided=None, return_complex=1) : expected a 1D window "
             "tensor of size equal to win_length=64, but got window with size [10]");
  EXPECT_HAS(call_error("aten::stft", {Value(Tensor::empty({2, 2, 100}, DType::Float32)), Value(int64_t{64})}, {rc}),
             ": expected a 1D or 2D tensor");
  EXPECT_HAS(call_error("aten::stft", {Value(Tensor::empty({100}, DType::Int64)), Value(int64_t{64})}, {rc}),
             ": expected a tensor of floating point or complex values");
  // The centred form pads first, as PyTorch does: reflection padding must fit the signal.
  EXPECT_HAS(call_error("aten::stft", {x, Value(int64_t{400})}, {{"center", Value(true)}, rc}),
             "padding size should be less than the corresponding input dimension");
  // A complex input cannot give a onesided result.
  EXPECT_HAS(call_error("aten::stft", {Value(Tensor::empty({100}, DType::Complex64)), Value(int64_t{64})},
                        {{"onesided", Value(true)}, rc}),
             "Cannot have onesided output if window or input is complex");
  // ember's bounds: an archive's n_fft with constant padding, and a tiny hop on a long signal.
  EXPECT_HAS(call_error("aten::stft", {x, Value(int64_t{1} << 40)},
                        {{"center", Value(true)}, {"pad_mode", Value(std::string("constant"))}, rc}),
             "outside ember's FFT length range");
  EXPECT_HAS(call_error("aten::stft", {Value(Tensor::empty({1 << 22}, DType::Float32)), Value(int64_t{1} << 20),
                                       Value(int64_t{1})},
                        {rc}),
             "over ember's limit");
}

TEST(SpectralErrors, IstftChecksLikePyTorch) {
  // A [33, 7] complex64 spectrum (n_fft=64), as stft(x, 64, return_complex=True) of 100 samples.
  const Value spec(Tensor::empty({33, 7}, DType::Complex64));
  const std::string head = "istft(CPUComplexFloatType[33, 7], n_fft=64, hop_length=16, win_length=64, ";
  EXPECT_HAS(call_error("aten::istft", {spec, Value(int64_t{64})}, {{"window", Value(ones(5))}}),
             head + "window=torch.FloatTensor{[5]}, center=1, normalized=0, onesided=None, length=None, "
                    "return_complex=0) : Invalid window shape. window has to be 1D and length of `win_length`");
  EXPECT_HAS(call_error("aten::istft", {spec, Value(int64_t{64}), Value(int64_t{70})}),
             ": expected 0 < hop_length <= win_length");
  EXPECT_HAS(call_error("aten::istft", {spec, Value(int64_t{63})}),
             ": expected the frequency dimension (3rd to the last) of the input tensor to match n_fft / 2 + 1 when "
             "onsided=True, but got 33");
  EXPECT_HAS(call_error("aten::istft", {spec, Value(int64_t{64})}, {{"window", Value(Tensor::empty({64}, DType::Float32))}}),
             "window overlap add min: 1");
  EXPECT_HAS(call_error("aten::istft", {spec, Value(int64_t{64})}, {{"return_complex", Value(true)}}),
             "Cannot have onesided output if window or input is complex");
  EXPECT_HAS(call_error("aten::istft", {Value(Tensor::empty({33, 0}, DType::Complex64)), Value(int64_t{64})}),
             ": input tensor cannot be empty.");
  EXPECT_HAS(call_error("aten::istft", {Value(Tensor::empty({1, 1, 33, 7}, DType::Complex64)), Value(int64_t{64})}),
             ": expected a tensor with 3 or 4 dimensions, but got 5");
  EXPECT_HAS(call_error("aten::istft", {spec, Value(int64_t{64})}, {{"length", Value(int64_t{1} << 40)}}),
             "over ember's limit");
}

TEST(SpectralErrors, ComplexViews) {
  EXPECT_HAS(call_error("aten::view_as_real", {Value(ones(4))}), "view_as_real is only supported for complex tensors");
  EXPECT_HAS(call_error("aten::view_as_complex", {Value(ones(3))}), "Tensor must have a last dimension of size 2");
  EXPECT_HAS(call_error("aten::view_as_complex", {Value(Tensor::empty({2}, DType::Int64))}),
             "view_as_complex is only supported for float and double tensors");
  const Tensor t = Tensor::empty({2, 3}, DType::Float32);
  EXPECT_HAS(call_error("aten::view_as_complex", {Value(t.as_strided({3, 2}, {1, 3}, 0))}),
             "Tensor must have a last dimension with stride 1");
  EXPECT_HAS(call_error("aten::imag", {Value(ones(2))}), "imag is not implemented for tensors with non-complex dtypes.");
  EXPECT_HAS(call_error("aten::complex", {Value(ones(3)), Value(Tensor::empty({3}, DType::Float64))}),
             "Expected object of scalar type Float but got scalar type Double for second argument");
  EXPECT_HAS(call_error("aten::polar", {Value(Tensor::empty({3}, DType::Int64)), Value(Tensor::empty({3}, DType::Int64))}),
             "Expected both inputs to be Half, Float or Double tensors but got Long and Long");
  EXPECT_HAS(call_error("aten::abs_", {Value(Tensor::empty({3}, DType::Complex64))}),
             "In-place abs is not supported for complex tensors.");
  EXPECT_HAS(call_error("aten::hann_window", {Value(int64_t{-1})}),
             "hann_window requires non-negative window_length, got window_length=-1");
  EXPECT_HAS(call_error("aten::fft_fft", {Value(ones(4))}, {{"n", Value(int64_t{0})}}),
             "Invalid number of data points (0) specified");
  EXPECT_HAS(call_error("aten::fft_rfft", {Value(Tensor::empty({8}, DType::Complex64))}), "rfft expects a real input tensor");
  EXPECT_HAS(call_error("aten::fft_fft", {Value(ones(8))}, {{"norm", Value(std::string("bogus"))}}),
             "Invalid normalization mode: \"bogus\"");
}

TEST(SpectralViews, ViewAsRealSharesStorage) {
  Tensor c = Tensor::empty({3}, DType::Complex64);
  c.data<ComplexFloat>()[1] = {2.0f, -5.0f};
  const Tensor r = ops::Registry::global().call("aten::view_as_real", {Value(c)}).at(0).to_tensor();
  ASSERT_EQ(r.sizes(), (Shape{3, 2}));
  EXPECT_EQ(r.dtype(), DType::Float32);
  EXPECT_EQ(r.storage().get(), c.storage().get());
  EXPECT_EQ(r.data<float>()[2], 2.0f);
  EXPECT_EQ(r.data<float>()[3], -5.0f);
  const Tensor back = ops::Registry::global().call("aten::view_as_complex", {Value(r)}).at(0).to_tensor();
  EXPECT_EQ(back.dtype(), DType::Complex64);
  EXPECT_EQ(back.data<ComplexFloat>()[1], ComplexFloat(2.0f, -5.0f));
}

// PyTorch 1.13 still takes istft's deprecated real [..., 2] input; it must give what the complex
// spectrum gives.
TEST(SpectralViews, IstftOfTheRealFormMatchesTheComplexForm) {
  auto& reg = ops::Registry::global();
  const Value window(ones(64));
  const Tensor spec = reg.call("aten::stft", {Value(signal(300)), Value(int64_t{64}), Value(int64_t{16})},
                               {{"window", window}, {"center", Value(true)}, {"return_complex", Value(true)}})
                          .at(0)
                          .to_tensor();
  ASSERT_EQ(spec.dtype(), DType::Complex64);
  const Tensor as_real = reg.call("aten::view_as_real", {Value(spec)}).at(0).to_tensor();
  const std::vector<std::pair<std::string, Value>> kw{{"window", window}, {"length", Value(int64_t{300})}};
  const Tensor a = reg.call("aten::istft", {Value(spec), Value(int64_t{64}), Value(int64_t{16})}, kw).at(0).to_tensor();
  const Tensor b = reg.call("aten::istft", {Value(as_real), Value(int64_t{64}), Value(int64_t{16})}, kw).at(0).to_tensor();
  ASSERT_EQ(a.sizes(), (Shape{300}));
  ASSERT_EQ(b.sizes(), (Shape{300}));
  const Tensor x = signal(300);
  for (int64_t i = 0; i < 300; ++i) {
    EXPECT_EQ(a.contiguous().data<float>()[i], b.contiguous().data<float>()[i]) << i;
    EXPECT_NEAR(a.contiguous().data<float>()[i], x.data<float>()[i], 1e-5) << i;  // the round trip
  }
}

}  // namespace
}  // namespace ember
