// ember/module.h — a loaded TorchScript model and how to run it.
//
//   ember::Module m = ember::load("model.pt");
//   ember::Value y = m.forward({x});
//   ember::Method score = m.get_method("score");        // looked up once
//   ember::Value s = score({x}, {{"power", 3}});          // positional and keyword arguments
//
// Loading compiles every method of every class in the archive; a model that uses anything ember
// does not support fails right there with one ember::Error listing every problem with its
// `code/…py:line`. A Module is a handle: copies share the model, and submodules (child("name"),
// named_children(), named_modules()) are handles onto parts of the same object tree.
//
// Threads: calls (forward, run_method, Method handles) on one Module, or on its copies and
// submodules, may run concurrently from any number of threads. Changing the module (set_attr,
// train, eval) must not overlap calls on the same model; it takes effect from the next call.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ember/tensor.h"
#include "ember/value.h"
#include "ember/values.h"

namespace ember {

namespace detail {
struct LoadedModel;
}

struct MethodInfo {
  std::string name;       // "forward"
  std::string signature;  // "forward(self, x: Tensor) -> Tensor"
};

// One argument of a method, as its signature declares it.
struct ArgumentInfo {
  std::string name;
  std::string type;           // "Tensor", "List[int]", "Optional[Tensor]"
  bool has_default = false;
  Value default_value;        // None unless has_default
  bool kwarg_only = false;
};

class Module;

// A method of a loaded module object, looked up once. Arguments are checked against the signature
// (types, count, keyword names); omitted ones take their defaults.
class Method {
 public:
  Value operator()(std::vector<Value> args, Kwargs kwargs = {}) const;
  const std::string& name() const { return name_; }
  std::string signature() const;
  // Arguments without self, in order; the declared return type.
  std::vector<ArgumentInfo> arguments() const;
  std::string return_type() const;

 private:
  friend class Module;
  Method(std::shared_ptr<detail::LoadedModel> model, Value self, std::string name)
      : model_(std::move(model)), self_(std::move(self)), name_(std::move(name)) {}
  std::shared_ptr<detail::LoadedModel> model_;
  Value self_;
  std::string name_;
};

// A tensor argument's sizes and dtype, for preparing a method before its first call
// (LoadOptions::input_shapes, Module::prepare).
struct InputShape {
  std::vector<int64_t> sizes;
  DType dtype = DType::Float32;
};

class Module {
 public:
  // Runs `forward` with the given arguments (without self). Arguments are checked against the
  // method's signature; omitted trailing arguments take their defaults.
  Value forward(std::vector<Value> inputs, Kwargs kwargs = {}) const;
  Value run_method(const std::string& name, std::vector<Value> inputs, Kwargs kwargs = {}) const;
  bool has_method(const std::string& name) const;
  // Fails with "'<class>' has no method '<name>'".
  Method get_method(const std::string& name) const;

  // An attribute of this module (a submodule comes back as an Object value; see child()).
  Value attr(const std::string& name) const;
  bool has_attr(const std::string& name) const;
  // Sets an attribute of this module; the next call of any method sees it (the load-time
  // specialisation that froze the old value is redone). The value must fit the attribute's
  // declared type; unknown names fail unless `add` is true.
  void set_attr(const std::string& name, Value value, bool add = false);
  // nn.Module.train(mode) / eval(): sets `training` on this module and every submodule. A model
  // saved in training mode runs in eval mode after eval() (dropout off, batch-norm on running
  // statistics), and the other way round.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const;

  // What LoadOptions::input_shapes does at load, at any time and for any method of the root
  // module: one run of `method` on zeros of these shapes (its tensor arguments, in order), made
  // only when the method changes nothing but its own values (see LoadOptions), so that the first
  // call of these sizes is as fast as the next. Returns whether it ran; a method with side effects,
  // or one that fails on these zeros, is left as it was. A server calls it once per batch size.
  bool prepare(const std::vector<InputShape>& shapes, const std::string& method = "forward") const;

  // The submodule `name` (a direct child), as a Module with its own methods; fails when absent.
  Module child(const std::string& name) const;
  // Direct submodules in declaration order; all submodules recursively with dotted names, this
  // one first as "" (PyTorch's named_modules()).
  std::vector<std::pair<std::string, Module>> named_children() const;
  std::vector<std::pair<std::string, Module>> named_modules() const;

