// builtins_extra.cpp — builtins compiled models call that the other builtin families lack:
// set_grad_enabled, enum comparison, prim::id, and the Tensor-list methods (count, index,
// remove, ==) that compare tensors by value. (aten::is_grad_enabled and any/all over lists are
// registered with the attention support ops in aten_attention.cpp.)
#include <algorithm>
#include <cstdint>

#include "ember/error.h"
#include "kernels/cpu/elementwise.h"
#include "ops/kernel_util.h"
#include "ops/registry.h"

namespace ember::ops {

namespace {

using ListPtr = std::shared_ptr<List>;

// Python's bool(a == b) for tensors: the comparison must have exactly one element.
bool tensors_equal(const Tensor& a, const Tensor& b) {
  Tensor eq = cpu::binary(cpu::BinaryOp::Eq, a, b);
  if (eq.numel() != 1) fail("Boolean value of Tensor with more than one value is ambiguous");
  return eq.item_int() != 0;
}

bool enum_equal(const Value& a, const Value& b) {
  const auto& x = a.to_enum();
  const auto& y = b.to_enum();
  return x == y || (x->type->qualname == y->type->qualname && x->value.equals(y->value));
}

}  // namespace

void register_extra_ops(Registry& r) {
  // torch.no_grad() blocks compile to set_grad_enabled calls; ember records no gradients, so
  // there is no mode to switch.
  r.add("aten::set_grad_enabled(bool val) -> ()", wrap([](bool) {}));

  r.add("aten::eq.enum(AnyEnumType a, AnyEnumType b) -> bool",
        wrap([](const Value& a, const Value& b) { return enum_equal(a, b); }));
  r.add("aten::ne.enum(AnyEnumType a, AnyEnumType b) -> bool",
        wrap([](const Value& a, const Value& b) { return !enum_equal(a, b); }));
  // Identity of a class instance (0 for None), stable for the object's lifetime like id().
  r.add("prim::id(AnyClassType? x) -> int", wrap([](const Value& v) {
          if (v.is_none()) return int64_t{0};
          return static_cast<int64_t>(reinterpret_cast<std::uintptr_t>(v.to_object().get()));
        }));

  r.add("aten::count.Tensor(Tensor[] self, Tensor el) -> int", wrap([](const std::vector<Tensor>& l, const Tensor& t) {
          return static_cast<int64_t>(std::count_if(l.begin(), l.end(), [&](const Tensor& x) { return tensors_equal(x, t); }));
        }));
  r.add("aten::index.list_Tensor(Tensor[] self, Tensor el) -> int", wrap([](const std::vector<Tensor>& l, const Tensor& t) {
          for (size_t i = 0; i < l.size(); ++i)
            if (tensors_equal(l[i], t)) return static_cast<int64_t>(i);
          fail("'", t.summary(), "' is not in list");
        }));
  r.add("aten::remove.Tensor(Tensor[](a!) self, Tensor el) -> ()", wrap([](const ListPtr& l, const Tensor& t) {
          auto it = std::find_if(l->items.begin(), l->items.end(), [&](const Value& x) { return tensors_equal(x.to_tensor(), t); });
          if (it == l->items.end()) fail("list.remove(x): x not in list");
          l->items.erase(it);
        }));
  auto list_equal = [](const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!tensors_equal(a[i], b[i])) return false;
    return true;
  };
  r.add("aten::eq.Tensor_list(Tensor[] a, Tensor[] b) -> bool", wrap(list_equal));
  r.add("aten::ne.Tensor_list(Tensor[] a, Tensor[] b) -> bool",
        wrap([list_equal](const std::vector<Tensor>& a, const std::vector<Tensor>& b) { return !list_equal(a, b); }));
}

}  // namespace ember::ops
