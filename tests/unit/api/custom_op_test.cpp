// Custom operators: registration by schema (typed and general forms, and their errors), a model
// calling torch.ops.my_ns.* (defined in the fixture with torch.library) running on operators from a
// shared library loaded at run time, compared with PyTorch's results; ember::check sees them.
#include <gtest/gtest.h>

#include <cmath>

#include "error_text.h"
#include "../fixtures.h"
#include "ember/ember.h"

namespace ember {
namespace {

using testing::error_of;

// Registered once per process (the registry is global).
void register_test_ops() {
  static bool done = [] {
    register_op("api_test::affine(Tensor x, float scale=2.0, *, int shift=0) -> Tensor",
                [](const Tensor& x, double scale, int64_t shift) { return x * scale + shift; });
    register_op("api_test::stats(Tensor x) -> (Tensor, Tensor)",
                [](const Tensor& x) { return std::make_tuple(min(x), max(x)); });
    register_op("api_test::describe(str name, int[] sizes, Tensor? t=None) -> str",
                [](std::vector<Value>& args) -> Value {
                  std::string s = args[0].to_string() + ":" + std::to_string(to_int_list(args[1]).size());
                  return Value(s + (args[2].is_none() ? ":none" : ":tensor"));
                });
    register_op("api_test::fails(Tensor x) -> Tensor",
                [](const Tensor&) -> Tensor { throw std::runtime_error("user kernel gave up"); });
    return true;
  }();
  (void)done;
}

TEST(CustomOp, RegisteredOpsAreCallableByName) {
  register_test_ops();
  Tensor x = tensor({1.0, -2.0, 3.0});
  EXPECT_TRUE(equal(call("api_test::affine", {x}).to_tensor(), tensor({2.0, -4.0, 6.0})));
  EXPECT_TRUE(equal(call("api_test::affine", {x, 1.0}, {{"shift", 1}}).to_tensor(), tensor({2.0, -1.0, 4.0})));
  Value st = call("api_test::stats", {x});
  EXPECT_EQ(tuple_at(st, 0).to_tensor().item_double(), -2.0);
  EXPECT_EQ(tuple_at(st, 1).to_tensor().item_double(), 3.0);
  EXPECT_EQ(call("api_test::describe", {"a", list_value(std::vector<int64_t>{1, 2})}).to_string(), "a:2:none");
  EXPECT_EQ(call("api_test::describe", {"b", list_value(std::vector<int64_t>{}), x}).to_string(), "b:0:tensor");
  std::string e = error_of([&] { call("api_test::fails", {x}); });
  EXPECT_NE(e.find("api_test::fails"), std::string::npos) << e;
  EXPECT_NE(e.find("user kernel gave up"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { call("api_test::affine", {x}, {{"shift", 1.5}}); }).find("Arguments for call are not valid"),
            std::string::npos);
}

TEST(CustomOp, RegistrationErrors) {
  register_test_ops();
  auto fn = [](const Tensor& x) { return x; };
  EXPECT_NE(error_of([&] { register_op("api_test::affine(Tensor x, float scale=2.0, *, int shift=0) -> Tensor",
                                       [](const Tensor& x, double, int64_t) { return x; }); })
                .find("registered twice"),
            std::string::npos);
  EXPECT_NE(error_of([&] { register_op("aten::relu2(Tensor x) -> Tensor", fn); }).find("built-in"), std::string::npos);
  EXPECT_NE(error_of([&] { register_op("api_test::two(Tensor x, Tensor y) -> Tensor", fn); })
                .find("declares 2 arguments but the function takes 1"),
            std::string::npos);
  EXPECT_THROW(register_op("api_test::broken(Tensor x -> Tensor", fn), Error);
  EXPECT_NE(error_of([] { load_library("/nonexistent/libnothing.so"); }).find("cannot load operator library"),
            std::string::npos);
}

TEST(CustomOp, ModelUsingALibrarysOps) {
  const std::string path = testing::fixture("api/custom_op.pt");
  if (!has_op("my_ns::scaled_add")) {
    // Before the library is loaded the model names what is missing.
    std::string e = error_of([&] { load(path); });
    EXPECT_NE(e.find("my_ns::scaled_add"), std::string::npos) << e;
    EXPECT_FALSE(check(path).ok());
  }
  load_library(EMBER_TEST_OPS_LIB);
  ASSERT_TRUE(has_op("my_ns::scaled_add"));
  CheckReport r = check(path);
  EXPECT_TRUE(r.ok());
  EXPECT_NE(std::find(r.ops_used.begin(), r.ops_used.end(), "my_ns::scaled_add"), r.ops_used.end());
  Module m = load(path);
  Module ref = load(testing::fixture("api/custom_op_ref.pt"));
  Value out = m.forward({ref.attr("x"), ref.attr("y")});
  Tensor z = tuple_at(out, 0).to_tensor();
  EXPECT_TRUE(allclose(z, ref.attr("z").to_tensor(), 1e-5, 1e-6)) << z << "\n" << ref.attr("z").to_tensor();
  EXPECT_EQ(tuple_at(out, 1).to_int(), ref.attr("n").to_tensor().item_int());
  // Loading the same library again registers nothing twice (dlopen returns the loaded one).
  EXPECT_NO_THROW(load_library(EMBER_TEST_OPS_LIB));
}

}  // namespace
}  // namespace ember
