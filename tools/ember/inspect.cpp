// inspect.cpp — `ember inspect MODEL.pt`: what an archive holds, without running it.
//
// Shows the format facts, the module tree with each submodule's qualified class, parameters and
// buffers (name, dtype, shape, bytes) with totals counted like PyTorch's `parameters()` (a tensor
// shared by several modules counts once), the methods with their signatures, and with --code the
// TorchScript sources. Works on models ember cannot run yet: compile problems are listed, not fatal.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "archive/archive.h"
#include "commands.h"
#include "ember/module.h"
#include "ember/value.h"
#include "ir/function.h"
#include "ir/graph.h"
#include "say.h"
#include "script/compiler.h"

namespace ember::cli {
namespace {

struct TensorRow {
  std::string name;
  bool parameter = false;
  Tensor tensor;
};

struct ModuleRow {
  std::string path;  // "" for the root, "layer1.0" below
  ClassTypePtr cls;
  std::vector<TensorRow> tensors;
};

bool is_module(const Value& v) {
  return v.is_object() && v.to_object()->type->kind == ClassKind::Module;
}

void walk(const Value& v, const std::string& path, std::vector<ModuleRow>& out) {
  const Object& obj = *v.to_object();
  ModuleRow row{path, obj.type, {}};
  std::vector<std::pair<std::string, Value>> children;
  const auto& attrs = obj.type->attributes;
  for (size_t i = 0; i < attrs.size() && i < obj.slots.size(); ++i) {
    const Value& slot = obj.slots[i];
    if ((attrs[i].is_parameter || attrs[i].is_buffer) && slot.is_tensor())
      row.tensors.push_back({attrs[i].name, attrs[i].is_parameter, slot.to_tensor()});
    else if (is_module(slot))
      children.emplace_back(attrs[i].name, slot);
  }
  out.push_back(std::move(row));
  for (const auto& [name, child] : children) walk(child, path.empty() ? name : path + "." + name, out);
}

struct Totals {
  int64_t count = 0, numel = 0, bytes = 0;
  std::set<const TensorImpl*> seen;
  void add(const Tensor& t) {
    if (!seen.insert(t.unsafe_impl()).second) return;
    ++count;
    numel += t.numel();
    bytes += static_cast<int64_t>(t.nbytes());
  }
};

std::string with_commas(int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > (n < 0 ? 1 : 0); i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

std::string human_bytes(int64_t b) {
  char buf[32];
  if (b >= (int64_t{1} << 20)) std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(b) / (1 << 20));
  else if (b >= 1024) std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(b) / 1024);
  else std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(b));
  return buf;
}

nlohmann::json shape_json(const Tensor& t) {
  nlohmann::json a = nlohmann::json::array();
  for (int64_t s : t.sizes()) a.push_back(s);
  return a;
}

