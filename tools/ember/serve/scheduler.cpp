// scheduler.cpp — bounded per-model queues, worker threads and dynamic batching.
#include "scheduler.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "ember/deadline.h"
#include "ember/error.h"
#include "ember/threads.h"
#include "io.h"
#include "metrics.h"
#include "protocol.h"
#include "repository.h"

namespace ember::serve {
namespace {

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Batch key of a call: every argument a tensor with at least one dimension, all sharing dim 0's
// size; the key spells dtypes and the other dimensions. Returns rows = -1 when not batchable.
std::pair<int64_t, std::string> batch_key(const std::vector<Value>& args) {
  int64_t rows = -1;
  std::string key;
  for (const Value& a : args) {
    if (!a.is_tensor() || !a.to_tensor().defined() || a.to_tensor().dim() == 0) return {-1, ""};
    const Tensor& t = a.to_tensor();
    if (rows >= 0 && t.size(0) != rows) return {-1, ""};
    rows = t.size(0);
    key += std::string(dtype_name(t.dtype()));
    for (int64_t d = 1; d < t.dim(); ++d) key += "," + std::to_string(t.size(d));
    key += ";";
  }
  if (rows <= 0) return {-1, ""};
  return {rows, key};
}

std::vector<Value> leaves_of(const Value& out) {
  std::vector<Value> leaves;
  for (auto& leaf : cli::flatten_outputs(out)) leaves.push_back(std::move(leaf.value));
  return leaves;
}

// Tensors concatenated along dim 0 (all contiguous-copied, same dtype and trailing dims), then
// `padding` copies of the first row.
Tensor concat_rows(const std::vector<const Tensor*>& parts, int64_t padding) {
  Shape sizes = parts[0]->sizes();
  int64_t total = padding;
  for (const Tensor* t : parts) total += t->size(0);
  sizes[0] = total;
  Tensor out = Tensor::empty_uninitialized(std::span<const int64_t>(sizes), parts[0]->dtype());
  char* dst = static_cast<char*>(out.raw_data());
  const char* first_row = dst;
  for (const Tensor* t : parts) {
    Tensor c = t->contiguous();
    std::memcpy(dst, c.raw_data(), c.nbytes());
    dst += c.nbytes();
  }
  const size_t row_bytes = total > 0 ? out.nbytes() / static_cast<size_t>(total) : 0;
  for (int64_t i = 0; i < padding; ++i, dst += row_bytes) std::memcpy(dst, first_row, row_bytes);
  return out;
}

// Rows [start, start + rows) of `t` along dim 0, as a tensor of its own.
Tensor slice_rows(const Tensor& t, int64_t start, int64_t rows) {
  Shape sizes = t.sizes();
  sizes[0] = rows;
  return t.as_strided(sizes, t.strides(), t.offset() + start * t.stride(0)).clone();
}

}  // namespace

Scheduler::Scheduler(ModelVersion& model, Metrics& metrics)
    : model_(model), metrics_(metrics), metrics_name_(model.model + "/" + model.version) {
  batching_ = model.config.max_batch_size > 0;
  sizes_ = allowed_batch_sizes(model.config);
  int n = std::max(1, model.config.instances);
  for (int i = 0; i < n; ++i) workers_.emplace_back([this] { work(); });
}

Scheduler::~Scheduler() { drain(); }

std::shared_ptr<Job> Scheduler::submit(std::vector<Value> args, Clock::time_point deadline) {
  auto job = std::make_shared<Job>();
  job->args = std::move(args);
  job->enqueued = Clock::now();
  job->deadline = deadline;
  if (batching_) std::tie(job->rows, job->key) = batch_key(job->args);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw ProtocolError(503, "the server is shutting down");
    if (static_cast<int64_t>(queue_.size()) >= std::max(1, model_.config.max_queue))
      throw ProtocolError(503, "model '" + model_.model + "' has " + std::to_string(queue_.size()) +
                                   " requests queued, its limit (max_queue); retry later");
    queue_.push_back(job);
    metrics_.queue_depth(metrics_name_, static_cast<int64_t>(queue_.size()));
  }
  cv_.notify_one();
  return job;
}

void Scheduler::drain() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  workers_.clear();
}

