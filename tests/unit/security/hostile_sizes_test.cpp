// Sizes and strides a hostile file or call can choose: every product goes through the checked
// helpers in tensor/, so nothing allocates a small buffer and writes past it.
#include <gtest/gtest.h>

#include <cstring>

#include "error_text.h"
#include "archive/archive.h"
#include "archive/npy.h"
#include "ember/ember.h"
#include "hostile_files.h"

namespace ember {
namespace {

using testing::class_source;
using testing::module_archive;
namespace pk = testing::pk;

using testing::error_of;

TEST(HostileSizes, CheckedHelpers) {
  EXPECT_HAS(error_of([] { checked_nbytes(int64_t{1} << 62, DType::Float64); }), "more than 2^62 bytes");
  EXPECT_HAS(error_of([] { checked_nbytes(-1, DType::Float32); }), "more than 2^62 bytes");
  EXPECT_EQ(checked_nbytes(1000, DType::Float32), 4000u);
  const int64_t big[] = {16777217}, huge_stride[] = {int64_t{1} << 40};
  EXPECT_HAS(error_of([&] { checked_extent(big, huge_stride); }), "reaches past 2^62 elements");
  const int64_t s2[] = {3, 4}, st2[] = {4, 1};
  EXPECT_EQ(checked_extent(s2, st2), 12);
  EXPECT_EQ(checked_extent(s2, st2, 5), 17);
  const int64_t empty[] = {0, 4};
  EXPECT_EQ(checked_extent(empty, st2, 0), 0);
}

TEST(HostileSizes, AllocationsAndViews) {
  EXPECT_HAS(error_of([] { Tensor::empty({int64_t{1} << 62}, DType::Float32); }), "more than 2^62 bytes");
  EXPECT_HAS(error_of([] { Tensor::empty({int64_t{1} << 31, int64_t{1} << 31, 4}, DType::Float32); }), "overflows");
  // The `ember bench --shape 4611686018427387904` input.
  EXPECT_HAS(error_of([] { Tensor::empty_uninitialized({4611686018427387904}, DType::Float32); }), "2^62");
  float buf[4] = {};
  const int64_t sz[] = {16777217}, st[] = {int64_t{1} << 40};
  EXPECT_HAS(error_of([&] { Tensor::from_blob(buf, sz, DType::Float32, st); }), "reaches past");
  Tensor small = Tensor::empty({4}, DType::Float32);
  EXPECT_THROW(small.as_strided({int64_t{1} << 40, 3}, {int64_t{1} << 30, int64_t{1} << 62}, 0), Error);
  EXPECT_THROW(small.as_strided({2}, {int64_t{1} << 62}, int64_t{1} << 62), Error);
}

Value run(const std::string& name, const std::string& body, std::vector<Value> args = {}) {
  std::string code = class_source("", "  def forward(self: __torch__.M, x: Tensor) -> Tensor:\n" + body);
  Module m = load(module_archive(name, code));
  if (args.empty()) args.push_back(Value(Tensor::empty({1, 1}, DType::Float32)));
  return m.forward(std::move(args));
}

TEST(HostileSizes, CreationOpsInCode) {
  EXPECT_HAS(error_of([] { run("zeros.pt", "    return torch.zeros([4611686018427387904])\n"); }), "2^62");
  EXPECT_HAS(error_of([] { run("zeros2.pt", "    return torch.zeros([4611686018427387904, 4611686018427387904])\n"); }),
             "overflows");
  EXPECT_HAS(error_of([] { run("strided.pt", "    return torch.empty_strided([16777217], [1099511627776])\n"); }),
             "reaches past 2^62 elements");
  EXPECT_HAS(error_of([] {
               run("expand.pt", "    return torch.contiguous(torch.expand(x, [2147483648, 2147483648]))\n");
             }),
             "2^62");
  EXPECT_HAS(error_of([] { run("arange.pt", "    return torch.arange(4611686018427387904)\n"); }), "2^62");
  EXPECT_HAS(error_of([] { run("arange2.pt", "    return torch.arange(9223372036854775807)\n"); }), "invalid size");
  EXPECT_HAS(error_of([] { run("arange3.pt", "    return torch.arange(-9223372036854775808, 9223372036854775807)\n"); }),
             "invalid size");
  EXPECT_HAS(error_of([] { run("full.pt", "    return torch.full([4611686018427387904], 1.)\n"); }), "2^62");
  // Within the limits these still work.
  EXPECT_EQ(run("arange_ok.pt", "    return torch.arange(5)\n").to_tensor().numel(), 5);
}

// A module whose attribute `b` is a bool tensor over `bytes`.
std::string bool_archive(const std::string& name, const std::string& bytes) {
  const std::string n = std::to_string(bytes.size());
  std::string tensor = pk::global("torch._utils", "_rebuild_tensor_v2") + "((" + pk::str("storage") +
                       pk::global("torch", "BoolStorage") + pk::str("0") + pk::str("cpu") +
                       pk::integer(static_cast<int32_t>(bytes.size())) + "tQ" + pk::integer(0) + "(" +
                       pk::integer(static_cast<int32_t>(bytes.size())) + "t(" + pk::integer(1) + "t\x89" +
                       pk::global("collections", "OrderedDict") + ")RtR";
  std::string pkl = pk::proto() + pk::module_object(pk::str("b") + tensor) + pk::stop();
  std::string code = class_source("  b : Tensor\n", "  def forward(self: __torch__.M) -> Tensor:\n    return self.b\n");
  return module_archive(name, code, pkl, {{"data/0", bytes}});
}

TEST(HostileSizes, BoolStoragesAreNormalised) {
  Module m = load(bool_archive("bools.pt", std::string("\x00\x02\xff\x01", 4)));
  Tensor b = m.forward({}).to_tensor();
  ASSERT_EQ(b.dtype(), DType::Bool);
  const auto* p = reinterpret_cast<const uint8_t*>(b.raw_data());
  EXPECT_EQ(p[0], 0);
  EXPECT_EQ(p[1], 1);
  EXPECT_EQ(p[2], 1);
  EXPECT_EQ(p[3], 1);
  // A .npy bool array too.
  std::string header = "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string npy = std::string("\x93NUMPY\x01\x00", 8);
  testing::put16(npy, static_cast<uint32_t>(header.size()));
  npy += header + std::string("\x05\x00\x01", 3);
  Tensor t = archive::load_npy(testing::write_bytes("bools.npy", npy));
  const auto* q = reinterpret_cast<const uint8_t*>(t.raw_data());
  EXPECT_EQ(q[0], 1);
  EXPECT_EQ(q[1], 0);
  EXPECT_EQ(q[2], 1);
}

TEST(HostileSizes, NpyShapeOverflow) {
  std::string header = "{'descr': '<c16', 'fortran_order': False, 'shape': (4611686018427387904,), }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string npy = std::string("\x93NUMPY\x01\x00", 8);
  testing::put16(npy, static_cast<uint32_t>(header.size()));
  npy += header + std::string(64, '\0');
  EXPECT_HAS(error_of([&] { archive::load_npy(testing::write_bytes("huge.npy", npy)); }), "overflows");
}

}  // namespace
}  // namespace ember
