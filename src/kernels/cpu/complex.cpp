// complex.cpp — complex views and builders (see complex.h).
#include "kernels/cpu/complex.h"

#include <cmath>
#include <numbers>

#include "kernels/cpu/shape.h"
#include "tensor/elementwise.h"
#include "tensor/promotion.h"

namespace ember::cpu {

Tensor view_as_real(const Tensor& self) {
  if (!is_complex(self.dtype())) fail("view_as_real is only supported for complex tensors");
  Shape sizes = self.sizes(), strides;
  for (int64_t s : self.strides()) strides.push_back(2 * s);
  sizes.push_back(2);
  strides.push_back(1);
  return Tensor::from_storage(self.storage(), to_real(self.dtype()), sizes, strides, 2 * self.offset());
}

Tensor view_as_complex(const Tensor& self) {
  const DType t = self.dtype();
  if (t != DType::Float32 && t != DType::Float64)
    fail("view_as_complex is only supported for float and double tensors, but got a tensor of scalar type: ",
         dtype_name(t));
  if (self.dim() == 0) fail("Input tensor must have one or more dimensions");
  if (self.size(-1) != 2) fail("Tensor must have a last dimension of size 2");
  if (self.stride(-1) != 1) fail("Tensor must have a last dimension with stride 1");
  Shape sizes(self.sizes().begin(), self.sizes().end() - 1), strides;
  for (size_t i = 0; i + 1 < self.strides().size(); ++i) {
    if (self.strides()[i] % 2 != 0) fail("Tensor must have a stride divisible by 2 for all but last dimension");
    strides.push_back(self.strides()[i] / 2);
  }
  if (self.offset() % 2 != 0) fail("Tensor must have a storage_offset divisible by 2");
  return Tensor::from_storage(self.storage(), t == DType::Float32 ? DType::Complex64 : DType::Complex128, sizes,
                              strides, self.offset() / 2);
}

Tensor real(const Tensor& self) {
  if (!is_complex(self.dtype())) return self;
  return select(view_as_real(self), -1, 0);
}

Tensor imag(const Tensor& self) {
  if (!is_complex(self.dtype())) fail("imag is not implemented for tensors with non-complex dtypes.");
  return select(view_as_real(self), -1, 1);
}

Tensor angle(const Tensor& self) {
  const DType t = self.dtype();
  if (t == DType::Complex64)
    return map<float, ComplexFloat>({self}, [](ComplexFloat z) { return std::arg(z); });
  if (t == DType::Complex128)
    return map<double, ComplexDouble>({self}, [](ComplexDouble z) { return std::arg(z); });
  const DType c = to_floating(t);
  return dispatch_floating(c, "angle", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    return map<T, T>({self}, [](A v) {
      if (v != v) return v;
      return v < A(0) ? static_cast<A>(std::numbers::pi) : A(0);
    });
  });
}

namespace {
// c10's ScalarType names, which these messages use.
const char* scalar_type_name(DType t) {
  switch (t) {
    case DType::UInt8: return "Byte";
    case DType::Int8: return "Char";
    case DType::Int16: return "Short";
    case DType::Int32: return "Int";
    case DType::Int64: return "Long";
    case DType::Float16: return "Half";
    case DType::Float32: return "Float";
    case DType::Float64: return "Double";
    case DType::Complex64: return "ComplexFloat";
    case DType::Complex128: return "ComplexDouble";
    case DType::Bool: return "Bool";
    case DType::BFloat16: return "BFloat16";
    default: return "a quantized type";
  }
}

// Both float32 or both float64 (PyTorch's CPU kernels also take float16 here; ember does not).
void check_pair(const Tensor& a, const Tensor& b) {
  const DType x = a.dtype(), y = b.dtype();
  if ((x != DType::Float32 && x != DType::Float64) || (y != DType::Float32 && y != DType::Float64))
    fail("Expected both inputs to be Half, Float or Double tensors but got ", scalar_type_name(x), " and ",
         scalar_type_name(y));
  if (x != y)
    fail("Expected object of scalar type ", scalar_type_name(x), " but got scalar type ", scalar_type_name(y),
         " for second argument");
}
}  // namespace

Tensor complex(const Tensor& re, const Tensor& im) {
  check_pair(re, im);
  if (re.dtype() == DType::Float32)
    return map<ComplexFloat, float, float>({re, im}, [](float a, float b) { return ComplexFloat(a, b); });
  return map<ComplexDouble, double, double>({re, im}, [](double a, double b) { return ComplexDouble(a, b); });
}

Tensor polar(const Tensor& abs, const Tensor& angle) {
  check_pair(abs, angle);
  if (abs.dtype() == DType::Float32)
    return map<ComplexFloat, float, float>({abs, angle},
                                           [](float r, float th) { return ComplexFloat(r * std::cos(th), r * std::sin(th)); });
  return map<ComplexDouble, double, double>(
      {abs, angle}, [](double r, double th) { return ComplexDouble(r * std::cos(th), r * std::sin(th)); });
}

Tensor conj(const Tensor& self) {
  if (self.dtype() == DType::Complex64)
    return map<ComplexFloat, ComplexFloat>({self}, [](ComplexFloat z) { return std::conj(z); });
  if (self.dtype() == DType::Complex128)
    return map<ComplexDouble, ComplexDouble>({self}, [](ComplexDouble z) { return std::conj(z); });
  return self;
}

}  // namespace ember::cpu
