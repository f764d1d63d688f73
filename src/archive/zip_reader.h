// zip_reader.h — reads the zip container of .pt files without trusting a byte of it.
//
// The file is memory-mapped once; the mapping lives in a shared_ptr so that tensor Storages made
// from stored (uncompressed) entries can point straight into it and keep it alive after the
// reader is gone. PyTorch writes ZIP64 records with one top folder ("model/data.pkl"); ordinary
// zip32 files (Python's zipfile) are read too. Every offset, size and count is checked against
// the file size before it is used, so a corrupt or hostile file gives an ember::Error naming the
// file, never a crash or an allocation larger than the file can justify.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ember/tensor.h"

namespace ember::archive {

// A whole file mapped copy-on-write: readable, and writable without touching the file, so a model
// that updates a buffer in place gets private pages instead of a fault.
class MappedFile {
 public:
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  std::string path_;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

struct ZipEntry {
  std::string name;            // full name, with the top folder
  uint64_t data_offset = 0;    // where the entry's (possibly compressed) bytes start in the file
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint16_t method = 0;         // 0 stored, 8 deflated
  uint32_t crc32 = 0;
};

class ZipReader {
 public:
  // Maps `path` and indexes its central directory; fails with "<path>: ..." on anything wrong.
  explicit ZipReader(const std::string& path);

  const std::string& path() const { return path_; }
  // The top folder of the first entry including its slash ("resnet/"), or "" when it has none.
  const std::string& prefix() const { return prefix_; }
  const std::vector<ZipEntry>& entries() const { return entries_; }
  const std::shared_ptr<MappedFile>& mapping() const { return file_; }

  // Entry named `prefix() + rel`; null when absent.
  const ZipEntry* find(std::string_view rel) const;
  bool has(std::string_view rel) const { return find(rel) != nullptr; }
  // `rel` relative to the prefix, or the full name when it lies outside the top folder.
  std::string relative_name(const ZipEntry& e) const;

  // The entry's bytes (inflated when deflated; CRC-32 checked).
  std::string read(const ZipEntry& e) const;
  // Reads `prefix() + rel`; fails "<path>: missing <rel>" when absent.
  std::string read(std::string_view rel) const;
  // The entry's bytes as a Storage. A stored entry whose start is a multiple of `alignment` is a
  // zero-copy view into the mapping (its CRC is not checked: that would read every weight at
  // load); anything else is copied into a fresh 64-byte aligned allocation.
  std::shared_ptr<Storage> storage(const ZipEntry& e, size_t alignment) const;

  // Deflated entries read through this reader may inflate to at most this many bytes in all
  // (their headers' claims are checked before anything is allocated).
  static constexpr uint64_t kDefaultInflateLimit = uint64_t{2} << 30;
  void set_inflate_limit(uint64_t bytes) { inflate_limit_ = bytes; }

 private:
  void index();
  [[noreturn]] void bad(const std::string& what) const;
  void inflate_into(const ZipEntry& e, uint8_t* out) const;
  void inflate_chunks(const ZipEntry& e, const std::function<void(const uint8_t*, size_t)>& sink) const;
  void charge_inflate(const ZipEntry& e) const;

  std::string path_;
  std::shared_ptr<MappedFile> file_;
  std::string prefix_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, size_t> by_name_;
  uint64_t inflate_limit_ = kDefaultInflateLimit;
  mutable std::atomic<uint64_t> inflated_{0};
};

}  // namespace ember::archive