  // The module object itself (its class, attribute slots).
  const Value& root() const { return self_; }

  // Recursive, dotted names, in the order PyTorch's named_parameters()/named_buffers() give.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;

  // Methods of this module's class, in declaration order.
  std::vector<MethodInfo> methods() const;
  // The IR a root method runs after the load-time passes, as text (for debugging and
  // `ember inspect --optimized`); empty when the passes were all turned off.
  std::string optimized_graph(const std::string& method) const;
  // The device given at load (LoadOptions::device): where its tensors live and its code runs.
  Device device() const;
  // The archive's format version (1..10) and this module's qualified class name.
  int64_t format_version() const;
  std::string type_name() const;
  // The archive's extra/ files (torch.jit.save(..., _extra_files=...)), name -> bytes.
  const std::map<std::string, std::string>& extra_files() const;

  explicit Module(std::shared_ptr<detail::LoadedModel> model);

 private:
  Module(std::shared_ptr<detail::LoadedModel> model, Value self) : model_(std::move(model)), self_(std::move(self)) {}
  std::shared_ptr<detail::LoadedModel> model_;
  Value self_;  // the module object: the archive's root or one of its submodules
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
//
// Weights are packed for the kernels at load, whatever the input. The work that depends on the
// input's size (choosing and generating kernels) happens on the first call of each size, unless
// `input_shapes` gives forward's tensor arguments at load: load then does it for that size, by
// one run of forward on zeros, made only when forward changes nothing but its own values (no
// attribute writes, no random numbers, no printing, no in-place writes into the model's
// tensors; a run that fails is ignored). The first call of that size is then as fast as the next.
struct LoadOptions {
  std::vector<std::string> disabled_passes;
  uint64_t max_inflated_bytes = uint64_t{2} << 30;  // all deflated zip entries together
  uint64_t max_pickle_items = uint64_t{1} << 23;    // list items + dict entries built per pickle
  std::vector<InputShape> input_shapes{};           // forward's tensor arguments, in order
  // Where the model's tensors live and its code runs. On a device other than the CPU the
  // archive's tensors are copied there at load (storages shared between tensors stay shared),
  // tensor arguments of a call are copied there, and results stay there (Tensor::to(Device)
  // brings them back). Each op runs the device backend's kernel when it has one, and otherwise
  // its CPU kernel on host copies of its tensors. Load fails with a clear message when no backend
  // serves the device. "channels-last", whose layout serves the CPU's kernels, is off on other
  // devices.
  Device device{};
};

// Whether tensors can be placed on `device` in this process: always for the CPU; for CUDA when
// the NVIDIA driver (libcuda.so.1, found at run time; EMBER_CUDA_LIBS names folders to look in
// first, colon-separated) loads and reports a device. Otherwise false, with the reason in `why`. Once true,
// Tensor::to(device) and Tensor::empty(..., device) work for it.
bool device_available(Device device, std::string* why = nullptr);

// Loads and compiles a `torch.jit.save` archive.
Module load(const std::string& path);
Module load(const std::string& path, const LoadOptions& options);
// The same from archive bytes in memory (copied) or from a stream read to its end; messages name
// the archive "<memory>" / "<stream>".
Module load_from_memory(const void* data, size_t size, const LoadOptions& options = {});
Module load(std::istream& in, const LoadOptions& options = {});
// Every optimisation pass name load() knows, in the order they run.
std::vector<std::string> optimization_passes();

// What `ember check` reports: which ops the model's code uses and what ember cannot run.
struct CheckReport {
  std::string path;
  int64_t format_version = 0;
  std::vector<std::string> ops_used;  // "aten::add.Tensor", sorted
  std::vector<std::string> problems;  // "unknown op aten::foo at code/__torch__/m.py:12"
  bool ok() const { return problems.empty(); }
  // For check(path, device) with a device other than the CPU: the ops of ops_used that have no
  // kernel for it and read tensor bytes, so they run their CPU kernel on host copies there.
  Device device{};
  std::vector<std::string> host_copy_ops;
};
// Compiles the archive like load() but reports instead of throwing for problems in its code.
// Still throws ember::Error when the file itself cannot be read.
CheckReport check(const std::string& path);
// The same, also saying which ops would run on the CPU with copies on `device` (needs no backend
// for the device: it reads the operator table only).
CheckReport check(const std::string& path, Device device);

}  // namespace ember
