// fuzz_util.h — shared pieces of the libFuzzer targets: a scratch file for readers that take a
// path, the archive target's input format, and the structure-aware mutator.
//
// Byte-level mutation rarely builds what breaks a loader: nesting a million levels deep, a chain
// of ten thousand calls, a size near 2^63. The mutator here (used by every target) also repeats a
// short slice of the input many times, and swaps in integers near the edges of their range, so
// depth and size are reached in a few steps; libFuzzer's own mutations do the rest.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "../unit/security/hostile_files.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace ember::fuzz {

// One file per process (libFuzzer forks workers with -jobs), rewritten for every input.
inline std::string scratch_file(const uint8_t* data, size_t size, const char* suffix) {
  static const std::string path = [suffix] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir ? dir : "/tmp") + "/ember_fuzz_" + std::to_string(::getpid()) + suffix;
  }();
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                 static_cast<std::streamsize>(size));
  return path;
}

// The archive target reads a list of entries: "@@ name\n" then the entry's bytes, up to the next
// "\n@@ " (so code and pickles are mutated directly, and the zip around them is always valid).
inline std::vector<testing::ZipItem> decode_entries(const uint8_t* data, size_t size) {
  std::vector<testing::ZipItem> out;
  std::string s(reinterpret_cast<const char*>(data), size);
  size_t pos = s.rfind("@@ ", 0) == 0 ? 0 : s.find("\n@@ ");
  while (pos != std::string::npos && out.size() < 64) {
    const size_t name_start = pos + (s[pos] == '\n' ? 4 : 3);
    const size_t name_end = s.find('\n', name_start);
    if (name_end == std::string::npos) break;
    const size_t next = s.find("\n@@ ", name_end);
    out.push_back({"m/" + s.substr(name_start, name_end - name_start),
                   s.substr(name_end + 1, (next == std::string::npos ? s.size() : next) - name_end - 1)});
    pos = next;
  }
  return out;
}

inline std::string encode_entries(const std::vector<testing::ZipItem>& items) {
  std::string out;
  for (const auto& it : items) out += (out.empty() ? "@@ " : "\n@@ ") + it.name + "\n" + it.data;
  return out;
}

inline size_t structured_mutate(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  std::minstd_rand rng(seed);
  const unsigned choice = rng() % 8;
  if (choice == 0 && size > 0 && size < max_size) {
    // Repeat a slice of up to 16 bytes up to 4096 times: deep nesting, long chains.
    const size_t start = rng() % size;
    const size_t len = 1 + rng() % std::min<size_t>(16, size - start);
    const size_t room = (max_size - size) / len;
    if (room == 0) return LLVMFuzzerMutate(data, size, max_size);
    const size_t times = 1 + rng() % std::min<size_t>(room, 4096);
    std::vector<uint8_t> piece(data + start, data + start + len);
    std::memmove(data + start + len * (times + 1), data + start + len, size - start - len);
    for (size_t k = 1; k <= times; ++k) std::memcpy(data + start + len * k, piece.data(), len);
    return size + len * times;
  }
  if (choice == 1 && size >= 8) {
    // An edge integer, as text or as little-endian bytes.
    static const int64_t edges[] = {0, -1, 1, 255, 65536, int64_t{1} << 31, int64_t{1} << 32, int64_t{1} << 40,
                                    int64_t{1} << 62, INT64_MAX, INT64_MIN, -(int64_t{1} << 31)};
    const int64_t v = edges[rng() % (sizeof edges / sizeof edges[0])];
    const size_t at = rng() % (size - 7);
    if (rng() % 2) {
      std::memcpy(data + at, &v, 8);
      return size;
    }
    const std::string text = std::to_string(v);
    if (size + text.size() > max_size) return size;
    std::memmove(data + at + text.size(), data + at, size - at);
    std::memcpy(data + at, text.data(), text.size());
    return size + text.size();
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

}  // namespace ember::fuzz

#define EMBER_FUZZ_STRUCTURED_MUTATOR                                                          \
  extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,       \
                                            unsigned int seed) {                               \
    return ember::fuzz::structured_mutate(data, size, max_size, seed);                         \
  }
