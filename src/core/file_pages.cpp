// file_pages.cpp — release_file_pages through /proc/self/pagemap and madvise(MADV_DONTNEED).
#include "core/file_pages.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ember {

size_t release_file_pages(const void* data, size_t nbytes) {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + page - 1) / page, last = (begin + nbytes) / page;  // [first, last)
  if (nbytes == 0 || first >= last) return 0;
  // /proc/self/pagemap has one 64-bit entry per virtual page: bit 63 present, bit 61 "file page
  // or shared anonymous". A present page without bit 61 in a private file mapping is a private
  // copy (written, or never backed by the file) and must not be discarded.
  static const int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  constexpr uint64_t kPresent = 1ull << 63, kFile = 1ull << 61;
  size_t released = 0;
  std::vector<uint64_t> entries;
  constexpr uintptr_t kChunk = 4096;  // pages per pagemap read
  for (uintptr_t chunk = first; chunk < last; chunk += kChunk) {
    const uintptr_t n = std::min<uintptr_t>(kChunk, last - chunk);
    entries.resize(n);
    const ssize_t got = pread(fd, entries.data(), n * sizeof(uint64_t),
                              static_cast<off_t>(chunk * sizeof(uint64_t)));
    if (got != static_cast<ssize_t>(n * sizeof(uint64_t))) return released;
    // Runs of clean file pages go to the kernel in one call each.
    uintptr_t run = 0, run_len = 0;
    auto flush = [&] {
      if (run_len == 0) return;
      if (madvise(reinterpret_cast<void*>(run * page), run_len * page, MADV_DONTNEED) == 0)
        released += run_len * page;
      run_len = 0;
    };
    for (uintptr_t i = 0; i < n; ++i) {
      const uint64_t e = entries[i];
      if ((e & kPresent) && (e & kFile)) {
        if (run_len == 0) run = chunk + i;
        ++run_len;
      } else {
        flush();
      }
    }
    flush();
  }
  return released;
}

}  // namespace ember
