// scheduler.h — the per-model queue between protocol handlers and model calls.
//
// Every inference request becomes a Job in its model version's bounded queue; worker threads (one
// per configured instance) take jobs and run the model. With dynamic batching on (max_batch_size
// > 0), a worker gathers queued jobs whose tensor arguments agree in dtype and in every dimension
// but the first, for up to max_batch_delay_ms after the oldest arrived or until the rows reach
// max_batch_size, concatenates them along dim 0, runs one call and splits every output leaf back
// along dim 0. The batch is first padded to the smallest allowed size that holds its rows
// (ModelConfig::batch_sizes) with copies of its first row, whose results are dropped: the model
// sees a few sizes, whose kernels are made once (at load when the config gives the input shapes),
// instead of one per row count. A model whose outputs cannot be split that way (a leaf without the batch
// dimension) has its jobs rerun one by one, and batching is turned off for it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ember/value.h"

namespace ember::serve {

class Metrics;
struct ModelVersion;

using Clock = std::chrono::steady_clock;

struct JobResult {
  std::vector<Value> leaves;  // outputs flattened depth-first (tuple/list items, dict values)
  int status = 200;           // 200, or the error's status
  std::string error;
  double queue_s = 0, compute_s = 0;
  int64_t batch_rows = 0;  // rows of the call that served this job (0: not batched)
};

struct Job {
  std::vector<Value> args;
  Clock::time_point enqueued, deadline;
  std::promise<JobResult> promise;
  std::atomic<bool> abandoned{false};  // the client stopped waiting
  int64_t rows = -1;                   // size of dim 0 when batchable, else -1
  std::string key;                     // jobs with equal keys can share a call
};

class Scheduler {
 public:
  Scheduler(ModelVersion& model, Metrics& metrics);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues a call; ProtocolError(503) when the queue is full or the server is shutting down.
  std::shared_ptr<Job> submit(std::vector<Value> args, Clock::time_point deadline);
  // Stops taking jobs, runs the ones queued, and joins the workers.
  void drain();
  bool batching() const { return batching_.load(); }

 private:
  void work();
  std::vector<std::shared_ptr<Job>> take(std::unique_lock<std::mutex>& lock);
  void run_one(Job& job, Clock::time_point started);
  void run_batch(std::vector<std::shared_ptr<Job>>& jobs, Clock::time_point started);
  int64_t padded(int64_t rows) const;  // the smallest allowed size >= rows (rows when none)

  ModelVersion& model_;
  Metrics& metrics_;
  std::string metrics_name_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::atomic<bool> batching_{false};
  std::vector<int64_t> sizes_;  // allowed_batch_sizes(config)
  std::vector<std::thread> workers_;
};

}  // namespace ember::serve
