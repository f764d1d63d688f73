// value_convert.cpp — the conveniences of ember/values.h for C++ callers: Values built from
// std::vector / std::map / initializer lists, and lists read back as std::vector.
#include "ember/values.h"

#include <type_traits>

namespace ember {

namespace {

template <class T>
Value typed_list(const std::vector<T>& v, TypeKind kind) {
  std::vector<Value> items;
  items.reserve(v.size());
  for (const auto& x : v) items.push_back(Value(static_cast<std::conditional_t<std::is_same_v<T, int>, int64_t, T>>(x)));
  return Value(make_list(Type::get(kind), std::move(items)));
}

// The type every value shares, or Any.
TypePtr common_type(const std::vector<TypePtr>& types) {
  if (types.empty()) return Type::get(TypeKind::Any);
  for (const TypePtr& t : types)
    if (!t->equals(*types[0])) return Type::get(TypeKind::Any);
  return types[0];
}

const std::vector<Value>& sequence_items(const Value& v, const char* want) {
  if (v.is_list()) return v.to_list()->items;
  if (v.is_tuple()) return v.to_tuple()->items;
  fail("expected a list of ", want, " but got ", v.tag_name());
}

int64_t checked_index(int64_t i, size_t size, const char* what) {
  const int64_t n = static_cast<int64_t>(size);
  int64_t j = i < 0 ? i + n : i;
  if (j < 0 || j >= n) fail(what, " index ", i, " is out of range for a ", what, " of ", n, " items");
  return j;
}

}  // namespace

Value list_value(const std::vector<Tensor>& v) { return typed_list(v, TypeKind::Tensor); }
Value list_value(const std::vector<int64_t>& v) { return typed_list(v, TypeKind::Int); }
Value list_value(const std::vector<int>& v) { return typed_list(v, TypeKind::Int); }
Value list_value(const std::vector<double>& v) { return typed_list(v, TypeKind::Float); }
Value list_value(const std::vector<std::string>& v) { return typed_list(v, TypeKind::Str); }
Value list_value(const std::vector<bool>& v) {
  std::vector<Value> items;
  items.reserve(v.size());
  for (bool x : v) items.emplace_back(x);
  return Value(make_list(Type::get(TypeKind::Bool), std::move(items)));
}

Value::Value(const std::vector<Tensor>& v) : Value(list_value(v)) {}
Value::Value(const std::vector<int64_t>& v) : Value(list_value(v)) {}
Value::Value(const std::vector<double>& v) : Value(list_value(v)) {}
Value::Value(const std::vector<bool>& v) : Value(list_value(v)) {}
Value::Value(const std::vector<std::string>& v) : Value(list_value(v)) {}

Value dict_value(const std::vector<std::pair<Value, Value>>& items) {
  std::vector<TypePtr> kt, vt;
  for (const auto& [k, v] : items) {
    switch (k.tag()) {
      case ValueTag::String:
      case ValueTag::Int:
      case ValueTag::Double:
      case ValueTag::Bool:
      case ValueTag::Tensor: break;
      default: fail("a dict key must be a str, int, float, bool or Tensor, not ", k.tag_name());
    }
    kt.push_back(k.type());
    vt.push_back(v.type());
  }
  auto d = std::make_shared<Dict>();
  d->key_type = items.empty() ? Type::get(TypeKind::Str) : common_type(kt);
  if (d->key_type->kind == TypeKind::Any) fail("the keys of a dict must all have one type");
  d->value_type = common_type(vt);
  for (const auto& [k, v] : items) d->set(k, v);
  return Value(d);
}

Value tuple_value(std::vector<Value> items) { return Value(make_tuple(std::move(items))); }

Value list_value(std::vector<Value> items) {
  std::vector<TypePtr> types;
  for (const Value& v : items) types.push_back(v.type());
  return Value(make_list(common_type(types), std::move(items)));
}

std::vector<Tensor> to_tensor_list(const Value& value) {
  std::vector<Tensor> out;
  for (const Value& v : sequence_items(value, "Tensor")) out.push_back(v.to_tensor());
  return out;
}

std::vector<int64_t> to_int_list(const Value& value) {
  std::vector<int64_t> out;
  for (const Value& v : sequence_items(value, "int")) out.push_back(v.to_int());
  return out;
}

std::vector<double> to_double_list(const Value& value) {
  std::vector<double> out;
  for (const Value& v : sequence_items(value, "float")) out.push_back(v.to_double());
  return out;
}

std::vector<bool> to_bool_list(const Value& value) {
  std::vector<bool> out;
  for (const Value& v : sequence_items(value, "bool")) out.push_back(v.to_bool());
  return out;
}

const Value& list_at(const Value& list, int64_t i) {
  const auto& items = list.to_list()->items;
  return items[static_cast<size_t>(checked_index(i, items.size(), "list"))];
}

const Value& tuple_at(const Value& tuple, int64_t i) {
  const auto& items = tuple.to_tuple()->items;
  return items[static_cast<size_t>(checked_index(i, items.size(), "tuple"))];
}

const Value& dict_at(const Value& dict, const Value& key) {
  const auto& d = dict.to_dict();
  switch (key.tag()) {
    case ValueTag::String:
    case ValueTag::Int:
    case ValueTag::Double:
    case ValueTag::Bool:
    case ValueTag::Tensor: break;
    default: fail("a dict key must be a str, int, float, bool or Tensor, not ", key.tag_name());
  }
  if (const Value* v = d->find(key)) return *v;
  fail("key ", key.repr(), " not found in dict");
}

}  // namespace ember
