// Enum comparison, prim::id and set_grad_enabled through the global registry. TorchScript
// compares enums by class and value (not by member name), and id() is stable per object.
#include <gtest/gtest.h>

#include "ember/type.h"
#include "ember/value.h"
#include "ops/registry.h"

using namespace ember;

namespace {

Value member(const ClassTypePtr& cls, const std::string& name, Value v) {
  auto e = std::make_shared<EnumValue>();
  e->type = cls;
  e->name = name;
  e->value = std::move(v);
  return Value(e);
}

ClassTypePtr enum_class(const std::string& qualname) {
  auto cls = std::make_shared<ClassType>();
  cls->kind = ClassKind::Enum;
  cls->qualname = qualname;
  return cls;
}

bool call_bool(const char* op, Value a, Value b) {
  return ops::Registry::global().call(op, {std::move(a), std::move(b)}).at(0).to_bool();
}

}  // namespace

TEST(BuiltinsExtra, EnumEquality) {
  auto color = enum_class("__torch__.Color");
  auto other = enum_class("__torch__.Other");
  Value red = member(color, "RED", Value(int64_t{1}));
  Value red_copy = member(color, "RED", Value(int64_t{1}));
  Value green = member(color, "GREEN", Value(int64_t{2}));
  Value other_red = member(other, "RED", Value(int64_t{1}));
  EXPECT_TRUE(call_bool("aten::eq", red, red));
  EXPECT_TRUE(call_bool("aten::eq", red, red_copy));
  EXPECT_FALSE(call_bool("aten::eq", red, green));
  EXPECT_FALSE(call_bool("aten::eq", red, other_red));
  EXPECT_TRUE(call_bool("aten::ne", red, green));
  EXPECT_FALSE(call_bool("aten::ne", red, red_copy));
}

TEST(BuiltinsExtra, IdAndGradMode) {
  const auto& reg = ops::Registry::global();
  auto cls = std::make_shared<ClassType>();
  cls->qualname = "__torch__.Box";
  auto a = std::make_shared<Object>();
  a->type = cls;
  auto b = std::make_shared<Object>();
  b->type = cls;
  const Value va(a), vb(b);
  const int64_t ida = reg.call("prim::id", {va}).at(0).to_int();
  EXPECT_EQ(ida, reg.call("prim::id", {va}).at(0).to_int());
  EXPECT_NE(ida, reg.call("prim::id", {vb}).at(0).to_int());
  EXPECT_EQ(reg.call("prim::id", {Value()}).at(0).to_int(), 0);
  EXPECT_TRUE(reg.call("aten::set_grad_enabled", {Value(false)}).empty());
}
