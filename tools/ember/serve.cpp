// serve.cpp — `ember serve MODELS…`: the models behind the KServe v2 protocol over HTTP/REST and
// gRPC, with dynamic batching, Prometheus metrics, bounded queues and graceful shutdown.
#include <pthread.h>
#include <signal.h>

#include <thread>

#include "commands.h"
#include "ember/error.h"
#include "io.h"
#include "serve/access_log.h"
#include "serve/http_server.h"
#include "serve/metrics.h"
#include "serve/repository.h"
#include "serve/service.h"
#if EMBER_SERVE_GRPC
#include "serve/grpc_server.h"
#endif

namespace ember::cli {
namespace {

struct ServeOptions {
  std::vector<std::string> models;
  std::string host = "127.0.0.1";
  int port = 8000;
  int grpc_port = 8001;
  bool no_grpc = false;
  int http_threads = 32;
  size_t max_body_bytes = 64u << 20;
  double timeout_ms = 60000;
  double grace_s = 30;
  std::string access_log = "-";
  serve::ServeDefaults defaults;
};

int run_serve(ServeOptions o) {
  // SIGTERM and SIGINT are taken by this thread alone (sigwait below); every thread started
  // from here on inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  serve::AccessLog log(o.access_log);
  serve::Metrics metrics;
  serve::Repository repo(o.models, o.defaults, metrics);
  serve::Service service(repo, metrics, o.timeout_ms);

  serve::HttpOptions http_options;
  http_options.host = o.host;
  http_options.port = o.port;
  http_options.threads = o.http_threads;
  http_options.max_body_bytes = o.max_body_bytes;
  serve::HttpServer http(service, metrics, log, http_options);
  int http_port = http.bind();
  int grpc_port = -1;
#if EMBER_SERVE_GRPC
  std::unique_ptr<serve::GrpcServer> grpc;
  if (!o.no_grpc) {
    grpc = std::make_unique<serve::GrpcServer>(service, metrics, log, o.host, o.grpc_port, o.max_body_bytes);
    grpc_port = grpc->port();
  }
#else
  if (!o.no_grpc) fail("this ember was built without gRPC (EMBER_SERVE_GRPC=OFF); pass --no-grpc");
#endif
  nlohmann::json models = nlohmann::json::array();
  for (const auto& name : repo.names())
    for (const auto& v : repo.versions(name)) {
      const auto& m = repo.find(name, v);
      models.push_back({{"name", name}, {"version", v}, {"path", m.path}, {"max_batch_size", m.config.max_batch_size}});
    }
  nlohmann::json ready = {{"event", "listening"}, {"host", o.host}, {"http_port", http_port}, {"models", models}};
  if (grpc_port >= 0) ready["grpc_port"] = grpc_port;
  log.write(ready);
  if (o.access_log != "-") std::fprintf(stderr, "%s\n", ready.dump().c_str());

  std::thread http_thread([&] { http.serve(); });
  int sig = 0;
  sigwait(&stop_signals, &sig);
  log.write({{"event", "stopping"}, {"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  // Readiness goes false first, so a load balancer stops sending; then each server stops taking
  // requests and finishes those in progress; then the queues drain.
  service.set_draining();
  http.stop();
  http_thread.join();
#if EMBER_SERVE_GRPC
  if (grpc) grpc->stop(o.grace_s);
#endif
  repo.drain();
  log.write({{"event", "stopped"}});
  return 0;
}

}  // namespace

Command add_serve(CLI::App& app) {
  auto* sub = app.add_subcommand("serve", "Serve models over the KServe v2 inference protocol (HTTP/REST and gRPC)");
  auto o = std::make_shared<ServeOptions>();
  sub->add_option("models", o->models,
                  "Model files (.pt, named by their stem) or folders: a model folder holds config.json and/or numbered version "
                  "folders (1/model.pt) or one .pt; any other folder is a repository of .pt files and model folders")
      ->required();
  sub->add_option("--host", o->host, "Address to listen on (default 127.0.0.1)");
  sub->add_option("--port", o->port, "HTTP port (default 8000; 0 picks a free one)")->check(CLI::Range(0, 65535));
  sub->add_option("--grpc-port", o->grpc_port, "gRPC port (default 8001; 0 picks a free one)")->check(CLI::Range(0, 65535));
  sub->add_flag("--no-grpc", o->no_grpc, "Serve HTTP only");
  sub->add_option("--http-threads", o->http_threads, "HTTP connection threads (default 32)")->check(CLI::Range(1, 1024));
  sub->add_option("--max-body-bytes", o->max_body_bytes, "Largest request body or gRPC message accepted, in bytes (default 64 MiB)")
      ->check(CLI::Range(size_t{1024}, size_t{1} << 34));
  sub->add_option("--timeout-ms", o->timeout_ms, "Answer 504 when a request has not been served within this many ms (default 60000; 0: no limit)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--grace", o->grace_s, "On SIGTERM, seconds to let gRPC calls in progress finish (default 30)")->check(CLI::NonNegativeNumber);
  sub->add_option("--access-log", o->access_log, "Where JSON-lines access and server logs go: - (stderr, default), off, or a file");
  sub->add_option("--max-batch-size", o->defaults.max_batch_size,
                  "Dynamic batching for models without a config.json: up to this many rows along dim 0 in one call (default 0: off)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--batch-delay-ms", o->defaults.max_batch_delay_ms, "How long a request waits for others to batch with (default 0)")
      ->check(CLI::Range(0.0, 60000.0));
  sub->add_option("--max-queue", o->defaults.max_queue, "Requests queued per model before 503 (default 256)")->check(CLI::PositiveNumber);
  sub->add_option("--instances", o->defaults.instances, "Model calls per model that may run at once (default 1)")->check(CLI::Range(1, 64));
  sub->add_option("--threads", o->defaults.threads, "Intra-op threads per model call (default: all cores)")->check(CLI::PositiveNumber);
  add_load_options(sub, o->defaults.disabled_passes);
  sub->footer(
      "Endpoints: GET /v2/health/live, /v2/health/ready, /v2, /v2/models/NAME[/versions/V], .../ready; POST .../infer "
      "(JSON tensors, or Triton's binary-data extension); POST /v2/repository/index; GET /metrics (Prometheus). gRPC: "
      "inference.GRPCInferenceService. config.json fields: name, method, max_batch_size, max_batch_delay_ms, batch_sizes, "
      "max_queue, instances, threads, timeout_ms, device, disable_passes, inputs/outputs ([{name, datatype, shape}]). SIGTERM or "
      "SIGINT: stop taking requests, finish those in progress, exit 0.");
  return [=] { return run_serve(*o); };
}

}  // namespace ember::cli
