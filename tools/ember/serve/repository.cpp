// repository.cpp — finding models on disk, their config.json, and their protocol signatures.
#include "repository.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ember/error.h"
#include "metrics.h"
#include "scheduler.h"

namespace fs = std::filesystem;

namespace ember::serve {
namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

// Splits a type list ("Tensor, List[int]") at commas outside brackets.
std::vector<std::string> split_top(std::string_view s) {
  std::vector<std::string> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '[') ++depth;
    else if (s[i] == ']') --depth;
    else if (s[i] == ',' && depth == 0) {
      parts.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  std::string last = trim(s.substr(start));
  if (!last.empty()) parts.push_back(last);
  return parts;
}

ArgSpec::Kind kind_of(const std::string& type) {
  if (type == "Tensor") return ArgSpec::Kind::Tensor;
  if (type == "int") return ArgSpec::Kind::Int;
  if (type == "float") return ArgSpec::Kind::Float;
  if (type == "bool") return ArgSpec::Kind::Bool;
  if (type == "str") return ArgSpec::Kind::Str;
  return ArgSpec::Kind::Unsupported;
}

void flatten_type(const std::string& type, std::vector<std::string>& out) {
  if (type.rfind("Tuple[", 0) == 0 && type.back() == ']') {
    for (const auto& t : split_top(std::string_view(type).substr(6, type.size() - 7))) flatten_type(t, out);
  } else if (type == "Tensor" || type == "int" || type == "float" || type == "bool" || type == "str") {
    out.push_back(type);
  } else if (type == "NoneType") {
  } else {
    out.push_back("?");  // lists, dicts, optionals: the count is known only at run time
  }
}

std::string datatype_for(const std::string& type) {
  if (type == "int") return "INT64";
  if (type == "float") return "FP64";
  if (type == "bool") return "BOOL";
  if (type == "str") return "BYTES";
  return "FP32";  // a Tensor's dtype is not in the schema; config.json can say
}

std::vector<ModelConfig::TensorSpec> parse_specs(const nlohmann::json& j, const std::string& what) {
  std::vector<ModelConfig::TensorSpec> out;
  if (!j.is_array()) fail(what, " must be a list of {\"name\", \"datatype\", \"shape\"}");
  for (const auto& e : j) {
    ModelConfig::TensorSpec s;
    if (!e.is_object()) fail(what, " must be a list of objects");
    if (e.contains("name")) s.name = e.at("name").get<std::string>();
    if (e.contains("datatype")) {
      s.datatype = e.at("datatype").get<std::string>();
      if (s.datatype != "BYTES" && !dtype_of_datatype(s.datatype)) fail(what, ": unknown datatype '", s.datatype, "'");
    }
    if (e.contains("shape")) s.shape = e.at("shape").get<std::vector<int64_t>>();
    out.push_back(std::move(s));
  }
  return out;
}

ModelConfig read_config(const fs::path& file, ModelConfig c) {
  std::ifstream in(file);
  if (!in) fail("cannot read ", file.string());
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
    if (!j.is_object()) fail("must hold a JSON object");
    static const char* known[] = {"name", "method", "max_batch_size", "max_batch_delay_ms", "batch_sizes", "max_queue", "instances",
                                  "threads", "timeout_ms", "device", "disable_passes", "inputs", "outputs"};
    for (const auto& [k, v] : j.items())
      if (std::find(std::begin(known), std::end(known), k) == std::end(known)) fail("unknown field '", k, "'");
    if (j.contains("name")) c.name = j["name"].get<std::string>();
    if (j.contains("method")) c.method = j["method"].get<std::string>();
    if (j.contains("max_batch_size")) c.max_batch_size = j["max_batch_size"].get<int>();
    if (j.contains("max_batch_delay_ms")) c.max_batch_delay_ms = j["max_batch_delay_ms"].get<double>();
    if (j.contains("batch_sizes")) {
      c.batch_sizes = j["batch_sizes"].get<std::vector<int64_t>>();
      c.batch_sizes_set = true;
    }
    if (j.contains("max_queue")) c.max_queue = j["max_queue"].get<int>();
    if (j.contains("instances")) c.instances = j["instances"].get<int>();
    if (j.contains("threads")) c.threads = j["threads"].get<int>();
    if (j.contains("timeout_ms")) c.timeout_ms = j["timeout_ms"].get<double>();
    if (j.contains("device")) c.device = j["device"].get<std::string>();
    if (j.contains("disable_passes")) c.disabled_passes = j["disable_passes"].get<std::vector<std::string>>();
    if (j.contains("inputs")) c.inputs = parse_specs(j["inputs"], "inputs");
    if (j.contains("outputs")) c.outputs = parse_specs(j["outputs"], "outputs");
  } catch (const nlohmann::json::exception& e) {
    fail(file.string(), ": ", e.what());
  } catch (const Error& e) {
    fail(file.string(), ": ", e.what());
  }
  if (c.max_batch_size < 0 || c.max_queue < 1 || c.instances < 1 || c.instances > 64 || c.threads < 0 ||
      c.max_batch_delay_ms < 0 || c.max_batch_delay_ms > 60000 || c.timeout_ms < 0)
    fail(file.string(), ": max_batch_size, max_batch_delay_ms (<= 60000), max_queue (>= 1), instances (1..64), threads and timeout_ms must be in range");
  for (size_t i = 0; i < c.batch_sizes.size(); ++i)
    if (c.batch_sizes[i] < 1 || c.batch_sizes[i] > c.max_batch_size || (i > 0 && c.batch_sizes[i] <= c.batch_sizes[i - 1]))
      fail(file.string(), ": batch_sizes must be ascending, each from 1 to max_batch_size (", c.max_batch_size, ")");
  return c;
}

