// ember/dtype.h — the element types a tensor can hold.
//
// One X-macro table is the single source of truth: the enum values are PyTorch's ScalarType
// numbers, because serialized TorchScript code passes dtypes as those integers (dtype=6 is float32).
#pragma once

#include <complex>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace ember {

// IEEE half precision, stored as bits; arithmetic goes through float.
struct Half {
  uint16_t bits = 0;
  Half() = default;
  Half(float f);  // round to nearest even
  operator float() const;
};

// bfloat16: the top 16 bits of a float32; arithmetic goes through float.
struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  BFloat16(float f);  // round to nearest even, as PyTorch does
  operator float() const;
};

// Quantized element types (PyTorch's c10::qint8 and friends): the stored integer, kept a distinct
// C type so generic code never mistakes a quantized tensor for a plain integer one. What the
// integers mean (scale, zero point, per-channel parameters) lives in the tensor's QuantParams
// (src/tensor/quantized.h). QUInt4x2 packs two 4-bit values per byte.
struct QInt8 { int8_t val_ = 0; };
struct QUInt8 { uint8_t val_ = 0; };
struct QInt32 { int32_t val_ = 0; };
struct QUInt4x2 { uint8_t val_ = 0; };

using ComplexFloat = std::complex<float>;
using ComplexDouble = std::complex<double>;

// _(C type, enum name, PyTorch ScalarType number, torch dtype name, pickled storage class)
#define EMBER_FORALL_DTYPES(_)                                   \
  _(uint8_t, UInt8, 0, "uint8", "ByteStorage")                   \
  _(int8_t, Int8, 1, "int8", "CharStorage")                      \
  _(int16_t, Int16, 2, "int16", "ShortStorage")                  \
  _(int32_t, Int32, 3, "int32", "IntStorage")                    \
  _(int64_t, Int64, 4, "int64", "LongStorage")                   \
  _(::ember::Half, Float16, 5, "float16", "HalfStorage")         \
  _(float, Float32, 6, "float32", "FloatStorage")                \
  _(double, Float64, 7, "float64", "DoubleStorage")              \
  _(::ember::ComplexFloat, Complex64, 9, "complex64", "ComplexFloatStorage")  \
  _(::ember::ComplexDouble, Complex128, 10, "complex128", "ComplexDoubleStorage") \
  _(bool, Bool, 11, "bool", "BoolStorage")                       \
  _(::ember::QInt8, QInt8, 12, "qint8", "QInt8Storage")         \
  _(::ember::QUInt8, QUInt8, 13, "quint8", "QUInt8Storage")      \
  _(::ember::QInt32, QInt32, 14, "qint32", "QInt32Storage")      \
  _(::ember::BFloat16, BFloat16, 15, "bfloat16", "BFloat16Storage") \
  _(::ember::QUInt4x2, QUInt4x2, 16, "quint4x2", "QUInt4x2Storage")

enum class DType : int8_t {
#define EMBER_DTYPE_ENUM(ctype, name, num, tname, sname) name = num,
  EMBER_FORALL_DTYPES(EMBER_DTYPE_ENUM)
#undef EMBER_DTYPE_ENUM
};

template <class T> struct dtype_of;
#define EMBER_DTYPE_OF(ctype, name, num, tname, sname) \
  template <> struct dtype_of<ctype> { static constexpr DType value = DType::name; };
EMBER_FORALL_DTYPES(EMBER_DTYPE_OF)
#undef EMBER_DTYPE_OF

size_t element_size(DType t);
// "float32", "int64", ... as torch prints them without the "torch." prefix.
std::string_view dtype_name(DType t);
// The dtype whose ScalarType number is `num`; false when ember does not know it.
bool dtype_from_number(int64_t num, DType* out);
// The dtype of a pickled storage class name such as "FloatStorage"; false when unknown.
bool dtype_from_storage_name(std::string_view storage, DType* out);
// Parses "float32", "torch.float", "double", "long", ...; false when unknown.
bool dtype_from_name(std::string_view name, DType* out);

bool is_floating(DType t);  // float16/32/64, bfloat16
bool is_complex(DType t);
bool is_integral(DType t, bool include_bool);
bool is_quantized(DType t);  // qint8, quint8, qint32, quint4x2
// The plain integer dtype a quantized dtype stores (qint8 -> int8, quint4x2 -> uint8); `t` itself
// for every other dtype.
DType underlying_dtype(DType t);

// Calls f(T{}) with T the C type of `t`; f is a generic lambda.
template <class F>
decltype(auto) visit_dtype(DType t, F&& f) {
  switch (t) {
#define EMBER_DTYPE_CASE(ctype, name, num, tname, sname) \
  case DType::name: return f(ctype{});
    EMBER_FORALL_DTYPES(EMBER_DTYPE_CASE)
#undef EMBER_DTYPE_CASE
  }
  __builtin_unreachable();
}

}  // namespace ember
