// threads.cpp — the thread count, kept in OpenMP's pool that oneDNN and ember's kernels share.
#include "ember/threads.h"

#include <omp.h>

#include "ember/error.h"

namespace ember {

void set_num_threads(int n) {
  if (n < 1) fail("the thread count must be at least 1, not ", n);
  omp_set_num_threads(n);
}

int get_num_threads() { return omp_get_max_threads(); }

}  // namespace ember
