// http_server.h — the KServe v2 REST endpoints over HTTP/1.1 (cpp-httplib), with Triton's
// binary-data extension: health, server and model metadata, readiness, infer, and /metrics.
#pragma once

#include <memory>
#include <string>

namespace ember::serve {

class Service;
class Metrics;
class AccessLog;

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0: any free port
  int threads = 32;
  size_t max_body_bytes = 64 << 20;
  int read_timeout_s = 30;
};

class HttpServer {
 public:
  HttpServer(Service& service, Metrics& metrics, AccessLog& log, const HttpOptions& options);
  ~HttpServer();
  // Binds (throwing ember::Error when it cannot) and returns the bound port.
  int bind();
  // Serves until stop(); requests in progress finish first.
  void serve();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ember::serve
