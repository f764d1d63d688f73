// grpc_server.cpp — gRPC calls translated to the shared Service.
#include "grpc_server.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cmath>
#include <type_traits>

#include "access_log.h"
#include "ember/error.h"
#include "inference.grpc.pb.h"
#include "metrics.h"
#include "service.h"

namespace ember::serve {
namespace {

grpc::StatusCode code_of(int status) {
  switch (status) {
    case 400: return grpc::StatusCode::INVALID_ARGUMENT;
    case 404: return grpc::StatusCode::NOT_FOUND;
    case 413: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case 503: return grpc::StatusCode::UNAVAILABLE;
    case 504: return grpc::StatusCode::DEADLINE_EXCEEDED;
    default: return grpc::StatusCode::INTERNAL;
  }
}

// Typed contents of one input, copied into a tensor of `dt`.
template <class T, class Src>
void copy_typed(const Src& src, Tensor& t, const std::string& what) {
  if (static_cast<int64_t>(src.size()) != t.numel())
    throw ProtocolError(400, what + ": shape " + shape_string(t.sizes()) + " has " + std::to_string(t.numel()) + " elements but the contents hold " +
                                 std::to_string(src.size()));
  T* p = t.data<T>();
  for (int i = 0; i < src.size(); ++i) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      using S = std::decay_t<decltype(src.Get(i))>;
      S v = src.Get(i);
      if (static_cast<long double>(v) < static_cast<long double>(std::numeric_limits<T>::min()) ||
          static_cast<long double>(v) > static_cast<long double>(std::numeric_limits<T>::max()))
        throw ProtocolError(400, what + ": a value is out of the datatype's range");
      p[i] = static_cast<T>(v);
    } else {
      p[i] = static_cast<T>(src.Get(i));
    }
  }
}

void typed_input(const inference::InferTensorContents& c, DType dt, Tensor& t, const std::string& what) {
  switch (dt) {
    case DType::Bool: return copy_typed<bool>(c.bool_contents(), t, what);
    case DType::Int8: return copy_typed<int8_t>(c.int_contents(), t, what);
    case DType::Int16: return copy_typed<int16_t>(c.int_contents(), t, what);
    case DType::Int32: return copy_typed<int32_t>(c.int_contents(), t, what);
    case DType::Int64: return copy_typed<int64_t>(c.int64_contents(), t, what);
    case DType::UInt8: return copy_typed<uint8_t>(c.uint_contents(), t, what);
    case DType::Float32: return copy_typed<float>(c.fp32_contents(), t, what);
    case DType::Float64: return copy_typed<double>(c.fp64_contents(), t, what);
    default: throw ProtocolError(400, what + ": FP16 and BF16 travel only as raw_input_contents");
  }
}

InferRequest decode(const inference::ModelInferRequest& req, size_t max_bytes) {
  InferRequest r;
  r.model = req.model_name();
  r.version = req.model_version();
  r.id = req.id();
  const bool raw = req.raw_input_contents_size() > 0;
  if (raw && req.raw_input_contents_size() != req.inputs_size())
    throw ProtocolError(400, "raw_input_contents has " + std::to_string(req.raw_input_contents_size()) + " entries for " + std::to_string(req.inputs_size()) + " inputs");
  for (int i = 0; i < req.inputs_size(); ++i) {
    const auto& in = req.inputs(i);
    WireTensor w;
    w.name = in.name();
    w.datatype = in.datatype();
    w.shape.assign(in.shape().begin(), in.shape().end());
    const std::string what = "input '" + w.name + "'";
    const bool is_bytes = w.datatype == "BYTES";
    std::optional<DType> dt = dtype_of_datatype(w.datatype);
    if (!is_bytes && !dt) throw ProtocolError(400, what + ": unknown datatype '" + w.datatype + "'");
    int64_t numel = checked_numel(w.shape, is_bytes ? 1 : element_size(*dt), max_bytes, what);
    if (raw) {
      const std::string& bytes = req.raw_input_contents(i);
      if (is_bytes) w.strings = decode_bytes_elements(bytes, numel, what);
      else w.tensor = tensor_from_bytes(*dt, w.shape, bytes, what);
    } else if (is_bytes) {
      if (in.contents().bytes_contents_size() != numel) throw ProtocolError(400, what + ": bytes_contents does not match the shape");
      for (const auto& s : in.contents().bytes_contents()) w.strings.push_back(s);
    } else {
      w.tensor = Tensor::empty_uninitialized(std::span<const int64_t>(w.shape), *dt);
      typed_input(in.contents(), *dt, w.tensor, what);
    }
    r.inputs.push_back(std::move(w));
  }
  for (const auto& o : req.outputs()) {
    r.outputs.push_back(o.name());
    r.outputs_binary.push_back(true);
  }
  return r;
}

void encode(const InferResponse& resp, inference::ModelInferResponse* out) {
  out->set_model_name(resp.model);
  out->set_model_version(resp.version);
  out->set_id(resp.id);
  for (const WireTensor& w : resp.outputs) {
    auto* o = out->add_outputs();
    o->set_name(w.name);
    o->set_datatype(w.datatype);
    for (int64_t d : w.shape) o->add_shape(d);
    if (w.datatype == "BYTES") out->add_raw_output_contents(encode_bytes_elements(w.strings));
    else out->add_raw_output_contents(std::string(tensor_bytes(w.tensor)));
  }
}

