// Pooling kernels (reference and oneDNN) against PyTorch's outputs from gen_nn.py.
#include <gtest/gtest.h>

#include "kernels/cpu/pool.h"
#include "nn_cases.h"

namespace ember::cpu {
namespace {

using testing::nn::Case;
using testing::nn::expect_close;
using testing::nn::load_cases;

TEST(NnPool, MaxPoolMatchesTorch) {
  for (const Case& c : load_cases("max_pool")) {
    SCOPED_TRACE(c.name);
    const auto sp = static_cast<size_t>(c.i("spatial"));
    const Tensor x = c.input();
    const PoolParams p = make_pool_params(sp, c.ints("kernel"), c.ints("stride"),
                                          c.ints("padding"), c.ints("dilation"), c.b("ceil"));
    const Tensor want = c.tensor("out");
    auto [values, indices] = max_pool_with_indices(sp, x, p);
    expect_close(values, want, "with_indices values");
    expect_close(indices, c.tensor("indices"), "with_indices indices");
    expect_close(max_pool_reference(sp, x, p), want, "reference");
    // oneDNN's max skips NaN; max_pool routes NaN inputs to the reference (checked below).
    if (c.name.find("_nan") == std::string::npos)
      expect_close(max_pool_dnnl(sp, x, p), want, "oneDNN");
    expect_close(max_pool(sp, x, p), want, "dispatch");
    expect_close(max_pool(sp, x.to(DType::Float64), p), want.to(DType::Float64), "float64");
  }
}

TEST(NnPool, AvgPoolMatchesTorch) {
  int dnnl_cases = 0;
  for (const Case& c : load_cases("avg_pool")) {
    SCOPED_TRACE(c.name);
    const auto sp = static_cast<size_t>(c.i("spatial"));
    const Tensor x = c.input();
    PoolParams p = make_pool_params(sp, c.ints("kernel"), c.ints("stride"), c.ints("padding"),
                                    {}, c.b("ceil"));
    p.count_include_pad = c.b("count_include_pad");
    p.divisor_override = c.opt_i("divisor");
    const Tensor want = c.tensor("out");
    expect_close(avg_pool_reference(sp, x, p), want, "reference");
    if (avg_pool_dnnl_matches(sp, x, p)) {
      ++dnnl_cases;
      expect_close(avg_pool_dnnl(sp, x, p), want, "oneDNN");
    } else {
      EXPECT_THROW(avg_pool_dnnl(sp, x, p), Error);
    }
    expect_close(avg_pool(sp, x, p), want, "dispatch");
  }
  EXPECT_GE(dnnl_cases, 8);
}

TEST(NnPool, AdaptiveMatchesTorch) {
  for (const char* kind : {"adaptive_avg", "adaptive_max"}) {
    for (const Case& c : load_cases(kind)) {
      SCOPED_TRACE(c.name);
      const auto sp = static_cast<size_t>(c.i("spatial"));
      const Tensor x = c.input();
      if (c.kind == "adaptive_avg") {
        expect_close(adaptive_avg_pool(sp, x, c.ints("output_size")), c.tensor("out"), "avg");
      } else {
        auto [values, indices] = adaptive_max_pool(sp, x, c.ints("output_size"));
        expect_close(values, c.tensor("out"), "max values");
        expect_close(indices, c.tensor("indices"), "max indices");
      }
    }
  }
}

TEST(NnPool, BadArgumentsAreErrors) {
  const Tensor x = Tensor::empty(Shape{1, 2, 5, 5}, DType::Float32);
  // Padding over half the kernel.
  EXPECT_THROW(max_pool(2, x, make_pool_params(2, Shape{2}, {}, Shape{2}, {}, false)), Error);
  // Kernel larger than the input.
  EXPECT_THROW(avg_pool(2, x, make_pool_params(2, Shape{7}, {}, Shape{0}, {}, false)), Error);
  EXPECT_THROW(make_pool_params(2, Shape{2}, Shape{0}, Shape{0}, {}, false), Error);
  EXPECT_THROW(make_pool_params(2, Shape{2, 2, 2}, {}, Shape{0}, {}, false), Error);
  // Wrong rank.
  EXPECT_THROW(max_pool(2, Tensor::empty(Shape{5, 5}, DType::Float32),
                        make_pool_params(2, Shape{2}, {}, Shape{0}, {}, false)),
               Error);
  EXPECT_THROW(adaptive_avg_pool(2, x, Shape{2}), Error);
  EXPECT_THROW(max_pool(2, Tensor::empty(Shape{1, 2, 5, 5}, DType::Int64),
                        make_pool_params(2, Shape{2}, {}, Shape{0}, {}, false)),
               Error);
}

}  // namespace
}  // namespace ember::cpu
