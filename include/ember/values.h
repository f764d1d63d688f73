// ember/values.h — building and reading Values from C++ the way libtorch's IValue helpers do:
// lists from std::vector, dicts from std::map or an initializer list, tuples; lists read back as
// std::vector; checked dict and tuple access.
//
//   m.forward({x, 3, ember::list_value(std::vector<ember::Tensor>{a, b}), ember::Value()});
//   ember::Value out = ...;
//   ember::Tensor h = ember::tuple_at(out, 0).to_tensor();
//   ember::Tensor v = ember::dict_at(ember::tuple_at(out, 1), "values").to_tensor();
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ember/tensor.h"
#include "ember/value.h"

namespace ember {

// Keyword arguments of a call: {{"dim", 1}, {"keepdim", true}}.
using Kwargs = std::vector<std::pair<std::string, Value>>;

// Lists with their element type: List[Tensor], List[int], List[float], List[bool], List[str]
// (an empty one still knows it).
Value list_value(const std::vector<Tensor>& v);
Value list_value(const std::vector<int64_t>& v);
Value list_value(const std::vector<int>& v);
Value list_value(const std::vector<double>& v);
Value list_value(const std::vector<bool>& v);
Value list_value(const std::vector<std::string>& v);
// A list whose element type the items share (Any when they differ or there are none).
Value list_value(std::vector<Value> items);
Value tuple_value(std::vector<Value> items);

// A dict from key/value pairs in the given order, keyed by str, int, float, bool or Tensor; its
// key and value types are those the items share (values of mixed types give Any; keys must agree).
Value dict_value(const std::vector<std::pair<Value, Value>>& items);
inline Value dict_value(std::initializer_list<std::pair<Value, Value>> items) {
  return dict_value(std::vector<std::pair<Value, Value>>(items));
}
template <class K, class V>
Value dict_value(const std::map<K, V>& m) {
  std::vector<std::pair<Value, Value>> items;
  items.reserve(m.size());
  for (const auto& [k, v] : m) items.emplace_back(Value(k), Value(v));
  return dict_value(items);
}

// A list (or tuple) of tensors, ints, floats or bools as a vector; fails naming the first item of
// another kind.
std::vector<Tensor> to_tensor_list(const Value& v);
std::vector<int64_t> to_int_list(const Value& v);
std::vector<double> to_double_list(const Value& v);
std::vector<bool> to_bool_list(const Value& v);

// Checked access, failing with an ember::Error: dict_at with "key 'x' not found in dict" (and when
// the value is not a dict), tuple_at / list_at when the index is out of range (negative indices
// count from the end).
const Value& dict_at(const Value& dict, const Value& key);
const Value& tuple_at(const Value& tuple, int64_t index);
const Value& list_at(const Value& list, int64_t index);

}  // namespace ember
