// metrics.h — per-model counters and latency histograms, rendered in Prometheus' text format.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace ember::serve {

class Metrics {
 public:
  // One finished inference request: `ok` false for any failure (bad input, model error, timeout,
  // full queue); queue and compute seconds are those of the request's (possibly shared) batch.
  void request(const std::string& model, bool ok, double queue_s, double compute_s);
  // One model call that served `size` requests' worth of rows, plus `padding` rows added to
  // reach an allowed batch size.
  void batch(const std::string& model, int64_t size, int64_t padding = 0);
  // HTTP/gRPC requests outside inference (metadata, health), by protocol and status.
  void http(int status);
  void grpc(bool ok);
  void queue_depth(const std::string& model, int64_t depth);
  std::string prometheus() const;

 private:
  // Upper bounds in seconds; the last bucket is +Inf.
  static constexpr std::array<double, 14> kBounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                  0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0};
  struct Histogram {
    std::array<uint64_t, kBounds.size() + 1> buckets{};
    double sum = 0;
    uint64_t count = 0;
    void observe(double v);
  };
  struct PerModel {
    uint64_t success = 0, failure = 0;
    Histogram queue, compute;
    uint64_t batches = 0, batched_rows = 0, padding_rows = 0;
    int64_t depth = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, PerModel> models_;
  std::map<int, uint64_t> http_;
  uint64_t grpc_ok_ = 0, grpc_failed_ = 0;
};

}  // namespace ember::serve
