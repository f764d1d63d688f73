// ember/ops.h against PyTorch: tests/fixtures/gen_api.py computes each operation with PyTorch 1.13
// and saves inputs and results as buffers of ops.pt; every typed function and the by-name call must
// give the same dtype, shape and values. Errors: unknown names, wrong dtypes, bad shapes, undefined
// tensors.
#include <gtest/gtest.h>

#include <cmath>

#include "error_text.h"
#include "../fixtures.h"
#include "ember/ember.h"

namespace ember {
namespace {

class OpsApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new Module(load(testing::fixture("api/ops.pt"))); }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  static Tensor ref(const std::string& name) { return model_->attr(name).to_tensor(); }

  // Same dtype and shape; values within 1e-5 of the reference's magnitude (ints exact).
  static void expect_same(const Tensor& got, const std::string& name) {
    SCOPED_TRACE(name);
    Tensor want = ref(name);
    ASSERT_TRUE(got.defined());
    ASSERT_EQ(dtype_name(got.dtype()), dtype_name(want.dtype()));
    ASSERT_EQ(shape_string(got.sizes()), shape_string(want.sizes()));
    double scale = 1;
    for (int64_t i = 0; i < want.numel(); ++i) scale = std::max(scale, std::abs(want.at_double(i)));
    for (int64_t i = 0; i < want.numel(); ++i) {
      double a = got.at_double(i), b = want.at_double(i);
      if (is_floating(want.dtype())) EXPECT_NEAR(a, b, 1e-5 * scale) << "element " << i;
      else EXPECT_EQ(a, b) << "element " << i;
    }
  }
  static Module* model_;
};
Module* OpsApi::model_ = nullptr;

TEST_F(OpsApi, Arithmetic) {
  Tensor x = ref("x"), y = ref("y"), xi = ref("xi");
  expect_same(x + y, "add");
  expect_same(x + 2, "add_s");
  expect_same(2.5 + x, "radd_s");
  expect_same(x - y, "sub");
  expect_same(1 - x, "rsub_s");
  expect_same(x * y, "mul");
  expect_same(x * 3, "mul_s");
  expect_same(x / y, "div");
  expect_same(x / 4, "div_s");
  expect_same(2 / x, "rdiv_s");
  expect_same(-x, "neg");
  expect_same(xi + 1, "xi_add_1");
  expect_same(xi + 1.5, "xi_add_1_5");
  expect_same(xi / 2, "xi_div_2");
  expect_same(x == y, "eq");
  expect_same(x < y, "lt");
  expect_same(x >= 0.5, "ge_s");
  expect_same(xi != 4, "ne_s");
  expect_same(matmul(x, transpose(y, 0, 1)), "matmul");
  expect_same(exp(x), "exp");
  expect_same(abs(x), "abs");
  expect_same(sigmoid(x), "sigmoid");
  expect_same(tanh(x), "tanh");
  expect_same(relu(x), "relu");
  expect_same(clamp(x, -0.5, 0.5), "clamp");
  expect_same(clamp(x, 0.0), "clamp_min");
  expect_same(where(x > y, x, y), "where");
}

TEST_F(OpsApi, Shape) {
  Tensor x = ref("x"), y = ref("y"), x3 = ref("x3");
  expect_same(reshape(x3, {4, -1}), "reshape");
  expect_same(view(x3, {3, 8}), "view");
  expect_same(flatten(x3, 1), "flatten");
  expect_same(permute(x3, {2, 0, 1}), "permute");
  expect_same(transpose(x3, 0, 2), "transpose");
  expect_same(squeeze(reshape(x3, {2, 1, 12, 1})), "squeeze");
  expect_same(squeeze(reshape(x3, {2, 1, 12, 1}), 1), "squeeze1");
  expect_same(unsqueeze(x, 1), "unsqueeze");
  expect_same(cat({x, y}, 1), "cat");
  expect_same(stack({x, y}), "stack");
  expect_same(slice(x, 1, 1, 4, 2), "slice");
  expect_same(slice(x, 1, -3, std::nullopt), "slice_neg");
  expect_same(narrow(x, 1, 1, 3), "narrow");
  expect_same(select(x3, 1, 1), "select");
  expect_same(index_select(x, 1, ref("idx")), "index_select");
}

TEST_F(OpsApi, ReductionsAndSorting) {
  Tensor x = ref("x"), x3 = ref("x3");
  expect_same(softmax(x, 1), "softmax");
  expect_same(log_softmax(x, 0), "log_softmax");
  expect_same(argmax(x), "argmax");
  expect_same(argmax(x, 1), "argmax1");
  expect_same(argmin(x, 0, true), "argmin0k");
  auto [tv, ti] = topk(x, 3);
  expect_same(tv, "topk_v");
  expect_same(ti, "topk_i");
  auto [tv0, ti0] = topk(x, 2, 0, false);
  expect_same(tv0, "topk0_v");
  expect_same(ti0, "topk0_i");
  auto [sv, si] = sort(x, -1, true);
  expect_same(sv, "sort_v");
  expect_same(si, "sort_i");
  expect_same(max(x), "max");
  auto [mv, mi] = max(x, 1);
  expect_same(mv, "max1_v");
  expect_same(mi, "max1_i");
  expect_same(min(x), "min");
  auto [nv, ni] = min(x, 0, true);
  expect_same(nv, "min0_v");
  expect_same(ni, "min0_i");
  expect_same(sum(x), "sum");
  expect_same(sum(x3, {0, 2}, true), "sum1");
  expect_same(sum(ref("xi")), "sum_int");
  expect_same(mean(x), "mean");
  expect_same(mean(x3, {1}), "mean1");
  expect_same((x * 10).to(DType::Int32), "to_int");
}

