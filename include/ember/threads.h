// ember/threads.h — the intra-op thread count.
//
// ember runs each operator's work on OpenMP's pool (oneDNN shares it). By default it uses every
// core. set_num_threads sets the count for the whole process: every thread that runs a model or a
// tensor operation afterwards, including threads started later, uses it. ThreadScope overrides it
// for the calling thread only while it lives (other threads keep the process-wide count).
//
// Concurrency: a loaded ember::Module may be called from several threads at once (each call has
// its own interpreter state; weights are read-only); so may every function of ember/ops.h. With
// N threads calling at once, give each set_num_threads(cores / N) or a ThreadScope.
#pragma once

namespace ember {

void set_num_threads(int n);  // n >= 1; fails otherwise
// The count the calling thread's next operation uses.
int get_num_threads();

// Sets the calling thread's count while alive, restoring the previous one on destruction.
class ThreadScope {
 public:
  explicit ThreadScope(int n);
  ~ThreadScope();
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int previous_;
};

namespace detail {
// Applies the process-wide (or this thread's scoped) count to OpenMP before a call runs; the
// entry points (Module calls, ember/ops.h functions) call it.
void sync_threads();
}  // namespace detail

}  // namespace ember
