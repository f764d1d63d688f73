// service.cpp — argument binding, scheduling and output naming for inference requests.
#include "service.h"

#include <algorithm>
#include <cstring>
#include <future>
#include <optional>

#include "ember/error.h"
#include "metrics.h"
#include "scheduler.h"

namespace ember::serve {
namespace {

int64_t input_index(const ModelVersion& m, const std::string& name) {
  for (size_t i = 0; i < m.signature.args.size(); ++i)
    if (m.signature.args[i].name == name || (i < m.inputs.size() && m.inputs[i].name == name)) return static_cast<int64_t>(i);
  for (const char* prefix : {"INPUT__", "input__"}) {
    size_t n = std::strlen(prefix);
    if (name.size() > n && name.compare(0, n, prefix) == 0) {
      std::string digits = name.substr(n);
      if (digits.size() < 4 && std::all_of(digits.begin(), digits.end(), ::isdigit)) {
        int64_t i = std::stoll(digits);
        if (i < static_cast<int64_t>(m.signature.args.size())) return i;
      }
    }
  }
  return -1;
}

std::string input_names(const ModelVersion& m) {
  std::string s;
  for (const auto& a : m.signature.args) s += (s.empty() ? "" : ", ") + a.name;
  return s.empty() ? "none" : s;
}

Value to_argument(const ArgSpec& a, WireTensor& w, const std::string& model) {
  const std::string what = "input '" + w.name + "' of model '" + model + "'";
  auto single = [&]() -> const Tensor& {
    if (w.tensor.numel() != 1 || w.tensor.dim() > 1)
      throw ProtocolError(400, what + " is " + a.type + ": send one element (shape [] or [1]), got shape " + shape_string(w.shape));
    return w.tensor;
  };
  switch (a.kind) {
    case ArgSpec::Kind::Tensor:
      if (!w.tensor.defined()) throw ProtocolError(400, what + " is a Tensor; BYTES is not a tensor datatype");
      return Value(w.tensor);
    case ArgSpec::Kind::Int:
      if (!w.tensor.defined() || !is_integral(w.tensor.dtype(), false))
        throw ProtocolError(400, what + " is an int: send an integer datatype (INT64, INT32, …), got " + w.datatype);
      return Value(single().item_int());
    case ArgSpec::Kind::Float:
      if (!w.tensor.defined() || w.tensor.dtype() == DType::Bool)
        throw ProtocolError(400, what + " is a float: send FP64, FP32 or an integer datatype, got " + w.datatype);
      return Value(single().item_double());
    case ArgSpec::Kind::Bool:
      if (!w.tensor.defined() || w.tensor.dtype() != DType::Bool) throw ProtocolError(400, what + " is a bool: send BOOL, got " + w.datatype);
      return Value(single().item_int() != 0);
    case ArgSpec::Kind::Str:
      if (w.tensor.defined() || w.strings.size() != 1)
        throw ProtocolError(400, what + " is a str: send BYTES with one element");
      return Value(w.strings[0]);
    case ArgSpec::Kind::Unsupported:
      break;
  }
  throw ProtocolError(400, what + " has type " + a.type + ", which the inference protocol cannot carry");
}

WireTensor to_wire(const Value& v, const std::string& name, const std::string& model) {
  WireTensor w;
  w.name = name;
  if (v.is_string()) {
    w.datatype = "BYTES";
    w.shape = {1};
    w.strings = {v.to_string()};
    return w;
  }
  Tensor t;
  if (v.is_tensor()) t = v.to_tensor();
  else if (v.is_int()) t = Tensor::scalar<int64_t>(v.to_int());
  else if (v.is_double()) t = Tensor::scalar<double>(v.to_double());
  else if (v.is_bool()) t = Tensor::scalar<bool>(v.to_bool());
  else throw ProtocolError(500, "output '" + name + "' of model '" + model + "' is a " + std::string(v.tag_name()) + ", which the protocol cannot carry");
  if (!t.defined()) throw ProtocolError(500, "output '" + name + "' of model '" + model + "' is an undefined tensor");
  auto dt = datatype_of_dtype(t.dtype());
  if (!dt) throw ProtocolError(500, "output '" + name + "' of model '" + model + "' has dtype " + std::string(dtype_name(t.dtype())) + ", which has no protocol datatype");
  w.datatype = std::string(*dt);
  w.tensor = t.contiguous();
  w.shape = w.tensor.sizes();
  if (!v.is_tensor()) w.shape = {1};
  return w;
}

}  // namespace

bool Service::model_ready(const std::string& model, const std::string& version) const {
  repo_.find(model, version);
  return !draining_;
}

ModelMetadata Service::metadata(const std::string& model, const std::string& version) const {
  const ModelVersion& m = repo_.find(model, version);
  ModelMetadata md;
  md.name = m.model;
  md.versions = version.empty() ? repo_.versions(model) : std::vector<std::string>{m.version};
  md.inputs = m.inputs;
  md.outputs = m.outputs;
  return md;
}

InferResponse Service::infer(InferRequest req) {
  ModelVersion& m = repo_.find(req.model, req.version);
  const std::string metrics_name = m.model + "/" + m.version;
  bool counted = false;
  try {
    std::vector<std::optional<Value>> bound(m.signature.args.size());
    for (WireTensor& w : req.inputs) {
      int64_t i = input_index(m, w.name);
      if (i < 0) throw ProtocolError(400, "model '" + m.model + "' has no input '" + w.name + "' (its inputs: " + input_names(m) + ")");
      if (bound[static_cast<size_t>(i)]) throw ProtocolError(400, "input '" + w.name + "' is given twice");
      bound[static_cast<size_t>(i)] = to_argument(m.signature.args[static_cast<size_t>(i)], w, m.model);
    }
    // Positional arguments up to the last one given; an omitted one takes its default (or None
    // when Optional), and omitted trailing ones are left to the call's own defaults.
    size_t last = 0;
    for (size_t i = 0; i < bound.size(); ++i)
      if (bound[i]) last = i + 1;
    std::vector<Value> args;
    for (size_t i = 0; i < bound.size(); ++i) {
      const ArgSpec& a = m.signature.args[i];
      if (bound[i]) {
        args.push_back(std::move(*bound[i]));
        continue;
      }
      if (i >= last && a.has_default) break;
      if (!a.has_default && !a.optional)
        throw ProtocolError(400, "missing input '" + a.name + "' of model '" + m.model + "' (type " + a.type + ")");
      args.push_back(a.has_default ? a.default_value : Value());
    }
    const double timeout_ms = m.config.timeout_ms > 0 ? m.config.timeout_ms : default_timeout_ms_;
    const Clock::time_point deadline =
        timeout_ms > 0 ? Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(timeout_ms))
                       : Clock::time_point::max();
    std::shared_ptr<Job> job = m.scheduler->submit(std::move(args), deadline);
    std::future<JobResult> fut = job->promise.get_future();
    if (deadline != Clock::time_point::max() && fut.wait_until(deadline) != std::future_status::ready) {
      job->abandoned = true;
      throw ProtocolError(504, "model '" + m.model + "' did not answer within " + std::to_string(static_cast<int64_t>(timeout_ms)) + " ms");
    }
    JobResult r = fut.get();
    if (r.status != 200) {
      counted = true;
      metrics_.request(metrics_name, false, r.queue_s, r.compute_s);
      throw ProtocolError(r.status, r.error);
    }

    InferResponse resp;
    resp.model = m.model;
    resp.version = m.version;
    resp.id = req.id;
    std::vector<bool> used(req.outputs.size(), false);
    for (size_t i = 0; i < r.leaves.size(); ++i) {
      if (r.leaves[i].is_none()) continue;
      std::string name = i < m.outputs.size() ? m.outputs[i].name : "OUTPUT__" + std::to_string(i);
      bool binary = req.binary_outputs;
      if (!req.outputs.empty()) {
        size_t k = 0;
        while (k < req.outputs.size() && req.outputs[k] != name) ++k;
        if (k == req.outputs.size()) continue;
        used[k] = true;
        binary = binary || req.outputs_binary[k];
      }
      WireTensor w = to_wire(r.leaves[i], name, m.model);
      w.binary = binary;
      resp.outputs.push_back(std::move(w));
    }
    for (size_t k = 0; k < req.outputs.size(); ++k)
      if (!used[k]) throw ProtocolError(400, "model '" + m.model + "' has no output '" + req.outputs[k] + "'");
    counted = true;
    metrics_.request(metrics_name, true, r.queue_s, r.compute_s);
    return resp;
  } catch (const ProtocolError&) {
    if (!counted) metrics_.request(metrics_name, false, -1, -1);
    throw;
  }
}

std::vector<std::string> decode_bytes_elements(std::string_view raw, int64_t count, const std::string& what) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (int64_t i = 0; i < count; ++i) {
    if (raw.size() - pos < 4) throw ProtocolError(400, what + ": BYTES data ends inside an element's length");
    uint32_t len = static_cast<uint32_t>(static_cast<unsigned char>(raw[pos])) | static_cast<uint32_t>(static_cast<unsigned char>(raw[pos + 1])) << 8 |
                   static_cast<uint32_t>(static_cast<unsigned char>(raw[pos + 2])) << 16 | static_cast<uint32_t>(static_cast<unsigned char>(raw[pos + 3])) << 24;
    pos += 4;
    if (raw.size() - pos < len) throw ProtocolError(400, what + ": BYTES element longer than the data");
    out.emplace_back(raw.substr(pos, len));
    pos += len;
  }
  if (pos != raw.size()) throw ProtocolError(400, what + ": BYTES data holds more than the shape's elements");
  return out;
}

std::string encode_bytes_elements(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    uint32_t n = static_cast<uint32_t>(s.size());
    for (int k = 0; k < 4; ++k) out += static_cast<char>((n >> (8 * k)) & 0xff);
    out += s;
  }
  return out;
}

}  // namespace ember::serve
