// Broken and hostile files: each must give an ember::Error naming the file and the problem,
// never a crash or a huge allocation.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "error_text.h"
#include "archive/archive.h"
#include "archive/zip_reader.h"
#include "../fixtures.h"

namespace ember::archive {
namespace {

using ember::testing::fixture;

using testing::error_of;

void expect_archive_error(const std::string& name, const std::string& what) {
  const std::string path = fixture("archive/" + name + ".pt");
  const std::string msg = error_of([&] { load_archive(path); });
  EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
  EXPECT_NE(msg.find(what), std::string::npos) << "message: " << msg;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string write_temp(const std::string& name, const std::string& bytes) {
  auto dir = std::filesystem::temp_directory_path() / ("ember_archive_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

TEST(ArchiveBadInput, ControlArchiveLoads) {
  // The broken files below are this archive with one thing changed.
  auto a = load_archive(fixture("archive/bad_ok_control.pt"));
  EXPECT_EQ(a.root.to_object()->attr("w").to_tensor().at_double(5), 5.0);
  EXPECT_EQ(a.code.size(), 1u);  // deflated by Python's zipfile and inflated by ember
  // Python's zipfile does not align entries: a misaligned storage is copied, never read unaligned.
  const Tensor& w = a.root.to_object()->attr("w").to_tensor();
  EXPECT_EQ(reinterpret_cast<uintptr_t>(w.raw_data()) % alignof(float), 0u);
}

TEST(ArchiveBadInput, Messages) {
  expect_archive_error("bad_missing_data_pkl", "missing data.pkl");
  expect_archive_error("bad_missing_storage", "data.pkl: missing storage entry 'data/0'");
  expect_archive_error("bad_unknown_opcode", "data.pkl: unknown pickle opcode 0xff");
  expect_archive_error("bad_global", "data.pkl: global 'os.system' is not allowed");
  expect_archive_error("bad_small_storage", "data.pkl: storage 'data/0' holds 16 bytes but tensor needs 40");
  expect_archive_error("bad_overflow", "element count overflows");
  expect_archive_error("bad_huge_stride", "holds 24 bytes but tensor needs");
  expect_archive_error("bad_qtensor", "_rebuild_qtensor expects 7 to 8 arguments but got 0");
  expect_archive_error("bad_version", "unsupported archive format version 99");
  expect_archive_error("bad_big_endian", "big-endian");
  expect_archive_error("bad_memo", "memo index 5 was never stored");
  expect_archive_error("bad_cycle", "reference cycle");
  expect_archive_error("bad_deep", "nested more than");
  expect_archive_error("bad_truncated_pickle", "truncated pickle");
  expect_archive_error("bad_no_stop", "without a STOP");
  expect_archive_error("bad_deflate", "deflate stream of 'bad/code/__torch__.py' is invalid");
  expect_archive_error("bad_not_zip", "not a zip archive");
}

TEST(ArchiveBadInput, MissingFile) {
  const std::string msg = error_of([] { load_archive("/nonexistent/model.pt"); });
  EXPECT_NE(msg.find("/nonexistent/model.pt: cannot open"), std::string::npos) << msg;
}

TEST(ArchiveBadInput, EmptyFile) {
  const std::string path = write_temp("empty.pt", "");
  EXPECT_NE(error_of([&] { load_archive(path); }).find(path + ": not a zip archive"), std::string::npos);
}

TEST(ArchiveBadInput, TruncatedAtManyPoints) {
  const std::string good = read_file(fixture("archive/extra.pt"));
  ASSERT_GT(good.size(), 1000u);
  for (size_t cut : {size_t{4}, size_t{30}, size_t{100}, good.size() / 2, good.size() - 200, good.size() - 100,
                     good.size() - 60, good.size() - 23, good.size() - 1}) {
    SCOPED_TRACE(cut);
    const std::string path = write_temp("cut.pt", good.substr(0, cut));
    const std::string msg = error_of([&] { load_archive(path); });
    EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
    EXPECT_TRUE(msg.find("truncated") != std::string::npos || msg.find("corrupt") != std::string::npos) << msg;
  }
}

// Offset of the central directory, read from the (zip32) end record of a PyTorch archive.
size_t central_directory_offset(const std::string& zip) {
  size_t end = zip.rfind(std::string("PK\x05\x06", 4));
  EXPECT_NE(end, std::string::npos);
  uint32_t off;
  std::memcpy(&off, zip.data() + end + 16, 4);
  return off;
}

TEST(ArchiveBadInput, CorruptCentralDirectory) {
  const std::string good = read_file(fixture("archive/extra.pt"));
  {
    std::string bad = good;
    bad[central_directory_offset(bad)] = 'X';
    const std::string path = write_temp("cd_sig.pt", bad);
    const std::string msg = error_of([&] { load_archive(path); });
    EXPECT_NE(msg.find(path + ": corrupt zip: bad central directory entry signature"), std::string::npos) << msg;
  }
  {
    // An entry count far beyond what the directory can hold (ZIP64 record, offset 24).
    std::string bad = good;
    size_t z64 = bad.rfind(std::string("PK\x06\x06", 4));
    ASSERT_NE(z64, std::string::npos);
    const uint64_t huge = uint64_t{1} << 60;
    std::memcpy(bad.data() + z64 + 32, &huge, 8);
    const std::string path = write_temp("cd_count.pt", bad);
    const std::string msg = error_of([&] { load_archive(path); });
    EXPECT_NE(msg.find("cannot fit in a central directory"), std::string::npos) << msg;
  }
  {
    // A local header offset pointing past the directory.
    std::string bad = good;
    const size_t cd = central_directory_offset(bad);
    const uint32_t far = 0x7fffff00;
    std::memcpy(bad.data() + cd + 42, &far, 4);
    const std::string path = write_temp("cd_local.pt", bad);
    const std::string msg = error_of([&] { load_archive(path); });
    EXPECT_NE(msg.find("local header of"), std::string::npos) << msg;
  }
  {
    // A name length running past the directory.
    std::string bad = good;
    const size_t cd = central_directory_offset(bad);
    bad[cd + 28] = '\xff';
    bad[cd + 29] = '\xff';
    const std::string path = write_temp("cd_name.pt", bad);
    const std::string msg = error_of([&] { load_archive(path); });
    EXPECT_EQ(msg.rfind(path + ": corrupt zip", 0), 0u) << msg;
  }
}

// Random single-byte corruption anywhere: loading may succeed (a flipped weight byte is still a
// valid file) but must never crash or throw anything but ember::Error.
TEST(ArchiveBadInput, RandomByteFlips) {
  const std::string good = read_file(fixture("archive/extra.pt"));
  std::mt19937 rng(1234);
  const std::string path = write_temp("flip.pt", good);
  int errors = 0;
  for (int i = 0; i < 300; ++i) {
    std::string bad = good;
    const size_t pos = rng() % bad.size();
    bad[pos] = static_cast<char>(bad[pos] ^ (1 + rng() % 255));
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bad.data(), static_cast<std::streamsize>(bad.size()));
    try {
      load_archive(path);
    } catch (const Error& e) {
      ++errors;
      EXPECT_EQ(std::string(e.what()).rfind(path + ": ", 0), 0u) << e.what();
    }
  }
  EXPECT_GT(errors, 0);
}

}  // namespace
}  // namespace ember::archive
