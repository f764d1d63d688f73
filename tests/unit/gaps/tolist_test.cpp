// prim::tolist through the global registry, called the way compiled code calls it: (tensor, list
// depth, element kind) with the vararg count. The nested lists must hold the tensor's elements in
// row-major order with the annotated kind, and the annotation must match the tensor as PyTorch
// requires.
#include <gtest/gtest.h>

#include "ember/error.h"
#include "ember/tensor.h"
#include "ember/value.h"
#include "ops/registry.h"

namespace ember {
namespace {

Value tolist(const Tensor& t, int64_t dim, int64_t kind) {
  return ops::Registry::global().call("prim::tolist", {Value(t), Value(dim), Value(kind)}).at(0);
}

TEST(GapsToList, NestedListsInRowMajorOrder) {
  Tensor t = Tensor::empty({2, 3}, DType::Float32);
  for (int i = 0; i < 6; ++i) t.data<float>()[i] = 0.5f * static_cast<float>(i) - 1.0f;
  const Tensor tt = t.as_strided({3, 2}, {1, 3}, 0);  // the transpose: a strided view
  const Value v = tolist(tt, 2, 1);
  ASSERT_TRUE(v.is_list());
  const auto& rows = v.to_list()->items;
  ASSERT_EQ(rows.size(), 3u);
  for (int64_t r = 0; r < 3; ++r) {
    const auto& cols = rows[static_cast<size_t>(r)].to_list()->items;
    ASSERT_EQ(cols.size(), 2u);
    for (int64_t c = 0; c < 2; ++c) {
      ASSERT_TRUE(cols[static_cast<size_t>(c)].is_double());
      EXPECT_EQ(cols[static_cast<size_t>(c)].to_double(), tt.at_double(r * 2 + c));
    }
  }
  Tensor i = Tensor::empty({3}, DType::Int32);
  i.data<int32_t>()[2] = -7;
  const Value il = tolist(i, 1, 0);
  const auto& iv = il.to_list()->items;
  ASSERT_TRUE(iv[2].is_int());
  EXPECT_EQ(iv[2].to_int(), -7);
  Tensor b = Tensor::empty({}, DType::Bool);
  *b.data<bool>() = true;
  const Value bv = tolist(b, 0, 2);
  ASSERT_TRUE(bv.is_bool());
  EXPECT_TRUE(bv.to_bool());
  // Annotation and tensor must agree in kind and depth.
  EXPECT_THROW(tolist(t, 2, 0), Error);
  EXPECT_THROW(tolist(t, 1, 1), Error);
  EXPECT_THROW(tolist(i, 1, 2), Error);
}

}  // namespace
}  // namespace ember