TEST_F(OpsApi, Factories) {
  expect_same(zeros({2, 3}), "zeros");
  expect_same(ones({3}, DType::Int64), "ones_i");
  expect_same(full({2, 2}, 7), "full");
  expect_same(full({2}, 1.5), "full_f");
  expect_same(arange(5), "arange");
  expect_same(arange(0, 1, 0.25), "arange_f");
  expect_same(linspace(-1, 1, 8), "linspace");
  expect_same(tensor({1.5, 2.5}), "tensor_f");
  expect_same(tensor({1, 2, 3}), "tensor_i");
  EXPECT_EQ(tensor({1.5, 2.5}, DType::Float64).dtype(), DType::Float64);
  EXPECT_EQ(tensor(std::vector<bool>{true, false}).dtype(), DType::Bool);
  EXPECT_EQ(tensor(std::vector<int64_t>{}).numel(), 0);
}

TEST_F(OpsApi, EqualAndAllclose) {
  Tensor x = ref("x");
  EXPECT_TRUE(equal(x, x.clone()));
  EXPECT_FALSE(equal(x, x + 1e-3));
  EXPECT_FALSE(equal(x, reshape(x, {5, 2})));
  EXPECT_TRUE(allclose(x, x + 1e-9));
  EXPECT_FALSE(allclose(x, x + 1e-3));
  EXPECT_TRUE(allclose(x, x + 1e-3, 0, 2e-3));
  Tensor nan = tensor({NAN, 1.0});
  EXPECT_FALSE(allclose(nan, nan));
  EXPECT_TRUE(allclose(nan, nan, 1e-5, 1e-8, true));
  Tensor inf = tensor({INFINITY, -INFINITY});
  EXPECT_TRUE(allclose(inf, inf));
  EXPECT_FALSE(allclose(inf, -inf));
  EXPECT_THROW(allclose(x, x.to(DType::Float64)), Error);
}

TEST_F(OpsApi, CallByName) {
  Tensor x = ref("x");
  Op topk_op("aten::topk");
  Value r = topk_op({x, 3});
  ASSERT_TRUE(r.is_tuple());
  expect_same(tuple_at(r, 0).to_tensor(), "topk_v");
  expect_same(tuple_at(r, 1).to_tensor(), "topk_i");
  // Keywords, and a handle reused with other arguments.
  Value r0 = topk_op({x, 2}, {{"dim", 0}, {"largest", false}});
  expect_same(tuple_at(r0, 0).to_tensor(), "topk0_v");
  expect_same(call("aten::softmax", {x, 1}).to_tensor(), "softmax");
  expect_same(call("aten::reshape", {ref("x3"), list_value(std::vector<int64_t>{4, -1})}).to_tensor(), "reshape");
  expect_same(call("aten::add.Tensor", {x, ref("y")}).to_tensor(), "add");
  // Overload chosen by type: int -> add.Scalar keeps int64.
  expect_same(call("aten::add", {ref("xi"), 1}).to_tensor(), "xi_add_1");
  EXPECT_EQ(topk_op.name(), "aten::topk");
  ASSERT_EQ(topk_op.schemas().size(), 1u);
  EXPECT_NE(topk_op.schemas()[0].find("int k"), std::string::npos);
  EXPECT_TRUE(has_op("aten::topk"));
  EXPECT_FALSE(has_op("aten::no_such_op"));
  // Non-tensor results.
  EXPECT_EQ(to_int_list(call("aten::size", {x})), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(call("aten::dim", {x}).to_int(), 2);
}

using testing::error_of;

TEST_F(OpsApi, Errors) {
  Tensor x = ref("x");
  EXPECT_NE(error_of([] { Op("aten::no_such_op"); }).find("unknown operator aten::no_such_op"), std::string::npos);
  EXPECT_NE(error_of([] { Op("topk"); }).find("not an operator name"), std::string::npos);
  std::string overload = error_of([] { Op("aten::add.Nope"); });
  EXPECT_NE(overload.find("unknown operator overload aten::add.Nope"), std::string::npos) << overload;
  EXPECT_NE(overload.find("aten::add.Tensor("), std::string::npos) << overload;
  // Wrong argument types: the resolution message lists the candidates.
  std::string wrong = error_of([&] { call("aten::topk", {x, "five"}); });
  EXPECT_NE(wrong.find("aten::topk(Tensor, str)"), std::string::npos) << wrong;
  EXPECT_NE(error_of([&] { call("aten::topk", {x}, {{"kk", 3}}); }).find("Argument k not provided"), std::string::npos);
  // Kernel errors name the op.
  std::string shape = error_of([&] { (void)(x + reshape(x, {5, 2})); });
  EXPECT_NE(shape.find("aten::add"), std::string::npos) << shape;
  std::string view_err = error_of([&] { (void)view(transpose(x, 0, 1), {10}); });
  EXPECT_NE(view_err.find("aten::view"), std::string::npos) << view_err;
  // Wrong dtype: mean of an int tensor, data<T>() of another dtype.
  EXPECT_NE(error_of([&] { (void)mean(ref("xi")); }).find("aten::mean"), std::string::npos);
  EXPECT_NE(error_of([&] { (void)x.data<int64_t>(); }).find("tensor holds float32, not int64"), std::string::npos);
  // An undefined tensor passed to an operation is an error, not an abort.
  Tensor undefined;
  EXPECT_NE(error_of([&] { (void)(undefined + x); }).find("undefined tensor"), std::string::npos);
  EXPECT_THROW(equal(undefined, x), Error);
}

}  // namespace
}  // namespace ember