class ServiceImpl final : public inference::GRPCInferenceService::Service {
 public:
  ServiceImpl(ember::serve::Service& s, Metrics& m, AccessLog& l) : service_(s), metrics_(m), log_(l) {}
  size_t max_bytes = 64 << 20;

  template <class F>
  grpc::Status guarded(grpc::ServerContext* ctx, const char* method, const std::string& model, F&& f) {
    auto start = std::chrono::steady_clock::now();
    grpc::Status status = grpc::Status::OK;
    try {
      f();
    } catch (const ProtocolError& e) {
      status = grpc::Status(code_of(e.status()), e.what());
    } catch (const std::exception& e) {
      status = grpc::Status(grpc::StatusCode::INTERNAL, std::string("internal error: ") + e.what());
    }
    metrics_.grpc(status.ok());
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    nlohmann::json e = {{"event", "grpc"}, {"remote", ctx->peer()}, {"method", method}, {"status", static_cast<int>(status.error_code())},
                        {"ms", std::round(ms * 1000) / 1000}};
    if (!model.empty()) e["model"] = model;
    if (!status.ok()) e["error"] = status.error_message();
    log_.write(std::move(e));
    return status;
  }

  grpc::Status ServerLive(grpc::ServerContext* ctx, const inference::ServerLiveRequest*, inference::ServerLiveResponse* r) override {
    return guarded(ctx, "ServerLive", "", [&] { r->set_live(service_.live()); });
  }
  grpc::Status ServerReady(grpc::ServerContext* ctx, const inference::ServerReadyRequest*, inference::ServerReadyResponse* r) override {
    return guarded(ctx, "ServerReady", "", [&] { r->set_ready(service_.ready()); });
  }
  grpc::Status ModelReady(grpc::ServerContext* ctx, const inference::ModelReadyRequest* q, inference::ModelReadyResponse* r) override {
    return guarded(ctx, "ModelReady", q->name(), [&] { r->set_ready(service_.model_ready(q->name(), q->version())); });
  }
  grpc::Status ServerMetadata(grpc::ServerContext* ctx, const inference::ServerMetadataRequest*, inference::ServerMetadataResponse* r) override {
    return guarded(ctx, "ServerMetadata", "", [&] {
      r->set_name(ember::serve::Service::kServerName);
      r->set_version(EMBER_VERSION_STRING);
      for (const auto& e : ember::serve::Service::extensions()) r->add_extensions(e);
    });
  }
  grpc::Status ModelMetadata(grpc::ServerContext* ctx, const inference::ModelMetadataRequest* q, inference::ModelMetadataResponse* r) override {
    return guarded(ctx, "ModelMetadata", q->name(), [&] {
      ember::serve::ModelMetadata md = service_.metadata(q->name(), q->version());
      r->set_name(md.name);
      for (const auto& v : md.versions) r->add_versions(v);
      r->set_platform(md.platform);
      auto fill = [](const auto& specs, auto add) {
        for (const auto& s : specs) {
          auto* t = add();
          t->set_name(s.name);
          t->set_datatype(s.datatype);
          for (int64_t d : s.shape) t->add_shape(d);
        }
      };
      fill(md.inputs, [&] { return r->add_inputs(); });
      fill(md.outputs, [&] { return r->add_outputs(); });
    });
  }
  grpc::Status ModelInfer(grpc::ServerContext* ctx, const inference::ModelInferRequest* q, inference::ModelInferResponse* r) override {
    return guarded(ctx, "ModelInfer", q->model_name(), [&] { encode(service_.infer(decode(*q, max_bytes)), r); });
  }

 private:
  ember::serve::Service& service_;
  Metrics& metrics_;
  AccessLog& log_;
};

}  // namespace

struct GrpcServer::Impl {
  ServiceImpl service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  Impl(Service& s, Metrics& m, AccessLog& l) : service(s, m, l) {}
};

GrpcServer::GrpcServer(Service& service, Metrics& metrics, AccessLog& log, const std::string& host, int port, size_t max_message_bytes)
    : impl_(std::make_unique<Impl>(service, metrics, log)) {
  impl_->service.max_bytes = max_message_bytes;
  grpc::ServerBuilder builder;
  std::string address = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &impl_->port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(std::min<size_t>(max_message_bytes, INT32_MAX)));
  builder.SetMaxSendMessageSize(INT32_MAX);
  builder.RegisterService(&impl_->service);
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || impl_->port == 0) fail("cannot listen for gRPC on ", address, " (in use, or the address is not local)");
}

GrpcServer::~GrpcServer() {
  if (impl_->server) stop(0);
}

int GrpcServer::port() const { return impl_->port; }

void GrpcServer::stop(double grace_s) {
  if (!impl_->server) return;
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(grace_s * 1000)));
  impl_->server->Wait();
  impl_->server.reset();
}

}  // namespace ember::serve
