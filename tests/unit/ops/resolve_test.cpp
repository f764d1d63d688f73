// Overload resolution: defaults, keywords, type variables, implicit conversions, failure messages.
#include <gtest/gtest.h>

#include "ember/error.h"
#include "ops/kernel_util.h"
#include "ops/registry.h"

namespace ember::ops {
namespace {

TypePtr ty(TypeKind k) { return Type::get(k); }
const TypePtr kInt = Type::get(TypeKind::Int);
const TypePtr kFloat = Type::get(TypeKind::Float);
const TypePtr kTensor = Type::get(TypeKind::Tensor);
const TypePtr kStr = Type::get(TypeKind::Str);

std::string overload_of(const std::optional<Match>& m) { return m ? m->op->schema.overload : "<none>"; }

class Resolve : public ::testing::Test {
 protected:
  Registry r;
  Kernel none = [](Stack&) {};
  std::optional<Match> res(std::string_view name, std::vector<TypePtr> pos,
                           std::vector<std::pair<std::string, TypePtr>> kw = {}) {
    why.clear();
    return r.resolve(name, pos, kw, &why);
  }
  std::string why;
};

TEST_F(Resolve, MostSpecificOverloadWins) {
  // Registered general-first on purpose: resolution must not depend on it.
  r.add("aten::add(Scalar a, Scalar b) -> Scalar", none);
  r.add("aten::add.int(int a, int b) -> int", none);
  r.add("aten::add.int_float(int a, float b) -> float", none);
  r.add("aten::add.float(float a, float b) -> float", none);
  EXPECT_EQ(overload_of(res("aten::add", {kInt, kInt})), "int");
  EXPECT_EQ(overload_of(res("aten::add", {kInt, kFloat})), "int_float");
  auto m = res("aten::add", {kFloat, kInt});  // no float_int: only the Scalar overload fits
  EXPECT_EQ(overload_of(m), "");
  EXPECT_EQ(m->return_types[0]->kind, TypeKind::Number);
  // int is not a float in TorchScript, and bool is not a number.
  r.add("aten::dropout(Tensor input, float p, bool train) -> Tensor", none);
  EXPECT_FALSE(res("aten::dropout", {kTensor, kInt, ty(TypeKind::Bool)}));
  EXPECT_NE(why.find("Expected a value of type 'float' for argument 'p' but instead found type 'int'"),
            std::string::npos)
      << why;
  EXPECT_FALSE(res("aten::add", {ty(TypeKind::Bool), kInt}));
}

TEST_F(Resolve, DefaultsKeywordsAndKwargOnly) {
  r.add("aten::sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor", none);
  auto m = res("aten::sum", {kTensor, Type::list(kInt)});
  ASSERT_TRUE(m) << why;
  EXPECT_EQ(m->arg_source, (std::vector<int>{0, 1, -1, -1}));
  m = res("aten::sum", {kTensor, Type::list(kInt)}, {{"dtype", kInt}, {"keepdim", ty(TypeKind::Bool)}});
  ASSERT_TRUE(m) << why;
  EXPECT_EQ(m->arg_source, (std::vector<int>{0, 1, 3, 2}));
  // A kwarg-only argument cannot be passed positionally.
  EXPECT_FALSE(res("aten::sum", {kTensor, Type::list(kInt), ty(TypeKind::Bool), kInt}));
  EXPECT_NE(why.find("Expected at most 3 arguments but found 4 positional arguments."), std::string::npos) << why;
  EXPECT_FALSE(res("aten::sum", {kTensor}));
  EXPECT_NE(why.find("Argument dim not provided."), std::string::npos) << why;
  EXPECT_FALSE(res("aten::sum", {kTensor, Type::list(kInt)}, {{"keepdims", ty(TypeKind::Bool)}}));
  EXPECT_NE(why.find("Keyword argument keepdims unknown."), std::string::npos) << why;
  // A single int for int[1]?; None for an optional.
  m = res("aten::sum", {kTensor, kInt});
  ASSERT_TRUE(m) << why;
  EXPECT_EQ(m->conversions[1], ArgConversion::RepeatToList);
  EXPECT_TRUE(res("aten::sum", {kTensor, ty(TypeKind::None)}));
  // aten schemas accept `input=` for `self`.
  EXPECT_TRUE(res("aten::sum", {}, {{"input", kTensor}, {"dim", Type::list(kInt)}})) << why;
}

TEST_F(Resolve, TypeVariables) {
  r.add("aten::append.t(t[](a!) self, t(c -> *) el) -> t[](a!)", none);
  r.add("aten::get.default_str(Dict(str, t) self, str key, t default_value) -> t(*)", none);
  r.add("aten::__is__(t1 self, t2 obj) -> bool", none);
  r.add("aten::__getitem__.t(t[](a) list, int idx) -> t(*)", none);
  auto m = res("aten::append", {Type::list(kTensor), kTensor});
  ASSERT_TRUE(m) << why;
  EXPECT_EQ(m->return_types[0]->str(), "List[Tensor]");
  EXPECT_FALSE(res("aten::append", {Type::list(kTensor), kInt}));
  EXPECT_NE(why.find("Type variable 't' previously matched to type Tensor is matched to type int"), std::string::npos)
      << why;
  m = res("aten::get", {Type::dict(kStr, Type::list(kInt)), kStr, Type::list(kInt)});
  ASSERT_TRUE(m) << why;
  EXPECT_EQ(m->return_types[0]->str(), "List[int]");
  EXPECT_FALSE(res("aten::get", {Type::dict(kInt, kInt), kStr, kInt}));
  EXPECT_TRUE(res("aten::__is__", {Type::optional(kInt), ty(TypeKind::None)}));
  // A tuple of ints is indexable as a list through TupleToList.
  m = res("aten::__getitem__", {Type::tuple({kInt, kInt}), kInt});
  ASSERT_TRUE(m) << why;
  EXPECT_EQ(m->conversions[0], ArgConversion::TupleToList);
  EXPECT_EQ(m->return_types[0]->str(), "int");
}

TEST_F(Resolve, ConversionsOnlyInTheSecondPass) {
  r.add("aten::zeros(int[] size, *, ScalarType? dtype=None) -> Tensor", none);
  r.add("aten::full(int[] size, Scalar fill_value) -> Tensor", none);
  r.add("aten::ones(int[] size, *, Device? device=None) -> Tensor", none);
  // zeros(2, 3) packs varargs into the list, converting a Tensor element with IntImplicit.
  auto m = res("aten::zeros", {kInt, kTensor});
  ASSERT_TRUE(m) << why;
  EXPECT_TRUE(m->used_conversions);
  EXPECT_EQ(m->conversions[0], ArgConversion::PackVarargs);
  EXPECT_EQ(m->packed_conversions, (std::vector<ArgConversion>{ArgConversion::None, ArgConversion::TensorToInt}));
  // A Tensor where a Scalar is expected: ScalarImplicit.
  m = res("aten::full", {Type::list(kInt), kTensor});
  ASSERT_TRUE(m) << why;
  EXPECT_EQ(m->conversions[1], ArgConversion::TensorToNumber);
  // str -> Device.
  m = res("aten::ones", {Type::list(kInt)}, {{"device", kStr}});
  ASSERT_TRUE(m) << why;
  EXPECT_EQ(m->conversions[1], ArgConversion::StrToDevice);
  // Empty list literal.
  m = res("aten::zeros", {ty(TypeKind::AnyList)});
  ASSERT_TRUE(m) << why;
  EXPECT_EQ(m->conversions[0], ArgConversion::EmptyList);
}

TEST_F(Resolve, FirstPassPreferredOverConversions) {
  r.add("aten::mul.Scalar(Tensor self, Scalar other) -> Tensor", none);
  r.add("aten::mul.Tensor(Tensor self, Tensor other) -> Tensor", none);
  auto m = res("aten::mul", {kTensor, kTensor});
  ASSERT_TRUE(m) << why;
  EXPECT_EQ(m->op->schema.overload, "Tensor");
  EXPECT_FALSE(m->used_conversions);
}

TEST_F(Resolve, FailureListsEveryCandidate) {
  r.add("aten::len.t(t[] a) -> int", none);
  r.add("aten::len.str(str s) -> int", none);
  EXPECT_FALSE(res("aten::len", {kInt}));
  EXPECT_NE(why.find("aten::len.t(t[] a) -> int"), std::string::npos) << why;
  EXPECT_NE(why.find("aten::len.str(str s) -> int"), std::string::npos) << why;
  EXPECT_NE(why.find("Expected a value of type 'str' for argument 's' but instead found type 'int'"), std::string::npos)
      << why;
  EXPECT_FALSE(res("aten::nope", {kInt}));
  EXPECT_NE(why.find("Unknown builtin op: aten::nope"), std::string::npos) << why;
}

TEST_F(Resolve, CallFillsDefaultsAndRunsTheKernel) {
  r.add("test::f(int a, int b=10, *, int c=100) -> int", wrap([](int64_t a, int64_t b, int64_t c) { return a + b + c; }));
  EXPECT_EQ(r.call("test::f", {Value(1)})[0].to_int(), 111);
  EXPECT_EQ(r.call("test::f", {Value(1), Value(2)}, {{"c", Value(3)}})[0].to_int(), 6);
  r.add("test::g(int[2] k) -> int[]", wrap([](std::vector<int64_t> k) { return k; }));
  EXPECT_EQ(r.call("test::g", {Value(7)})[0].repr(), "[7, 7]");
  r.add("test::h(str self, ...) -> int", [](Stack& s) {
    int64_t n = pop(s).to_int();
    drop(s, static_cast<size_t>(n));
    push(s, n);
  });
  EXPECT_EQ(r.call("test::h", {Value("x"), Value(1), Value(2.0)})[0].to_int(), 3);
  EXPECT_THROW(r.call("test::f", {Value("x")}), Error);
  EXPECT_THROW(r.add("test::f(int a) -> int", none), Error);
}

}  // namespace
}  // namespace ember::ops
