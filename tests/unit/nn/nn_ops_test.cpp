// The nn schemas bound in ops/aten_nn.cpp, called through the registry the way the interpreter
// calls them (defaults filled from the schema), on PyTorch-made cases.
#include <gtest/gtest.h>

#include "nn_cases.h"
#include "ops/kernel_util.h"
#include "ops/registry.h"

namespace ember::ops {

void register_nn_ops(Registry& r);

namespace {

using testing::nn::Case;
using testing::nn::expect_close;
using testing::nn::load_cases;

class NnOps : public ::testing::Test {
 protected:
  void SetUp() override { register_nn_ops(r); }

  // Calls name.overload with `args` followed by the schema's defaults for the rest.
  Stack call(const std::string& name, const std::string& overload, std::vector<Value> args) {
    const Operator* op = r.find(name, overload);
    EXPECT_NE(op, nullptr) << name << "." << overload;
    if (!op) return {};
    const auto& params = op->schema.arguments;
    EXPECT_LE(args.size(), params.size()) << name;
    for (size_t i = args.size(); i < params.size(); ++i) {
      EXPECT_TRUE(params[i].default_value.has_value()) << name << ": no default for " << params[i].name;
      args.push_back(params[i].default_value.value_or(Value()));
    }
    Stack s = std::move(args);
    op->kernel(s);
    EXPECT_EQ(s.size(), op->schema.returns.size()) << name;
    return s;
  }
  Tensor call1(const std::string& name, const std::string& overload, std::vector<Value> args) {
    Stack s = call(name, overload, std::move(args));
    return s.empty() ? Tensor() : s[0].to_tensor();
  }

