// ember/threads.h — the intra-op thread pool size.
//
// ember runs each operator's work on one process-wide OpenMP pool (oneDNN shares it). By default
// it uses every core; set_num_threads changes it for the whole process, and ThreadScope for the
// duration of a call.
#pragma once

namespace ember {

void set_num_threads(int n);  // n >= 1
int get_num_threads();

// Sets the thread count while alive, restoring the previous one on destruction.
class ThreadScope {
 public:
  explicit ThreadScope(int n) : previous_(get_num_threads()) { set_num_threads(n); }
  ~ThreadScope() { set_num_threads(previous_); }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int previous_;
};

}  // namespace ember