int run_inspect(const std::string& path, bool show_code, bool show_graph, bool show_optimized, bool json) {
  archive::ArchiveContents ar = archive::load_archive(path);
  script::CodeInput in{ar.code, ar.classes, ar.constants, ar.format_version, {}};
  for (const auto& [cls, mc] : ar.module_code) in.class_methods[cls] = script::MethodFile{mc.path, mc.text};
  std::shared_ptr<script::CompilationUnit> cu = script::compile_code(in);

  std::vector<ModuleRow> modules;
  if (is_module(ar.root)) walk(ar.root, "", modules);
  else fail(path, ": ", ar.producer.proto_version > 0 ? "model.json" : "data.pkl", " does not hold a module object but ",
            ar.root.type()->str());

  Totals params, buffers;
  for (const auto& m : modules)
    for (const auto& t : m.tensors) (t.parameter ? params : buffers).add(t.tensor);

  // Methods of the module classes in the tree, each class once, in tree order.
  std::vector<const Function*> methods;
  std::set<const ClassType*> classes_seen;
  for (const auto& m : modules) {
    if (!classes_seen.insert(m.cls.get()).second) continue;
    for (const auto& [name, fn] : m.cls->methods) methods.push_back(fn.get());
  }

  if (json) {
    nlohmann::json j;
    j["file"] = path;
    j["format_version"] = ar.format_version;
    j["version_record"] = ar.producer.version_record;
    j["byteorder"] = ar.producer.byteorder;
    j["serialization_id"] = ar.producer.serialization_id;
    j["traced_inputs"] = ar.producer.has_traced_inputs;
    // What the recorded inputs say (load prepares forward for these shapes).
    nlohmann::json traced = nlohmann::json::object();
    for (const auto& [method, inputs] : ar.traced_inputs) {
      nlohmann::json list = nlohmann::json::array();
      for (const archive::TracedInput& t : inputs) list.push_back({{"shape", t.sizes}, {"dtype", dtype_name(t.dtype)}});
      traced[method] = list;
    }
    j["traced_input_shapes"] = traced;
    j["debug_info"] = ar.producer.has_debug_info;
    if (ar.producer.proto_version > 0)
      j["model_json"] = {{"proto_version", ar.producer.proto_version},
                         {"producer_name", ar.producer.producer_name},
                         {"producer_version", ar.producer.producer_version}};
    j["modules"] = nlohmann::json::array();
    for (const auto& m : modules) {
      nlohmann::json jm{{"path", m.path}, {"class", m.cls->qualname}};
      jm["parameters"] = nlohmann::json::array();
      jm["buffers"] = nlohmann::json::array();
      for (const auto& t : m.tensors)
        jm[t.parameter ? "parameters" : "buffers"].push_back(
            {{"name", t.name}, {"dtype", std::string(dtype_name(t.tensor.dtype()))},
             {"shape", shape_json(t.tensor)}, {"bytes", t.tensor.nbytes()}});
      j["modules"].push_back(std::move(jm));
    }
    j["totals"] = {{"parameters", {{"count", params.count}, {"numel", params.numel}, {"bytes", params.bytes}}},
                   {"buffers", {{"count", buffers.count}, {"numel", buffers.numel}, {"bytes", buffers.bytes}}}};
    j["methods"] = nlohmann::json::array();
    for (const Function* f : methods)
    {
      nlohmann::json jf{{"class", f->owner ? f->owner->qualname : ""}, {"name", f->name}, {"signature", f->signature()}};
      if (show_graph) jf["graph"] = f->graph ? f->graph->str() : std::string();
      j["methods"].push_back(std::move(jf));
    }
    if (show_optimized) {
      const Module m = load(path);
      j["optimized"] = nlohmann::json::object();
      for (const MethodInfo& mi : m.methods()) j["optimized"][mi.name] = m.optimized_graph(mi.name);
    }
    j["extra_files"] = nlohmann::json::array();
    for (const auto& [name, bytes] : ar.extra_files) j["extra_files"].push_back({{"name", name}, {"bytes", bytes}});
    j["code_files"] = nlohmann::json::array();
    for (const auto& [name, text] : ar.code) {
      nlohmann::json jc{{"path", name}};
      if (show_code) jc["source"] = text;
      j["code_files"].push_back(std::move(jc));
    }
    for (const auto& [cls, mc] : ar.module_code) {
      nlohmann::json jc{{"path", mc.path}, {"class", cls}};
      if (show_code) jc["source"] = mc.text;
      j["code_files"].push_back(std::move(jc));
    }
    j["problems"] = nlohmann::json::array();
    for (const auto& p : cu->problems) j["problems"].push_back(p.str());
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }

  say("file: %s\n", path.c_str());
  say("format: version %lld (from %s)", static_cast<long long>(ar.format_version),
              ar.producer.version_record.c_str());
  if (!ar.producer.byteorder.empty()) say(", byteorder %s", ar.producer.byteorder.c_str());
  if (!ar.producer.serialization_id.empty()) say(", serialization id %s", ar.producer.serialization_id.c_str());
  if (ar.producer.has_traced_inputs) {
    say(", traced inputs recorded");
    for (const auto& [method, inputs] : ar.traced_inputs) {
      std::string shapes;
      for (const archive::TracedInput& t : inputs)
        shapes += (shapes.empty() ? "" : ", ") + shape_string(t.sizes) + " " + std::string(dtype_name(t.dtype));
      say(" (%s: %s)", method.c_str(), shapes.c_str());
    }
  }
  if (ar.producer.has_debug_info) say(", debug info");
  if (ar.producer.proto_version > 0)
    say("\nlayout: model.json of PyTorch 1.0-1.2 (protoVersion %lld, producer %s %s)",
        static_cast<long long>(ar.producer.proto_version), ar.producer.producer_name.c_str(),
        ar.producer.producer_version.c_str());
  say("\n\nmodules:\n");
  for (const auto& m : modules) {
    size_t depth = m.path.empty() ? 0 : static_cast<size_t>(std::count(m.path.begin(), m.path.end(), '.') + 1);
    std::string indent(2 * depth, ' ');
    std::string name = m.path.empty() ? std::string(m.cls->short_name())
                                      : m.path.substr(m.path.rfind('.') == std::string::npos ? 0 : m.path.rfind('.') + 1);
    say("%s%s (%s)\n", indent.c_str(), name.c_str(), m.cls->qualname.c_str());
    for (const auto& t : m.tensors)
      say("%s  %-10s %-24s %-8s %-20s %s\n", indent.c_str(), t.parameter ? "parameter" : "buffer",
                  t.name.c_str(), std::string(dtype_name(t.tensor.dtype())).c_str(),
                  shape_string(t.tensor.sizes()).c_str(), human_bytes(static_cast<int64_t>(t.tensor.nbytes())).c_str());
  }
  say("\nparameters: %s tensors, %s elements, %s\n", with_commas(params.count).c_str(),
              with_commas(params.numel).c_str(), human_bytes(params.bytes).c_str());
  say("buffers:    %s tensors, %s elements, %s\n", with_commas(buffers.count).c_str(),
              with_commas(buffers.numel).c_str(), human_bytes(buffers.bytes).c_str());
  say("\nmethods:\n");
  for (const Function* f : methods)
    say("  %s.%s\n", f->owner ? std::string(f->owner->short_name()).c_str() : "", f->signature().c_str());
  if (!ar.extra_files.empty()) {
    say("\nextra files:\n");
    for (const auto& [name, bytes] : ar.extra_files) say("  %s (%s)\n", name.c_str(), human_bytes(static_cast<int64_t>(bytes)).c_str());
  }
  if (!cu->problems.empty())
    say("\n%zu construct(s) ember cannot run yet; `ember check %s` lists them\n", cu->problems.size(), path.c_str());
  if (show_graph) {
    for (const Function* f : methods) {
      say("\n# ---- graph of %s ----\n", f->qualname.c_str());
      if (f->graph) say("%s", f->graph->str().c_str());
      else say("(not compiled: see `ember check`)\n");
    }
  }
  if (show_optimized) {
    const Module m = load(path);
    for (const MethodInfo& mi : m.methods()) {
      say("\n# ---- optimised graph of %s.%s ----\n", m.type_name().c_str(), mi.name.c_str());
      const std::string g = m.optimized_graph(mi.name);
      say("%s", g.empty() ? "(no passes ran)\n" : g.c_str());
    }
  }
  if (show_code) {
    for (const auto& [name, text] : ar.code) say("\n# ---- %s ----\n%s", name.c_str(), text.c_str());
    for (const auto& [cls, mc] : ar.module_code)
      say("\n# ---- %s (methods of %s) ----\n%s", mc.path.c_str(), cls.c_str(), mc.text.c_str());
  }
  return 0;
}

}  // namespace

Command add_inspect(CLI::App& app) {
  auto* sub = app.add_subcommand("inspect", "Show what a TorchScript archive holds: modules, parameters, buffers, methods");
  auto path = std::make_shared<std::string>();
  auto code = std::make_shared<bool>(false);
  auto graph = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  sub->add_option("model", *path, "TorchScript archive (.pt)")->required();
  sub->add_flag("--code", *code, "Also print the TorchScript source files");
  sub->add_flag("--graph", *graph, "Also print the compiled IR of each method");
  auto optimized = std::make_shared<bool>(false);
  sub->add_flag("--optimized", *optimized,
                "Also print the IR the root module's methods run after the load-time passes "
                "(EMBER_DISABLE_PASSES turns passes off)");
  sub->add_flag("--json", *json, "Print the same facts as JSON");
  return [=] { return run_inspect(*path, *code, *graph, *optimized, *json); };
}

}  // namespace ember::cli
