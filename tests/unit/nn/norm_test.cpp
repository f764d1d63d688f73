// Normalisation kernels (reference and oneDNN) against PyTorch's outputs from gen_nn.py.
#include <gtest/gtest.h>

#include "kernels/cpu/norm.h"
#include "nn_cases.h"

namespace ember::cpu {
namespace {

using testing::nn::Case;
using testing::nn::expect_close;
using testing::nn::expect_close_to;
using testing::nn::load_cases;

TEST(NnNorm, BatchNormMatchesTorch) {
  for (const Case& c : load_cases("batch_norm")) {
    SCOPED_TRACE(c.name);
    const Tensor x = c.input(), want = c.tensor("out");
    const OptTensor w = c.opt_tensor("weight"), b = c.opt_tensor("bias");
    ASSERT_EQ(w.has_value(), c.b("affine"));
    const bool training = c.b("training");
    if (!training) {
      const Tensor rm = c.tensor("running_mean"), rv = c.tensor("running_var");
      expect_close_to([&] { return batch_norm_inference_reference(x, w, b, rm, rv, c.f("eps")); },
                      want, "reference");
      expect_close_to([&] { return batch_norm_inference_float(x, w, b, rm, rv, c.f("eps")); },
                      want, "float32 kernel");
    }
    // Running statistics are updated in place in training mode: use fresh copies.
    OptTensor rm = c.opt_tensor("running_mean"), rv = c.opt_tensor("running_var");
    auto [y, save_mean, save_invstd] =
        native_batch_norm(x, w, b, rm, rv, training, c.f("momentum"), c.f("eps"));
    expect_close(y, want, "native_batch_norm");
    if (training) {
      EXPECT_EQ(save_mean.sizes(), (Shape{x.size(1)}));
      if (c.b("running")) {
        expect_close(*rm, c.tensor("running_mean_after"), "running_mean");
        expect_close(*rv, c.tensor("running_var_after"), "running_var");
      }
    } else {
      EXPECT_EQ(save_mean.numel(), 0);
      expect_close(*rm, c.tensor("running_mean"), "running_mean unchanged");
    }
    expect_close(batch_norm(x.to(DType::Float64), w ? OptTensor(w->to(DType::Float64)) : w,
                            b ? OptTensor(b->to(DType::Float64)) : b, c.opt_tensor("running_mean"),
                            c.opt_tensor("running_var"), training, c.f("momentum"), c.f("eps")),
                 want.to(DType::Float64), "float64");
  }
}

TEST(NnNorm, LayerNormMatchesTorch) {
  for (const Case& c : load_cases("layer_norm")) {
    SCOPED_TRACE(c.name);
    const Tensor x = c.input();
    const OptTensor w = c.opt_tensor("weight"), b = c.opt_tensor("bias");
    const Shape ns = c.ints("normalized_shape");
    for (int impl = 0; impl < 3; ++impl) {
      const char* what = impl == 0 ? "reference" : impl == 1 ? "oneDNN" : "dispatch";
      try {
        auto [y, mean, rstd] = impl == 0 ? layer_norm_reference(x, ns, w, b, c.f("eps"))
                               : impl == 1 ? layer_norm_dnnl(x, ns, w, b, c.f("eps"))
                                           : native_layer_norm(x, ns, w, b, c.f("eps"));
        expect_close(y, c.tensor("out"), what);
        expect_close(mean, c.tensor("mean"), std::string(what) + " mean");
        expect_close(rstd, c.tensor("rstd"), std::string(what) + " rstd");
      } catch (const Error& e) {
        ADD_FAILURE() << what << ": " << e.what();
      }
    }
    expect_close(layer_norm(x, ns, w, b, c.f("eps")), c.tensor("out"), "layer_norm");
  }
}

TEST(NnNorm, GroupNormMatchesTorch) {
  for (const Case& c : load_cases("group_norm")) {
    SCOPED_TRACE(c.name);
    const Tensor x = c.input();
    const OptTensor w = c.opt_tensor("weight"), b = c.opt_tensor("bias");
    auto [y, mean, rstd] = native_group_norm(x, w, b, c.i("groups"), c.f("eps"));
    expect_close(y, c.tensor("out"), "out");
    expect_close(mean, c.tensor("mean"), "mean");
    expect_close(rstd, c.tensor("rstd"), "rstd");
  }
}

TEST(NnNorm, InstanceNormMatchesTorch) {
  for (const Case& c : load_cases("instance_norm")) {
    SCOPED_TRACE(c.name);
    const Tensor x = c.input();
    const OptTensor w = c.opt_tensor("weight"), b = c.opt_tensor("bias");
    OptTensor rm = c.opt_tensor("running_mean"), rv = c.opt_tensor("running_var");
    expect_close(instance_norm(x, w, b, rm, rv, c.b("use_input_stats"), c.f("momentum"),
                               c.f("eps")),
                 c.tensor("out"), "out");
    if (c.b("running")) {
      expect_close(*rm, c.tensor("running_mean_after"), "running_mean");
      expect_close(*rv, c.tensor("running_var_after"), "running_var");
    }
  }
}

TEST(NnNorm, BadArgumentsAreErrors) {
  const Tensor x = Tensor::empty(Shape{2, 6, 3}, DType::Float32);
  EXPECT_THROW(batch_norm(x, std::nullopt, std::nullopt, std::nullopt, std::nullopt, false, 0.1,
                          1e-5),
               Error);
  EXPECT_THROW(batch_norm(x, Tensor::empty(Shape{5}, DType::Float32), std::nullopt,
                          Tensor::empty(Shape{6}, DType::Float32),
                          Tensor::empty(Shape{6}, DType::Float32), false, 0.1, 1e-5),
               Error);
  EXPECT_THROW(layer_norm(x, Shape{4}, std::nullopt, std::nullopt, 1e-5), Error);
  EXPECT_THROW(layer_norm(x, Shape{3}, Tensor::empty(Shape{4}, DType::Float32), std::nullopt, 1e-5),
               Error);
  EXPECT_THROW(group_norm(x, 4, std::nullopt, std::nullopt, 1e-5), Error);
  EXPECT_THROW(group_norm(Tensor::empty(Shape{6}, DType::Float32), 3, std::nullopt, std::nullopt,
                          1e-5),
               Error);
}

}  // namespace
}  // namespace ember::cpu
