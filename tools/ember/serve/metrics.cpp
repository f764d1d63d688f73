// metrics.cpp — Prometheus exposition of the serving counters.
#include "metrics.h"

#include <sstream>

namespace ember::serve {
namespace {

// Label values escaped as the text format requires (backslash, quote, newline).
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void Metrics::Histogram::observe(double v) {
  size_t i = 0;
  while (i < kBounds.size() && v > kBounds[i]) ++i;
  ++buckets[i];
  sum += v;
  ++count;
}

void Metrics::request(const std::string& model, bool ok, double queue_s, double compute_s) {
  std::lock_guard lock(mutex_);
  PerModel& m = models_[model];
  (ok ? m.success : m.failure) += 1;
  if (queue_s >= 0) m.queue.observe(queue_s);
  if (compute_s >= 0) m.compute.observe(compute_s);
}

void Metrics::batch(const std::string& model, int64_t size, int64_t padding) {
  std::lock_guard lock(mutex_);
  PerModel& m = models_[model];
  ++m.batches;
  m.batched_rows += static_cast<uint64_t>(size);
  m.padding_rows += static_cast<uint64_t>(padding);
}

void Metrics::http(int status) {
  std::lock_guard lock(mutex_);
  ++http_[status];
}

void Metrics::grpc(bool ok) {
  std::lock_guard lock(mutex_);
  (ok ? grpc_ok_ : grpc_failed_) += 1;
}

void Metrics::queue_depth(const std::string& model, int64_t depth) {
  std::lock_guard lock(mutex_);
  models_[model].depth = depth;
}

std::string Metrics::prometheus() const {
  std::lock_guard lock(mutex_);
  std::ostringstream o;
  o.precision(9);
  o << "# HELP ember_inference_requests_total Inference requests by model and outcome.\n"
       "# TYPE ember_inference_requests_total counter\n";
  for (const auto& [name, m] : models_) {
    o << "ember_inference_requests_total{model=\"" << label(name) << "\",status=\"success\"} " << m.success << "\n";
    o << "ember_inference_requests_total{model=\"" << label(name) << "\",status=\"failure\"} " << m.failure << "\n";
  }
  o << "# HELP ember_inference_failures_total Failed inference requests by model.\n"
       "# TYPE ember_inference_failures_total counter\n";
  for (const auto& [name, m] : models_) o << "ember_inference_failures_total{model=\"" << label(name) << "\"} " << m.failure << "\n";
  auto histogram = [&](const char* metric, const char* help, Histogram PerModel::*h) {
    o << "# HELP " << metric << " " << help << "\n# TYPE " << metric << " histogram\n";
    for (const auto& [name, m] : models_) {
      const Histogram& hist = m.*h;
      uint64_t cumulative = 0;
      for (size_t i = 0; i < hist.buckets.size(); ++i) {
        cumulative += hist.buckets[i];
        o << metric << "_bucket{model=\"" << label(name) << "\",le=\"";
        if (i < kBounds.size()) o << kBounds[i];
        else o << "+Inf";
        o << "\"} " << cumulative << "\n";
      }
      o << metric << "_sum{model=\"" << label(name) << "\"} " << hist.sum << "\n";
      o << metric << "_count{model=\"" << label(name) << "\"} " << hist.count << "\n";
    }
  };
  histogram("ember_inference_queue_seconds", "Time requests waited in the model's queue.", &PerModel::queue);
  histogram("ember_inference_compute_seconds", "Time of the model call that served each request.", &PerModel::compute);
  o << "# HELP ember_model_calls_total Model calls (batches) run.\n# TYPE ember_model_calls_total counter\n";
  for (const auto& [name, m] : models_) o << "ember_model_calls_total{model=\"" << label(name) << "\"} " << m.batches << "\n";
  o << "# HELP ember_batched_rows_total Rows of the batch dimension run, summed over calls.\n# TYPE ember_batched_rows_total counter\n";
  for (const auto& [name, m] : models_) o << "ember_batched_rows_total{model=\"" << label(name) << "\"} " << m.batched_rows << "\n";
  o << "# HELP ember_padding_rows_total Rows added to batched calls to reach an allowed batch size (batch_sizes).\n"
       "# TYPE ember_padding_rows_total counter\n";
  for (const auto& [name, m] : models_) o << "ember_padding_rows_total{model=\"" << label(name) << "\"} " << m.padding_rows << "\n";
  o << "# HELP ember_queue_depth Requests waiting in the model's queue.\n# TYPE ember_queue_depth gauge\n";
  for (const auto& [name, m] : models_) o << "ember_queue_depth{model=\"" << label(name) << "\"} " << m.depth << "\n";
  o << "# HELP ember_http_responses_total HTTP responses by status code.\n# TYPE ember_http_responses_total counter\n";
  for (const auto& [status, n] : http_) o << "ember_http_responses_total{code=\"" << status << "\"} " << n << "\n";
  o << "# HELP ember_grpc_calls_total gRPC calls by outcome.\n# TYPE ember_grpc_calls_total counter\n";
  o << "ember_grpc_calls_total{status=\"ok\"} " << grpc_ok_ << "\n";
  o << "ember_grpc_calls_total{status=\"error\"} " << grpc_failed_ << "\n";
  return o.str();
}

}  // namespace ember::serve
