// ember/value.h — every value a TorchScript program can hold.
//
// Value is a tagged union. Scalars (None, bool, int, float, complex, Device) are held inline;
// strings, lists, dicts, tuples, objects, enums and futures are shared references, so lists,
// dicts and objects alias exactly as they do in TorchScript. Accessors check the tag and fail
// with an ember::Error that names what was found ("expected Tensor but got int").
#pragma once

#include <complex>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "ember/device.h"
#include "ember/error.h"
#include "ember/tensor.h"
#include "ember/type.h"

namespace ember {

struct Object;
struct List;
struct Dict;
struct Tuple;
struct EnumValue;
struct Future;
// Opaque C++ payload (custom class instances such as packed weights); rarely used.
struct Capsule {
  std::string type_name;
  std::shared_ptr<void> payload;
};

// _(tag, accessor suffix, C++ storage type)
#define EMBER_FORALL_VALUE_TAGS(_) _(None, none, std::monostate) EMBER_FORALL_VALUE_TAGS_BUT_NONE(_)
#define EMBER_FORALL_VALUE_TAGS_BUT_NONE(_)           \
  _(Bool, bool, bool)                                 \
  _(Int, int, int64_t)                                \
  _(Double, double, double)                           \
  _(Complex, complex, std::complex<double>)           \
  _(String, string, std::shared_ptr<const std::string>) \
  _(Tensor, tensor, ::ember::Tensor)                  \
  _(Device, device, ::ember::Device)                  \
  _(List, list, std::shared_ptr<::ember::List>)       \
  _(Dict, dict, std::shared_ptr<::ember::Dict>)       \
  _(Tuple, tuple, std::shared_ptr<::ember::Tuple>)    \
  _(Object, object, std::shared_ptr<::ember::Object>) \
  _(Enum, enum, std::shared_ptr<::ember::EnumValue>)  \
  _(Future, future, std::shared_ptr<::ember::Future>) \
  _(Capsule, capsule, std::shared_ptr<::ember::Capsule>)

enum class ValueTag : uint8_t {
#define EMBER_VALUE_TAG_ENUM(tag, acc, ctype) tag,
  EMBER_FORALL_VALUE_TAGS(EMBER_VALUE_TAG_ENUM)
#undef EMBER_VALUE_TAG_ENUM
};

std::string_view value_tag_name(ValueTag tag);  // "None", "bool", "int", "float", "str", ...

class Value {
 public:
  Value() = default;  // None
  Value(bool v) : v_(v) {}
  Value(int v) : v_(static_cast<int64_t>(v)) {}
  Value(int64_t v) : v_(v) {}
  Value(double v) : v_(v) {}
  Value(std::complex<double> v) : v_(v) {}
  Value(std::string v) : v_(std::make_shared<const std::string>(std::move(v))) {}
  Value(const char* v) : Value(std::string(v)) {}
  Value(std::shared_ptr<const std::string> v) : v_(std::move(v)) {}
  Value(Tensor v) : v_(std::move(v)) {}
  Value(Device v) : v_(v) {}
  Value(std::shared_ptr<List> v) : v_(std::move(v)) {}
  Value(std::shared_ptr<Dict> v) : v_(std::move(v)) {}
  Value(std::shared_ptr<Tuple> v) : v_(std::move(v)) {}
  Value(std::shared_ptr<Object> v) : v_(std::move(v)) {}
  Value(std::shared_ptr<EnumValue> v) : v_(std::move(v)) {}
  Value(std::shared_ptr<Future> v) : v_(std::move(v)) {}
  Value(std::shared_ptr<Capsule> v) : v_(std::move(v)) {}
  // Lists from vectors, as IValue converts them: List[Tensor], List[int], List[float], List[bool],
  // List[str] (an empty one still knows its element type; ember/values.h's list_value).
  Value(const std::vector<Tensor>& v);
  Value(const std::vector<int64_t>& v);
  Value(const std::vector<double>& v);
  Value(const std::vector<bool>& v);
  Value(const std::vector<std::string>& v);
  // A dict from a std::map keyed by str, int, float or bool (ember/values.h's dict_value).
  template <class K, class V>
  Value(const std::map<K, V>& m);

  ValueTag tag() const { return static_cast<ValueTag>(v_.index()); }
  std::string_view tag_name() const { return value_tag_name(tag()); }

#define EMBER_VALUE_IS(tag_, acc, ctype) \
  bool is_##acc() const { return tag() == ValueTag::tag_; }
  EMBER_FORALL_VALUE_TAGS(EMBER_VALUE_IS)
#undef EMBER_VALUE_IS

  // Checked accessors: fail with "expected <kind> but got <kind>".
  bool to_bool() const { return get<bool>(ValueTag::Bool); }
  int64_t to_int() const { return get<int64_t>(ValueTag::Int); }
  double to_double() const { return get<double>(ValueTag::Double); }
  std::complex<double> to_complex() const { return get<std::complex<double>>(ValueTag::Complex); }
  const std::string& to_string() const { return *get<std::shared_ptr<const std::string>>(ValueTag::String); }
  const Tensor& to_tensor() const { return get<Tensor>(ValueTag::Tensor); }
  const Device& to_device() const { return get<Device>(ValueTag::Device); }
  const std::shared_ptr<List>& to_list() const { return get<std::shared_ptr<List>>(ValueTag::List); }
  const std::shared_ptr<Dict>& to_dict() const { return get<std::shared_ptr<Dict>>(ValueTag::Dict); }
  const std::shared_ptr<Tuple>& to_tuple() const { return get<std::shared_ptr<Tuple>>(ValueTag::Tuple); }
  const std::shared_ptr<Object>& to_object() const { return get<std::shared_ptr<Object>>(ValueTag::Object); }
  const std::shared_ptr<EnumValue>& to_enum() const { return get<std::shared_ptr<EnumValue>>(ValueTag::Enum); }
  const std::shared_ptr<Future>& to_future() const { return get<std::shared_ptr<Future>>(ValueTag::Future); }
  const std::shared_ptr<Capsule>& to_capsule() const { return get<std::shared_ptr<Capsule>>(ValueTag::Capsule); }
  // int or float (or bool) as a double: TorchScript's `number`/Scalar.
  double to_number() const;
  bool is_number() const { return is_int() || is_double() || is_bool(); }

