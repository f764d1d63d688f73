// .npy files written by NumPy: dtype, shape, memory order and bytes match what NumPy reported.
#include <gtest/gtest.h>

#include <filesystem>

#include "archive/npy.h"
#include "../fixtures.h"
#include "manifest.h"

namespace ember::archive {
namespace {

using ember::testing::fixture;

DType dtype_of_descr(const std::string& d) {
  static const std::pair<const char*, DType> table[] = {
      {"<f4", DType::Float32}, {"<f8", DType::Float64}, {"<f2", DType::Float16}, {"|i1", DType::Int8},
      {"<i2", DType::Int16},   {"<i4", DType::Int32},   {"<i8", DType::Int64},   {"|u1", DType::UInt8},
      {"|b1", DType::Bool},    {"<c8", DType::Complex64}};
  for (const auto& [s, t] : table)
    if (d == s) return t;
  ADD_FAILURE() << "unexpected descr " << d;
  return DType::Float32;
}

TEST(Npy, MatchesNumpy) {
  auto m = ember::testing::read_manifest(fixture("archive/npy.manifest"));
  ASSERT_GE(m.other.size(), 12u);
  for (const auto& f : m.other) {
    ASSERT_EQ(f.size(), 6u);
    SCOPED_TRACE(f[1]);
    Tensor t = load_npy(fixture("archive/" + f[1] + ".npy"));
    EXPECT_EQ(t.dtype(), dtype_of_descr(f[2]));
    EXPECT_EQ(ember::testing::dims_string(t.sizes()), f[3]);
    const bool fortran = f[4] == "1";
    if (t.dim() >= 2) {
      EXPECT_EQ(t.is_contiguous(), !fortran);
      if (fortran) {
        EXPECT_EQ(t.stride(0), 1);
      }
    }
    EXPECT_EQ(ember::testing::logical_sha(t), f[5]);
  }
}

TEST(Npy, SaveRoundTrip) {
  auto m = ember::testing::read_manifest(fixture("archive/npy.manifest"));
  const std::string tmp = (std::filesystem::temp_directory_path() / "ember_npy_roundtrip.npy").string();
  for (const auto& f : m.other) {
    SCOPED_TRACE(f[1]);
    Tensor t = load_npy(fixture("archive/" + f[1] + ".npy"));
    save_npy(tmp, t);
    Tensor back = load_npy(tmp);
    EXPECT_EQ(back.dtype(), t.dtype());
    EXPECT_EQ(back.sizes(), t.sizes());
    EXPECT_TRUE(back.is_contiguous());
    EXPECT_EQ(ember::testing::logical_sha(back), f[5]);
  }
  std::filesystem::remove(tmp);
  Tensor bf = Tensor::zeros(std::vector<int64_t>{2}, DType::BFloat16);
  EXPECT_THROW(save_npy(tmp, bf), Error);
}

TEST(Npy, BadFiles) {
  auto msg = [](const std::string& p) -> std::string {
    try {
      load_npy(p);
    } catch (const Error& e) {
      return e.what();
    }
    return "<no error>";
  };
  const std::string be = fixture("archive/bad_big_endian.npy");
  EXPECT_NE(msg(be).find(be + ": big-endian"), std::string::npos) << msg(be);
  const std::string tr = fixture("archive/bad_truncated.npy");
  EXPECT_NE(msg(tr).find(tr + ": truncated .npy data"), std::string::npos) << msg(tr);
  const std::string nz = fixture("archive/bad_not_zip.pt");
  EXPECT_NE(msg(nz).find(nz + ": not a .npy file"), std::string::npos) << msg(nz);
}

}  // namespace
}  // namespace ember::archive
