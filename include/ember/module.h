// ember/module.h — a loaded TorchScript model and how to run it.
//
//   ember::Module m = ember::load("model.pt");
//   ember::Value y = m.forward({ember::Value(x)});
//
// Loading compiles every method of every class in the archive; a model that uses anything ember
// does not support fails right there with one ember::Error listing every problem with its
// `code/…py:line`. A loaded Module is immutable apart from the attributes its own code mutates
// and can be copied cheaply (copies share the model).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ember/tensor.h"
#include "ember/value.h"

namespace ember {

namespace detail {
struct LoadedModel;
}

struct MethodInfo {
  std::string name;       // "forward"
  std::string signature;  // "forward(self, x: Tensor) -> Tensor"
};

class Module {
 public:
  // Runs `forward` with the given arguments (without self). Arguments are checked against the
  // method's signature; omitted trailing arguments take their defaults.
  Value forward(std::vector<Value> inputs) const;
  Value run_method(const std::string& name, std::vector<Value> inputs) const;
  bool has_method(const std::string& name) const;

  // An attribute of the root module (a submodule comes back as an Object value).
  Value attr(const std::string& name) const;
  const Value& root() const;

  // Recursive, dotted names, in the order PyTorch's named_parameters()/named_buffers() give.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;

  // Methods of the root module's class, in declaration order.
  std::vector<MethodInfo> methods() const;
  // The IR a root method runs after the load-time passes, as text (for debugging and
  // `ember inspect --optimized`); empty when the passes were all turned off.
  std::string optimized_graph(const std::string& method) const;
  // The archive's format version (1..10) and its qualified root class name.
  int64_t format_version() const;
  std::string type_name() const;

  explicit Module(std::shared_ptr<const detail::LoadedModel> model) : model_(std::move(model)) {}

 private:
  std::shared_ptr<const detail::LoadedModel> model_;
};

// How load() prepares the model. At load, the root module's methods are specialised for the
// loaded object: calls inlined, attributes frozen (eval mode: `self.training` is a constant),
// branches on constants dropped, batch-norm folded into convolutions, residual adds and
// activations fused into them, dead code removed. Each pass can be turned off by name for
// debugging: "inline", "freeze", "fold-constants", "fold-batch-norm", "fuse-conv",
// "channels-last", "dead-code", or "all". The environment variable EMBER_DISABLE_PASSES (comma-separated names) adds to the
// list. Results are the same either way up to float rounding.
//
// The limits bound what an untrusted file can make load() allocate (docs/security.md); the
// defaults fit any real model, and going past one is an ember::Error naming the option.
struct LoadOptions {
  std::vector<std::string> disabled_passes;
  uint64_t max_inflated_bytes = uint64_t{2} << 30;  // all deflated zip entries together
  uint64_t max_pickle_items = uint64_t{1} << 23;    // list items + dict entries built per pickle
};

// Loads and compiles a `torch.jit.save` archive.
Module load(const std::string& path);
Module load(const std::string& path, const LoadOptions& options);
// Every optimisation pass name load() knows, in the order they run.
std::vector<std::string> optimization_passes();

// What `ember check` reports: which ops the model's code uses and what ember cannot run.
struct CheckReport {
  std::string path;
  int64_t format_version = 0;
  std::vector<std::string> ops_used;  // "aten::add.Tensor", sorted
  std::vector<std::string> problems;  // "unknown op aten::foo at code/__torch__/m.py:12"
  bool ok() const { return problems.empty(); }
};
// Compiles the archive like load() but reports instead of throwing for problems in its code.
// Still throws ember::Error when the file itself cannot be read.
CheckReport check(const std::string& path);

}  // namespace ember
