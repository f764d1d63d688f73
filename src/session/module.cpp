// module.cpp — ember::load, ember::check and the Module API over a compiled archive.
#include "ember/module.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <istream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "archive/archive.h"
#include "tensor/device_memory.h"
#include "tensor/impl.h"
#include "ember/threads.h"
#include "ir/function.h"
#include "kernels/cuda/memory.h"
#include "ir/graph.h"
#include "ops/custom_class.h"
#include "ops/device_dispatch.h"
#include "ops/registry.h"
#include "opt/optimize.h"
#include "runtime/code.h"
#include "script/compiler.h"
#include "values/value_match.h"

namespace ember {

namespace detail {
struct LoadedModel {
  using Specialised = std::map<std::string, std::unique_ptr<Function>, std::less<>>;

  std::string path;
  int64_t format_version = 0;
  std::shared_ptr<script::CompilationUnit> cu;
  Value root;
  std::map<std::string, std::string> extra_files;
  opt::PassSet passes;
  Device device;  // LoadOptions::device, resolved

  // The root class's methods specialised for `root` by the load-time passes (src/opt). Replaced
  // (not edited) when the API changes the module, so calls still running keep their copy.
  std::shared_ptr<const Specialised> current() {
    std::lock_guard<std::mutex> lock(mu_);
    if (stale_) {
      specialised_ = specialise();
      stale_ = false;
    }
    return specialised_;
  }
  void specialise_now() { specialised_ = specialise(); }
  // The attributes the passes froze may have changed: specialise again before the next call.
  void invalidate() {
    std::lock_guard<std::mutex> lock(mu_);
    stale_ = true;
  }