bool is_number(const std::string& s) { return !s.empty() && std::all_of(s.begin(), s.end(), ::isdigit); }

bool is_model_file(const fs::path& p) {
  auto ext = p.extension().string();
  return fs::is_regular_file(p) && (ext == ".pt" || ext == ".pth" || ext == ".ptl" || ext == ".zip");
}

// The single model file of a version folder.
fs::path version_file(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (is_model_file(e.path())) files.push_back(e.path());
  if (files.size() != 1) fail(dir.string(), ": a version folder must hold exactly one .pt file, found ", files.size());
  return files[0];
}

}  // namespace

std::vector<int64_t> allowed_batch_sizes(const ModelConfig& c) {
  if (c.max_batch_size <= 0) return {};
  std::vector<int64_t> sizes = c.batch_sizes;
  if (!c.batch_sizes_set)
    for (int64_t s = 1; s < c.max_batch_size; s *= 2) sizes.push_back(s);
  if (!sizes.empty() && sizes.back() < c.max_batch_size) sizes.push_back(c.max_batch_size);
  return sizes;
}

namespace {

// With batching on and every input a tensor whose dtype and trailing dims the config gives, runs
// the method once on zeros per allowed batch size at load (Module::prepare: only when the method
// has no side effects), so no request pays for making a size's kernels.
void prepare_batch_sizes(ModelVersion& v) {
  const std::vector<int64_t> sizes = allowed_batch_sizes(v.config);
  if (sizes.empty()) return;
  std::vector<InputShape> shapes;
  for (size_t i = 0; i < v.signature.args.size(); ++i) {
    const ArgSpec& a = v.signature.args[i];
    if (a.kind != ArgSpec::Kind::Tensor || i >= v.inputs.size()) return;
    auto dtype = dtype_of_datatype(v.inputs[i].datatype);
    const auto& shape = v.inputs[i].shape;
    if (!dtype || shape.empty()) return;
    for (size_t d = 1; d < shape.size(); ++d)
      if (shape[d] < 0) return;
    shapes.push_back({shape, *dtype});
  }
  for (int64_t rows : sizes) {
    for (InputShape& s : shapes) s.sizes[0] = rows;
    if (!v.module.prepare(shapes, v.config.method)) return;  // side effects, or zeros do not run
  }
}

}  // namespace

