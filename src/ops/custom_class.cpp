// custom_class.cpp — the table of native torch.classes.* classes (see custom_class.h).
#include "ops/custom_class.h"

#include <map>
#include <memory>
#include <mutex>

#include "ember/error.h"
#include "ember/type.h"
#include "core/check.h"

namespace ember::ops {

namespace {

// The object slot holding the restored state. Not a valid TorchScript identifier in user code
// that could collide: the archive's classes under torch.classes have no attributes of their own.
constexpr std::string_view kStateAttr = "__native_state__";

struct Table {
  std::mutex mu;
  std::map<std::string, CustomClassRestore, std::less<>> classes;
};

Table& table() {
  static Table t;
  return t;
}

}  // namespace

void register_custom_class(std::string qualname, CustomClassRestore restore) {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  t.classes[std::move(qualname)] = std::move(restore);
}

const CustomClassRestore* find_custom_class(std::string_view qualname) {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  auto it = t.classes.find(qualname);
  return it == t.classes.end() ? nullptr : &it->second;
}

bool is_native_class_name(std::string_view qualname) {
  return qualname.rfind("__torch__.torch.classes.", 0) == 0;
}

void restore_custom_object(const Value& object) {
  const auto& o = object.to_object();
  const std::string& name = o->type->qualname;
  const std::string shown = is_native_class_name(name) ? "torch.classes." + name.substr(24) : name;
  const CustomClassRestore* restore = find_custom_class(name);
  if (!restore) fail("the archive holds a ", shown, " object, a native PyTorch class ember does not support");
  EMBER_ASSERT(o->pending_state, "restore_custom_object on an object without a saved state");
  Value state = *o->pending_state;
  Value restored;
  try {
    restored = (*restore)(state);
  } catch (const Error& e) {
    fail("the archive's ", shown, " object: ", e.what());
  }
  o->pending_state.reset();
  o->set_attr(kStateAttr, std::move(restored));
}

Value make_custom_object(std::string_view qualname, Value state) {
  // One class record per name, shared by every object made of it.
  static std::mutex mu;
  static std::map<std::string, ClassTypePtr, std::less<>> classes;
  ClassTypePtr cls;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto& slot = classes[std::string(qualname)];
    if (!slot) {
      slot = std::make_shared<ClassType>();
      slot->qualname = std::string(qualname);
    }
    cls = slot;
  }
  auto obj = std::make_shared<Object>();
  obj->type = std::move(cls);
  obj->set_attr(kStateAttr, std::move(state));
  return Value(std::move(obj));
}

const Value& custom_class_state(const Value& object, std::string_view qualname) {
  if (!object.is_object()) fail("expected a ", qualname, " object but got ", object.tag_name());
  const auto& o = object.to_object();
  if (o->type->qualname != qualname) fail("expected a ", qualname, " object but got a ", o->type->qualname);
  if (!o->has_attr(kStateAttr)) fail("the ", qualname, " object was not restored from a saved state");
  return o->attr(kStateAttr);
}

}  // namespace ember::ops
