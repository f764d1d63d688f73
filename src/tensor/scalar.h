// scalar.h — a TorchScript `Scalar` argument (bool, int, float or complex) that remembers which
// one it is, because type promotion treats `x + 2` and `x + 2.0` differently.
#pragma once

#include <complex>
#include <cstdint>

#include "ember/dtype.h"
#include "tensor/convert.h"

namespace ember {

class Scalar {
 public:
  enum class Kind : uint8_t { Bool, Int, Double, Complex };

  Scalar() : Scalar(int64_t{0}) {}
  Scalar(bool v) : kind_(Kind::Bool), i_(v ? 1 : 0) {}
  Scalar(int v) : kind_(Kind::Int), i_(v) {}
  Scalar(int64_t v) : kind_(Kind::Int), i_(v) {}
  Scalar(double v) : kind_(Kind::Double), d_(v) {}
  Scalar(std::complex<double> v) : kind_(Kind::Complex), d_(v.real()), im_(v.imag()) {}

  Kind kind() const { return kind_; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }
  bool is_double() const { return kind_ == Kind::Double; }
  bool is_complex() const { return kind_ == Kind::Complex; }
  // int or bool: what PyTorch calls an integral scalar (with include_bool).
  bool is_integral(bool include_bool) const { return is_int() || (include_bool && is_bool()); }

  // The dtype PyTorch gives the 0-dim "wrapped number" tensor holding this scalar.
  DType dtype() const {
    switch (kind_) {
      case Kind::Bool: return DType::Bool;
      case Kind::Int: return DType::Int64;
      case Kind::Double: return DType::Float64;
      case Kind::Complex: return DType::Complex128;
    }
    __builtin_unreachable();
  }

  // The value converted to T with the same rules as tensor dtype conversion.
  template <class T>
  T to() const {
    switch (kind_) {
      case Kind::Bool: return scalar_cast<T>(i_ != 0);
      case Kind::Int: return scalar_cast<T>(i_);
      case Kind::Double: return scalar_cast<T>(d_);
      case Kind::Complex: return scalar_cast<T>(std::complex<double>(d_, im_));
    }
    __builtin_unreachable();
  }
  double to_double() const { return to<double>(); }
  int64_t to_int() const { return to<int64_t>(); }
  bool to_bool() const { return to<bool>(); }
  std::complex<double> to_complex() const { return to<std::complex<double>>(); }

 private:
  Kind kind_;
  int64_t i_ = 0;
  double d_ = 0;
  double im_ = 0;
};

}  // namespace ember
