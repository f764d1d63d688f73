// threads.cpp — the thread count, kept in OpenMP's pool that oneDNN and ember's kernels share.
//
// omp_set_num_threads only sets the calling thread's count (a new std::thread starts with the
// default of every core), so the process-wide count lives here and each entry point applies it
// to its thread before running (detail::sync_threads: an atomic read and, rarely, one OpenMP call).
#include "ember/threads.h"

#include <omp.h>

#include <atomic>

#include "ember/error.h"

namespace ember {

namespace {
std::atomic<int> process_threads{0};  // 0: never set, OpenMP's default
thread_local int scoped_threads = 0;  // 0: no ThreadScope on this thread
}  // namespace

void set_num_threads(int n) {
  if (n < 1) fail("the thread count must be at least 1, not ", n);
  process_threads.store(n, std::memory_order_relaxed);
  if (scoped_threads == 0) omp_set_num_threads(n);
}

int get_num_threads() {
  if (scoped_threads) return scoped_threads;
  int n = process_threads.load(std::memory_order_relaxed);
  return n ? n : omp_get_max_threads();
}

ThreadScope::ThreadScope(int n) : previous_(scoped_threads) {
  if (n < 1) fail("the thread count must be at least 1, not ", n);
  scoped_threads = n;
  omp_set_num_threads(n);
}

ThreadScope::~ThreadScope() {
  scoped_threads = previous_;
  detail::sync_threads();
}

void detail::sync_threads() {
  int want = scoped_threads ? scoped_threads : process_threads.load(std::memory_order_relaxed);
  if (want && omp_get_max_threads() != want) omp_set_num_threads(want);
}

}  // namespace ember
