// convert.h — element conversion between any two dtypes' C types, with PyTorch's rules:
// to bool is "!= 0", from complex to real drops the imaginary part, 16-bit floats go through
// float, and floating -> integer truncates toward zero with the results x86 gives PyTorch for
// NaN and out-of-range values (defined here rather than left to undefined behaviour): 64-bit
// targets get INT64_MIN, narrower ones go through int32 (INT32_MIN when out of range) and wrap.
#pragma once

#include <cmath>
#include <complex>
#include <cstdint>
#include <type_traits>

#include "ember/dtype.h"

namespace ember {

template <class T> struct is_std_complex : std::false_type {};
template <class T> struct is_std_complex<std::complex<T>> : std::true_type {};

template <class To, class From>
inline To float_to_integer(From v) {
  const double d = static_cast<double>(v);
  if constexpr (sizeof(To) == 8) {
    // Doubles in [-2^63, 2^63) convert exactly; everything else is x86's "integer indefinite".
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
      return static_cast<To>(INT64_MIN);
    return static_cast<To>(static_cast<int64_t>(d));
  } else {
    int32_t i = INT32_MIN;
    if (d > -2147483649.0 && d < 2147483648.0) i = static_cast<int32_t>(d);
    return static_cast<To>(static_cast<uint32_t>(i));  // modular narrowing
  }
}

template <class T> struct is_quantized_type : std::false_type {};
template <> struct is_quantized_type<QInt8> : std::true_type {};
template <> struct is_quantized_type<QUInt8> : std::true_type {};
template <> struct is_quantized_type<QInt32> : std::true_type {};
template <> struct is_quantized_type<QUInt4x2> : std::true_type {};

// Quantized element types convert through their stored integer (int_repr): generic code such as
// copies and printing sees the integers; what they mean is the tensor's QuantParams.
template <class To, class From>
inline To scalar_cast(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (is_quantized_type<From>::value) {
    return scalar_cast<To>(v.val_);
  } else if constexpr (is_quantized_type<To>::value) {
    return To{scalar_cast<decltype(To{}.val_)>(v)};
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
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    return float_to_integer<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace ember
