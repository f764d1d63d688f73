// module.cpp — ember::load, ember::check and the Module API over a compiled archive.
#include "ember/module.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>
#include <unordered_set>

#include "archive/archive.h"
#include "ir/graph.h"
#include "ops/custom_class.h"
#include "opt/optimize.h"
#include "runtime/function.h"
#include "script/compiler.h"

namespace ember {

namespace detail {
struct LoadedModel {
  std::string path;
  int64_t format_version = 0;
  std::shared_ptr<script::CompilationUnit> cu;
  Value root;
  // The root class's methods specialised for `root` by the load-time passes (src/opt).
  std::map<std::string, std::unique_ptr<Function>, std::less<>> specialised;
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
  in.classes = c.contents.classes;
  in.constants = c.contents.constants;
  in.format_version = c.contents.format_version;
  c.cu = script::compile_code(in);
  return c;
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

Module load(const std::string& path) { return load(path, LoadOptions()); }

std::vector<std::string> optimization_passes() { return opt::pass_names(); }

Module load(const std::string& path, const LoadOptions& options) {
  std::vector<std::string> disabled = options.disabled_passes;
  if (const char* env = std::getenv("EMBER_DISABLE_PASSES")) {
    std::stringstream names(env);
    for (std::string name; std::getline(names, name, ',');)
      if (!name.empty()) disabled.push_back(name);
  }
  const opt::PassSet passes = opt::make_pass_set(disabled);
  Compiled c = compile_archive(path, options);
  if (!c.cu->problems.empty()) throw Error(problems_message(path, c.cu->problems));
  if (!c.contents.root.is_object()) fail(path, ": data.pkl does not hold a module object");
  std::unordered_set<const void*> seen;
  run_setstate(c.contents.root, seen);
  // CONSTANTS.cN may hold objects too (optimize_for_mobile's op contexts); the compiled code
  // shares them, so restoring them here is what the methods see.
  run_setstate(c.contents.constants, seen);
  auto m = std::make_shared<detail::LoadedModel>();
  m->path = path;
  m->format_version = c.contents.format_version;
  m->cu = std::move(c.cu);
  m->root = std::move(c.contents.root);
  try {
    for (auto& [name, fn] : opt::specialise_methods(m->root, *m->cu, passes)) m->specialised.emplace(name, std::move(fn));
  } catch (const Error& e) {
    fail(path, ": ", e.what(), "\n  (EMBER_DISABLE_PASSES=all or LoadOptions::disabled_passes loads it unoptimised)");
  }
  return Module(std::move(m));
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

Value Module::forward(std::vector<Value> inputs) const { return run_method("forward", std::move(inputs)); }

bool Module::has_method(const std::string& name) const {
  return model_->root.to_object()->type->find_method(name) != nullptr;
}

Value Module::run_method(const std::string& name, std::vector<Value> inputs) const {
  const auto& obj = model_->root.to_object();
  const Function* f = obj->type->find_method(name);
  if (!f) fail("'", obj->type->qualname, "' has no method '", name, "'");
  auto s = model_->specialised.find(name);
  if (s != model_->specialised.end()) f = s->second.get();
  return f->call(std::move(inputs), &model_->root);
}

std::string Module::optimized_graph(const std::string& method) const {
  if (!model_->root.to_object()->type->find_method(method))
    fail("'", model_->root.to_object()->type->qualname, "' has no method '", method, "'");
  auto s = model_->specialised.find(method);
  return s == model_->specialised.end() ? std::string() : s->second->graph->str();
}

Value Module::attr(const std::string& name) const { return model_->root.to_object()->attr(name); }

const Value& Module::root() const { return model_->root; }

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  std::unordered_set<const void*> seen;
  collect_named(model_->root, "", true, out, seen);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out;
  std::unordered_set<const void*> seen;
  collect_named(model_->root, "", false, out, seen);
  return out;
}

std::vector<MethodInfo> Module::methods() const {
  std::vector<MethodInfo> out;
  for (const auto& [name, fn] : model_->root.to_object()->type->methods) out.push_back({name, fn->signature()});
  return out;
}

int64_t Module::format_version() const { return model_->format_version; }

std::string Module::type_name() const { return model_->root.to_object()->type->qualname; }

}  // namespace ember
