// dispatch.h — calls a generic lambda with the C type of a runtime dtype, restricted to the
// dtypes an op supports; others fail with `"<op>" not implemented for '<dtype>'`.
//
//   dispatch_floating(t, "exp", [&](auto tag) { using T = decltype(tag); ... });
//
// opmath_t<T> is the type arithmetic happens in: float for the 16-bit floats, T otherwise.
#pragma once

#include <type_traits>

#include "ember/dtype.h"
#include "ember/error.h"

namespace ember {

template <class T>
using opmath_t = std::conditional_t<std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>, float, T>;

[[noreturn]] inline void fail_dtype(const char* op, DType t) {
  fail("\"", op, "\" not implemented for '", dtype_name(t), "'");
}

#define EMBER_DISPATCH_CASE(ctype, name) \
  case DType::name: return f(ctype{});

// Every real dtype, bool included (no complex).
template <class F>
decltype(auto) dispatch_real(DType t, const char* op, F&& f) {
  switch (t) {
    EMBER_DISPATCH_CASE(uint8_t, UInt8)
    EMBER_DISPATCH_CASE(int8_t, Int8)
    EMBER_DISPATCH_CASE(int16_t, Int16)
    EMBER_DISPATCH_CASE(int32_t, Int32)
    EMBER_DISPATCH_CASE(int64_t, Int64)
    EMBER_DISPATCH_CASE(Half, Float16)
    EMBER_DISPATCH_CASE(float, Float32)
    EMBER_DISPATCH_CASE(double, Float64)
    EMBER_DISPATCH_CASE(BFloat16, BFloat16)
    EMBER_DISPATCH_CASE(bool, Bool)
    default: fail_dtype(op, t);
  }
}

// Real dtypes except bool.
template <class F>
decltype(auto) dispatch_numeric(DType t, const char* op, F&& f) {
  if (t == DType::Bool) fail_dtype(op, t);
  return dispatch_real(t, op, std::forward<F>(f));
}

template <class F>
decltype(auto) dispatch_floating(DType t, const char* op, F&& f) {
  switch (t) {
    EMBER_DISPATCH_CASE(Half, Float16)
    EMBER_DISPATCH_CASE(float, Float32)
    EMBER_DISPATCH_CASE(double, Float64)
    EMBER_DISPATCH_CASE(BFloat16, BFloat16)
    default: fail_dtype(op, t);
  }
}

// Integer dtypes, bool optionally.
template <class F>
decltype(auto) dispatch_integral(DType t, bool include_bool, const char* op, F&& f) {
  switch (t) {
    EMBER_DISPATCH_CASE(uint8_t, UInt8)
    EMBER_DISPATCH_CASE(int8_t, Int8)
    EMBER_DISPATCH_CASE(int16_t, Int16)
    EMBER_DISPATCH_CASE(int32_t, Int32)
    EMBER_DISPATCH_CASE(int64_t, Int64)
    case DType::Bool:
      if (include_bool) return f(bool{});
      fail_dtype(op, t);
    default: fail_dtype(op, t);
  }
}

// Every dtype ember has, complex included (copies, fills, shape ops).
template <class F>
decltype(auto) dispatch_all(DType t, const char* op, F&& f) {
  (void)op;
  return visit_dtype(t, std::forward<F>(f));
}

#undef EMBER_DISPATCH_CASE

}  // namespace ember