MethodSignature method_signature(const Method& method) {
  MethodSignature sig;
  for (const ArgumentInfo& info : method.arguments()) {
    ArgSpec a;
    a.name = info.name;
    a.type = info.type;
    a.has_default = info.has_default;
    a.default_value = info.default_value;
    std::string inner = info.type;
    if (inner.rfind("Optional[", 0) == 0 && inner.back() == ']') {
      a.optional = true;
      inner = inner.substr(9, inner.size() - 10);
    }
    a.kind = kind_of(inner);
    sig.args.push_back(std::move(a));
  }
  flatten_type(method.return_type(), sig.returns);
  return sig;
}

ModelVersion::ModelVersion(Module m, const std::string& method_name)
    : module(std::move(m)), method(module.get_method(method_name)), signature(method_signature(method)) {}
ModelVersion::~ModelVersion() = default;

bool Repository::VersionLess::operator()(const std::string& a, const std::string& b) const {
  if (is_number(a) && is_number(b) && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

Repository::Repository(const std::vector<std::string>& paths, const ServeDefaults& d, Metrics& metrics) {
  ModelConfig base;
  base.max_batch_size = d.max_batch_size;
  base.max_batch_delay_ms = d.max_batch_delay_ms;
  base.max_queue = d.max_queue;
  base.instances = d.instances;
  base.threads = d.threads;
  base.disabled_passes = d.disabled_passes;

  auto load_version = [&](const std::string& name, const std::string& version, const fs::path& file, const ModelConfig& cfg) {
    if (cfg.device != "cpu") fail(file.string(), ": device '", cfg.device, "' is not available in this build (only 'cpu')");
    Module module = load(file.string(), LoadOptions{cfg.disabled_passes});
    if (!module.has_method(cfg.method)) fail(file.string(), ": the model has no method '", cfg.method, "'");
    auto v = std::make_unique<ModelVersion>(std::move(module), cfg.method);
    v->model = name;
    v->version = version;
    v->path = file.string();
    v->config = cfg;
    v->config.name = name;
    for (size_t i = 0; i < v->signature.args.size(); ++i) {
      const ArgSpec& a = v->signature.args[i];
      ModelConfig::TensorSpec s{a.name, datatype_for(a.optional ? a.type.substr(9, a.type.size() - 10) : a.type),
                                a.kind == ArgSpec::Kind::Tensor ? std::vector<int64_t>{-1} : std::vector<int64_t>{1}};
      if (i < cfg.inputs.size()) {
        if (!cfg.inputs[i].datatype.empty()) s.datatype = cfg.inputs[i].datatype;
        if (!cfg.inputs[i].shape.empty()) s.shape = cfg.inputs[i].shape;
      }
      v->inputs.push_back(std::move(s));
    }
    const size_t n_out = std::max(v->signature.returns.size(), cfg.outputs.size());
    for (size_t i = 0; i < n_out; ++i) {
      std::string type = i < v->signature.returns.size() ? v->signature.returns[i] : "?";
      if (type == "?" && i >= cfg.outputs.size()) break;  // count unknown past here
      ModelConfig::TensorSpec s{"OUTPUT__" + std::to_string(i), datatype_for(type),
                                type == "Tensor" || type == "?" ? std::vector<int64_t>{-1} : std::vector<int64_t>{1}};
      if (i < cfg.outputs.size()) {
        if (!cfg.outputs[i].name.empty()) s.name = cfg.outputs[i].name;
        if (!cfg.outputs[i].datatype.empty()) s.datatype = cfg.outputs[i].datatype;
        if (!cfg.outputs[i].shape.empty()) s.shape = cfg.outputs[i].shape;
      }
      v->outputs.push_back(std::move(s));
    }
    prepare_batch_sizes(*v);
    v->scheduler = std::make_unique<Scheduler>(*v, metrics);
    add(std::move(v));
  };

  // A directory is one model when it has a config.json, version folders or model files.
  auto load_model_dir = [&](const fs::path& dir) {
    ModelConfig cfg = base;
    cfg.name = dir.filename().string();
    if (fs::exists(dir / "config.json")) cfg = read_config(dir / "config.json", cfg);
    bool any = false;
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(dir)) entries.push_back(e.path());
    std::sort(entries.begin(), entries.end());
    for (const auto& p : entries) {
      if (fs::is_directory(p) && is_number(p.filename().string())) {
        load_version(cfg.name, p.filename().string(), version_file(p), cfg);
        any = true;
      }
    }
    if (!any) {
      std::vector<fs::path> files;
      for (const auto& p : entries)
        if (is_model_file(p)) files.push_back(p);
      if (files.size() != 1) fail(dir.string(), ": a model folder holds one .pt file or numbered version folders, found ", files.size(), " files");
      load_version(cfg.name, "1", files[0], cfg);
    }
  };

  auto is_single_model_dir = [](const fs::path& dir) {
    if (fs::exists(dir / "config.json")) return true;
    for (const auto& e : fs::directory_iterator(dir))
      if (fs::is_directory(e.path()) && is_number(e.path().filename().string())) return true;
    return false;
  };

  for (const auto& p : paths) {
    fs::path path(p);
    std::error_code ec;
    auto st = fs::status(path, ec);
    if (ec || !fs::exists(st)) fail("no such model file or folder: ", p);
    if (fs::is_regular_file(st)) {
      ModelConfig cfg = base;
      cfg.name = path.stem().string();
      load_version(cfg.name, "1", path, cfg);
    } else if (fs::is_directory(st)) {
      if (is_single_model_dir(path)) {
        load_model_dir(path);
        continue;
      }
      std::vector<fs::path> entries;
      for (const auto& e : fs::directory_iterator(path)) entries.push_back(e.path());
      std::sort(entries.begin(), entries.end());
      size_t before = models_.size();
      for (const auto& e : entries) {
        if (is_model_file(e)) {
          ModelConfig cfg = base;
          cfg.name = e.stem().string();
          load_version(cfg.name, "1", e, cfg);
        } else if (fs::is_directory(e)) {
          load_model_dir(e);
        }
      }
      if (models_.size() == before) fail(p, ": holds no models (.pt files or model folders)");
    } else {
      fail(p, ": not a regular file or a folder");
    }
  }
  if (models_.empty()) fail("no models to serve");
}

Repository::~Repository() { drain(); }

void Repository::add(std::unique_ptr<ModelVersion> v) {
  auto& versions = models_[v->model];
  if (versions.count(v->version)) fail("model '", v->model, "' version ", v->version, " is given twice (", v->path, ")");
  std::string version = v->version;
  versions.emplace(version, std::move(v));
}

ModelVersion& Repository::find(const std::string& model, const std::string& version) const {
  auto it = models_.find(model);
  if (it == models_.end()) throw ProtocolError(404, "unknown model '" + model + "'");
  if (version.empty()) return *it->second.rbegin()->second;
  auto v = it->second.find(version);
  if (v == it->second.end()) throw ProtocolError(404, "model '" + model + "' has no version '" + version + "'");
  return *v->second;
}

std::vector<std::string> Repository::versions(const std::string& model) const {
  std::vector<std::string> out;
  auto it = models_.find(model);
  if (it != models_.end())
    for (const auto& [v, m] : it->second) out.push_back(v);
  return out;
}

std::vector<std::string> Repository::names() const {
  std::vector<std::string> out;
  for (const auto& [n, v] : models_) out.push_back(n);
  return out;
}

void Repository::drain() {
  for (auto& [n, versions] : models_)
    for (auto& [v, m] : versions)
      if (m->scheduler) m->scheduler->drain();
}

}  // namespace ember::serve
