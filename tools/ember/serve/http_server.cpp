// http_server.cpp — REST routes, JSON tensors and the binary-data extension.
#include "http_server.h"

// cpp-httplib listens with a backlog of 5: 16 clients connecting at once overflowed the accept
// queue on a busy machine (a connection reset in the batching test). The kernel caps this at
// net.core.somaxconn.
#define CPPHTTPLIB_LISTEN_BACKLOG 1024
#include <httplib.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "access_log.h"
#include "ember/error.h"
#include "metrics.h"
#include "service.h"

namespace ember::serve {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kHeaderLength = "Inference-Header-Content-Length";
const std::string kModel = R"(/v2/models/([^/]+)(?:/versions/([^/]+))?)";

json error_body(const std::string& message) { return json{{"error", message}}; }

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

// Leaves of a nested JSON array in row-major order; depth bounded by the tensor's rank.
void flatten_data(const json& j, std::vector<const json*>& out, size_t depth, const std::string& what) {
  if (!j.is_array()) {
    out.push_back(&j);
    return;
  }
  if (depth > 64) throw ProtocolError(400, what + ": \"data\" nests deeper than any tensor's rank");
  for (const auto& e : j) flatten_data(e, out, depth + 1, what);
}

template <class T>
T element_from_json(const json& j, const std::string& what) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) throw ProtocolError(400, what + ": BOOL data must be true or false");
    return j.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    if (!j.is_number_integer()) throw ProtocolError(400, what + ": integer data must be whole numbers");
    if (j.is_number_unsigned()) {
      uint64_t v = j.get<uint64_t>();
      if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) throw ProtocolError(400, what + ": value " + j.dump() + " is out of the datatype's range");
      return static_cast<T>(v);
    }
    int64_t v = j.get<int64_t>();
    if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) || (v > 0 && static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max())))
      throw ProtocolError(400, what + ": value " + j.dump() + " is out of the datatype's range");
    return static_cast<T>(v);
  } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    if (!j.is_number()) throw ProtocolError(400, what + ": floating-point data must be numbers");
    if constexpr (std::is_same_v<T, double>) return j.get<double>();
    else return T(static_cast<float>(j.get<double>()));
  } else {
    throw ProtocolError(400, what + ": datatype cannot be given as JSON");
  }
}

template <class T>
json element_to_json(const T& v) {
  if constexpr (std::is_same_v<T, bool> || std::is_integral_v<T>) {
    return v;
  } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    return v;
  } else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    return static_cast<float>(v);
  } else {
    return nullptr;
  }
}

