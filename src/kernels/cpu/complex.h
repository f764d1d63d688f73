// complex.h — complex tensors as pairs of reals: the real/imaginary views (view_as_real,
// view_as_complex, real, imag), angle, building complex tensors (complex, polar) and conj.
// The views share storage with their input, as PyTorch's do; conj copies (ember has no lazy
// conjugate bit), which gives the same values.
#pragma once

#include "ember/tensor.h"

namespace ember::cpu {

// [..., 2] real view of a complex tensor (float32 for complex64, float64 for complex128).
Tensor view_as_real(const Tensor& self);
// Complex view of a float32/float64 [..., 2] tensor whose last dim has stride 1 and whose other
// strides and storage offset are even.
Tensor view_as_complex(const Tensor& self);
// torch.real: the real part's view for complex input, self otherwise.
Tensor real(const Tensor& self);
// torch.imag: the imaginary part's view; complex input only.
Tensor imag(const Tensor& self);
// torch.angle: atan2(imag, real) for complex input; pi for negative reals, 0 otherwise (NaN
// kept), integers computing in float32.
Tensor angle(const Tensor& self);
// torch.complex(real, imag) and torch.polar(abs, angle): float32/float64 inputs of one dtype
// (PyTorch also takes float16), broadcast together.
Tensor complex(const Tensor& re, const Tensor& im);
Tensor polar(const Tensor& abs, const Tensor& angle);
// The complex conjugate (a copy); real input returns self.
Tensor conj(const Tensor& self);

}  // namespace ember::cpu
