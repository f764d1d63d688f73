// value.cpp — Value accessors, printing, equality and the ordered Dict.
#include "ember/value.h"

#include <charconv>
#include <cmath>
#include <functional>

namespace ember {

namespace detail {
namespace {
bool holds_children(const Value& v) {
  switch (v.tag()) {
    case ValueTag::List:
    case ValueTag::Dict:
    case ValueTag::Tuple:
    case ValueTag::Object:
    case ValueTag::Enum:
    case ValueTag::Future: return true;
    default: return false;
  }
}
// Non-null while a teardown runs on this thread: the values still to free.
thread_local std::vector<Value>* pending_teardown = nullptr;

template <class Push>
void teardown(Push&& push_all) {
  if (pending_teardown) {
    push_all(*pending_teardown);
    return;
  }
  std::vector<Value> work;
  pending_teardown = &work;
  push_all(work);
  while (!work.empty()) {
    Value v = std::move(work.back());
    work.pop_back();
    // v dies here; its children land in `work` instead of being destroyed recursively.
  }
  pending_teardown = nullptr;
}
}  // namespace

void release_children(std::vector<Value>& items) {
  bool any = false;
  for (const auto& v : items) any = any || holds_children(v);
  if (!any) return;
  teardown([&](std::vector<Value>& work) {
    for (auto& v : items)
      if (holds_children(v)) work.push_back(std::move(v));
  });
}

void release_child(Value& v) {
  if (!holds_children(v)) return;
  teardown([&](std::vector<Value>& work) { work.push_back(std::move(v)); });
}
}  // namespace detail

Dict::~Dict() {
  std::vector<Value> children;
  for (auto& e : entries_) {
    children.push_back(std::move(e.key));
    children.push_back(std::move(e.value));
  }
  entries_.clear();
  index_.clear();
  detail::release_children(children);
}

Object::~Object() {
  detail::release_children(slots);
  if (pending_state && pending_state.use_count() == 1) detail::release_child(*pending_state);
}

namespace {
// Walks over a value's structure (repr, equality, type) recurse once per level; values nested
// deeper than this (only a program can build them: pickles stop at 500) are refused instead of
// exhausting the stack.
constexpr int kMaxWalkDepth = 2000;
thread_local int walk_depth = 0;
// Shared structure prints once per path: a list holding another twice per level prints 2^depth
// items. Renderings stop at 16 MiB.
constexpr size_t kMaxReprBytes = size_t{16} << 20;
void check_repr_size(const std::string& s) {
  if (s.size() > kMaxReprBytes) fail("value renders to more than ", kMaxReprBytes, " characters");
}

struct WalkDepth {
  WalkDepth() {
    if (++walk_depth > kMaxWalkDepth) {
      --walk_depth;
      fail("value is nested more than ", kMaxWalkDepth, " levels deep");
    }
  }
  ~WalkDepth() { --walk_depth; }
  WalkDepth(const WalkDepth&) = delete;
  WalkDepth& operator=(const WalkDepth&) = delete;
};
}  // namespace

std::string_view value_tag_name(ValueTag tag) {
  switch (tag) {
    case ValueTag::None: return "None";
    case ValueTag::Bool: return "bool";
    case ValueTag::Int: return "int";
    case ValueTag::Double: return "float";
    case ValueTag::Complex: return "complex";
    case ValueTag::String: return "str";
    case ValueTag::Tensor: return "Tensor";
    case ValueTag::Device: return "Device";
    case ValueTag::List: return "list";
    case ValueTag::Dict: return "dict";
    case ValueTag::Tuple: return "tuple";
    case ValueTag::Object: return "object";
    case ValueTag::Enum: return "enum";
    case ValueTag::Future: return "Future";
    case ValueTag::Capsule: return "Capsule";
  }
  return "?";
}

void Value::fail_tag(ValueTag want) const {
  fail("expected ", value_tag_name(want), " but got ", type()->str());
}

double Value::to_number() const {
  if (is_double()) return double_unchecked();
  if (is_int()) return static_cast<double>(int_unchecked());
  if (is_bool()) return bool_unchecked() ? 1.0 : 0.0;
  fail("expected a number but got ", type()->str());
}

TypePtr Value::type() const {
  WalkDepth depth;
  switch (tag()) {
    case ValueTag::None: return Type::get(TypeKind::None);
    case ValueTag::Bool: return Type::get(TypeKind::Bool);
    case ValueTag::Int: return Type::get(TypeKind::Int);
    case ValueTag::Double: return Type::get(TypeKind::Float);
    case ValueTag::Complex: return Type::get(TypeKind::Complex);
    case ValueTag::String: return Type::get(TypeKind::Str);
    case ValueTag::Tensor: return Type::get(TypeKind::Tensor);
    case ValueTag::Device: return Type::get(TypeKind::Device);
    case ValueTag::List: return Type::list(to_list()->elem_type);
    case ValueTag::Dict: return Type::dict(to_dict()->key_type, to_dict()->value_type);
    case ValueTag::Tuple: {
      const auto& t = to_tuple();
      if (t->type) return t->type;
      std::vector<TypePtr> elems;
      for (const auto& v : t->items) elems.push_back(v.type());
      return Type::tuple(std::move(elems));
    }
    case ValueTag::Object: return Type::of_class(to_object()->type);
    case ValueTag::Enum: return Type::of_class(to_enum()->type);
    case ValueTag::Future: return Type::future(to_future()->value.type());
    case ValueTag::Capsule: return Type::get(TypeKind::Capsule);
  }
  return Type::get(TypeKind::Any);
}

namespace {
// Python's repr for floats: shortest round-trip digits, scientific below 1e-4 and from 1e16.
std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, p);
  size_t e = sci.find('e');
  int exp = std::stoi(sci.substr(e + 1));
  std::string mant = sci.substr(0, e);
  if (exp < -4 || exp >= 16) {
    std::string s = mant;
    s += "e";
    s += exp < 0 ? "-" : "+";
    int a = std::abs(exp);
    if (a < 10) s += "0";
    s += std::to_string(a);
    return s;
  }
  auto [q, ec2] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  std::string s(buf, q);
  if (s.find('.') == std::string::npos) s += ".0";
  return s;
}