InferRequest decode_infer(const httplib::Request& req, const std::string& model, const std::string& version, size_t max_bytes) {
  InferRequest r;
  r.model = model;
  r.version = version;
  std::string_view body = req.body;
  std::string_view header = body, binary;
  if (req.has_header(kHeaderLength)) {
    const std::string v = req.get_header_value(kHeaderLength);
    size_t n = 0;
    try {
      size_t used = 0;
      n = std::stoull(v, &used);
      if (used != v.size()) throw std::invalid_argument(v);
    } catch (const std::exception&) {
      throw ProtocolError(400, std::string(kHeaderLength) + " is not a number");
    }
    if (n > body.size()) throw ProtocolError(400, std::string(kHeaderLength) + " is larger than the body");
    header = body.substr(0, n);
    binary = body.substr(n);
  }
  json j;
  try {
    j = json::parse(header);
  } catch (const json::exception& e) {
    throw ProtocolError(400, std::string("the request body is not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw ProtocolError(400, "the request body must be a JSON object");
  try {
    if (j.contains("id")) r.id = j["id"].get<std::string>();
    if (j.contains("parameters") && j["parameters"].contains("binary_data_output"))
      r.binary_outputs = j["parameters"]["binary_data_output"].get<bool>();
    if (!j.contains("inputs") || !j["inputs"].is_array()) throw ProtocolError(400, "the request has no \"inputs\" list");
    size_t offset = 0;
    for (const auto& in : j["inputs"]) {
      if (!in.is_object()) throw ProtocolError(400, "each input must be a JSON object");
      WireTensor w;
      if (!in.contains("name") || !in.contains("shape") || !in.contains("datatype"))
        throw ProtocolError(400, "each input needs \"name\", \"shape\" and \"datatype\"");
      w.name = in["name"].get<std::string>();
      w.datatype = in["datatype"].get<std::string>();
      w.shape = in["shape"].get<std::vector<int64_t>>();
      const std::string what = "input '" + w.name + "'";
      const bool is_bytes = w.datatype == "BYTES";
      std::optional<DType> dt = dtype_of_datatype(w.datatype);
      if (!is_bytes && !dt) throw ProtocolError(400, what + ": unknown datatype '" + w.datatype + "'");
      int64_t numel = checked_numel(w.shape, is_bytes ? 1 : element_size(*dt), max_bytes, what);
      const json* params = in.contains("parameters") ? &in["parameters"] : nullptr;
      if (params && params->contains("binary_data_size")) {
        size_t n = (*params)["binary_data_size"].get<size_t>();
        if (n > binary.size() - offset) throw ProtocolError(400, what + ": binary_data_size runs past the end of the body");
        std::string_view bytes = binary.substr(offset, n);
        offset += n;
        if (is_bytes) w.strings = decode_bytes_elements(bytes, numel, what);
        else w.tensor = tensor_from_bytes(*dt, w.shape, bytes, what);
      } else {
        if (!in.contains("data")) throw ProtocolError(400, what + " has neither \"data\" nor a binary_data_size parameter");
        std::vector<const json*> items;
        flatten_data(in["data"], items, 0, what);
        if (static_cast<int64_t>(items.size()) != numel)
          throw ProtocolError(400, what + ": shape " + shape_string(w.shape) + " has " + std::to_string(numel) + " elements but \"data\" holds " +
                                       std::to_string(items.size()));
        if (is_bytes) {
          for (const json* e : items) {
            if (!e->is_string()) throw ProtocolError(400, what + ": BYTES data must be strings");
            w.strings.push_back(e->get<std::string>());
          }
        } else {
          w.tensor = Tensor::empty_uninitialized(std::span<const int64_t>(w.shape), *dt);
          visit_dtype(*dt, [&](auto tag) {
            using T = decltype(tag);
            T* p = w.tensor.template data<T>();
            for (size_t i = 0; i < items.size(); ++i) p[i] = element_from_json<T>(*items[i], what);
          });
        }
      }
      r.inputs.push_back(std::move(w));
    }
    if (offset != binary.size()) throw ProtocolError(400, "the body holds binary data no input claims");
    if (j.contains("outputs")) {
      if (!j["outputs"].is_array()) throw ProtocolError(400, "\"outputs\" must be a list");
      for (const auto& o : j["outputs"]) {
        if (!o.is_object() || !o.contains("name")) throw ProtocolError(400, "each requested output needs a \"name\"");
        r.outputs.push_back(o["name"].get<std::string>());
        bool bin = o.contains("parameters") && o["parameters"].contains("binary_data") && o["parameters"]["binary_data"].get<bool>();
        r.outputs_binary.push_back(bin);
      }
    }
  } catch (const json::exception& e) {
    throw ProtocolError(400, std::string("malformed request: ") + e.what());
  }
  return r;
}

void encode_infer(const InferResponse& resp, httplib::Response& res) {
  json j = {{"model_name", resp.model}, {"model_version", resp.version}};
  if (!resp.id.empty()) j["id"] = resp.id;
  json outs = json::array();
  std::string blobs;
  for (const WireTensor& w : resp.outputs) {
    json o = {{"name", w.name}, {"datatype", w.datatype}, {"shape", w.shape}};
    if (w.binary) {
      std::string bytes = w.datatype == "BYTES" ? encode_bytes_elements(w.strings) : std::string(tensor_bytes(w.tensor));
      o["parameters"] = {{"binary_data_size", bytes.size()}};
      blobs += bytes;
    } else if (w.datatype == "BYTES") {
      o["data"] = w.strings;
    } else {
      json data = json::array();
      visit_dtype(w.tensor.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* p = w.tensor.template data<T>();
        const int64_t n = w.tensor.numel();
        for (int64_t i = 0; i < n; ++i) data.push_back(element_to_json<T>(p[i]));
      });
      o["data"] = std::move(data);
    }
    outs.push_back(std::move(o));
  }
  j["outputs"] = std::move(outs);
  std::string header = j.dump(-1, ' ', false, json::error_handler_t::replace);
  res.status = 200;
  if (blobs.empty()) {
    res.set_content(header, "application/json");
  } else {
    res.set_header(kHeaderLength, std::to_string(header.size()));
    res.set_content(header + blobs, "application/octet-stream");
  }
}

std::string match(const httplib::Request& req, size_t i) {
  return i < req.matches.size() ? std::string(req.matches[i]) : std::string();
}

json specs_json(const std::vector<ModelConfig::TensorSpec>& specs) {
  json a = json::array();
  for (const auto& s : specs) a.push_back({{"name", s.name}, {"datatype", s.datatype}, {"shape", s.shape}});
  return a;
}

thread_local Clock::time_point request_start;

}  // namespace

struct HttpServer::Impl {
  Service& service;
  Metrics& metrics;
  AccessLog& log;
  HttpOptions options;
  httplib::Server server;

  Impl(Service& s, Metrics& m, AccessLog& l, const HttpOptions& o) : service(s), metrics(m), log(l), options(o) {}

  // Runs a handler body, turning ProtocolError and any other failure into the protocol's
  // error JSON with the right status.
  template <class F>
  void guarded(httplib::Response& res, F&& f) {
    try {
      f();
    } catch (const ProtocolError& e) {
      send_json(res, e.status(), error_body(e.what()));
    } catch (const std::exception& e) {
      send_json(res, 500, error_body(std::string("internal error: ") + e.what()));
    }
  }

  void routes() {
    server.Get("/v2/health/live", [this](const httplib::Request&, httplib::Response& res) {
      send_json(res, service.live() ? 200 : 503, {{"live", service.live()}});
    });
    server.Get("/v2/health/ready", [this](const httplib::Request&, httplib::Response& res) {
      send_json(res, service.ready() ? 200 : 503, {{"ready", service.ready()}});
    });
    server.Get("/v2", [](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200, {{"name", Service::kServerName}, {"version", EMBER_VERSION_STRING}, {"extensions", Service::extensions()}});
    });
    server.Post("/v2/repository/index", [this](const httplib::Request&, httplib::Response& res) {
      json a = json::array();
      for (const auto& name : service.model_names())
        for (const auto& v : service.metadata(name, "").versions) a.push_back({{"name", name}, {"version", v}, {"state", service.ready() ? "READY" : "UNAVAILABLE"}});
      send_json(res, 200, a);
    });
    server.Get(kModel, [this](const httplib::Request& req, httplib::Response& res) {
      guarded(res, [&] {
        ModelMetadata md = service.metadata(match(req, 1), match(req, 2));
        send_json(res, 200, {{"name", md.name}, {"versions", md.versions}, {"platform", md.platform}, {"inputs", specs_json(md.inputs)}, {"outputs", specs_json(md.outputs)}});
      });
    });
    server.Get(kModel + "/ready", [this](const httplib::Request& req, httplib::Response& res) {
      guarded(res, [&] {
        bool ready = service.model_ready(match(req, 1), match(req, 2));
        send_json(res, ready ? 200 : 503, {{"name", match(req, 1)}, {"ready", ready}});
      });
    });
    server.Post(kModel + "/infer", [this](const httplib::Request& req, httplib::Response& res) {
      guarded(res, [&] {
        InferRequest r = decode_infer(req, match(req, 1), match(req, 2), options.max_body_bytes);
        encode_infer(service.infer(std::move(r)), res);
      });
    });
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.status = 200;
      res.set_content(metrics.prometheus(), "text/plain; version=0.0.4");
    });
    // Unknown paths, wrong methods, 413 for oversized bodies, …: the protocol's error JSON.
    server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      std::string msg = res.status == 413 ? "request body larger than the server's --max-body-bytes"
                        : res.status == 404 ? "no such endpoint: " + req.method + " " + req.path
                                            : "request failed with HTTP status " + std::to_string(res.status);
      res.set_content(error_body(msg).dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
    });
    server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      send_json(res, 500, error_body("internal error"));
    });
    server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
      request_start = Clock::now();
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      metrics.http(res.status);
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - request_start).count();
      json e = {{"event", "http"}, {"remote", req.remote_addr}, {"method", req.method}, {"path", req.path}, {"status", res.status},
                {"bytes_in", req.body.size()}, {"bytes_out", res.body.size()}, {"ms", std::round(ms * 1000) / 1000}};
      if (res.status >= 400) {
        try {
          e["error"] = json::parse(res.body).value("error", "");
        } catch (const std::exception&) {
        }
      }
      log.write(std::move(e));
    });
  }
};

HttpServer::HttpServer(Service& service, Metrics& metrics, AccessLog& log, const HttpOptions& options)
    : impl_(std::make_unique<Impl>(service, metrics, log, options)) {
  auto& s = impl_->server;
  const int threads = std::max(1, options.threads);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_payload_max_length(options.max_body_bytes);
  s.set_read_timeout(options.read_timeout_s, 0);
  s.set_write_timeout(options.read_timeout_s, 0);
  s.set_keep_alive_max_count(100000);
  s.set_keep_alive_timeout(5);
  s.set_tcp_nodelay(true);
  impl_->routes();
}

HttpServer::~HttpServer() = default;

int HttpServer::bind() {
  auto& s = impl_->server;
  int port = impl_->options.port;
  if (port == 0) {
    port = s.bind_to_any_port(impl_->options.host);
    if (port < 0) fail("cannot listen on ", impl_->options.host, " (any port)");
  } else if (!s.bind_to_port(impl_->options.host, port)) {
    fail("cannot listen on ", impl_->options.host, ":", port, " (in use, or the address is not local)");
  }
  return port;
}

void HttpServer::serve() { impl_->server.listen_after_bind(); }

void HttpServer::stop() { impl_->server.stop(); }

}  // namespace ember::serve
