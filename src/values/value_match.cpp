// value_match.cpp — whether a Value may be used as a given Type, and retyping pickled containers.
#include "values/value_match.h"

namespace ember {

Value typed_as(Value v, const TypePtr& t) {
  const Type* ty = t.get();
  if (ty->kind == TypeKind::Optional) {
    if (v.is_none()) return v;
    ty = ty->contained[0].get();
  }
  if (ty->kind == TypeKind::List && v.is_list() && v.to_list()->elem_type->kind == TypeKind::Any &&
      ty->contained[0]->kind != TypeKind::Any) {
    std::vector<Value> items;
    for (const auto& x : v.to_list()->items) items.push_back(typed_as(x, ty->contained[0]));
    return Value(make_list(ty->contained[0], std::move(items)));
  }
  if (ty->kind == TypeKind::Dict && v.is_dict()) {
    const auto& d = *v.to_dict();
    const bool any_key = !d.key_type || d.key_type->kind == TypeKind::Any;
    const bool any_value = !d.value_type || d.value_type->kind == TypeKind::Any;
    if (!any_key && !any_value) return v;
    auto out = std::make_shared<Dict>();
    out->key_type = ty->contained[0];
    out->value_type = ty->contained[1];
    d.for_each([&](const Value& k, const Value& x) { out->set(k, typed_as(x, ty->contained[1])); });
    return Value(std::move(out));
  }
  if (ty->kind == TypeKind::Tuple && !ty->cls && v.is_tuple() && v.to_tuple()->items.size() == ty->contained.size()) {
    const auto& in = v.to_tuple()->items;
    std::vector<Value> items;
    bool changed = false;
    for (size_t i = 0; i < ty->contained.size(); ++i) {
      items.push_back(typed_as(in[i], ty->contained[i]));
      changed = changed || (items.back().is_list() && items.back().to_list() != in[i].to_list()) ||
                (items.back().is_dict() && items.back().to_dict() != in[i].to_dict()) ||
                (items.back().is_tuple() && items.back().to_tuple() != in[i].to_tuple());
    }
    if (changed) return Value(make_tuple(std::move(items)));
  }
  return v;
}

bool value_matches(const Value& v, const Type& t) {
  switch (t.kind) {
    case TypeKind::Any:
    case TypeKind::Var: return true;
    case TypeKind::None: return v.is_none();
    case TypeKind::Optional: return v.is_none() || value_matches(v, *t.contained[0]);
    case TypeKind::Union:
      for (const auto& m : t.contained)
        if (value_matches(v, *m)) return true;
      return false;
    case TypeKind::Bool: return v.is_bool();
    case TypeKind::Int:
    case TypeKind::ScalarType:
    case TypeKind::Layout:
    case TypeKind::MemoryFormat: return v.is_int();
    case TypeKind::Float: return v.is_double();
    case TypeKind::Complex: return v.is_complex();
    case TypeKind::Number: return v.is_int() || v.is_double() || v.is_complex();
    case TypeKind::Str: return v.is_string();
    case TypeKind::Tensor: return v.is_tensor();
    case TypeKind::Device: return v.is_device();
    case TypeKind::Capsule: return v.is_capsule();
    case TypeKind::AnyList: return v.is_list();
    case TypeKind::AnyTuple: return v.is_tuple();
    case TypeKind::AnyClass: return v.is_object();
    case TypeKind::AnyEnum: return v.is_enum();
    case TypeKind::List: {
      if (!v.is_list()) return false;
      const auto& l = *v.to_list();
      if (l.elem_type->kind != TypeKind::Any) return l.elem_type->is_subtype_of(*t.contained[0]);
      for (const auto& x : l.items)
        if (!value_matches(x, *t.contained[0])) return false;
      return true;
    }
    case TypeKind::Dict: {
      if (!v.is_dict()) return false;
      const auto& d = *v.to_dict();
      const bool any_key = d.key_type && d.key_type->kind == TypeKind::Any;
      const bool any_value = d.value_type && d.value_type->kind == TypeKind::Any;
      if (any_key || any_value) {  // read from a pickle (torch.save): check the entries
        bool ok = true;
        d.for_each([&](const Value& k, const Value& x) {
          ok = ok && (!any_key || value_matches(k, *t.contained[0])) && (!any_value || value_matches(x, *t.contained[1]));
        });
        return ok && (any_key || d.key_type->is_subtype_of(*t.contained[0])) &&
               (any_value || d.value_type->is_subtype_of(*t.contained[1]));
      }
      return (!d.key_type || d.key_type->is_subtype_of(*t.contained[0])) &&
             (!d.value_type || d.value_type->is_subtype_of(*t.contained[1]));
    }
    case TypeKind::Tuple: {
      if (!v.is_tuple()) return false;
      const auto& tu = *v.to_tuple();
      if (t.cls) {
        if (!tu.type || !tu.type->cls) return false;
        return tu.type->cls == t.cls || tu.type->cls->qualname == t.cls->qualname;
      }
      if (tu.items.size() != t.contained.size()) return false;
      for (size_t i = 0; i < tu.items.size(); ++i)
        if (!value_matches(tu.items[i], *t.contained[i])) return false;
      return true;
    }
    case TypeKind::Future: return v.is_future();
    case TypeKind::Class:
      return v.is_object() && (v.to_object()->type == t.cls || v.to_object()->type->qualname == t.cls->qualname);
    case TypeKind::Enum:
      return v.is_enum() && (v.to_enum()->type == t.cls || v.to_enum()->type->qualname == t.cls->qualname);
    case TypeKind::Interface: {
      if (!v.is_object()) return false;
      for (const auto& m : t.cls->interface_methods)
        if (!v.to_object()->type->find_method(m)) return false;
      return true;
    }
    case TypeKind::Generator:
    case TypeKind::Storage:
    case TypeKind::Stream: return false;
  }
  return false;
}

}  // namespace ember