  Registry r;
};

Value ints(const Shape& v) { return to_value(std::vector<int64_t>(v)); }
Value opt(const std::optional<Tensor>& t) { return t ? Value(*t) : Value(); }

TEST_F(NnOps, TracedConvolutionMatchesTorch) {
  int ran = 0;
  for (const Case& c : load_cases("conv")) {
    SCOPED_TRACE(c.name);
    const std::string& padding = c.str("padding");
    if (!c.b("batched") || padding == "valid") continue;
    const Tensor x = c.input(), w = c.tensor("weight");
    const auto sp = static_cast<size_t>(c.i("spatial"));
    auto full = [&](const Shape& v) { return v.size() == 1 ? Shape(sp, v[0]) : v; };
    Tensor got;
    if (padding == "same") {
      got = call1("aten::_convolution_mode", "",
                  {x, w, opt(c.opt_tensor("bias")), ints(full(c.ints("stride"))), Value(padding),
                   ints(full(c.ints("dilation"))), Value(c.i("groups"))});
    } else {
      Shape op = c.ints("output_padding");
      // Traced graphs pass all 13 arguments with lists as long as the spatial rank.
      got = call1("aten::_convolution", "",
                  {x, w, opt(c.opt_tensor("bias")), ints(full(c.ints("stride"))),
                   ints(full(c.ints("padding"))), ints(full(c.ints("dilation"))),
                   Value(c.b("transposed")), ints(op.empty() ? Shape(sp, 0) : full(op)),
                   Value(c.i("groups")), Value(false), Value(false), Value(true), Value(true)});
    }
    expect_close(got, c.tensor("out"), "registry");
    ++ran;
  }
  EXPECT_GE(ran, 20);
}

TEST_F(NnOps, FunctionalConvDefaults) {
  const Case c = load_cases("conv").front();  // c2_basic: stride 1, padding 1
  const Tensor want = c.tensor("out");
  Tensor got = call1("aten::conv2d", "", {c.input(), c.tensor("weight"), c.tensor("bias"),
                                          ints({1}), ints({1})});
  expect_close(got, want, "conv2d with defaults");
}

TEST_F(NnOps, PoolingThroughSchemas) {
  for (const Case& c : load_cases("max_pool")) {
    SCOPED_TRACE(c.name);
    const std::string sp = c.str("spatial");
    Stack s = call("aten::max_pool" + sp + "d_with_indices", "",
                   {c.input(), ints(c.ints("kernel")), ints(c.ints("stride")),
                    ints(c.ints("padding")), ints(c.ints("dilation")), Value(c.b("ceil"))});
    ASSERT_EQ(s.size(), 2u);
    expect_close(s[0].to_tensor(), c.tensor("out"), "values");
    expect_close(s[1].to_tensor(), c.tensor("indices"), "indices");
    expect_close(call1("aten::max_pool" + sp + "d", "",
                       {c.input(), ints(c.ints("kernel")), ints(c.ints("stride")),
                        ints(c.ints("padding")), ints(c.ints("dilation")), Value(c.b("ceil"))}),
                 c.tensor("out"), "max_pool");
  }
  for (const Case& c : load_cases("avg_pool")) {
    SCOPED_TRACE(c.name);
    std::vector<Value> args{c.input(), ints(c.ints("kernel")), ints(c.ints("stride")),
                            ints(c.ints("padding")), Value(c.b("ceil")),
                            Value(c.b("count_include_pad"))};
    if (c.str("spatial") != "1")
      args.push_back(c.is_none("divisor") ? Value() : Value(c.i("divisor")));
    expect_close(call1("aten::avg_pool" + c.str("spatial") + "d", "", args), c.tensor("out"),
                 "avg_pool");
  }
  for (const Case& c : load_cases("adaptive_max")) {
    SCOPED_TRACE(c.name);
    Stack s = call("aten::adaptive_max_pool" + c.str("spatial") + "d", "",
                   {c.input(), ints(c.ints("output_size"))});
    ASSERT_EQ(s.size(), 2u);
    expect_close(s[1].to_tensor(), c.tensor("indices"), "indices");
  }
  for (const Case& c : load_cases("adaptive_avg")) {
    SCOPED_TRACE(c.name);
    expect_close(call1("aten::adaptive_avg_pool" + c.str("spatial") + "d", "",
                       {c.input(), ints(c.ints("output_size"))}),
                 c.tensor("out"), "adaptive_avg");
  }
}

TEST_F(NnOps, NormsThroughSchemas) {
  for (const Case& c : load_cases("batch_norm")) {
    SCOPED_TRACE(c.name);
    std::vector<Value> args{c.input(), opt(c.opt_tensor("weight")), opt(c.opt_tensor("bias")),
                            opt(c.opt_tensor("running_mean")), opt(c.opt_tensor("running_var")),
                            Value(c.b("training")), Value(c.f("momentum")), Value(c.f("eps")),
                            Value(true)};
    expect_close(call1("aten::batch_norm", "", args), c.tensor("out"), "batch_norm");
    args[3] = opt(c.opt_tensor("running_mean"));  // fresh statistics: training updated them
    args[4] = opt(c.opt_tensor("running_var"));
    Stack s = call("aten::_batch_norm_impl_index", "", args);
    ASSERT_EQ(s.size(), 5u);
    expect_close(s[0].to_tensor(), c.tensor("out"), "_batch_norm_impl_index");
    EXPECT_EQ(s[4].to_int(), 0);
  }
  for (const Case& c : load_cases("layer_norm")) {
    SCOPED_TRACE(c.name);
    // Traced code omits the trailing defaults: torch.layer_norm(x, [8], weight, bias).
    expect_close(call1("aten::layer_norm", "",
                       {c.input(), ints(c.ints("normalized_shape")), opt(c.opt_tensor("weight")),
                        opt(c.opt_tensor("bias")), Value(c.f("eps"))}),
                 c.tensor("out"), "layer_norm");
  }
  for (const Case& c : load_cases("group_norm")) {
    SCOPED_TRACE(c.name);
    expect_close(call1("aten::group_norm", "",
                       {c.input(), Value(c.i("groups")), opt(c.opt_tensor("weight")),
                        opt(c.opt_tensor("bias")), Value(c.f("eps"))}),
                 c.tensor("out"), "group_norm");
  }
  for (const Case& c : load_cases("instance_norm")) {
    SCOPED_TRACE(c.name);
    expect_close(call1("aten::instance_norm", "",
                       {c.input(), opt(c.opt_tensor("weight")), opt(c.opt_tensor("bias")),
                        opt(c.opt_tensor("running_mean")), opt(c.opt_tensor("running_var")),
                        Value(c.b("use_input_stats")), Value(c.f("momentum")), Value(c.f("eps")),
                        Value(false)}),
                 c.tensor("out"), "instance_norm");
  }
}

TEST_F(NnOps, InterpolateAndPadThroughSchemas) {
  for (const Case& c : load_cases("upsample")) {
    SCOPED_TRACE(c.name);
    const Tensor x = c.input();
    const std::string& mode = c.str("mode");
    const std::string sp = std::to_string(x.dim() - 2);
    Value size = c.is_none("size") ? Value() : ints(c.ints("size"));
    Value scales = c.is_none("scale") ? Value() : to_value(c.floats("scale"));
    Tensor got;
    // What F.interpolate prints: torch.upsample_bilinear2d(x, None, False, [2., 2.]).
    if (mode == "nearest")
      got = call1("aten::upsample_nearest" + sp + "d", "vec", {x, size, scales});
    else if (mode == "nearest-exact")
      got = call1("aten::_upsample_nearest_exact" + sp + "d", "vec", {x, size, scales});
    else if (mode == "bicubic")
      got = call1("aten::upsample_bicubic2d", "vec", {x, size, Value(c.b("align_corners")), scales});
    else
      got = call1(sp == "1" ? "aten::upsample_linear1d" : sp == "2" ? "aten::upsample_bilinear2d"
                                                                    : "aten::upsample_trilinear3d",
                  "vec", {x, size, Value(c.b("align_corners")), scales});
    expect_close(got, c.tensor("out"), mode);
  }
  for (const Case& c : load_cases("pad")) {
    SCOPED_TRACE(c.name);
    Value value = c.is_none("value") ? Value() : Value(c.f("value"));
    expect_close(call1("aten::pad", "", {c.input(), ints(c.ints("pad")), Value(c.str("mode")), value}),
                 c.tensor("out"), "pad");
  }
}

TEST_F(NnOps, DropoutIsIdentityInEval) {
  const Tensor x = Tensor::empty(Shape{2, 3}, DType::Float32);
  for (const char* name : {"aten::dropout", "aten::feature_dropout", "aten::alpha_dropout",
                           "aten::feature_alpha_dropout"}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(call1(name, "", {x, Value(0.5), Value(false)}).is_same(x));
    EXPECT_TRUE(call1(std::string(name) + "_", "", {x, Value(0.5), Value(false)}).is_same(x));
    EXPECT_TRUE(call1(name, "", {x, Value(0.0), Value(true)}).is_same(x));
    // Training mode samples a mask (statistics tested in tests/unit/gaps/random_test.cpp).
    const Tensor y = call1(name, "", {x, Value(0.5), Value(true)});
    EXPECT_FALSE(y.is_same(x));
    EXPECT_EQ(y.sizes(), x.sizes());
    EXPECT_THROW(call1(name, "", {x, Value(1.5), Value(true)}), Error);
  }
}

}  // namespace
}  // namespace ember::ops
