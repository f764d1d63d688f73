#include <gtest/gtest.h>

#include "ember/tensor.h"

using namespace ember;

TEST(Tensor, EmptyIsContiguousAndZeroed) {
  Tensor t = Tensor::empty(Shape{2, 3}, DType::Float32);
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.strides(), (Shape{3, 1}));
  EXPECT_TRUE(t.is_contiguous());
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t.data<float>()[i], 0.0f);
}

TEST(Tensor, TransposedViewSharesStorageAndCopiesInLogicalOrder) {
  Tensor t = Tensor::empty(Shape{2, 3}, DType::Int64);
  for (int i = 0; i < 6; ++i) t.data<int64_t>()[i] = i;
  Tensor tt = t.as_strided({3, 2}, {1, 3}, 0);
  EXPECT_EQ(tt.storage(), t.storage());
  EXPECT_FALSE(tt.is_contiguous());
  Tensor c = tt.contiguous();
  const int64_t expect[] = {0, 3, 1, 4, 2, 5};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(c.data<int64_t>()[i], expect[i]);
}

TEST(Tensor, ViewOutsideStorageIsRejected) {
  Tensor t = Tensor::empty(Shape{4}, DType::Float32);
  EXPECT_THROW(t.as_strided({5}, {1}, 0), Error);
  EXPECT_THROW(t.as_strided({2}, {1}, 3), Error);
  EXPECT_NO_THROW(t.as_strided({2}, {2}, 1));
}

TEST(Tensor, OverflowingSizesAreRejected) {
  Shape huge{int64_t{1} << 40, int64_t{1} << 40};
  EXPECT_THROW(checked_numel(huge), Error);
  EXPECT_THROW(Tensor::empty(huge, DType::Float32), Error);
  EXPECT_THROW(checked_numel(Shape{-1}), Error);
}

TEST(Tensor, DtypeConversionRoundsLikePyTorch) {
  Tensor t = Tensor::empty(Shape{3}, DType::Float32);
  float* p = t.data<float>();
  p[0] = 1.7f; p[1] = -1.7f; p[2] = 0.0f;
  Tensor i = t.to(DType::Int32);
  EXPECT_EQ(i.data<int32_t>()[0], 1);   // truncation toward zero
  EXPECT_EQ(i.data<int32_t>()[1], -1);
  Tensor b = t.to(DType::Bool);
  EXPECT_TRUE(b.data<bool>()[0]);
  EXPECT_FALSE(b.data<bool>()[2]);
}

TEST(Half, RoundTripsAndRoundsToNearestEven) {
  EXPECT_EQ(Half(1.0f).bits, 0x3c00);
  EXPECT_EQ(Half(65504.0f).bits, 0x7bff);
  EXPECT_EQ(Half(1e6f).bits, 0x7c00);
  EXPECT_EQ(static_cast<float>(Half(0.1f)), 0.0999755859375f);
  EXPECT_EQ(Half(5.960464477539063e-08f).bits, 0x0001);  // smallest subnormal
  EXPECT_EQ(static_cast<float>(BFloat16(1.0f)), 1.0f);
  EXPECT_EQ(BFloat16(3.14159f).bits, 0x4049);
}

TEST(DType, TableLookups) {
  DType t;
  ASSERT_TRUE(dtype_from_storage_name("BFloat16Storage", &t));
  EXPECT_EQ(t, DType::BFloat16);
  ASSERT_TRUE(dtype_from_number(6, &t));
  EXPECT_EQ(t, DType::Float32);
  ASSERT_TRUE(dtype_from_number(12, &t));  // qint8: a quantized dtype, stored as int8
  EXPECT_EQ(t, DType::QInt8);
  EXPECT_TRUE(is_quantized(t));
  EXPECT_EQ(underlying_dtype(t), DType::Int8);
  EXPECT_FALSE(dtype_from_number(8, &t));  // complex32 is not supported
  EXPECT_EQ(dtype_name(DType::Int64), "int64");
  EXPECT_EQ(element_size(DType::Complex64), 8u);
}
