// repository.h — the models a server holds: where they come from, their per-model configuration,
// and the protocol signature (inputs, outputs) each method's TorchScript schema gives.
//
// A repository is built from command-line paths. A `.pt` file is one model named by its stem
// (version "1"). A directory is either one model — it holds `config.json` and/or numbered
// version folders (`1/model.pt`, `2/model.pt`) or `.pt` files — or, when it holds neither, a
// repository of such model directories and `.pt` files.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ember/module.h"
#include "protocol.h"

namespace ember::serve {

class Metrics;
class Scheduler;

// What a model's config.json may set (every field optional), with the server's defaults.
struct ModelConfig {
  std::string name;
  std::string method = "forward";
  int max_batch_size = 0;         // > 0: dynamic batching along dim 0, up to this many rows
  double max_batch_delay_ms = 0;  // how long the first request of a batch waits for others
  // The row counts a batched call may have: a batch is padded up to the smallest one that holds
  // its rows (with copies of its first row, whose results are dropped), so the model sees a few
  // sizes and each size's kernels are made once. Default (unset): 1, 2, 4, … below
  // max_batch_size, and max_batch_size. An explicit empty list: every size as it comes.
  std::vector<int64_t> batch_sizes;
  bool batch_sizes_set = false;
  int max_queue = 256;            // requests waiting beyond this get 503
  int instances = 1;              // model calls that may run at once
  int threads = 0;                // intra-op threads per call; 0: ember's default
  double timeout_ms = 0;          // 0: the server's --timeout
  std::string device = "cpu";
  std::vector<std::string> disabled_passes;
  // Protocol names/types to publish, overriding what the schema alone can tell (a TorchScript
  // schema has no dtypes or ranks for tensors): [{"name","datatype","shape"}].
  struct TensorSpec {
    std::string name;
    std::string datatype;
    std::vector<int64_t> shape;
  };
  std::vector<TensorSpec> inputs, outputs;
};

// How one argument of the served method travels in the protocol.
struct ArgSpec {
  enum class Kind { Tensor, Int, Float, Bool, Str, Unsupported };
  std::string name;
  std::string type;  // TorchScript spelling, e.g. "Optional[Tensor]"
  Kind kind = Kind::Unsupported;
  bool optional = false;     // Optional[...]: may be omitted (None)
  bool has_default = false;  // may be omitted
  Value default_value;       // the declared default when has_default
};

// The served method's arguments (without self) and the flattened leaf types of its return type
// ("Tensor", "int", …; "?" when the count is only known at run time, e.g. List[Tensor]), from the
// method's declaration.
struct MethodSignature {
  std::vector<ArgSpec> args;
  std::vector<std::string> returns;
};
MethodSignature method_signature(const Method& method);

// The row counts batched calls are padded to (ModelConfig::batch_sizes with its default);
// empty when batching is off or every size runs as it comes.
std::vector<int64_t> allowed_batch_sizes(const ModelConfig& config);

struct ModelVersion {
  std::string model;    // name
  std::string version;  // "1"
  std::string path;
  ModelConfig config;
  Module module;
  Method method;  // config.method, looked up once
  MethodSignature signature;
  std::vector<ModelConfig::TensorSpec> inputs, outputs;  // what metadata publishes
  std::unique_ptr<Scheduler> scheduler;

  ModelVersion(Module m, const std::string& method_name);
  ~ModelVersion();
};

struct ServeDefaults {
  int max_batch_size = 0;
  double max_batch_delay_ms = 0;
  int max_queue = 256;
  int instances = 1;
  int threads = 0;
  std::vector<std::string> disabled_passes;
};

class Repository {
 public:
  // Loads every model found under `paths`; throws ember::Error naming the file that failed.
  Repository(const std::vector<std::string>& paths, const ServeDefaults& defaults, Metrics& metrics);
  ~Repository();

  // The version asked for ("" = the highest); ProtocolError(404) when unknown.
  ModelVersion& find(const std::string& model, const std::string& version) const;
  std::vector<std::string> versions(const std::string& model) const;  // ascending
  std::vector<std::string> names() const;
  // Stops every scheduler after the requests already queued have run.
  void drain();

 private:
  void add(std::unique_ptr<ModelVersion> v);
  // name -> version -> model; versions compare numerically when both are numbers.
  struct VersionLess {
    bool operator()(const std::string& a, const std::string& b) const;
  };
  std::map<std::string, std::map<std::string, std::unique_ptr<ModelVersion>, VersionLess>> models_;
};

}  // namespace ember::serve