std::string str_repr(const std::string& s) {
  char quote = (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) ? '"' : '\'';
  std::string out(1, quote);
  for (char c : s) {
    if (c == quote || c == '\\') { out += '\\'; out += c; }
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out + quote;
}
}  // namespace

std::string Value::repr() const {
  WalkDepth depth;
  switch (tag()) {
    case ValueTag::None: return "None";
    case ValueTag::Bool: return bool_unchecked() ? "True" : "False";
    case ValueTag::Int: return std::to_string(int_unchecked());
    case ValueTag::Double: return float_repr(double_unchecked());
    case ValueTag::Complex: {
      auto c = to_complex();
      return "(" + float_repr(c.real()) + (c.imag() < 0 ? "" : "+") + float_repr(c.imag()) + "j)";
    }
    case ValueTag::String: return str_repr(to_string());
    case ValueTag::Tensor: return to_tensor().defined() ? "tensor(" + to_tensor().summary() + ")" : "None";
    case ValueTag::Device: return "device(type='" + to_device().str() + "')";
    case ValueTag::List: {
      std::string s = "[";
      const auto& items = to_list()->items;
      for (size_t i = 0; i < items.size(); ++i) check_repr_size(s += (i ? ", " : "") + items[i].repr());
      return s + "]";
    }
    case ValueTag::Dict: {
      std::string s = "{";
      bool first = true;
      to_dict()->for_each([&](const Value& k, const Value& v) {
        check_repr_size(s += (first ? "" : ", ") + k.repr() + ": " + v.repr());
        first = false;
      });
      return s + "}";
    }
    case ValueTag::Tuple: {
      const auto& t = *to_tuple();
      std::string s = "(";
      if (t.type && t.type->cls) {
        s = t.type->cls->short_name();
        s += "(";
        for (size_t i = 0; i < t.items.size(); ++i) {
          const auto& attrs = t.type->cls->attributes;
          s += (i ? ", " : "");
          if (i < attrs.size()) s += attrs[i].name + "=";
          check_repr_size(s += t.items[i].repr());
        }
        return s + ")";
      }
      for (size_t i = 0; i < t.items.size(); ++i) check_repr_size(s += (i ? ", " : "") + t.items[i].repr());
      return s + (t.items.size() == 1 ? ",)" : ")");
    }
    case ValueTag::Object: return "<" + to_object()->type->qualname + " object>";
    case ValueTag::Enum: return to_enum()->type->qualname + "." + to_enum()->name;
    case ValueTag::Future: return "<Future>";
    case ValueTag::Capsule: return "<Capsule " + to_capsule()->type_name + ">";
  }
  return "?";
}

bool Value::is_same(const Value& o) const {
  if (tag() != o.tag()) return false;
  switch (tag()) {
    case ValueTag::Tensor: return to_tensor().is_same(o.to_tensor());
    case ValueTag::String: return to_string() == o.to_string();
    case ValueTag::List: return to_list() == o.to_list();
    case ValueTag::Dict: return to_dict() == o.to_dict();
    case ValueTag::Tuple: return to_tuple() == o.to_tuple();
    case ValueTag::Object: return to_object() == o.to_object();
    case ValueTag::Enum: return to_enum() == o.to_enum() || equals(o);
    case ValueTag::Future: return to_future() == o.to_future();
    case ValueTag::Capsule: return to_capsule() == o.to_capsule();
    default: return equals(o);
  }
}

