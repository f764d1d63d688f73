// aten_spectral.cpp — Fourier transforms and complex-number ops that audio front ends call
// (torchaudio's Spectrogram/MelSpectrogram, custom STFT feature extractors): aten::stft in its
// 1.13 and 2.x forms, aten::istft, torch.fft.{fft,ifft,rfft,irfft}, the window factories, and
// the complex helpers (view_as_real, view_as_complex, real, imag, angle, complex, polar, conj),
// bound to kernels/cpu/{spectral,complex}.h. Schemas are PyTorch 2.11's where they grew an
// argument (stft's align_to_window), so 1.13 archives, which omit it, bind too.
#include <optional>
#include <string>

#include "kernels/cpu/complex.h"
#include "kernels/cpu/spectral.h"
#include "ops/aten_util.h"

namespace ember::ops {
namespace {

using OptInt = std::optional<int64_t>;
using OptBool = std::optional<bool>;
using OptTensor = std::optional<Tensor>;
using OptString = std::optional<std::string>;

// 2.x's align_to_window: only with center=False; True (frames aligned to the window rather than
// to the padded n_fft frame) is not implemented, and says so.
void check_align(OptBool align, bool center) {
  if (!align) return;
  if (center) fail("stft align_to_window should only be set when center = false");
  if (*align) fail("stft: align_to_window=True is not supported by ember");
}

cpu::StftOptions stft_options(int64_t n_fft, OptInt hop, OptInt win, OptTensor window, bool normalized,
                              OptBool onesided, OptBool return_complex) {
  cpu::StftOptions o;
  o.n_fft = n_fft;
  o.hop_length = hop;
  o.win_length = win;
  o.window = std::move(window);
  o.normalized = normalized;
  o.onesided = onesided;
  o.return_complex = return_complex;
  return o;
}

void register_windows(Registry& r) {
  const std::string opts = "*, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None) -> Tensor";
  using OptDType = std::optional<DType>;
  using OptDevice = std::optional<Device>;
  r.add("aten::hann_window(int window_length, " + opts,
        wrap([](int64_t n, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::hamming_window("hann_window", n, true, 0.5, 0.5, dt);
        }));
  r.add("aten::hann_window.periodic(int window_length, bool periodic, " + opts,
        wrap([](int64_t n, bool periodic, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::hamming_window("hann_window", n, periodic, 0.5, 0.5, dt);
        }));
  r.add("aten::hamming_window(int window_length, " + opts,
        wrap([](int64_t n, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::hamming_window("hamming_window", n, true, 0.54, 0.46, dt);
        }));
  r.add("aten::hamming_window.periodic(int window_length, bool periodic, " + opts,
        wrap([](int64_t n, bool periodic, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::hamming_window("hamming_window", n, periodic, 0.54, 0.46, dt);
        }));
  r.add("aten::hamming_window.periodic_alpha(int window_length, bool periodic, float alpha, " + opts,
        wrap([](int64_t n, bool periodic, double alpha, OptDType dt, Value layout, OptDevice dev, OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::hamming_window("hamming_window", n, periodic, alpha, 0.46, dt);
        }));
  r.add("aten::hamming_window.periodic_alpha_beta(int window_length, bool periodic, float alpha, float beta, " + opts,
        wrap([](int64_t n, bool periodic, double alpha, double beta, OptDType dt, Value layout, OptDevice dev,
                OptBool pin) {
          check_options(layout, dev, pin);
          return cpu::hamming_window("hamming_window", n, periodic, alpha, beta, dt);
        }));
}

}  // namespace

void register_spectral_ops(Registry& r) {
  r.add("aten::stft(Tensor self, int n_fft, int? hop_length=None, int? win_length=None, Tensor? window=None, "
        "bool normalized=False, bool? onesided=None, bool? return_complex=None, bool? align_to_window=None) -> Tensor",
        wrap([](const Tensor& x, int64_t n_fft, OptInt hop, OptInt win, OptTensor window, bool normalized,
                OptBool onesided, OptBool return_complex, OptBool align) {
          check_align(align, false);
          return cpu::stft(x, stft_options(n_fft, hop, win, std::move(window), normalized, onesided, return_complex));
        }));
  r.add("aten::stft.center(Tensor self, int n_fft, int? hop_length=None, int? win_length=None, Tensor? window=None, "
        "bool center=True, str pad_mode=\"reflect\", bool normalized=False, bool? onesided=None, "
        "bool? return_complex=None, bool? align_to_window=None) -> Tensor",
        wrap([](const Tensor& x, int64_t n_fft, OptInt hop, OptInt win, OptTensor window, bool center,
                std::string pad_mode, bool normalized, OptBool onesided, OptBool return_complex, OptBool align) {
          check_align(align, center);
          return cpu::stft_center(
              x, stft_options(n_fft, hop, win, std::move(window), normalized, onesided, return_complex), center,
              pad_mode);
        }));
  r.add("aten::istft(Tensor self, int n_fft, int? hop_length=None, int? win_length=None, Tensor? window=None, "
        "bool center=True, bool normalized=False, bool? onesided=None, int? length=None, bool return_complex=False) -> Tensor",
        wrap([](const Tensor& x, int64_t n_fft, OptInt hop, OptInt win, OptTensor window, bool center,
                bool normalized, OptBool onesided, OptInt length, bool return_complex) {
          cpu::IstftOptions o;
          o.n_fft = n_fft;
          o.hop_length = hop;
          o.win_length = win;
          o.window = std::move(window);
          o.center = center;
          o.normalized = normalized;
          o.onesided = onesided;
          o.length = length;
          o.return_complex = return_complex;
          return cpu::istft(x, o);
        }));

  struct Fft { const char* name; cpu::FftKind kind; };
  for (Fft f : {Fft{"fft_fft", cpu::FftKind::Fft}, Fft{"fft_ifft", cpu::FftKind::Ifft},
                Fft{"fft_rfft", cpu::FftKind::Rfft}, Fft{"fft_irfft", cpu::FftKind::Irfft}}) {
    const cpu::FftKind kind = f.kind;
    r.add(std::string("aten::") + f.name + "(Tensor self, int? n=None, int dim=-1, str? norm=None) -> Tensor",
          wrap([kind](const Tensor& x, OptInt n, int64_t dim, OptString norm) { return cpu::fft_op(kind, x, n, dim, norm); }));
  }

  r.add("aten::view_as_real(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) { return cpu::view_as_real(x); }));
  r.add("aten::view_as_complex(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) { return cpu::view_as_complex(x); }));
  r.add("aten::real(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) { return cpu::real(x); }));
  r.add("aten::imag(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) { return cpu::imag(x); }));
  r.add("aten::angle(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::angle(x); }));
  r.add("aten::complex(Tensor real, Tensor imag) -> Tensor",
        wrap([](const Tensor& re, const Tensor& im) { return cpu::complex(re, im); }));
  r.add("aten::polar(Tensor abs, Tensor angle) -> Tensor",
        wrap([](const Tensor& a, const Tensor& th) { return cpu::polar(a, th); }));
  // ember keeps no lazy conjugate or negative bit: conj materialises (resolve_conj and
  // resolve_neg, no-ops, are in aten_shape.cpp).
  r.add("aten::conj(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) { return cpu::conj(x); }));
  r.add("aten::conj_physical(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::conj(x); }));
  r.add("aten::_conj(Tensor(a) self) -> Tensor(a)", wrap([](const Tensor& x) { return cpu::conj(x); }));
  r.add("aten::_conj_physical(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::conj(x); }));
  r.add("aten::is_conj(Tensor self) -> bool", wrap([](const Tensor&) { return false; }));
  r.add("aten::is_neg(Tensor self) -> bool", wrap([](const Tensor&) { return false; }));
  register_windows(r);
}

}  // namespace ember::ops
