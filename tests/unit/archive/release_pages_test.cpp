// release_file_pages: clean pages of a file mapping leave the resident set and read back the same;
// pages written since mapping (private copies) and anonymous memory keep their contents.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "archive/zip_reader.h"
#include "core/file_pages.h"

namespace ember::archive {
namespace {

// Pages of [p, p + n) mapped in this process (pagemap's present bit; mincore would report the
// page cache instead).
size_t resident_pages(const uint8_t* p, size_t n) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t first = reinterpret_cast<uintptr_t>(p) / page, count = (n + page - 1) / page;
  std::vector<uint64_t> e(count);
  FILE* f = std::fopen("/proc/self/pagemap", "rb");
  EXPECT_NE(f, nullptr);
  if (!f) return 0;
  EXPECT_EQ(std::fseek(f, static_cast<long>(first * sizeof(uint64_t)), SEEK_SET), 0);
  EXPECT_EQ(std::fread(e.data(), sizeof(uint64_t), count, f), count);
  std::fclose(f);
  size_t r = 0;
  for (uint64_t x : e) r += (x >> 63) & 1;
  return r;
}

TEST(ReleaseFilePages, CleanPagesLeaveAndReadBack) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t pages = 64, n = pages * page;
  const auto path = std::filesystem::temp_directory_path() /
                    ("ember_release_pages_" + std::to_string(getpid()) + ".bin");
  {
    std::ofstream out(path, std::ios::binary);
    for (size_t i = 0; i < n; ++i) out.put(static_cast<char>(i * 7 + 3));
  }
  auto f = MappedFile::open(path.string());
  std::filesystem::remove(path);  // the mapping keeps the data
  ASSERT_EQ(f->size(), n);
  uint8_t* p = f->data();
  unsigned sum = 0;
  for (size_t i = 0; i < n; i += 64) sum += p[i];  // fault every page in
  EXPECT_GT(sum, 0u);
  p[5 * page + 1] = 0xAB;  // page 5 becomes a private copy
  ASSERT_EQ(resident_pages(p, n), pages);

  // Pages 2..9 (the range starts and ends mid-page: only whole pages inside it go).
  const size_t released = release_file_pages(p + page + 10, 9 * page);
  if (released == 0) GTEST_SKIP() << "kernel does not report file pages in /proc/self/pagemap";
  EXPECT_EQ(released, 7 * page);  // pages 2, 3, 4, 6, 7, 8, 9
  EXPECT_EQ(resident_pages(p, n), pages - 7);
  // Every byte reads back as before, the written one included.
  for (size_t i = 0; i < n; ++i) {
    const uint8_t want = i == 5 * page + 1 ? 0xAB : static_cast<uint8_t>(i * 7 + 3);
    ASSERT_EQ(p[i], want) << "byte " << i;
  }
}

TEST(ReleaseFilePages, LeavesAnonymousMemoryAlone) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<uint8_t> buf(16 * page, 0x5A);
  EXPECT_EQ(release_file_pages(buf.data(), buf.size()), 0u);
  for (uint8_t b : buf) ASSERT_EQ(b, 0x5A);
  EXPECT_EQ(release_file_pages(buf.data(), 0), 0u);
}

}  // namespace
}  // namespace ember::archive