  // Unchecked access for hot paths that already checked the tag.
  int64_t int_unchecked() const { return *std::get_if<int64_t>(&v_); }
  double double_unchecked() const { return *std::get_if<double>(&v_); }
  bool bool_unchecked() const { return *std::get_if<bool>(&v_); }

  // The type a value has at run time (List[int] from its element type, classes from their record).
  TypePtr type() const;
  // Python-like rendering: 3, 2.5, 'abc', [1, 2], {'a': 1}, (1,), tensor summary.
  std::string repr() const;
  // Identity for reference kinds, equality for scalars (TorchScript's `is`).
  bool is_same(const Value& other) const;
  // Deep structural equality (==) for scalars, strings, containers; tensors by identity.
  bool equals(const Value& other) const;

 private:
  template <class T>
  const T& get(ValueTag want) const {
    if (const T* p = std::get_if<T>(&v_)) return *p;
    fail_tag(want);
  }
  [[noreturn]] void fail_tag(ValueTag want) const;

#define EMBER_VALUE_VARIANT(tag, acc, ctype) , ctype
  using Storage = std::variant<std::monostate EMBER_FORALL_VALUE_TAGS_BUT_NONE(EMBER_VALUE_VARIANT)>;
#undef EMBER_VALUE_VARIANT
  Storage v_;
};

namespace detail {
// Containers hand their children here when they die, and the outermost teardown on a thread
// frees them one by one: dropping a value nested a million levels deep uses a constant amount of
// stack instead of one destructor frame per level.
void release_children(std::vector<Value>& items);
void release_child(Value& v);
}  // namespace detail

// The rule of five spelled out for the containers below: each has a destructor (the iterative
// teardown) and stays copyable and movable.
#define EMBER_VALUE_CONTAINER(T)    \
  T() = default;                   \
  T(const T&) = default;           \
  T(T&&) = default;                \
  T& operator=(const T&) = default; \
  T& operator=(T&&) = default;     \
  ~T()

struct List {
  TypePtr elem_type;  // never null; Any when unknown
  std::vector<Value> items;
  EMBER_VALUE_CONTAINER(List) { detail::release_children(items); }
};

// Insertion-ordered dict keyed by str, int, float, bool or Tensor (by identity), like
// TorchScript's c10::Dict.
struct Dict {
  TypePtr key_type;
  TypePtr value_type;
  EMBER_VALUE_CONTAINER(Dict);

  size_t size() const { return index_.size(); }
  const Value* find(const Value& key) const;
  Value* find(const Value& key);
  void set(const Value& key, Value value);  // inserts at the end or overwrites in place
  bool erase(const Value& key);
  void clear();
  // Live entries in insertion order.
  std::vector<std::pair<Value, Value>> items() const;
  template <class F>
  void for_each(F&& f) const {
    for (const auto& e : entries_)
      if (e.live) f(e.key, e.value);
  }

 private:
  struct Entry {
    Value key;
    Value value;
    bool live = true;
  };
  struct KeyHash {
    size_t operator()(const Value& v) const;
  };
  struct KeyEq {
    bool operator()(const Value& a, const Value& b) const;
  };
  std::vector<Entry> entries_;
  std::unordered_map<Value, size_t, KeyHash, KeyEq> index_;
};

struct Tuple {
  std::vector<Value> items;
  TypePtr type;  // null for a plain tuple whose element types follow its items; set for NamedTuple
  EMBER_VALUE_CONTAINER(Tuple) { detail::release_children(items); }
};

struct Object {
  ClassTypePtr type;
  std::vector<Value> slots;  // parallel to type->attributes (grown when attributes are added)

  // Fails with "'Foo' object has no attribute 'bar'".
  const Value& attr(std::string_view name) const;
  void set_attr(std::string_view name, Value v);  // adds the attribute to the class when new
  bool has_attr(std::string_view name) const;
  // Loaded with a non-dict state: the argument __setstate__ must receive.
  std::shared_ptr<Value> pending_state;
  EMBER_VALUE_CONTAINER(Object);
};

struct EnumValue {
  ClassTypePtr type;
  std::string name;
  Value value;
  EMBER_VALUE_CONTAINER(EnumValue) { detail::release_child(value); }
};

struct Future {
  Value value;
  bool completed = false;
  EMBER_VALUE_CONTAINER(Future) { detail::release_child(value); }
};
#undef EMBER_VALUE_CONTAINER

// Helpers to build shared containers.
std::shared_ptr<List> make_list(TypePtr elem_type, std::vector<Value> items = {});
std::shared_ptr<Tuple> make_tuple(std::vector<Value> items);

// A dict from key/value pairs in order (declared again, with its documentation, in ember/values.h).
Value dict_value(const std::vector<std::pair<Value, Value>>& items);

template <class K, class V>
Value::Value(const std::map<K, V>& m) {
  std::vector<std::pair<Value, Value>> items;
  items.reserve(m.size());
  for (const auto& [k, v] : m) items.emplace_back(Value(k), Value(v));
  *this = dict_value(items);
}

}  // namespace ember
