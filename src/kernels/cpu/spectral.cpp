// spectral.cpp — FFT along a dimension, stft, istft and window functions (see spectral.h).
#include "kernels/cpu/spectral.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>
#include <vector>

#include "kernels/cpu/complex.h"
#include "kernels/cpu/fft.h"
#include "kernels/cpu/pad.h"
#include "kernels/cpu/shape.h"
#include "tensor/iterator.h"
#include "tensor/promotion.h"

namespace ember::cpu {

namespace {

// The most elements a spectral result may have (2^28: 2 GiB of complex64); sizes come from the
// archive (hop_length, length, n), so a hostile value fails instead of allocating.
constexpr int64_t kMaxSpectralElements = int64_t{1} << 28;

void check_result_size(const char* op, std::span<const int64_t> sizes) {
  const int64_t n = checked_numel(sizes);
  if (n > kMaxSpectralElements)
    fail(op, ": the result ", shape_string(sizes), " would have ", n, " elements, over ember's limit of ",
         kMaxSpectralElements);
}

DType complex_of(DType real) { return real == DType::Float64 ? DType::Complex128 : DType::Complex64; }

double norm_scale(FftNorm norm, int64_t n) {
  switch (norm) {
    case FftNorm::None: return 1.0;
    case FftNorm::ByRootN: return 1.0 / std::sqrt(static_cast<double>(n));
    case FftNorm::ByN: return 1.0 / static_cast<double>(n);
  }
  return 1.0;
}

// The real dtype a transform of x computes and returns in; only float32/float64 (and their
// complex types) are supported, as in PyTorch's CPU FFT.
DType fft_real_dtype(DType t) {
  const DType r = to_real(t);
  if (r != DType::Float32 && r != DType::Float64) fail("Unsupported dtype ", dtype_name(t));
  return r;
}

// x as a contiguous complex128 tensor (real inputs get zero imaginary parts).
Tensor as_cdouble(const Tensor& x) { return x.to(DType::Complex128).contiguous(); }

// Runs body(first, last) over `rows` rows of an n-point transform, in parallel blocks.
void for_rows(int64_t rows, int64_t n, const std::function<void(int64_t, int64_t)>& body) {
  parallel_range(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(n, 1) / 8), body);
}

// The real view of a complex tensor: [..., 2] over the same storage.
Tensor real_view(const Tensor& c) {
  Shape sizes = c.sizes(), strides;
  for (int64_t s : c.strides()) strides.push_back(2 * s);
  sizes.push_back(2);
  strides.push_back(1);
  return Tensor::from_storage(c.storage(), to_real(c.dtype()), sizes, strides, 2 * c.offset());
}

// PyTorch 1.13's Tensor::toString() in stft/istft messages: legacy names for real types,
// backend-qualified ones for complex.
std::string type_string(DType t) {
  switch (t) {
    case DType::Float32: return "torch.FloatTensor";
    case DType::Float64: return "torch.DoubleTensor";
    case DType::Float16: return "torch.HalfTensor";
    case DType::BFloat16: return "torch.BFloat16Tensor";
    case DType::Complex64: return "CPUComplexFloatType";
    case DType::Complex128: return "CPUComplexDoubleType";
    case DType::Int64: return "torch.LongTensor";
    case DType::Int32: return "torch.IntTensor";
    default: return std::string("torch.") + std::string(dtype_name(t));
  }
}

std::string optional_string(const std::optional<bool>& b) { return b ? (*b ? "1" : "0") : "None"; }

std::string window_string(const std::optional<Tensor>& w) {
  if (!w) return "None";
  return type_string(w->dtype()) + "{" + shape_string(w->sizes()) + "}";
}

// The window padded with zeros to n_fft, centred (left = (n_fft - win) / 2); ones when absent.
std::vector<cdouble> padded_window(const std::optional<Tensor>& window, int64_t win, int64_t n_fft) {
  std::vector<cdouble> w(static_cast<size_t>(n_fft));
  const int64_t left = (n_fft - win) / 2;
  if (window) {
    const Tensor wc = as_cdouble(*window);
    const cdouble* p = wc.data<cdouble>();
    for (int64_t j = 0; j < win; ++j) w[static_cast<size_t>(left + j)] = p[j];
  } else {
    for (int64_t j = 0; j < win; ++j) w[static_cast<size_t>(left + j)] = 1.0;
  }
  return w;
}

// The first `nout` bins of the spectra of two real length-n signals a and b, from Z, the
// transform of a + i b: A[k] = (Z[k] + conj Z[n-k]) / 2 and B[k] = (Z[k] - conj Z[n-k]) / 2i.
// Real-input transforms run two rows per complex FFT this way.
void split_real_pair(std::vector<cdouble>& z, int64_t n, int64_t nout, double scale, cdouble* a, cdouble* b) {
  for (int64_t k = 0; k < nout; ++k) {
    const cdouble zk = z[static_cast<size_t>(k)], zc = std::conj(z[static_cast<size_t>((n - k) % n)]);
    const cdouble s = zk + zc, d = zk - zc;
    a[k] = cdouble(0.5 * s.real(), 0.5 * s.imag()) * scale;
    if (b) b[k] = cdouble(0.5 * d.imag(), -0.5 * d.real()) * scale;
  }
  // The DC bin (and an even length's Nyquist bin) of a real signal's spectrum is real: its
  // imaginary part is +0, as a real-to-complex FFT writes it (angle() of a negative bin depends
  // on that sign).
  a[0] = a[0].real();
  if (b) b[0] = b[0].real();
  if (n % 2 == 0 && n / 2 < nout) {
    a[n / 2] = a[n / 2].real();
    if (b) b[n / 2] = b[n / 2].real();
  }
}

// Size of x along its last dimension made n: trimmed, or padded with zeros.
Tensor resize_last(const Tensor& x, int64_t n) {
  const int64_t have = x.size(-1);
  if (have == n) return x;
  if (have > n) return narrow(x, -1, 0, n);
  const int64_t pad[2] = {0, n - have};
  return constant_pad_nd(x, pad, 0.0);
}

}  // namespace

