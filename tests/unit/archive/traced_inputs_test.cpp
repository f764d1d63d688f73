// traced_inputs.pkl, which PyTorch 2.x writes into traced archives: the sizes and dtypes of the
// inputs a method was traced with, read without the tensors' data (newer writers leave it out),
// and used by load as the input shapes to prepare for. The record is only a hint: a hostile or
// broken one is ignored, never a reason for a load to fail or to allocate what it claims.
#include <gtest/gtest.h>

#include "archive/archive.h"
#include "ember/ember.h"
#include "security/hostile_files.h"

namespace ember::archive {
namespace {

namespace pk = ember::testing::pk;

std::string ints(std::initializer_list<int32_t> v) {
  std::string o = "(";
  for (int32_t x : v) o += pk::integer(x);
  return o + "t";
}

// _rebuild_tensor_v2(('storage', torch.<storage>, key, 'cpu', numel), 0, sizes, strides, False, OrderedDict())
std::string tensor(const std::string& storage, const std::string& key, int32_t numel,
                   std::initializer_list<int32_t> sizes, std::initializer_list<int32_t> strides) {
  return pk::global("torch._utils", "_rebuild_tensor_v2") + "((" + pk::str("storage") + pk::global("torch", storage) +
         pk::str(key) + pk::str("cpu") + pk::integer(numel) + "tQ" + pk::integer(0) + ints(sizes) + ints(strides) +
         "\x89" + pk::global("collections", "OrderedDict") + ")Rt" + "R";
}

// {'forward': [items...]}
std::string traced(const std::string& items) {
  return pk::proto() + "}(" + pk::str("forward") + "](" + items + "eu" + pk::stop();
}

std::string archive_with(const std::string& name, const std::string& traced_pkl) {
  const std::string code = ember::testing::class_source(
      "", "  def forward(self: __torch__.M, x: Tensor, n: Tensor) -> Tensor:\n    return torch.add(x, torch.sum(n))\n");
  return ember::testing::module_archive(name, code, pk::proto() + pk::module_object() + pk::stop(),
                                        {{"traced_inputs.pkl", traced_pkl}});
}

TEST(TracedInputs, ShapesAndDtypesAreReadWithoutTheirData) {
  // No traced_inputs/ storage entries at all, as PyTorch 2.x writes them (skip_tensor_data).
  const std::string path = archive_with(
      "traced.pt", traced(tensor("FloatStorage", "0", 6, {2, 3}, {3, 1}) + tensor("LongStorage", "1", 4, {4}, {1})));
  ArchiveContents a = load_archive(path);
  ASSERT_EQ(a.traced_inputs.count("forward"), 1u);
  const auto& in = a.traced_inputs.at("forward");
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[0].sizes, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(in[0].dtype, DType::Float32);
  EXPECT_EQ(in[1].sizes, (std::vector<int64_t>{4}));
  EXPECT_EQ(in[1].dtype, DType::Int64);
  // Load prepares forward for them (a run on zeros) and the module works as before.
  Module m = load(path);
  Tensor x = Tensor::zeros(std::vector<int64_t>{2, 3}, DType::Float32);
  Tensor n = Tensor::zeros(std::vector<int64_t>{4}, DType::Int64);
  n.data<int64_t>()[1] = 5;
  Tensor y = m.forward({x, n}).to_tensor();
  EXPECT_EQ(y.data<float>()[0], 5.0f);
}

TEST(TracedInputs, HostileOrOddRecordsAreIgnored) {
  // A claim of 2^31 float64 elements (16 GiB): not reserved, the record is dropped, the load works.
  ArchiveContents big = load_archive(archive_with("traced_big.pt", traced(tensor("DoubleStorage", "0", 0x7fffffff, {0x7fffffff}, {1}))));
  EXPECT_TRUE(big.traced_inputs.empty());
  EXPECT_NO_THROW(load(big.path));
  // A method traced with a non-tensor input is left out; so is a record that is not a dict.
  ArchiveContents mixed = load_archive(archive_with("traced_mixed.pt", traced(tensor("FloatStorage", "0", 1, {1}, {1}) + pk::integer(3))));
  EXPECT_TRUE(mixed.traced_inputs.empty());
  ArchiveContents list = load_archive(archive_with("traced_list.pt", pk::proto() + "]" + pk::stop()));
  EXPECT_TRUE(list.traced_inputs.empty());
  // A truncated pickle.
  ArchiveContents cut = load_archive(archive_with("traced_cut.pt", traced(tensor("FloatStorage", "0", 6, {2, 3}, {3, 1})).substr(0, 40)));
  EXPECT_TRUE(cut.traced_inputs.empty());
  EXPECT_NO_THROW(load(cut.path));
}

}  // namespace
}  // namespace ember::archive
