// copy_into / contiguous() on permuted views: the tiled transpose path (unit-stride dim moved
// away from the end) and the unit-stride-run path must place every element where its logical
// index says, for 4- and 8-byte dtypes, odd sizes that leave partial tiles, batched and
// broadcast (stride-0) dims, and a copy into a strided destination (element path).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/cpu/shape.h"
#include "tensor/elementwise.h"

namespace ember::cpu {
namespace {

// A contiguous tensor whose element i holds i (exactly representable in every dtype used here).
Tensor iota(const Shape& sizes, DType dtype) {
  Tensor t = Tensor::empty(sizes, DType::Float64);
  double* p = t.data<double>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<double>(i);
  return t.to(dtype);
}

void expect_same_elements(const Tensor& got, const Tensor& view, const char* what) {
  ASSERT_EQ(got.sizes(), view.sizes()) << what;
  ASSERT_TRUE(got.is_contiguous()) << what;
  for (int64_t i = 0; i < view.numel(); ++i) ASSERT_EQ(got.at_double(i), view.at_double(i)) << what << " at " << i;
}

TEST(TensorCopy, PermutedViewsBecomeContiguousInLogicalOrder) {
  for (DType dt : {DType::Float32, DType::Int32, DType::Float64, DType::Int64}) {
    const Tensor x = iota({3, 37, 70}, dt);
    expect_same_elements(transpose(x, 1, 2).contiguous(), transpose(x, 1, 2), "transpose(1, 2)");
    expect_same_elements(transpose(x, 0, 2).contiguous(), transpose(x, 0, 2), "transpose(0, 2)");
    const Tensor nchw = iota({2, 5, 9, 33}, dt);
    const std::vector<int64_t> to_nhwc{0, 2, 3, 1}, heads{0, 2, 1, 3};
    expect_same_elements(permute(nchw, to_nhwc).contiguous(), permute(nchw, to_nhwc), "NCHW -> NHWC");
    expect_same_elements(permute(nchw, heads).contiguous(), permute(nchw, heads), "swap heads");
    // A broadcast (stride-0) batch dim over a transposed matrix.
    const Tensor m = transpose(iota({40, 50}, dt), 0, 1);
    const Tensor expanded = m.as_strided({4, 50, 40}, {0, m.stride(0), m.stride(1)}, m.offset());
    expect_same_elements(expanded.contiguous(), expanded, "expanded transpose");
    // Into a strided destination: the element path.
    Tensor wide = Tensor::empty({70, 74}, dt);
    const Tensor dst = wide.as_strided({70, 37}, {74, 2}, 1);
    const Tensor src = transpose(x, 1, 2).as_strided({70, 37}, {1, 70}, 0);
    copy_into(dst, src);
    for (int64_t i = 0; i < dst.numel(); ++i) ASSERT_EQ(dst.at_double(i), src.at_double(i)) << "strided dst at " << i;
  }
}

}  // namespace
}  // namespace ember::cpu
