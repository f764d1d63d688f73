// protocol.h — the KServe v2 / Open Inference Protocol's data model, independent of transport.
//
// HTTP (JSON, with Triton's binary-data extension) and gRPC both decode into InferRequest and
// encode InferResponse; the datatype table and the checked tensor construction live here once.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ember/dtype.h"
#include "ember/tensor.h"

namespace ember::serve {

// An error with the status a client should see. HTTP uses `status` directly; gRPC maps it to
// the nearest status code (400 → INVALID_ARGUMENT, 404 → NOT_FOUND, 503 → UNAVAILABLE, …).
class ProtocolError : public std::runtime_error {
 public:
  ProtocolError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// The protocol's datatype names for the dtypes ember holds: BOOL, UINT8, INT8, INT16, INT32,
// INT64, FP16, BF16, FP32, FP64. BYTES (strings) has no dtype and is handled beside tensors.
std::optional<DType> dtype_of_datatype(std::string_view datatype);
std::optional<std::string_view> datatype_of_dtype(DType dtype);

// Number of elements of `shape`, checked: every dim >= 0 and the product (times `itemsize`)
// within `limit_bytes`; throws ProtocolError(400) naming `what` otherwise.
int64_t checked_numel(const std::vector<int64_t>& shape, size_t itemsize, size_t limit_bytes, const std::string& what);

// One input or output tensor as the protocol carries it. Exactly one of `tensor` (any datatype
// but BYTES) and `strings` (BYTES) holds the data.
struct WireTensor {
  std::string name;
  std::string datatype;
  std::vector<int64_t> shape;
  Tensor tensor;  // contiguous
  std::vector<std::string> strings;
  bool binary = false;  // outputs: send as raw bytes (HTTP binary extension) instead of JSON
};

// A contiguous tensor of `shape` and `dtype` holding a copy of `bytes` (row-major). Fails with
// ProtocolError(400) when the byte count does not match, or, for BOOL, a byte is not 0 or 1.
Tensor tensor_from_bytes(DType dtype, const std::vector<int64_t>& shape, std::string_view bytes, const std::string& what);
// The raw row-major bytes of a contiguous tensor (a view of its storage, valid while it lives).
std::string_view tensor_bytes(const Tensor& t);

struct InferRequest {
  std::string model;
  std::string version;  // empty: the newest
  std::string id;
  std::vector<WireTensor> inputs;
  std::vector<std::string> outputs;      // requested by name; empty: all
  std::vector<bool> outputs_binary;      // parallel to `outputs`
  bool binary_outputs = false;           // request-level "binary_data_output"
};

struct InferResponse {
  std::string model;
  std::string version;
  std::string id;
  std::vector<WireTensor> outputs;
};

}  // namespace ember::serve
