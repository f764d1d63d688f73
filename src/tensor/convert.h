// convert.h — element conversion between any two dtypes' C types, with PyTorch's rules:
// to bool is "!= 0", from complex to real drops the imaginary part, 16-bit floats go through float.
#pragma once

#include <complex>
#include <type_traits>

#include "ember/dtype.h"

namespace ember {

template <class T> struct is_std_complex : std::false_type {};
template <class T> struct is_std_complex<std::complex<T>> : std::true_type {};

template <class To, class From>
inline To scalar_cast(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (is_std_complex<From>::value) {
    if constexpr (is_std_complex<To>::value)
      return To(static_cast<typename To::value_type>(v.real()), static_cast<typename To::value_type>(v.imag()));
    else if constexpr (std::is_same_v<To, bool>)
      return v.real() != 0 || v.imag() != 0;
    else
      return scalar_cast<To>(v.real());
  } else if constexpr (std::is_same_v<From, Half> || std::is_same_v<From, BFloat16>) {
    return scalar_cast<To>(static_cast<float>(v));
  } else if constexpr (is_std_complex<To>::value) {
    return To(static_cast<typename To::value_type>(scalar_cast<double>(v)), 0);
  } else if constexpr (std::is_same_v<To, Half> || std::is_same_v<To, BFloat16>) {
    return To(static_cast<float>(v));
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace ember
