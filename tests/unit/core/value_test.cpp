#include <gtest/gtest.h>

#include "ember/value.h"

using namespace ember;

TEST(Value, CheckedAccessorsNameWhatTheyFound) {
  Value v(int64_t{3});
  EXPECT_EQ(v.to_int(), 3);
  try {
    (void)v.to_tensor();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "expected Tensor but got int");
  }
}

TEST(Value, ReprFollowsPython) {
  EXPECT_EQ(Value(2.5).repr(), "2.5");
  EXPECT_EQ(Value(1.0).repr(), "1.0");
  EXPECT_EQ(Value(1e-5).repr(), "1e-05");
  EXPECT_EQ(Value(1e16).repr(), "1e+16");
  EXPECT_EQ(Value(std::string("it's")).repr(), "\"it's\"");
  auto l = make_list(Type::get(TypeKind::Int), {Value(1), Value(2)});
  EXPECT_EQ(Value(l).repr(), "[1, 2]");
  EXPECT_EQ(Value(l).type()->str(), "List[int]");
  EXPECT_EQ(Value(make_tuple({Value(1)})).repr(), "(1,)");
}

TEST(Dict, KeepsInsertionOrderAcrossEraseAndOverwrite) {
  Dict d;
  d.key_type = Type::get(TypeKind::Int);
  d.value_type = Type::get(TypeKind::Bool);
  for (int i = 0; i < 40; ++i) d.set(Value(i), Value(true));
  for (int i = 0; i < 40; i += 2) EXPECT_TRUE(d.erase(Value(i)));
  d.set(Value(1), Value(false));
  d.set(Value(100), Value(true));
  auto items = d.items();
  ASSERT_EQ(items.size(), 21u);
  EXPECT_EQ(items[0].first.to_int(), 1);
  EXPECT_FALSE(items[0].second.to_bool());
  EXPECT_EQ(items.back().first.to_int(), 100);
  EXPECT_NE(d.find(Value(1.0)), nullptr);  // 1.0 == 1 as a key, as in Python
}

TEST(Object, AttributesAliasThroughTheClassRecord) {
  auto cls = std::make_shared<ClassType>();
  cls->qualname = "__torch__.Foo";
  auto obj = std::make_shared<Object>();
  obj->type = cls;
  obj->set_attr("weight", Value(1.5));
  EXPECT_EQ(obj->attr("weight").to_double(), 1.5);
  EXPECT_THROW(obj->attr("bias"), Error);
  EXPECT_EQ(Value(obj).type()->str(), "__torch__.Foo");
}