std::vector<std::shared_ptr<Job>> Scheduler::take(std::unique_lock<std::mutex>& lock) {
  cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
  if (queue_.empty()) return {};
  std::vector<std::shared_ptr<Job>> batch{queue_.front()};
  queue_.pop_front();
  const int64_t max_rows = model_.config.max_batch_size;
  if (!batching_ || batch[0]->rows < 0 || batch[0]->rows >= max_rows) return batch;
  const std::string key = batch[0]->key;
  int64_t rows = batch[0]->rows;
  const auto until = batch[0]->enqueued + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double, std::milli>(model_.config.max_batch_delay_ms));
  for (;;) {
    for (auto it = queue_.begin(); it != queue_.end() && rows < max_rows;) {
      if ((*it)->key == key && rows + (*it)->rows <= max_rows) {
        rows += (*it)->rows;
        batch.push_back(*it);
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
    if (rows >= max_rows || stopping_ || Clock::now() >= until) break;
    cv_.wait_until(lock, until);
  }
  return batch;
}

void Scheduler::work() {
  if (model_.config.threads > 0) set_num_threads(model_.config.threads);
  std::unique_lock lock(mutex_);
  for (;;) {
    std::vector<std::shared_ptr<Job>> jobs = take(lock);
    if (jobs.empty()) return;  // stopping, queue drained
    metrics_.queue_depth(metrics_name_, static_cast<int64_t>(queue_.size()));
    lock.unlock();
    const Clock::time_point started = Clock::now();
    // Jobs past their deadline or whose client left are answered without running.
    std::vector<std::shared_ptr<Job>> live;
    for (auto& j : jobs) {
      if (j->abandoned || started > j->deadline) {
        JobResult r;
        r.status = 504;
        r.error = "timed out after waiting " + std::to_string(static_cast<int64_t>(seconds(started - j->enqueued) * 1000)) +
                  " ms in model '" + model_.model + "''s queue";
        r.queue_s = seconds(started - j->enqueued);
        j->promise.set_value(std::move(r));
      } else {
        live.push_back(j);
      }
    }
    // One job runs alone unless its rows need padding to an allowed size.
    if (live.size() == 1 && (!batching_ || live[0]->rows < 0 || padded(live[0]->rows) == live[0]->rows))
      run_one(*live[0], started);
    else if (!live.empty())
      run_batch(live, started);
    lock.lock();
  }
}

namespace {

// Stops a model call once no request it serves is waiting for it any more: the clients got their
// 504 at `deadline` (or gave up, `cancel`, which only happens at a deadline), so a slow or runaway
// call must not hold the worker, the requests queued behind it, or a graceful shutdown. Requests
// without a timeout run unbounded, with no Deadline for the interpreter to poll.
void bounded(std::optional<Deadline>& limit, Clock::time_point deadline, const std::atomic<bool>* cancel) {
  if (deadline == Clock::time_point::max()) return;
  // At least 1 ns: a Deadline with no time left and a flag would mean "flag only".
  limit.emplace(std::max(std::chrono::nanoseconds(1),
                         std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now())),
                cancel);
}

}  // namespace

void Scheduler::run_one(Job& job, Clock::time_point started) {
  JobResult r;
  r.queue_s = seconds(started - job.enqueued);
  try {
    std::optional<Deadline> limit;
    bounded(limit, job.deadline, &job.abandoned);
    Value out = model_.method(std::move(job.args));
    r.leaves = leaves_of(out);
  } catch (const Cancelled& e) {
    // The request's deadline passed while its call ran: the same 504 the waiting client gets when
    // its own wait ends first (both race to the same instant), never a 400 for a model error.
    r.status = 504;
    r.error = std::string("model '") + model_.model + "' did not answer in time: " + e.what();
  } catch (const std::exception& e) {
    r.status = 400;
    r.error = std::string("model '") + model_.model + "' failed: " + e.what();
  }
  r.compute_s = seconds(Clock::now() - started);
  metrics_.batch(metrics_name_, job.rows > 0 ? job.rows : 1);
  job.promise.set_value(std::move(r));
}

int64_t Scheduler::padded(int64_t rows) const {
  auto it = std::lower_bound(sizes_.begin(), sizes_.end(), rows);
  return it == sizes_.end() ? rows : *it;
}

void Scheduler::run_batch(std::vector<std::shared_ptr<Job>>& jobs, Clock::time_point started) {
  int64_t total = 0;
  for (auto& j : jobs) total += j->rows;
  const int64_t padding = padded(total) - total;
  std::vector<Value> args;
  for (size_t a = 0; a < jobs[0]->args.size(); ++a) {
    std::vector<const Tensor*> parts;
    for (auto& j : jobs) parts.push_back(&j->args[a].to_tensor());
    args.emplace_back(concat_rows(parts, padding));
  }
  std::vector<Value> leaves;
  std::string error;
  try {
    Clock::time_point last = Clock::time_point::min();
    for (auto& j : jobs) last = std::max(last, j->deadline);
    std::optional<Deadline> limit;
    // A lone request padded to an allowed size stops when its client leaves, as run_one's does;
    // a batch of several runs until the last deadline, since others may still be waiting.
    bounded(limit, last, jobs.size() == 1 ? &jobs[0]->abandoned : nullptr);
    leaves = leaves_of(model_.method(std::move(args)));
  } catch (const std::exception& e) {
    error = e.what();
  }
  const Clock::time_point done = Clock::now();
  bool splittable = error.empty();
  for (const Value& v : leaves)
    if (!v.is_tensor() || !v.to_tensor().defined() || v.to_tensor().dim() == 0 || v.to_tensor().size(0) != total + padding) splittable = false;
  if (!splittable) {
    // Either the model does not keep the batch in dim 0 of every output, or the batched call
    // failed (one request's bad values must not fail the others): run each job alone.
    if (error.empty()) batching_ = false;
    for (auto& j : jobs) run_one(*j, started);
    return;
  }
  metrics_.batch(metrics_name_, total, padding);
  int64_t start = 0;
  for (auto& j : jobs) {
    JobResult r;
    r.queue_s = seconds(started - j->enqueued);
    r.compute_s = seconds(done - started);
    r.batch_rows = total;
    for (const Value& v : leaves) r.leaves.emplace_back(slice_rows(v.to_tensor(), start, j->rows));
    start += j->rows;
    j->promise.set_value(std::move(r));
  }
}

}  // namespace ember::serve
