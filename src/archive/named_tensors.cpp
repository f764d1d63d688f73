// named_tensors.cpp — depth-first walk of a Value tree collecting tensors by path.
#include "archive/named_tensors.h"

#include <unordered_set>

namespace ember::archive {

namespace {

constexpr size_t kMaxDepth = 1000;

struct Walker {
  std::vector<std::pair<std::string, Tensor>> out;
  std::unordered_set<const void*> on_path;

  void visit(const Value& v, const std::string& path, size_t depth) {
    if (depth > kMaxDepth) fail("named_tensors: values nested more than ", kMaxDepth, " levels deep at '", path, "'");
    auto child = [&](const std::string& name) { return path.empty() ? name : path + "." + name; };
    const void* id = nullptr;
    switch (v.tag()) {
      case ValueTag::Tensor: out.emplace_back(path, v.to_tensor()); return;
      case ValueTag::Object: id = v.to_object().get(); break;
      case ValueTag::List: id = v.to_list().get(); break;
      case ValueTag::Tuple: id = v.to_tuple().get(); break;
      case ValueTag::Dict: id = v.to_dict().get(); break;
      default: return;
    }
    if (!on_path.insert(id).second) fail("named_tensors: reference cycle at '", path, "'");
    switch (v.tag()) {
      case ValueTag::Object: {
        const Object& o = *v.to_object();
        for (size_t i = 0; i < o.slots.size() && i < o.type->attributes.size(); ++i)
          visit(o.slots[i], child(o.type->attributes[i].name), depth + 1);
        break;
      }
      case ValueTag::List: {
        const auto& items = v.to_list()->items;
        for (size_t i = 0; i < items.size(); ++i) visit(items[i], child(std::to_string(i)), depth + 1);
        break;
      }
      case ValueTag::Tuple: {
        const auto& items = v.to_tuple()->items;
        for (size_t i = 0; i < items.size(); ++i) visit(items[i], child(std::to_string(i)), depth + 1);
        break;
      }
      case ValueTag::Dict:
        v.to_dict()->for_each([&](const Value& k, const Value& x) {
          if (k.is_string()) visit(x, child(k.to_string()), depth + 1);
          else if (k.is_int()) visit(x, child(std::to_string(k.to_int())), depth + 1);
          else if (k.is_bool()) visit(x, child(k.to_bool() ? "True" : "False"), depth + 1);
        });
        break;
      default: break;
    }
    on_path.erase(id);
  }
};

}  // namespace

std::vector<std::pair<std::string, Tensor>> named_tensors(const Value& root) {
  Walker w;
  w.visit(root, "", 0);
  return std::move(w.out);
}

}  // namespace ember::archive
