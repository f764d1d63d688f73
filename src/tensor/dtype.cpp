// dtype.cpp — the dtype table's lookups and the 16-bit float conversions.
#include "ember/dtype.h"

#include <bit>
#include <cmath>
#include <string>

namespace ember {

Half::Half(float f) {
  // Round-to-nearest-even float32 -> float16, handling subnormals, inf and nan.
  uint32_t x = std::bit_cast<uint32_t>(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t mag = x & 0x7fffffffu;
  if (mag >= 0x7f800000u) {  // inf or nan
    bits = static_cast<uint16_t>(sign | 0x7c00u | (mag > 0x7f800000u ? 0x200u : 0u));
    return;
  }
  if (mag >= 0x477ff000u) {  // rounds to >= 65520: overflow to inf
    bits = static_cast<uint16_t>(sign | 0x7c00u);
    return;
  }
  if (mag < 0x38800000u) {  // below the smallest normal half: subnormal or zero
    float a = std::bit_cast<float>(mag);
    // Scale so the subnormal's integer mantissa lands in the low bits; rint rounds to even.
    uint32_t m = static_cast<uint32_t>(std::nearbyint(a * 16777216.0f));  // 2^24
    bits = static_cast<uint16_t>(sign | m);
    return;
  }
  uint32_t exp = ((mag >> 23) - 112u) << 10;  // rebias 127 -> 15
  uint32_t mant = mag & 0x7fffffu;
  uint32_t h = exp | (mant >> 13);
  uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
  bits = static_cast<uint16_t>(sign | h);
}

Half::operator float() const {
  uint32_t sign = (static_cast<uint32_t>(bits) & 0x8000u) << 16;
  uint32_t exp = (bits >> 10) & 0x1fu;
  uint32_t mant = bits & 0x3ffu;
  if (exp == 0) {
    float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
}

BFloat16::BFloat16(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  if (std::isnan(f)) {
    bits = 0x7fc0;
    return;
  }
  uint32_t rounding_bias = 0x7fffu + ((x >> 16) & 1u);
  bits = static_cast<uint16_t>((x + rounding_bias) >> 16);
}

BFloat16::operator float() const { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }

size_t element_size(DType t) {
  switch (t) {
#define EMBER_DTYPE_SIZE(ctype, name, num, tname, sname) \
  case DType::name: return sizeof(ctype);
    EMBER_FORALL_DTYPES(EMBER_DTYPE_SIZE)
#undef EMBER_DTYPE_SIZE
  }
  return 0;
}

std::string_view dtype_name(DType t) {
  switch (t) {
#define EMBER_DTYPE_NAME(ctype, name, num, tname, sname) \
  case DType::name: return tname;
    EMBER_FORALL_DTYPES(EMBER_DTYPE_NAME)
#undef EMBER_DTYPE_NAME
  }
  return "?";
}

bool dtype_from_number(int64_t num, DType* out) {
  switch (num) {
#define EMBER_DTYPE_NUM(ctype, name, n, tname, sname) \
  case n: *out = DType::name; return true;
    EMBER_FORALL_DTYPES(EMBER_DTYPE_NUM)
#undef EMBER_DTYPE_NUM
  }
  return false;
}

bool dtype_from_storage_name(std::string_view storage, DType* out) {
#define EMBER_DTYPE_STORAGE(ctype, name, num, tname, sname) \
  if (storage == sname) { *out = DType::name; return true; }
  EMBER_FORALL_DTYPES(EMBER_DTYPE_STORAGE)
#undef EMBER_DTYPE_STORAGE
  return false;
}

bool dtype_from_name(std::string_view name, DType* out) {
  if (name.starts_with("torch.")) name.remove_prefix(6);
#define EMBER_DTYPE_BYNAME(ctype, n, num, tname, sname) \
  if (name == tname) { *out = DType::n; return true; }
  EMBER_FORALL_DTYPES(EMBER_DTYPE_BYNAME)
#undef EMBER_DTYPE_BYNAME
  struct Alias { std::string_view name; DType t; };
  static constexpr Alias aliases[] = {
      {"float", DType::Float32}, {"double", DType::Float64}, {"half", DType::Float16},
      {"long", DType::Int64},    {"int", DType::Int32},      {"short", DType::Int16},
      {"cfloat", DType::Complex64}, {"cdouble", DType::Complex128}};
  for (const auto& a : aliases)
    if (a.name == name) { *out = a.t; return true; }
  return false;
}

bool is_floating(DType t) {
  return t == DType::Float16 || t == DType::Float32 || t == DType::Float64 || t == DType::BFloat16;
}
bool is_complex(DType t) { return t == DType::Complex64 || t == DType::Complex128; }
bool is_quantized(DType t) {
  return t == DType::QInt8 || t == DType::QUInt8 || t == DType::QInt32 || t == DType::QUInt4x2;
}
DType underlying_dtype(DType t) {
  switch (t) {
    case DType::QInt8: return DType::Int8;
    case DType::QUInt8: return DType::UInt8;
    case DType::QInt32: return DType::Int32;
    case DType::QUInt4x2: return DType::UInt8;
    default: return t;
  }
}
bool is_integral(DType t, bool include_bool) {
  switch (t) {
    case DType::UInt8: case DType::Int8: case DType::Int16: case DType::Int32: case DType::Int64:
      return true;
    case DType::Bool:
      return include_bool;
    default:
      return false;
  }
}

}  // namespace ember