Tensor fft_r2c(const Tensor& x, FftNorm norm, bool onesided) {
  const DType real = fft_real_dtype(x.dtype());
  if (is_complex(x.dtype())) fail("fft_r2c expects a real input, but got ", dtype_name(x.dtype()));
  const int64_t n = x.dim() == 0 ? 1 : x.size(-1);
  if (n < 1) fail("Invalid number of data points (", n, ") specified");
  const int64_t nout = onesided ? n / 2 + 1 : n;
  Shape sizes = x.sizes();
  if (sizes.empty()) sizes.push_back(1);
  sizes.back() = nout;
  check_result_size("fft", sizes);
  const Tensor xd = x.to(DType::Float64).contiguous();
  Tensor out = Tensor::empty_uninitialized(sizes, DType::Complex128);
  const int64_t rows = n ? xd.numel() / n : 0;
  FftPlan plan(n);
  const double scale = norm_scale(norm, n);
  const double* in = xd.data<double>();
  cdouble* o = out.data<cdouble>();
  for_rows((rows + 1) / 2, n, [&](int64_t p0, int64_t p1) {
    std::vector<cdouble> buf(static_cast<size_t>(n)), res(static_cast<size_t>(n)), work;
    for (int64_t r = 2 * p0; r < std::min(rows, 2 * p1); r += 2) {
      const bool pair = r + 1 < rows;
      for (int64_t j = 0; j < n; ++j) buf[static_cast<size_t>(j)] = {in[r * n + j], pair ? in[(r + 1) * n + j] : 0.0};
      plan.forward(buf.data(), res.data(), work);
      split_real_pair(res, n, nout, scale, o + r * nout, pair ? o + (r + 1) * nout : nullptr);
    }
  });
  return out.to(complex_of(real));
}

