// service.h — the inference service both transports call: metadata, readiness, and infer
// (protocol tensors → method arguments → the model's scheduler → protocol tensors).
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "protocol.h"
#include "repository.h"

namespace ember::serve {

class Metrics;

struct ModelMetadata {
  std::string name;
  std::vector<std::string> versions;
  std::string platform = "pytorch_torchscript";
  std::vector<ModelConfig::TensorSpec> inputs, outputs;
};

class Service {
 public:
  Service(Repository& repo, Metrics& metrics, double default_timeout_ms)
      : repo_(repo), metrics_(metrics), default_timeout_ms_(default_timeout_ms) {}

  bool live() const { return true; }
  bool ready() const { return !draining_; }
  void set_draining() { draining_ = true; }
  // Throw ProtocolError(404) for unknown models or versions.
  bool model_ready(const std::string& model, const std::string& version) const;
  ModelMetadata metadata(const std::string& model, const std::string& version) const;
  // Runs one request; throws ProtocolError with the status to answer.
  InferResponse infer(InferRequest request);

  static constexpr const char* kServerName = "ember";
  static std::vector<std::string> extensions() { return {"binary_tensor_data", "model_repository_index"}; }
  std::vector<std::string> model_names() const { return repo_.names(); }

 private:
  Repository& repo_;
  Metrics& metrics_;
  double default_timeout_ms_;
  std::atomic<bool> draining_{false};
};

// Length-prefixed strings (4-byte little-endian length, then the bytes), the raw form of BYTES
// tensors in Triton's binary extension and gRPC raw contents.
std::vector<std::string> decode_bytes_elements(std::string_view raw, int64_t count, const std::string& what);
std::string encode_bytes_elements(const std::vector<std::string>& items);

}  // namespace ember::serve
