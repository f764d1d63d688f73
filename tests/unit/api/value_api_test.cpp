// The C++ conveniences of ember/values.h: Values from std::vector / std::map / initializer lists,
// lists back as std::vector, checked dict / tuple / list access.
#include <gtest/gtest.h>

#include "ember/ember.h"

namespace ember {
namespace {

TEST(ValueApi, ListsFromVectors) {
  Value ints = list_value(std::vector<int64_t>{1, 2, 3});
  ASSERT_TRUE(ints.is_list());
  EXPECT_EQ(ints.type()->str(), "List[int]");
  EXPECT_EQ(to_int_list(ints), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(list_value(std::vector<int>{4}).type()->str(), "List[int]");
  EXPECT_EQ(list_value(std::vector<double>{0.5}).type()->str(), "List[float]");
  EXPECT_EQ(to_double_list(list_value(std::vector<double>{0.5, 1.5})), (std::vector<double>{0.5, 1.5}));
  EXPECT_EQ(to_bool_list(list_value(std::vector<bool>{true, false})), (std::vector<bool>{true, false}));
  EXPECT_EQ(list_value(std::vector<std::string>{"a"}).type()->str(), "List[str]");
  Tensor t = zeros({2});
  Value ts = list_value(std::vector<Tensor>{t, t});
  EXPECT_EQ(ts.type()->str(), "List[Tensor]");
  auto back = to_tensor_list(ts);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_TRUE(back[0].is_same(t));
  // Empty lists keep their element type.
  EXPECT_EQ(list_value(std::vector<Tensor>{}).type()->str(), "List[Tensor]");
  // Tuples read as lists too.
  EXPECT_EQ(to_int_list(tuple_value({1, 2})), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(list_value(std::vector<Value>{1, 2}).type()->str(), "List[int]");
  EXPECT_EQ(list_value(std::vector<Value>{1, "a"}).type()->str(), "List[Any]");
}

TEST(ValueApi, ValuesConvertFromVectorsAndMapsAsIValueDoes) {
  // What libtorch code writes as IValue(std::vector<...>) or IValue(c10::Dict) ports unchanged.
  Tensor t = zeros({2});
  const Value tensors = std::vector<Tensor>{t, t};
  EXPECT_EQ(tensors.type()->str(), "List[Tensor]");
  EXPECT_TRUE(to_tensor_list(tensors)[1].is_same(t));
  EXPECT_EQ(Value(std::vector<int64_t>{}).type()->str(), "List[int]");  // empty, still typed
  EXPECT_EQ(to_int_list(Value(std::vector<int64_t>{7, 8})), (std::vector<int64_t>{7, 8}));
  EXPECT_EQ(to_double_list(Value(std::vector<double>{0.25})), (std::vector<double>{0.25}));
  EXPECT_EQ(to_bool_list(Value(std::vector<bool>{false, true})), (std::vector<bool>{false, true}));
  EXPECT_EQ(Value(std::vector<std::string>{"x", "y"}).type()->str(), "List[str]");
  const Value d = std::map<std::string, int64_t>{{"a", 1}, {"b", 2}};
  EXPECT_EQ(d.type()->str(), "Dict[str, int]");
  EXPECT_EQ(dict_at(d, "b").to_int(), 2);
  const Value m = std::map<int64_t, Tensor>{{3, t}};
  EXPECT_EQ(m.type()->str(), "Dict[int, Tensor]");
  EXPECT_TRUE(dict_at(m, 3).to_tensor().is_same(t));
  // A method taking List[Tensor] gets one from a plain vector in the argument list.
  std::vector<Value> args{std::vector<Tensor>{t}, std::vector<int64_t>{1, 2}};
  EXPECT_EQ(args[0].type()->str(), "List[Tensor]");
  EXPECT_EQ(args[1].type()->str(), "List[int]");
}

TEST(ValueApi, UndefinedTensorUseIsAnError) {
  // Misuse of the public API is an ember::Error, never an abort.
  Tensor undefined;
  EXPECT_FALSE(undefined.defined());
  EXPECT_THROW((void)undefined.sizes(), Error);
  EXPECT_THROW((void)undefined.dtype(), Error);
  EXPECT_THROW((void)undefined.contiguous(), Error);
  try {
    (void)undefined.numel();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("undefined tensor"), std::string::npos) << e.what();
  }
}

TEST(ValueApi, ListErrors) {
  EXPECT_THROW(to_tensor_list(list_value(std::vector<int64_t>{1, 2})), Error);
  EXPECT_THROW(to_int_list(Value(3)), Error);
  try {
    to_int_list(list_value(std::vector<double>{1.0}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected int but got float"), std::string::npos) << e.what();
  }
  Value l = list_value(std::vector<int64_t>{1, 2});
  EXPECT_EQ(list_at(l, -1).to_int(), 2);
  EXPECT_THROW(list_at(l, 2), Error);
  EXPECT_THROW(list_at(Value(1), 0), Error);
}

TEST(ValueApi, Dicts) {
  Tensor a = ones({1}), b = zeros({1});
  Value d = dict_value(std::map<std::string, Tensor>{{"a", a}, {"b", b}});
  ASSERT_TRUE(d.is_dict());
  EXPECT_EQ(d.type()->str(), "Dict[str, Tensor]");
  EXPECT_TRUE(dict_at(d, "a").to_tensor().is_same(a));
  try {
    dict_at(d, "c");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("key 'c' not found in dict"), std::string::npos) << e.what();
  }
  Value di = dict_value(std::map<int64_t, double>{{1, 0.5}});
  EXPECT_EQ(di.type()->str(), "Dict[int, float]");
  EXPECT_EQ(dict_at(di, int64_t{1}).to_double(), 0.5);
  EXPECT_THROW(dict_at(di, int64_t{2}), Error);
  EXPECT_THROW(dict_at(Value(1), "a"), Error);
  EXPECT_THROW(dict_at(d, list_value(std::vector<int64_t>{1})), Error);
  // Initializer lists keep their order; mixed value types give Any.
  Value ordered = dict_value({{"z", 1}, {"a", 2}});
  EXPECT_EQ(ordered.type()->str(), "Dict[str, int]");
  EXPECT_EQ(ordered.to_dict()->items()[0].first.to_string(), "z");
  EXPECT_EQ(dict_value({{"x", 1}, {"y", "s"}}).type()->str(), "Dict[str, Any]");
  EXPECT_THROW(dict_value({{"x", 1}, {2, 3}}), Error);
  EXPECT_THROW(dict_value({{list_value(std::vector<int64_t>{1}), 1}}), Error);
}

TEST(ValueApi, Tuples) {
  Value t = tuple_value({1, 2.5, "s"});
  ASSERT_TRUE(t.is_tuple());
  EXPECT_EQ(t.to_tuple()->items.size(), 3u);
  EXPECT_EQ(tuple_at(t, 0).to_int(), 1);
  EXPECT_EQ(tuple_at(t, -1).to_string(), "s");
  EXPECT_THROW(tuple_at(t, 3), Error);
  EXPECT_THROW(tuple_at(t, 1).to_int(), Error);
  EXPECT_THROW(tuple_at(Value(1), 0), Error);
}

}  // namespace
}  // namespace ember