Tensor fft_c2c(const Tensor& x, FftNorm norm, bool forward) {
  const DType real = fft_real_dtype(x.dtype());
  const int64_t n = x.dim() == 0 ? 1 : x.size(-1);
  if (n < 1) fail("Invalid number of data points (", n, ") specified");
  check_result_size("fft", x.sizes());
  const Tensor xc = as_cdouble(x);
  Tensor out = Tensor::empty_uninitialized(xc.sizes(), DType::Complex128);
  const int64_t rows = xc.numel() / n;
  FftPlan plan(n);
  const double scale = norm_scale(norm, n);
  const cdouble* in = xc.data<cdouble>();
  cdouble* o = out.data<cdouble>();
  for_rows(rows, n, [&](int64_t r0, int64_t r1) {
    std::vector<cdouble> work;
    for (int64_t r = r0; r < r1; ++r) {
      if (forward) plan.forward(in + r * n, o + r * n, work);
      else plan.inverse(in + r * n, o + r * n, work);
      if (scale != 1.0)
        for (int64_t k = 0; k < n; ++k) o[r * n + k] *= scale;
    }
  });
  return out.to(complex_of(real));
}

Tensor fft_c2r(const Tensor& x, FftNorm norm, int64_t n) {
  const DType real = fft_real_dtype(x.dtype());
  if (n < 1) fail("Invalid number of data points (", n, ") specified");
  const int64_t half = n / 2 + 1;
  if (x.dim() == 0 || x.size(-1) < half)
    fail("fft_c2r: expected at least ", half, " frequency bins for ", n, " output points");
  Shape sizes = x.sizes();
  sizes.back() = n;
  check_result_size("fft", sizes);
  const Tensor xc = as_cdouble(narrow(x, -1, 0, half));
  Tensor out = Tensor::empty_uninitialized(sizes, DType::Float64);
  const int64_t rows = xc.numel() / half;
  FftPlan plan(n);
  const double scale = norm_scale(norm, n);
  const cdouble* in = xc.data<cdouble>();
  double* o = out.data<double>();
  for_rows(rows, n, [&](int64_t r0, int64_t r1) {
    std::vector<cdouble> full(static_cast<size_t>(n)), res(static_cast<size_t>(n)), work;
    for (int64_t r = r0; r < r1; ++r) {
      const cdouble* h = in + r * half;
      // The Hermitian extension; the DC (and even-n Nyquist) bins contribute their real part only.
      full[0] = h[0].real();
      for (int64_t k = 1; k < half; ++k) full[static_cast<size_t>(k)] = h[k];
      if (n % 2 == 0) full[static_cast<size_t>(n / 2)] = h[n / 2].real();
      for (int64_t k = 1; k < (n + 1) / 2; ++k) full[static_cast<size_t>(n - k)] = std::conj(h[k]);
      plan.inverse(full.data(), res.data(), work);
      for (int64_t j = 0; j < n; ++j) o[r * n + j] = res[static_cast<size_t>(j)].real() * scale;
    }
  });
  return out.to(real);
}

Tensor fft_op(FftKind kind, const Tensor& x, std::optional<int64_t> n, int64_t dim,
              const std::optional<std::string>& norm) {
  const char* name = kind == FftKind::Fft ? "fft_fft" : kind == FftKind::Ifft ? "fft_ifft"
                     : kind == FftKind::Rfft ? "fft_rfft" : "fft_irfft";
  const bool forward = kind == FftKind::Fft || kind == FftKind::Rfft;
  FftNorm mode;
  if (!norm || *norm == "backward") mode = forward ? FftNorm::None : FftNorm::ByN;
  else if (*norm == "forward") mode = forward ? FftNorm::ByN : FftNorm::None;
  else if (*norm == "ortho") mode = FftNorm::ByRootN;
  else fail("Invalid normalization mode: \"", *norm, "\"");
  if (x.dim() == 0) fail(name, ": expected a tensor with at least one dimension");
  const int64_t d = dim < 0 ? dim + x.dim() : dim;
  if (d < 0 || d >= x.dim())
    fail("Dimension out of range (expected to be in range of [", -x.dim(), ", ", x.dim() - 1, "], but got ", dim, ")");
  if (n && *n < 1) fail("Invalid number of data points (", *n, ") specified");
  if (n && *n > kMaxFftLength) fail(name, ": n=", *n, " exceeds ember's FFT length limit of ", kMaxFftLength);
  // Integer inputs transform as the default float dtype; the transform runs along the last dim.
  Tensor t = transpose(x, d, -1);
  if (is_integral(t.dtype(), true)) t = t.to(kDefaultFloat);
  Tensor y;
  switch (kind) {
    case FftKind::Fft: case FftKind::Ifft: {
      Tensor in = resize_last(t, n.value_or(t.size(-1)));
      if (!is_complex(in.dtype())) in = in.to(complex_of(fft_real_dtype(in.dtype())));
      y = fft_c2c(in, mode, forward);
      break;
    }
    case FftKind::Rfft:
      if (is_complex(t.dtype())) fail("rfft expects a real input tensor, but got ", dtype_name(t.dtype()));
      y = fft_r2c(resize_last(t, n.value_or(t.size(-1))), mode, true);
      break;
    case FftKind::Irfft: {
      const int64_t out_n = n.value_or(2 * (t.size(-1) - 1));
      if (out_n < 1) fail("Invalid number of data points (", out_n, ") specified");
      Tensor in = is_complex(t.dtype()) ? t : t.to(complex_of(fft_real_dtype(t.dtype())));
      y = fft_c2r(resize_last(in, out_n / 2 + 1), mode, out_n);
      break;
    }
  }
  return transpose(y, d, -1);
}

