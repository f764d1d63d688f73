// spectral.h — Fourier transforms over tensors: the FFT along one dimension (torch.fft.*), the
// short-time Fourier transform and its inverse (torch.stft / torch.istft), and the window
// functions that go with them. Semantics follow PyTorch's ATen/native/SpectralOps.cpp: argument
// defaults, window padding, centring, normalisation, onesided output, the result's dtype and its
// (transposed) strides, and the error messages.
//
// Every transform computes in double (fft.h) and rounds once to the result's dtype: float32
// and float64 inputs give complex64 and complex128 results; other dtypes are an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ember/tensor.h"

namespace ember::cpu {

// Scale applied after a transform: PyTorch's fft_norm_mode.
enum class FftNorm { None, ByRootN, ByN };

// Transforms along the last dimension (length n = x.size(-1)).
// Real input -> complex [..., n/2+1] (onesided) or [..., n].
Tensor fft_r2c(const Tensor& x, FftNorm norm, bool onesided);
// Complex input -> complex [..., n]; forward uses exp(-2 pi i jk/n).
Tensor fft_c2c(const Tensor& x, FftNorm norm, bool forward);
// Hermitian half spectrum [..., >= n/2+1] -> real [..., n] (imaginary parts of the DC and, for
// even n, the Nyquist bins are ignored, as pocketfft does).
Tensor fft_c2r(const Tensor& x, FftNorm norm, int64_t n);

// torch.fft.fft / ifft / rfft / irfft: n pads with zeros or trims along dim;
// norm is None, "backward", "forward" or "ortho".
enum class FftKind { Fft, Ifft, Rfft, Irfft };
Tensor fft_op(FftKind kind, const Tensor& x, std::optional<int64_t> n, int64_t dim,
              const std::optional<std::string>& norm);

struct StftOptions {
  int64_t n_fft = 0;
  std::optional<int64_t> hop_length, win_length;
  std::optional<Tensor> window;
  bool normalized = false;
  std::optional<bool> onesided, return_complex;
};

// aten::stft (no centring): x is [L] or [B, L]; returns [freq, frames] or [B, freq, frames],
// complex, or its real view [..., 2] when return_complex is false (or None for a real input and
// window, PyTorch 1.13's deprecated default).
Tensor stft(const Tensor& x, const StftOptions& opt);
// aten::stft.center: with center, x is first padded by n_fft/2 on both sides with pad_mode
// ("reflect", "constant", "replicate" or "circular").
Tensor stft_center(const Tensor& x, const StftOptions& opt, bool center, const std::string& pad_mode);

struct IstftOptions {
  int64_t n_fft = 0;
  std::optional<int64_t> hop_length, win_length;
  std::optional<Tensor> window;
  bool center = true, normalized = false;
  std::optional<bool> onesided;
  std::optional<int64_t> length;
  bool return_complex = false;
};

// aten::istft: x is complex [freq, frames] or [B, freq, frames] (or PyTorch 1.13's deprecated
// real [..., 2] view); overlap-add of the windowed inverse transforms divided by the summed
// squared window.
Tensor istft(const Tensor& x, const IstftOptions& opt);

// hamming_window(n, periodic, alpha, beta): alpha - beta * cos(2 pi k / (N - 1)), N = n + 1 when
// periodic (the last sample dropped); hann is alpha = beta = 0.5. dtype must be floating.
Tensor hamming_window(const char* name, int64_t n, bool periodic, double alpha, double beta,
                      std::optional<DType> dtype);

}  // namespace ember::cpu
