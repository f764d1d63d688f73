// Semantics the case tables cannot see: views share storage (in-place writes through a view reach
// the base), outputs follow the inputs' memory order, and the iterator's edge cases.
#include <gtest/gtest.h>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/shape.h"
#include "tensor/broadcast.h"
#include "tensor/elementwise.h"
#include "tensor/iterator.h"

using namespace ember;

namespace {
Tensor arange_f(int64_t n) {
  Tensor t = Tensor::empty(Shape{n}, DType::Float32);
  for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}
}  // namespace

TEST(TensorIter, InPlaceThroughStridedViewMutatesBase) {
  Tensor base = cpu::view(arange_f(12), Shape{3, 4});
  Tensor col = cpu::slice(base, 1, 1, 4, 2);  // columns 1 and 3
  cpu::binary_(cpu::BinaryOp::Add, col, Scalar(int64_t{100}));
  const float want[] = {0, 101, 2, 103, 4, 105, 6, 107, 8, 109, 10, 111};
  for (int i = 0; i < 12; ++i) EXPECT_EQ(base.data<float>()[i], want[i]) << i;
}

TEST(TensorIter, CopyIntoTransposedViewWritesSharedStorage) {
  Tensor base = Tensor::empty(Shape{2, 3}, DType::Int64);
  Tensor tv = cpu::t(base);  // [3, 2] view
  Tensor src = cpu::view(arange_f(6), Shape{3, 2});
  copy_into(tv, src);
  const int64_t want[] = {0, 2, 4, 1, 3, 5};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(base.data<int64_t>()[i], want[i]) << i;
}

TEST(TensorIter, OutputFollowsTransposedInputLayout) {
  Tensor x = cpu::t(cpu::view(arange_f(6), Shape{2, 3}));  // [3, 2], strides [1, 3]
  Tensor y = cpu::binary(cpu::BinaryOp::Mul, x, Scalar(int64_t{2}));
  EXPECT_EQ(y.sizes(), (Shape{3, 2}));
  EXPECT_EQ(y.strides(), (Shape{1, 3}));  // as PyTorch: x.t() * 2 stays transposed
  EXPECT_FLOAT_EQ(y.at_double(1), 6.0);   // y[0][1] = 2 * x[0][1] = 2 * 3
}

TEST(TensorIter, EmptyAndZeroDim) {
  TensorIterator it;
  it.add_output(Tensor(), DType::Float32).add_input(Tensor::empty(Shape{0, 3}, DType::Float32)).build();
  int calls = 0;
  it.for_each([&](char**, const int64_t*, int64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(it.output().sizes(), (Shape{0, 3}));
  Tensor s = cpu::binary(cpu::BinaryOp::Add, Tensor::scalar(2.0f), Tensor::scalar(3.0f));
  EXPECT_EQ(s.dim(), 0);
  EXPECT_FLOAT_EQ(s.item_double(), 5.0);
}

TEST(TensorIter, BroadcastErrorsNameTheDimension) {
  try {
    broadcast_shapes(Shape{2, 3}, Shape{4});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1");
  }
}

TEST(TensorIter, ViewsShareStorage) {
  Tensor x = cpu::view(arange_f(6), Shape{2, 3});
  Tensor v = cpu::select(cpu::unsqueeze(x, 0), 1, 1);
  cpu::fill_(v, Scalar(-1.0));
  EXPECT_EQ(x.data<float>()[3], -1.0f);
  EXPECT_EQ(x.data<float>()[0], 0.0f);
  Tensor r = cpu::reshape(cpu::t(x), Shape{6});  // needs a copy
  EXPECT_NE(r.storage(), x.storage());
  Tensor r2 = cpu::reshape(x, Shape{3, 2});  // a view
  EXPECT_EQ(r2.storage(), x.storage());
}

// Writes into memory an input shares fail as PyTorch's TensorIterator does; the same view (in
// place) and strided views it cannot tell apart stay allowed.
TEST(TensorIter, OverlappingWritesFailAsPyTorchsDo) {
  Tensor x = Tensor::empty({6}, DType::Float32);
  for (int i = 0; i < 6; ++i) x.data<float>()[i] = static_cast<float>(i);
  const Tensor tail = x.as_strided({5}, {1}, 1), head = x.as_strided({5}, {1}, 0);
  try {
    cpu::binary_(BinaryOp::Add, tail, head);
    FAIL() << "a partly overlapping in-place add ran";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("some elements of the input tensor and the written-to tensor refer to a "
                                         "single memory location"),
              std::string::npos)
        << e.what();
  }
  const Tensor expanded = Tensor::empty({3}, DType::Float32).as_strided({2, 3}, {0, 1}, 0);
  try {
    cpu::binary_(BinaryOp::Add, expanded, Scalar(1.0));
    FAIL() << "an in-place add into an expanded tensor ran";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("more than one element of the written-to tensor refers to a single memory "
                                         "location"),
              std::string::npos)
        << e.what();
  }
  // In place on itself, and strided columns of one matrix (too hard to tell: allowed, as in PyTorch).
  cpu::binary_(BinaryOp::Add, x, x);
  EXPECT_FLOAT_EQ(x.data<float>()[5], 10.0f);
  Tensor m = Tensor::empty({2, 3}, DType::Float32);
  for (int i = 0; i < 6; ++i) m.data<float>()[i] = static_cast<float>(i);
  cpu::binary_(BinaryOp::Add, m.as_strided({2}, {3}, 0), m.as_strided({2}, {3}, 1));
  EXPECT_FLOAT_EQ(m.data<float>()[0], 1.0f);
  EXPECT_FLOAT_EQ(m.data<float>()[3], 7.0f);
  // copy_into, the runtime's own copy, clones an overlapping source first (aten::copy_ checks
  // check_no_overlap before it, as PyTorch's copy_ refuses such views).
  Tensor y = Tensor::empty({6}, DType::Float32);
  for (int i = 0; i < 6; ++i) y.data<float>()[i] = static_cast<float>(i);
  copy_into(y.as_strided({5}, {1}, 1), y.as_strided({5}, {1}, 0));
  EXPECT_FLOAT_EQ(y.data<float>()[5], 4.0f);
  const Tensor src = y.as_strided({5}, {1}, 0);
  EXPECT_THROW(check_no_overlap(y.as_strided({5}, {1}, 1), std::span<const Tensor>(&src, 1)), Error);
}