bool Value::equals(const Value& o) const {
  // Numbers compare across int/float/bool as Python does.
  if (is_number() && o.is_number()) {
    if ((is_int() || is_bool()) && (o.is_int() || o.is_bool())) {
      int64_t a = is_int() ? int_unchecked() : bool_unchecked();
      int64_t b = o.is_int() ? o.int_unchecked() : o.bool_unchecked();
      return a == b;
    }
    return to_number() == o.to_number();
  }
  if (tag() != o.tag()) return false;
  WalkDepth depth;
  switch (tag()) {
    case ValueTag::None: return true;
    case ValueTag::Complex: return to_complex() == o.to_complex();
    case ValueTag::String: return to_string() == o.to_string();
    case ValueTag::Tensor: return to_tensor().is_same(o.to_tensor());
    case ValueTag::Device: return to_device() == o.to_device();
    case ValueTag::List: {
      if (to_list() == o.to_list()) return true;  // as Python's list ==: shared structure is not walked
      const auto& a = to_list()->items;
      const auto& b = o.to_list()->items;
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i)
        if (!a[i].equals(b[i])) return false;
      return true;
    }
    case ValueTag::Tuple: {
      if (to_tuple() == o.to_tuple()) return true;
      const auto& a = to_tuple()->items;
      const auto& b = o.to_tuple()->items;
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i)
        if (!a[i].equals(b[i])) return false;
      return true;
    }
    case ValueTag::Dict: {
      if (to_dict() == o.to_dict()) return true;
      const auto& a = *to_dict();
      const auto& b = *o.to_dict();
      if (a.size() != b.size()) return false;
      bool eq = true;
      a.for_each([&](const Value& k, const Value& v) {
        const Value* w = b.find(k);
        if (!w || !v.equals(*w)) eq = false;
      });
      return eq;
    }
    case ValueTag::Enum:
      return to_enum()->type->qualname == o.to_enum()->type->qualname && to_enum()->name == o.to_enum()->name;
    default: return is_same(o);
  }
}

size_t Dict::KeyHash::operator()(const Value& v) const {
  switch (v.tag()) {
    case ValueTag::Int: return std::hash<int64_t>()(v.int_unchecked());
    case ValueTag::Bool: return std::hash<int64_t>()(v.bool_unchecked());
    case ValueTag::Double: {
      double d = v.double_unchecked();
      // Integral floats hash like the equal int, as in Python.
      if (d == std::floor(d) && std::abs(d) < 9.2e18) return std::hash<int64_t>()(static_cast<int64_t>(d));
      return std::hash<double>()(d);
    }
    case ValueTag::String: return std::hash<std::string>()(v.to_string());
    case ValueTag::Tensor: return std::hash<const void*>()(v.to_tensor().unsafe_impl());
    case ValueTag::Device: return std::hash<std::string>()(v.to_device().str());
    case ValueTag::Enum: return std::hash<std::string>()(v.to_enum()->name);
    default: fail("unhashable type: '", v.type()->str(), "'");
  }
}

bool Dict::KeyEq::operator()(const Value& a, const Value& b) const { return a.equals(b); }

const Value* Dict::find(const Value& key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second].value;
}

Value* Dict::find(const Value& key) {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second].value;
}

void Dict::set(const Value& key, Value value) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    entries_[it->second].value = std::move(value);
    return;
  }
  index_.emplace(key, entries_.size());
  entries_.push_back(Entry{key, std::move(value), true});
}

bool Dict::erase(const Value& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  Entry& e = entries_[it->second];
  e.live = false;
  e.key = Value();
  e.value = Value();
  index_.erase(it);
  // Compact once dead entries dominate, so repeated pop/insert stays linear.
  if (entries_.size() > 16 && index_.size() * 2 < entries_.size()) {
    std::vector<Entry> live;
    live.reserve(index_.size());
    for (auto& en : entries_)
      if (en.live) live.push_back(std::move(en));
    entries_ = std::move(live);
    index_.clear();
    for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].key, i);
  }
  return true;
}

void Dict::clear() {
  entries_.clear();
  index_.clear();
}

std::vector<std::pair<Value, Value>> Dict::items() const {
  std::vector<std::pair<Value, Value>> out;
  out.reserve(index_.size());
  for_each([&](const Value& k, const Value& v) { out.emplace_back(k, v); });
  return out;
}

const Value& Object::attr(std::string_view name) const {
  int i = type->find_attribute(name);
  if (i < 0 || static_cast<size_t>(i) >= slots.size())
    fail("'", type->short_name(), "' object has no attribute '", name, "'");
  return slots[static_cast<size_t>(i)];
}

void Object::set_attr(std::string_view name, Value v) {
  int i = type->add_attribute(name);
  if (slots.size() <= static_cast<size_t>(i)) slots.resize(static_cast<size_t>(i) + 1);
  slots[static_cast<size_t>(i)] = std::move(v);
}

bool Object::has_attr(std::string_view name) const {
  int i = type->find_attribute(name);
  return i >= 0 && static_cast<size_t>(i) < slots.size();
}

std::shared_ptr<List> make_list(TypePtr elem_type, std::vector<Value> items) {
  auto l = std::make_shared<List>();
  l->elem_type = elem_type ? std::move(elem_type) : Type::get(TypeKind::Any);
  l->items = std::move(items);
  return l;
}

std::shared_ptr<Tuple> make_tuple(std::vector<Value> items) {
  auto t = std::make_shared<Tuple>();
  t->items = std::move(items);
  return t;
}

}  // namespace ember
