// protocol.cpp — datatype names and checked tensor construction for the inference protocol.
#include "protocol.h"

#include <array>
#include <cstring>
#include <limits>
#include <utility>

namespace ember::serve {
namespace {

constexpr std::array<std::pair<std::string_view, DType>, 10> kDatatypes{{
    {"BOOL", DType::Bool},
    {"UINT8", DType::UInt8},
    {"INT8", DType::Int8},
    {"INT16", DType::Int16},
    {"INT32", DType::Int32},
    {"INT64", DType::Int64},
    {"FP16", DType::Float16},
    {"BF16", DType::BFloat16},
    {"FP32", DType::Float32},
    {"FP64", DType::Float64},
}};

}  // namespace

std::optional<DType> dtype_of_datatype(std::string_view datatype) {
  for (const auto& [name, dtype] : kDatatypes)
    if (name == datatype) return dtype;
  return std::nullopt;
}

std::optional<std::string_view> datatype_of_dtype(DType dtype) {
  for (const auto& [name, d] : kDatatypes)
    if (d == dtype) return name;
  return std::nullopt;
}

int64_t checked_numel(const std::vector<int64_t>& shape, size_t itemsize, size_t limit_bytes, const std::string& what) {
  if (shape.size() > 64) throw ProtocolError(400, what + ": shape has " + std::to_string(shape.size()) + " dimensions (at most 64)");
  uint64_t n = 1;
  const uint64_t cap = limit_bytes / (itemsize ? itemsize : 1);
  for (int64_t d : shape) {
    if (d < 0) throw ProtocolError(400, what + ": shape has a negative dimension " + std::to_string(d));
    if (d != 0 && n > cap / static_cast<uint64_t>(d))
      throw ProtocolError(400, what + ": shape holds more elements than the request size limit allows");
    n *= static_cast<uint64_t>(d);
  }
  return static_cast<int64_t>(n);
}

Tensor tensor_from_bytes(DType dtype, const std::vector<int64_t>& shape, std::string_view bytes, const std::string& what) {
  const size_t item = element_size(dtype);
  int64_t n = checked_numel(shape, item, std::numeric_limits<size_t>::max() / 2, what);
  if (static_cast<uint64_t>(n) * item != bytes.size())
    throw ProtocolError(400, what + ": shape " + shape_string(shape) + " needs " + std::to_string(static_cast<uint64_t>(n) * item) +
                                 " bytes of data, got " + std::to_string(bytes.size()));
  if (dtype == DType::Bool)
    for (unsigned char c : bytes)
      if (c > 1) throw ProtocolError(400, what + ": BOOL data holds a byte other than 0 or 1");
  Tensor t = Tensor::empty_uninitialized(std::span<const int64_t>(shape), dtype);
  if (!bytes.empty()) std::memcpy(t.raw_data(), bytes.data(), bytes.size());
  return t;
}

std::string_view tensor_bytes(const Tensor& t) {
  return {static_cast<const char*>(t.raw_data()), t.nbytes()};
}

}  // namespace ember::serve
