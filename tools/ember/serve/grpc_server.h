// grpc_server.h — the KServe v2 gRPC service (inference.GRPCInferenceService) over grpc++.
#pragma once

#include <memory>
#include <string>

namespace ember::serve {

class Service;
class Metrics;
class AccessLog;

class GrpcServer {
 public:
  // Starts listening on host:port (0: any free port); throws ember::Error when it cannot.
  GrpcServer(Service& service, Metrics& metrics, AccessLog& log, const std::string& host, int port, size_t max_message_bytes);
  ~GrpcServer();
  int port() const;
  // Stops taking calls and waits (up to `grace_s`) for calls in progress.
  void stop(double grace_s);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ember::serve