 private:
  std::shared_ptr<const Specialised> specialise() const {
    auto out = std::make_shared<Specialised>();
    runtime::PreparedSites sites(device);  // a weight several methods inline is prepared once
    try {
      for (auto& [name, fn] : opt::specialise_methods(root, *cu, passes)) {
        runtime::lower_into(*fn, &sites);
        out->emplace(name, std::move(fn));
      }
    } catch (const Error& e) {
      fail(path, ": ", e.what(), "\n  (EMBER_DISABLE_PASSES=all or LoadOptions::disabled_passes loads it unoptimised)");
    }
    return out;
  }
  std::mutex mu_;
  bool stale_ = false;
  std::shared_ptr<const Specialised> specialised_;
};
}  // namespace detail

namespace {

std::string problem_line(const script::Problem& p, bool all_ops) {
  if (p.kind == script::Problem::Kind::UnknownOp && !all_ops) return "unsupported operation " + p.str();
  return p.str();
}

std::string problems_message(const std::string& path, const std::vector<script::Problem>& problems) {
  bool all_ops = std::all_of(problems.begin(), problems.end(),
                             [](const script::Problem& p) { return p.kind == script::Problem::Kind::UnknownOp; });
  std::string msg = path + ": " + std::to_string(problems.size()) +
                    (all_ops ? (problems.size() == 1 ? " unsupported operation" : " unsupported operations")
                             : (problems.size() == 1 ? " problem in its code" : " problems in its code")) +
                    ":";
  for (const auto& p : problems) {
    std::string line = problem_line(p, all_ops);
    // Indent continuation lines (overload explanations) under their entry.
    std::string indented;
    for (char c : line) {
      indented += c;
      if (c == '\n') indented += "    ";
    }
    msg += "\n  " + indented;
  }
  return msg;
}

// Objects pickled with a non-dict state get it through their class's __setstate__, children
// before parents, as the unpickler would have done. Every container is walked once: a pickle can
// share lists so that the number of paths through them grows exponentially with the file.
void run_setstate(const Value& v, std::unordered_set<const void*>& seen) {
  switch (v.tag()) {
    case ValueTag::Object: {
      const auto& o = v.to_object();
      if (!seen.insert(o.get()).second) return;
      for (const auto& s : o->slots) run_setstate(s, seen);
      if (o->pending_state) {
        run_setstate(*o->pending_state, seen);
        const Function* f = o->type->find_method("__setstate__");
        // torch.classes.* objects (op contexts, packed weights) are rebuilt natively.
        if (!f && (ops::is_native_class_name(o->type->qualname) || ops::find_custom_class(o->type->qualname))) {
          ops::restore_custom_object(v);
          return;
        }
        if (!f) fail("'", o->type->qualname, "' was saved with a custom state but has no __setstate__ method");
        if (f->params.size() != 2)
          fail("'", o->type->qualname, "'.__setstate__ must take (self, state) but is declared ", f->signature());
        Value state = *o->pending_state;
        o->pending_state.reset();
        f->call({std::move(state)}, &v);  // checks the state against the declared type
      }
      return;
    }
    case ValueTag::List:
      if (!seen.insert(v.to_list().get()).second) return;
      for (const auto& x : v.to_list()->items) run_setstate(x, seen);
      return;
    case ValueTag::Tuple:
      if (!seen.insert(v.to_tuple().get()).second) return;
      for (const auto& x : v.to_tuple()->items) run_setstate(x, seen);
      return;
    case ValueTag::Dict:
      if (!seen.insert(v.to_dict().get()).second) return;
      v.to_dict()->for_each([&](const Value& k, const Value& x) {
        run_setstate(k, seen);
        run_setstate(x, seen);
      });
      return;
    default: return;
  }
}

struct Compiled {
  archive::ArchiveContents contents;
  std::shared_ptr<script::CompilationUnit> cu;
};

Compiled compile_archive(const std::string& path, const LoadOptions& options) {
  archive::ArchiveLimits limits;
  limits.max_inflated_bytes = options.max_inflated_bytes;
  limits.max_pickle_items = options.max_pickle_items;
  Compiled c{archive::load_archive(path, limits), nullptr};
  script::CodeInput in;
  in.code = c.contents.code;
  for (const auto& [cls, mc] : c.contents.module_code) in.class_methods[cls] = script::MethodFile{mc.path, mc.text};
  in.classes = c.contents.classes;
  in.constants = c.contents.constants;
  in.format_version = c.contents.format_version;
  c.cu = script::compile_code(in);
  return c;
}

// The compiler leaves each function as a graph; the runtime lowers every one into the code it
// runs (methods can call each other, so all of them, before anything runs).
void lower_all(script::CompilationUnit& cu, Device device) {
  const auto lower = [&](Function& fn) {
    runtime::PreparedSites sites(device);
    runtime::lower_into(fn, &sites);
  };
  for (auto& [name, cls] : cu.classes)
    for (auto& [method, fn] : cls->methods)
      if (fn->graph && !fn->code) lower(*fn);
  for (auto& [name, fn] : cu.functions)
    if (fn->graph && !fn->code) lower(*fn);
}

// LoadOptions::device: every tensor reachable from `v` moves to `device`, in place (each handle
// sees it), one copy per storage, so tensors that share a storage (views, tied weights) still do.
void place_tensors(const Value& v, Device device, std::unordered_set<const void*>& seen,
                   std::unordered_map<const Storage*, std::shared_ptr<Storage>>& moved) {
  switch (v.tag()) {
    case ValueTag::Tensor: {
      const Tensor& t = v.to_tensor();
      if (!t.defined() || !seen.insert(t.unsafe_impl()).second) return;
      TensorImpl& impl = *t.unsafe_impl();
      if (!impl.storage || impl.storage->device() == device) return;
      auto it = moved.find(impl.storage.get());
      if (it == moved.end()) {
        const Storage& from = *impl.storage;
        if (!from.device().is_cpu()) fail("a tensor of the archive is on ", from.device().str(), ", not in host memory");
        auto to = Storage::allocate_uninitialized(from.nbytes(), device);
        if (from.nbytes() > 0)
          device_memory(device).copy(to->data(), from.data(), from.nbytes(), DeviceMemory::Direction::HostToDevice,
                                     device);
        it = moved.emplace(impl.storage.get(), std::move(to)).first;
      }
      impl.storage = it->second;
      return;
    }
    case ValueTag::Object: {
      const auto& o = v.to_object();
      if (!seen.insert(o.get()).second) return;
      for (const auto& x : o->slots) place_tensors(x, device, seen, moved);
      return;
    }
    case ValueTag::List:
      if (!seen.insert(v.to_list().get()).second) return;
      for (const auto& x : v.to_list()->items) place_tensors(x, device, seen, moved);
      return;
    case ValueTag::Tuple:
      if (!seen.insert(v.to_tuple().get()).second) return;
      for (const auto& x : v.to_tuple()->items) place_tensors(x, device, seen, moved);
      return;
    case ValueTag::Dict:
      if (!seen.insert(v.to_dict().get()).second) return;
      v.to_dict()->for_each([&](const Value& k, const Value& x) {
        place_tensors(k, device, seen, moved);
        place_tensors(x, device, seen, moved);
      });
      return;
    default: return;
  }
}

void collect_named(const Value& v, const std::string& prefix, bool params,
                   std::vector<std::pair<std::string, Tensor>>& out, std::unordered_set<const void*>& seen) {
  const auto& o = v.to_object();
  const auto& attrs = o->type->attributes;
  for (size_t i = 0; i < attrs.size() && i < o->slots.size(); ++i) {
    const Value& s = o->slots[i];
    if ((params ? attrs[i].is_parameter : attrs[i].is_buffer) && s.is_tensor() && s.to_tensor().defined()) {
      // Shared tensors are listed once, under their first name, as PyTorch does.
      if (seen.insert(s.to_tensor().unsafe_impl()).second) out.emplace_back(prefix + attrs[i].name, s.to_tensor());
    }
  }
  for (size_t i = 0; i < attrs.size() && i < o->slots.size(); ++i) {
    const Value& s = o->slots[i];
    if (s.is_object() && s.to_object()->type->kind == ClassKind::Module)
      collect_named(s, prefix + attrs[i].name + ".", params, out, seen);
  }
}

}  // namespace

namespace {
bool warm_up(detail::LoadedModel& model, const std::vector<InputShape>& shapes, const std::string& method = "forward");
}  // namespace

Module load(const std::string& path) { return load(path, LoadOptions()); }

std::vector<std::string> optimization_passes() { return opt::pass_names(); }

Module load(const std::string& path, const LoadOptions& options) {
  std::vector<std::string> disabled = options.disabled_passes;
  if (const char* env = std::getenv("EMBER_DISABLE_PASSES")) {
    std::stringstream names(env);
    for (std::string name; std::getline(names, name, ',');)
      if (!name.empty()) disabled.push_back(name);
  }
  // Fails here, before any work, when no backend serves the device.
  if (std::string why; !device_available(options.device, &why))
    fail(path, ": cannot place the model on ", options.device.str(), ": ", why);
  const Device device = resolve_device(options.device);
  // NHWC strides between fused convolutions are the CPU kernels' layout; the GPU keeps NCHW.
  if (!device.is_cpu()) disabled.emplace_back("channels-last");
  const opt::PassSet passes = opt::make_pass_set(disabled);
  Compiled c = compile_archive(path, options);
  if (!c.cu->problems.empty()) throw Error(problems_message(path, c.cu->problems));
  lower_all(*c.cu, device);
  if (!c.contents.root.is_object()) fail(path, ": data.pkl does not hold a module object");
  std::unordered_set<const void*> seen;
  run_setstate(c.contents.root, seen);
  // CONSTANTS.cN may hold objects too (optimize_for_mobile's op contexts); the compiled code
  // shares them, so restoring them here is what the methods see.
  run_setstate(c.contents.constants, seen);
  if (!device.is_cpu()) {
    std::unordered_set<const void*> placed;
    std::unordered_map<const Storage*, std::shared_ptr<Storage>> moved;
    place_tensors(c.contents.root, device, placed, moved);
    place_tensors(c.contents.constants, device, placed, moved);
  }
  auto m = std::make_shared<detail::LoadedModel>();
  m->device = device;
  m->path = path;
  m->format_version = c.contents.format_version;
  m->cu = std::move(c.cu);
  m->root = std::move(c.contents.root);
  // extra/ files are read here, through the archive's inflate limits (LoadOptions).
  for (const auto& [name, size] : c.contents.extra_files) m->extra_files.emplace(name, c.contents.read_extra(name));
  m->passes = passes;
  m->specialise_now();
  // Shapes the caller gives win; a PyTorch 2.x traced archive records the ones it was traced with.
  std::vector<InputShape> shapes = options.input_shapes;
  if (shapes.empty())
    if (auto t = c.contents.traced_inputs.find("forward"); t != c.contents.traced_inputs.end())
      for (const archive::TracedInput& in : t->second) shapes.push_back({in.sizes, in.dtype});
  if (!shapes.empty()) warm_up(*m, shapes);
  return Module(std::move(m));
}

namespace {

// Replaces every occurrence of `from` in the message with `to`.
std::string renamed(std::string msg, const std::string& from, const std::string& to) {
  for (size_t p = msg.find(from); p != std::string::npos; p = msg.find(from, p + to.size())) msg.replace(p, from.size(), to);
  return msg;
}

// The archive reader maps a file; bytes in memory go through an anonymous in-memory file whose
// mapping the loaded tensors keep alive (no copy beyond the one into it).
Module load_bytes(const void* data, size_t size, const LoadOptions& options, const std::string& display) {
  int fd = memfd_create("ember-archive", MFD_CLOEXEC);
  if (fd < 0) fail(display, ": cannot create an in-memory file to read the archive from");
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  const char* p = static_cast<const char*>(data);
  for (size_t done = 0; done < size;) {
    ssize_t n = write(fd, p + done, size - done);
    if (n <= 0) fail(display, ": cannot copy the archive into memory (", size, " bytes)");
    done += static_cast<size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    Module m = load(path, options);
    return m;
  } catch (const Error& e) {
    throw Error(renamed(e.what(), path, display));
  }
}

}  // namespace

Module load_from_memory(const void* data, size_t size, const LoadOptions& options) {
  if (!data && size) fail("<memory>: null data pointer");
  return load_bytes(data, size, options, "<memory>");
}

Module load(std::istream& in, const LoadOptions& options) {
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail("<stream>: reading the archive failed");
  return load_bytes(bytes.data(), bytes.size(), options, "<stream>");
}

CheckReport check(const std::string& path) {
  Compiled c = compile_archive(path, LoadOptions());
  CheckReport r;
  r.path = path;
  r.format_version = c.contents.format_version;
  r.ops_used.assign(c.cu->ops_used.begin(), c.cu->ops_used.end());
  bool all_ops = std::all_of(c.cu->problems.begin(), c.cu->problems.end(),
                             [](const script::Problem& p) { return p.kind == script::Problem::Kind::UnknownOp; });
  for (const auto& p : c.cu->problems) r.problems.push_back(problem_line(p, all_ops && false));
  return r;
}

CheckReport check(const std::string& path, Device device) {
  CheckReport r = check(path);
  r.device = device;
  if (device.is_cpu()) return r;
  for (const std::string& name : r.ops_used) {
    const size_t ns = name.find("::");
    const size_t dot = name.find('.', ns == std::string::npos ? 0 : ns + 2);
    const std::string qualified = name.substr(0, dot);
    const std::string overload = dot == std::string::npos ? std::string() : name.substr(dot + 1);
    const ops::Operator* op = ops::Registry::global().find(qualified, overload);
    if (op && ops::kernel_for_device(*op, device).kind == ops::DeviceKernelKind::HostCopies) r.host_copy_ops.push_back(name);
  }
  return r;
}

Module::Module(std::shared_ptr<detail::LoadedModel> model) : model_(std::move(model)) {
  if (model_) self_ = model_->root;
}

namespace {

const Object& object_of(const Value& self) { return *self.to_object(); }

std::string type_str(const TypePtr& t) { return t ? t->str() : "Any"; }

// Positional and keyword arguments in the order of `f`'s parameters (without self), as Python
// binds them; defaults and types are left to Function::call.
std::vector<Value> bind_arguments(const Function& f, std::vector<Value> args, Kwargs kwargs) {
  const size_t first = f.owner ? 1 : 0;
  const size_t n_user = f.params.size() - first;
  size_t n_positional = 0;
  while (n_positional < n_user && !f.params[first + n_positional].kwarg_only) ++n_positional;
  if (args.size() > n_positional)
    fail(f.name, "() takes ", n_positional, n_positional < n_user ? " positional" : "", " argument",
         n_positional == 1 ? "" : "s", " but ", args.size(),
         args.size() == 1 ? " was" : " were", " given. Declaration: ", f.signature());
  if (kwargs.empty()) return args;
  std::vector<bool> used(kwargs.size(), false);
  std::vector<Value> out = std::move(args);
  for (size_t i = out.size(); i < n_user; ++i) {
    const Function::Param& p = f.params[first + i];
    bool found = false;
    for (size_t k = 0; k < kwargs.size(); ++k) {
      if (kwargs[k].first != p.name) continue;
      if (found) fail(f.name, "() got multiple values for argument '", p.name, "'");
      out.push_back(std::move(kwargs[k].second));
      used[k] = found = true;
    }
    if (found) continue;
    if (!p.default_value) fail(f.name, "() is missing value for argument '", p.name, "'. Declaration: ", f.signature());
    out.push_back(*p.default_value);
  }
  for (size_t k = 0; k < kwargs.size(); ++k) {
    if (used[k]) continue;
    bool positional = false;
    for (size_t i = 0; i < n_user; ++i) positional |= f.params[first + i].name == kwargs[k].first;
    if (positional) fail(f.name, "() got multiple values for argument '", kwargs[k].first, "'");
    fail(f.name, "() got an unexpected keyword argument '", kwargs[k].first, "'. Declaration: ", f.signature());
  }
  return out;
}

// Runs method `name` of `self`; the root object's methods run their specialised copies.
Value run_on(detail::LoadedModel& model, const Value& self, const std::string& name, std::vector<Value> args,
             Kwargs kwargs) {
  const Object& obj = object_of(self);
  const Function* f = obj.type->find_method(name);
  if (!f) fail("'", obj.type->qualname, "' has no method '", name, "'");
  std::shared_ptr<const detail::LoadedModel::Specialised> keep;
  if (self.is_same(model.root)) {
    keep = model.current();
    auto s = keep->find(name);
    if (s != keep->end()) f = s->second.get();
  }
  detail::sync_threads();
  if (!model.device.is_cpu()) {
    for (Value& a : args) a = ops::to_device(a, model.device);
    for (auto& [k, a] : kwargs) a = ops::to_device(a, model.device);
  }
  return f->call(bind_arguments(*f, std::move(args), std::move(kwargs)), &self);
}

// LoadOptions::input_shapes: one run of forward on zeros of those shapes, when nothing outside the
// run can tell it happened, so what the first call of that size would build is built at load.
bool warm_up(detail::LoadedModel& model, const std::vector<InputShape>& shapes, const std::string& method) {
  auto specialised = model.current();
  auto fn = specialised->find(method);
  if (fn == specialised->end() || !fn->second->code) return false;  // passes off: nothing to judge
  if (!runtime::runs_without_side_effects(static_cast<const runtime::Code&>(*fn->second->code))) return false;
  try {
    std::vector<Value> inputs;
    for (const InputShape& s : shapes) {
      if (checked_numel(s.sizes) > (int64_t{1} << 28)) return false;  // not worth a run at load
      inputs.emplace_back(Tensor::zeros(s.sizes, s.dtype));
    }
    run_on(model, model.root, method, std::move(inputs), {});
    return true;
  } catch (const std::exception&) {
    // Shapes or data the model does not take: the first call does the work instead.
    return false;
  }
}

bool is_module_object(const Value& v) { return v.is_object() && v.to_object()->type->kind == ClassKind::Module; }

void set_training(const Value& v, bool on, std::unordered_set<const void*>& seen) {
  const auto& o = v.to_object();
  if (!seen.insert(o.get()).second) return;
  if (o->type->find_attribute("training") >= 0) o->set_attr("training", Value(on));
  for (const Value& s : o->slots)
    if (is_module_object(s)) set_training(s, on, seen);
}

}  // namespace

Value Module::forward(std::vector<Value> inputs, Kwargs kwargs) const {
  return run_method("forward", std::move(inputs), std::move(kwargs));
}

bool Module::prepare(const std::vector<InputShape>& shapes, const std::string& method) const {
  if (!model_ || !self_.is_object() || self_.to_object() != model_->root.to_object())
    fail("Module::prepare: only the root module's methods are specialised at load (this is a submodule)");
  return warm_up(*model_, shapes, method);
}

Device Module::device() const { return model_->device; }

bool device_available(Device device, std::string* why) {
  if (device.is_cpu() || find_device_memory(device.type)) return true;
  std::string reason;
  if (device.type == DeviceType::CUDA && cuda::register_memory(&reason)) return true;
  if (reason.empty()) reason = "ember has no backend for " + std::string(device_type_name(device.type)) + " devices";
  if (why) *why = reason;
  return false;
}

bool Module::has_method(const std::string& name) const { return object_of(self_).type->find_method(name) != nullptr; }

Value Module::run_method(const std::string& name, std::vector<Value> inputs, Kwargs kwargs) const {
  return run_on(*model_, self_, name, std::move(inputs), std::move(kwargs));
}

Method Module::get_method(const std::string& name) const {
  if (!has_method(name)) fail("'", object_of(self_).type->qualname, "' has no method '", name, "'");
  return Method(model_, self_, name);
}

Value Method::operator()(std::vector<Value> args, Kwargs kwargs) const {
  return run_on(*model_, self_, name_, std::move(args), std::move(kwargs));
}

std::string Method::signature() const { return object_of(self_).type->find_method(name_)->signature(); }

std::vector<ArgumentInfo> Method::arguments() const {
  const Function* f = object_of(self_).type->find_method(name_);
  std::vector<ArgumentInfo> out;
  for (size_t i = f->owner ? 1 : 0; i < f->params.size(); ++i) {
    const Function::Param& p = f->params[i];
    out.push_back({p.name, type_str(p.type), p.default_value.has_value(), p.default_value.value_or(Value()), p.kwarg_only});
  }
  return out;
}

std::string Method::return_type() const { return type_str(object_of(self_).type->find_method(name_)->return_type); }

std::string Module::optimized_graph(const std::string& method) const {
  if (!has_method(method)) fail("'", object_of(self_).type->qualname, "' has no method '", method, "'");
  if (!self_.is_same(model_->root)) return std::string();
  auto specialised = model_->current();
  auto s = specialised->find(method);
  return s == specialised->end() ? std::string() : s->second->graph->str();
}

Value Module::attr(const std::string& name) const { return object_of(self_).attr(name); }

bool Module::has_attr(const std::string& name) const { return object_of(self_).has_attr(name); }

void Module::set_attr(const std::string& name, Value value, bool add) {
  const auto& obj = self_.to_object();
  int slot = obj->type->find_attribute(name);
  if (slot < 0 && !add) fail("'", obj->type->qualname, "' object has no attribute '", name, "'");
  if (slot >= 0) {
    const TypePtr& t = obj->type->attributes[static_cast<size_t>(slot)].type;
    if (t && !value_matches(value, *t))
      fail("attribute '", name, "' of '", obj->type->qualname, "' is declared ", t->str(), " but the new value is ",
           value.type()->str());
  }
  obj->set_attr(name, std::move(value));
  model_->invalidate();
}

void Module::train(bool on) {
  std::unordered_set<const void*> seen;
  set_training(self_, on, seen);
  model_->invalidate();
}

bool Module::is_training() const {
  const Object& o = object_of(self_);
  return o.has_attr("training") && o.attr("training").is_bool() && o.attr("training").to_bool();
}

Module Module::child(const std::string& name) const {
  const Object& o = object_of(self_);
  if (!o.has_attr(name)) fail("'", o.type->qualname, "' has no submodule '", name, "'");
  const Value& v = o.attr(name);
  if (!is_module_object(v)) fail("attribute '", name, "' of '", o.type->qualname, "' is a ", v.type()->str(), ", not a module");
  return Module(model_, v);
}

std::vector<std::pair<std::string, Module>> Module::named_children() const {
  std::vector<std::pair<std::string, Module>> out;
  const Object& o = object_of(self_);
  std::unordered_set<const void*> seen;
  for (size_t i = 0; i < o.type->attributes.size() && i < o.slots.size(); ++i)
    if (is_module_object(o.slots[i]) && seen.insert(o.slots[i].to_object().get()).second)
      out.emplace_back(o.type->attributes[i].name, Module(model_, o.slots[i]));
  return out;
}

std::vector<std::pair<std::string, Module>> Module::named_modules() const {
  std::vector<std::pair<std::string, Module>> out;
  std::unordered_set<const void*> seen;
  auto walk = [&](auto& self, const Module& m, const std::string& prefix) -> void {
    if (!seen.insert(m.self_.to_object().get()).second) return;
    out.emplace_back(prefix, m);
    for (auto& [name, c] : m.named_children()) self(self, c, prefix.empty() ? name : prefix + "." + name);
  };
  walk(walk, *this, "");
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  std::unordered_set<const void*> seen;
  collect_named(self_, "", true, out, seen);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out;
  std::unordered_set<const void*> seen;
  collect_named(self_, "", false, out, seen);
  return out;
}

std::vector<MethodInfo> Module::methods() const {
  std::vector<MethodInfo> out;
  for (const auto& [name, fn] : object_of(self_).type->methods) out.push_back({name, fn->signature()});
  return out;
}

int64_t Module::format_version() const { return model_->format_version; }

std::string Module::type_name() const { return object_of(self_).type->qualname; }

const std::map<std::string, std::string>& Module::extra_files() const { return model_->extra_files; }

}  // namespace ember