Tensor stft(const Tensor& self, const StftOptions& opt) {
  const int64_t n_fft = opt.n_fft;
  const int64_t hop = opt.hop_length.value_or(n_fft >> 2);
  const int64_t win = opt.win_length.value_or(n_fft);
  const std::optional<Tensor>& window = opt.window;
  const bool return_complex =
      opt.return_complex.value_or(is_complex(self.dtype()) || (window && is_complex(window->dtype())));
  auto repr = [&] {
    std::ostringstream s;
    s << "stft(" << type_string(self.dtype()) << shape_string(self.sizes()) << ", n_fft=" << n_fft
      << ", hop_length=" << hop << ", win_length=" << win << ", window=" << window_string(window)
      << ", normalized=" << (opt.normalized ? 1 : 0) << ", onesided=" << optional_string(opt.onesided)
      << ", return_complex=" << optional_string(opt.return_complex) << ") ";
    return s.str();
  };
  if (!is_floating(self.dtype()) && !is_complex(self.dtype()))
    fail(repr(), ": expected a tensor of floating point or complex values");
  if (self.dim() > 2 || self.dim() < 1) fail(repr(), ": expected a 1D or 2D tensor");
  const Tensor input = self.dim() == 1 ? unsqueeze(self, 0) : self;
  const int64_t batch = input.size(0), len = input.size(1);
  if (n_fft <= 0 || n_fft > len) fail(repr(), ": expected 0 < n_fft < ", len, ", but got n_fft=", n_fft);
  if (hop <= 0) fail(repr(), ": expected hop_length > 0, but got hop_length=", hop);
  if (win <= 0 || win > n_fft) fail(repr(), ": expected 0 < win_length <= n_fft, but got win_length=", win);
  if (window && (window->dim() != 1 || window->size(0) != win))
    fail(repr(), ": expected a 1D window tensor of size equal to win_length=", win, ", but got window with size ",
         shape_string(window->sizes()));
  if (n_fft > kMaxFftLength) fail(repr(), ": n_fft exceeds ember's FFT length limit of ", kMaxFftLength);
  // The frames times the window are what gets transformed: their dtype sets the result's.
  const DType prod = window ? promote_types(self.dtype(), window->dtype()) : self.dtype();
  const DType real = fft_real_dtype(prod);
  const bool complex_fft = is_complex(prod);
  const bool onesided = opt.onesided.value_or(!complex_fft);
  if (complex_fft && onesided) fail("Cannot have onesided output if window or input is complex");
  const int64_t frames = 1 + (len - n_fft) / hop;
  const int64_t nfreq = onesided ? n_fft / 2 + 1 : n_fft;
  const Shape sizes{batch, frames, nfreq};
  check_result_size("stft", sizes);

  const std::vector<cdouble> w = padded_window(window, win, n_fft);
  Tensor out = Tensor::empty_uninitialized(sizes, DType::Complex128);
  FftPlan plan(n_fft);
  const double scale = opt.normalized ? 1.0 / std::sqrt(static_cast<double>(n_fft)) : 1.0;
  cdouble* o = out.data<cdouble>();
  const int64_t rows = batch * frames;
  if (!complex_fft) {
    // Real frames and window: two frames per complex transform.
    std::vector<double> wr(w.size());
    for (size_t j = 0; j < w.size(); ++j) wr[j] = w[j].real();
    const Tensor xd = input.to(DType::Float64).contiguous();
    const double* x = xd.data<double>();
    for_rows((rows + 1) / 2, n_fft, [&](int64_t p0, int64_t p1) {
      std::vector<cdouble> buf(static_cast<size_t>(n_fft)), res(static_cast<size_t>(n_fft)), work;
      for (int64_t r = 2 * p0; r < std::min(rows, 2 * p1); r += 2) {
        const bool pair = r + 1 < rows;
        const double* a = x + (r / frames) * len + (r % frames) * hop;
        const double* b = pair ? x + ((r + 1) / frames) * len + ((r + 1) % frames) * hop : nullptr;
        for (int64_t j = 0; j < n_fft; ++j)
          buf[static_cast<size_t>(j)] = {a[j] * wr[static_cast<size_t>(j)], b ? b[j] * wr[static_cast<size_t>(j)] : 0.0};
        plan.forward(buf.data(), res.data(), work);
        split_real_pair(res, n_fft, nfreq, scale, o + r * nfreq, pair ? o + (r + 1) * nfreq : nullptr);
      }
    });
  } else {
    const Tensor xc = as_cdouble(input);
    const cdouble* x = xc.data<cdouble>();
    for_rows(rows, n_fft, [&](int64_t r0, int64_t r1) {
      std::vector<cdouble> buf(static_cast<size_t>(n_fft)), res(static_cast<size_t>(n_fft)), work;
      for (int64_t r = r0; r < r1; ++r) {
        const cdouble* src = x + (r / frames) * len + (r % frames) * hop;
        for (int64_t j = 0; j < n_fft; ++j) buf[static_cast<size_t>(j)] = src[j] * w[static_cast<size_t>(j)];
        plan.forward(buf.data(), res.data(), work);
        for (int64_t k = 0; k < nfreq; ++k) o[r * nfreq + k] = res[static_cast<size_t>(k)] * scale;
      }
    });
  }
  // [batch, frames, freq] transposed to [batch, freq, frames], as PyTorch returns it.
  Tensor y = transpose(out.to(complex_of(real)), 1, 2);
  if (self.dim() == 1) y = squeeze(y, 0);
  return return_complex ? y : real_view(y);
}

