// type.cpp — type constructors, printing and the subtype relation.
#include <algorithm>
#include <array>

#include "ember/type.h"
#include "ember/value.h"

namespace ember {

namespace {
constexpr size_t kKinds = 0
#define EMBER_COUNT_KIND(name) +1
    EMBER_FORALL_TYPE_KINDS(EMBER_COUNT_KIND)
#undef EMBER_COUNT_KIND
    ;

std::shared_ptr<Type> make(TypeKind k) {
  auto t = std::make_shared<Type>();
  t->kind = k;
  return t;
}
}  // namespace

TypePtr Type::get(TypeKind kind) {
  static const std::array<TypePtr, kKinds> singletons = [] {
    std::array<TypePtr, kKinds> a;
    for (size_t i = 0; i < kKinds; ++i) a[i] = make(static_cast<TypeKind>(i));
    return a;
  }();
  return singletons[static_cast<size_t>(kind)];
}

TypePtr Type::optional(TypePtr t) {
  if (t->kind == TypeKind::Optional || t->kind == TypeKind::None || t->kind == TypeKind::Any) return t;
  auto o = make(TypeKind::Optional);
  o->contained = {std::move(t)};
  return o;
}
TypePtr Type::list(TypePtr t) {
  auto o = make(TypeKind::List);
  o->contained = {std::move(t)};
  return o;
}
TypePtr Type::dict(TypePtr k, TypePtr v) {
  auto o = make(TypeKind::Dict);
  o->contained = {std::move(k), std::move(v)};
  return o;
}
TypePtr Type::tuple(std::vector<TypePtr> elems, ClassTypePtr named) {
  auto o = make(TypeKind::Tuple);
  o->contained = std::move(elems);
  o->cls = std::move(named);
  return o;
}
TypePtr Type::future(TypePtr t) {
  auto o = make(TypeKind::Future);
  o->contained = {std::move(t)};
  return o;
}
TypePtr Type::union_of(std::vector<TypePtr> members) {
  auto o = make(TypeKind::Union);
  o->contained = std::move(members);
  return o;
}
TypePtr Type::var(std::string name) {
  auto o = make(TypeKind::Var);
  o->var_name = std::move(name);
  return o;
}
TypePtr Type::of_class(ClassTypePtr cls) {
  TypeKind k = TypeKind::Class;
  if (cls->kind == ClassKind::Enum) k = TypeKind::Enum;
  else if (cls->kind == ClassKind::Interface || cls->kind == ClassKind::ModuleInterface) k = TypeKind::Interface;
  else if (cls->kind == ClassKind::NamedTuple) k = TypeKind::Tuple;
  auto o = make(k);
  o->cls = std::move(cls);
  return o;
}

std::string Type::str() const {
  auto join = [&](const char* head) {
    std::string s = head;
    s += "[";
    for (size_t i = 0; i < contained.size(); ++i) {
      if (i) s += ", ";
      s += contained[i]->str();
    }
    return s + "]";
  };
  switch (kind) {
    case TypeKind::Any: return "Any";
    case TypeKind::None: return "NoneType";
    case TypeKind::Bool: return "bool";
    case TypeKind::Int: return "int";
    case TypeKind::Float: return "float";
    case TypeKind::Complex: return "complex";
    case TypeKind::Number: return "number";
    case TypeKind::Str: return "str";
    case TypeKind::Tensor: return "Tensor";
    case TypeKind::Device: return "Device";
    case TypeKind::Layout: return "Layout";
    case TypeKind::ScalarType: return "ScalarType";
    case TypeKind::MemoryFormat: return "MemoryFormat";
    case TypeKind::Generator: return "Generator";
    case TypeKind::Storage: return "Storage";
    case TypeKind::Stream: return "Stream";
    case TypeKind::Capsule: return "Capsule";
    case TypeKind::AnyList: return "list";
    case TypeKind::AnyTuple: return "tuple";
    case TypeKind::AnyClass: return "AnyClassType";
    case TypeKind::AnyEnum: return "AnyEnumType";
    case TypeKind::Optional: return join("Optional");
    case TypeKind::List: return join("List");
    case TypeKind::Dict: return join("Dict");
    case TypeKind::Tuple:
      if (cls) return cls->qualname;
      return contained.empty() ? "Tuple[()]" : join("Tuple");
    case TypeKind::Future: return join("Future");
    case TypeKind::Union: return join("Union");
    case TypeKind::Class:
    case TypeKind::Enum:
    case TypeKind::Interface: return cls ? cls->qualname : "<class>";
    case TypeKind::Var: return var_name;
  }
  return "?";
}

bool Type::equals(const Type& o) const {
  if (kind != o.kind) return false;
  if (cls || o.cls) {
    if (!cls || !o.cls) return false;
    if (cls != o.cls && cls->qualname != o.cls->qualname) return false;
  }
  if (kind == TypeKind::Var) return var_name == o.var_name;
  if (contained.size() != o.contained.size()) return false;
  for (size_t i = 0; i < contained.size(); ++i)
    if (!contained[i]->equals(*o.contained[i])) return false;
  return true;
}

bool Type::is_subtype_of(const Type& o) const {
  if (o.kind == TypeKind::Any) return true;
  if (equals(o)) return true;
  switch (o.kind) {
    case TypeKind::Optional:
      return kind == TypeKind::None || is_subtype_of(*o.contained[0]) ||
             (kind == TypeKind::Optional && contained[0]->is_subtype_of(*o.contained[0]));
    case TypeKind::Union:
      if (kind == TypeKind::Union)
        return std::all_of(contained.begin(), contained.end(), [&](const TypePtr& m) { return m->is_subtype_of(o); });
      return std::any_of(o.contained.begin(), o.contained.end(), [&](const TypePtr& m) { return is_subtype_of(*m); });
    case TypeKind::Number:
      return kind == TypeKind::Int || kind == TypeKind::Float || kind == TypeKind::Complex;
    case TypeKind::AnyList: return kind == TypeKind::List;
    case TypeKind::AnyTuple: return kind == TypeKind::Tuple;
    case TypeKind::AnyClass: return kind == TypeKind::Class;
    case TypeKind::AnyEnum: return kind == TypeKind::Enum;
    case TypeKind::Tuple:
      if (kind != TypeKind::Tuple || contained.size() != o.contained.size()) return false;
      if (o.cls && cls != o.cls && (!cls || cls->qualname != o.cls->qualname)) return false;
      for (size_t i = 0; i < contained.size(); ++i)
        if (!contained[i]->is_subtype_of(*o.contained[i])) return false;
      return true;
    case TypeKind::Future:
      return kind == TypeKind::Future && contained[0]->is_subtype_of(*o.contained[0]);
    case TypeKind::Interface: {
      // Structural: every interface method must exist on the class.
      if (kind != TypeKind::Class || !cls || !o.cls) return kind == TypeKind::Interface && cls == o.cls;
      for (const auto& m : o.cls->interface_methods)
        if (!cls->find_method(m)) return false;
      return true;
    }
    default:
      return false;
  }
}

int ClassType::find_attribute(std::string_view name) const {
  for (size_t i = 0; i < attributes.size(); ++i)
    if (attributes[i].name == name) return static_cast<int>(i);
  return -1;
}

int ClassType::add_attribute(std::string_view name, TypePtr type) {
  int i = find_attribute(name);
  if (i >= 0) {
    if (type && !attributes[static_cast<size_t>(i)].type) attributes[static_cast<size_t>(i)].type = std::move(type);
    return i;
  }
  attributes.push_back(Attribute{std::string(name), std::move(type), false, false});
  return static_cast<int>(attributes.size() - 1);
}

const Value* ClassType::find_constant(std::string_view name) const {
  for (const auto& [n, v] : constants)
    if (n == name) return v.get();
  return nullptr;
}

Function* ClassType::find_method(std::string_view name) const {
  for (const auto& [n, f] : methods)
    if (n == name) return f.get();
  return nullptr;
}

std::string_view ClassType::short_name() const {
  std::string_view q = qualname;
  size_t dot = q.rfind('.');
  return dot == std::string_view::npos ? q : q.substr(dot + 1);
}

}  // namespace ember
