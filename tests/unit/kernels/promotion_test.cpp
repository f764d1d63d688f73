// Type promotion against torch.result_type for every dtype pair, with dimensioned tensors, 0-dim
// tensors and Python scalars (fixture kernels/promotion.txt from gen_kernels.py).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../fixtures.h"
#include "tensor/promotion.h"

using namespace ember;

namespace {
DType dt(int64_t n) {
  DType d;
  EXPECT_TRUE(dtype_from_number(n, &d)) << n;
  return d;
}
}  // namespace

TEST(Promotion, MatchesTorchResultType) {
  std::ifstream f(ember::testing::fixture("kernels/promotion.txt"));
  std::string ka, kb;
  int64_t a, b, want;
  int n = 0;
  while (f >> ka >> a >> kb >> b >> want) {
    ++n;
    ResultType rt;
    rt.add(ka == "dim" ? Tensor::empty(Shape{2}, dt(a)) : Tensor::empty(Shape{}, dt(a)));
    if (kb == "dim") rt.add(Tensor::empty(Shape{2}, dt(b)));
    else if (kb == "zero") rt.add(Tensor::empty(Shape{}, dt(b)));
    else if (kb == "int") rt.add(Scalar(int64_t{3}));
    else if (kb == "float") rt.add(Scalar(2.5));
    else rt.add(Scalar(true));
    EXPECT_EQ(rt.result(), dt(want)) << ka << " " << dtype_name(dt(a)) << " with " << kb << " "
                                     << (kb == "dim" || kb == "zero" ? dtype_name(dt(b)) : "");
  }
  EXPECT_GT(n, 400);
}

TEST(Promotion, CanCastFollowsCategories) {
  EXPECT_TRUE(can_cast(DType::Int64, DType::Float32));
  EXPECT_FALSE(can_cast(DType::Float32, DType::Int64));
  EXPECT_FALSE(can_cast(DType::Int32, DType::Bool));
  EXPECT_TRUE(can_cast(DType::Bool, DType::UInt8));
  EXPECT_FALSE(can_cast(DType::Complex64, DType::Float64));
}