Tensor stft_center(const Tensor& self, const StftOptions& opt, bool center, const std::string& pad_mode) {
  if (!center) return stft(self, opt);
  if (opt.n_fft > kMaxFftLength || opt.n_fft < 0)
    fail("stft: n_fft=", opt.n_fft, " is outside ember's FFT length range [1, ", kMaxFftLength, "]");
  // Padded as a [1, 1, L] or [1, B, L] signal, then viewed back.
  const int64_t dim = self.dim();
  Shape extended(static_cast<size_t>(std::max<int64_t>(3, dim) - dim), 1);
  extended.insert(extended.end(), self.sizes().begin(), self.sizes().end());
  const int64_t amount = opt.n_fft / 2;
  const int64_t pad_lr[2] = {amount, amount};
  const Tensor padded = pad(reshape(self, extended), pad_lr, pad_mode, std::nullopt);
  const Shape back(padded.sizes().end() - dim, padded.sizes().end());
  return stft(reshape(padded, back), opt);
}

Tensor istft(const Tensor& self, const IstftOptions& opt) {
  const int64_t n_fft = opt.n_fft;
  const int64_t hop = opt.hop_length.value_or(n_fft >> 2);
  const int64_t win = opt.win_length.value_or(n_fft);
  const std::optional<Tensor>& window = opt.window;
  auto repr = [&] {
    std::ostringstream s;
    s << "istft(" << type_string(self.dtype()) << shape_string(self.sizes()) << ", n_fft=" << n_fft
      << ", hop_length=" << hop << ", win_length=" << win << ", window=" << window_string(window)
      << ", center=" << (opt.center ? 1 : 0) << ", normalized=" << (opt.normalized ? 1 : 0)
      << ", onesided=" << optional_string(opt.onesided) << ", length=";
    if (opt.length) s << *opt.length;
    else s << "None";
    s << ", return_complex=" << (opt.return_complex ? 1 : 0) << ") ";
    return s.str();
  };
  // PyTorch 1.13 still takes the real [..., 2] form (deprecated); 2.x wants complex input.
  if (!is_complex(self.dtype()) && !is_floating(self.dtype()))
    fail("istft requires a complex-valued input tensor matching the output from stft with return_complex=True.");
  const Tensor input = is_complex(self.dtype()) ? real_view(self) : self;
  const int64_t input_dim = input.dim();
  if (input_dim < 3)
    fail("Dimension out of range (expected to be in range of [", -input_dim, ", ", input_dim - 1, "], but got -3)");
  const int64_t frames = input.size(-2), fft_size = input.size(-3);
  if (input.numel() == 0) fail(repr(), ": input tensor cannot be empty.");
  if (input_dim != 3 && input_dim != 4)
    fail(repr(), ": expected a tensor with 3 or 4 dimensions, but got ", input_dim);
  if (input.size(-1) != 2)
    fail(repr(), ": expected the last dimension to be 2 (corresponding to real and imaginary parts), but got ",
         self.size(-1));
  const bool onesided = opt.onesided.value_or(fft_size != n_fft);
  if (onesided) {
    if (n_fft / 2 + 1 != fft_size)
      fail(repr(), ": expected the frequency dimension (3rd to the last) of the input tensor to match n_fft / 2 + 1 "
           "when onsided=True, but got ", fft_size);
  } else if (n_fft != fft_size) {
    fail(repr(), ": expected the frequency dimension (3rd to the last) of the input tensor to match n_fft when "
         "onsided=False, but got ", fft_size);
  }
  if (!(0 < hop && hop <= win)) fail(repr(), ": expected 0 < hop_length <= win_length");
  if (!(0 < win && win <= n_fft)) fail(repr(), ": expected 0 < win_length <= n_fft");
  if (window && (window->dim() != 1 || window->size(0) != win))
    fail(repr(), ": Invalid window shape. window has to be 1D and length of `win_length`");
  if (opt.return_complex && onesided) fail("Cannot have onesided output if window or input is complex");
  if (!opt.return_complex && window && is_complex(window->dtype()))
    fail("Complex windows are incompatible with return_complex=False");
  if (opt.length && *opt.length < 0) fail(repr(), ": length must be non-negative, but got ", *opt.length);

  const DType in_real = fft_real_dtype(input.dtype());
  const DType real = window ? promote_types(in_real, to_real(window->dtype())) : in_real;
  const DType out_dtype = opt.return_complex ? complex_of(fft_real_dtype(real)) : fft_real_dtype(real);
  const int64_t batch = input_dim == 4 ? input.size(0) : 1;
  const int64_t total = n_fft + hop * (frames - 1);
  const int64_t start = opt.center ? n_fft / 2 : 0;
  const int64_t end = opt.length ? start + *opt.length : (opt.center ? total - n_fft / 2 : total);
  const int64_t out_len = std::max<int64_t>(0, end - start);
  const Shape out_sizes = input_dim == 4 ? Shape{batch, out_len} : Shape{out_len};
  check_result_size("istft", out_sizes);
  check_result_size("istft", Shape{batch, total});

  // Spectra as contiguous complex [batch, frames, fft_size] (the deprecated real form viewed as
  // complex first).
  const Tensor cplx = is_complex(self.dtype()) ? self : view_as_complex(self.to(in_real).contiguous());
  const Tensor spec = as_cdouble(transpose(input_dim == 4 ? cplx : unsqueeze(cplx, 0), 1, 2));
  const std::vector<cdouble> w = padded_window(window, win, n_fft);
  FftPlan plan(n_fft);
  const double scale = opt.normalized ? 1.0 / std::sqrt(static_cast<double>(n_fft)) : 1.0 / static_cast<double>(n_fft);
  // Each frame's inverse transform times the window.
  std::vector<cdouble> framed(static_cast<size_t>(batch * frames * n_fft));
  const cdouble* sp = spec.data<cdouble>();
  const int64_t half = n_fft / 2 + 1;
  for_rows(batch * frames, n_fft, [&](int64_t r0, int64_t r1) {
    std::vector<cdouble> full(static_cast<size_t>(n_fft)), res(static_cast<size_t>(n_fft)), work;
    for (int64_t r = r0; r < r1; ++r) {
      const cdouble* h = sp + r * fft_size;
      if (opt.return_complex) {
        plan.inverse(h, res.data(), work);
      } else {
        // c2r of the first n_fft/2 + 1 bins (a two-sided input is narrowed to them).
        full[0] = h[0].real();
        for (int64_t k = 1; k < half; ++k) full[static_cast<size_t>(k)] = h[k];
        if (n_fft % 2 == 0) full[static_cast<size_t>(n_fft / 2)] = h[n_fft / 2].real();
        for (int64_t k = 1; k < (n_fft + 1) / 2; ++k) full[static_cast<size_t>(n_fft - k)] = std::conj(h[k]);
        plan.inverse(full.data(), res.data(), work);
        for (auto& v : res) v = v.real();
      }
      for (int64_t j = 0; j < n_fft; ++j)
        framed[static_cast<size_t>(r * n_fft + j)] = res[static_cast<size_t>(j)] * scale * w[static_cast<size_t>(j)];
    }
  });
  // Overlap-add of the frames and of the squared window.
  std::vector<cdouble> envelope(static_cast<size_t>(total));
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t j = 0; j < n_fft; ++j) envelope[static_cast<size_t>(f * hop + j)] += w[static_cast<size_t>(j)] * w[static_cast<size_t>(j)];
  const int64_t stop = std::min(end, total);
  if (stop <= start) fail(repr(), ": the trimmed signal is empty (length ", out_len, ")");
  double lowest = std::abs(envelope[static_cast<size_t>(start)]);
  for (int64_t t = start; t < stop; ++t) lowest = std::min(lowest, std::abs(envelope[static_cast<size_t>(t)]));
  if (lowest < 1e-11) fail(repr(), "window overlap add min: 1");

  Tensor out = Tensor::empty(out_sizes, DType::Complex128);  // zero tail when length > total
  cdouble* o = out.data<cdouble>();
  parallel_range(batch, 1, [&](int64_t b0, int64_t b1) {
    std::vector<cdouble> sum(static_cast<size_t>(total));
    for (int64_t b = b0; b < b1; ++b) {
      std::fill(sum.begin(), sum.end(), cdouble{});
      for (int64_t f = 0; f < frames; ++f) {
        const cdouble* fr = framed.data() + (b * frames + f) * n_fft;
        for (int64_t j = 0; j < n_fft; ++j) sum[static_cast<size_t>(f * hop + j)] += fr[j];
      }
      for (int64_t t = start; t < stop; ++t)
        o[b * out_len + (t - start)] = sum[static_cast<size_t>(t)] / envelope[static_cast<size_t>(t)];
    }
  });
  return out.to(out_dtype);
}

Tensor hamming_window(const char* name, int64_t n, bool periodic, double alpha, double beta,
                      std::optional<DType> dtype) {
  const DType dt = dtype.value_or(kDefaultFloat);
  if (!is_floating(dt)) fail(name, " expects floating point dtypes, got: ", dtype_name(dt));
  if (n < 0) fail(name, " requires non-negative window_length, got window_length=", n);
  if (n > kMaxFftLength) fail(name, ": window_length=", n, " exceeds ember's limit of ", kMaxFftLength);
  Tensor w = Tensor::empty_uninitialized({n}, DType::Float64);
  double* p = w.data<double>();
  if (n == 1) {
    p[0] = 1.0;
  } else if (n > 1) {
    const int64_t big_n = periodic ? n + 1 : n;
    const double step = 2.0 * std::numbers::pi / static_cast<double>(big_n - 1);
    for (int64_t k = 0; k < n; ++k) p[k] = alpha - beta * std::cos(step * static_cast<double>(k));
  }
  return w.to(dt);
}

}  // namespace ember::cpu
