// builtins_list.cpp — Python list methods and functions over TorchScript lists (which alias:
// `append` mutates the list every holder sees).
#include <algorithm>
#include <cmath>
#include <optional>

#include "ember/error.h"
#include "ops/builtins_util.h"
#include "ops/kernel_util.h"
#include "ops/registry.h"

namespace ember::ops {

using ListPtr = std::shared_ptr<List>;

// Python's slice arithmetic: the indices l[start:end:step] visits.
std::vector<size_t> slice_indices(size_t size, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) {
  if (step == 0) fail("slice step cannot be zero");
  int64_t n = static_cast<int64_t>(size);
  auto clamp = [&](std::optional<int64_t> v, int64_t dflt, int64_t lo, int64_t hi) {
    if (!v) return dflt;
    int64_t x = *v < 0 ? *v + n : *v;
    return std::clamp(x, lo, hi);
  };
  std::vector<size_t> out;
  if (step > 0) {
    int64_t b = clamp(start, 0, 0, n), e = clamp(end, n, 0, n);
    for (int64_t i = b; i < e; i += step) out.push_back(static_cast<size_t>(i));
  } else {
    int64_t b = clamp(start, n - 1, -1, n - 1), e = clamp(end, -1, -1, n - 1);
    if (end && *end < 0 && *end + n < 0) e = -1;
    for (int64_t i = b; i > e; i += step) out.push_back(static_cast<size_t>(i));
  }
  return out;
}

namespace {

// Python ordering for sort/min/max over the element kinds TorchScript sorts.
bool less(const Value& a, const Value& b) {
  if (a.is_string() && b.is_string()) return a.to_string() < b.to_string();
  if (a.is_int() && b.is_int()) return a.to_int() < b.to_int();
  if (a.is_bool() && b.is_bool()) return !a.to_bool() && b.to_bool();
  if (a.is_number() && b.is_number()) return a.to_number() < b.to_number();
  if (a.is_tensor() && b.is_tensor()) {  // PyTorch: bool(a < b), defined for one-element tensors
    const Tensor& x = a.to_tensor();
    const Tensor& y = b.to_tensor();
    if (x.numel() != 1 || y.numel() != 1) fail("Boolean value of Tensor with more than one value is ambiguous");
    if (is_complex(x.dtype()) || is_complex(y.dtype())) fail("'<' is not supported for complex tensors");
    if (!is_floating(x.dtype()) && !is_floating(y.dtype()) && x.dtype() != DType::Bool && y.dtype() != DType::Bool)
      return x.to(DType::Int64).data<int64_t>()[0] < y.to(DType::Int64).data<int64_t>()[0];
    return x.at_double(0) < y.at_double(0);
  }
  fail("'<' not supported between instances of '", a.type()->str(), "' and '", b.type()->str(), "'");
}

void sort_items(std::vector<Value>& items, bool reverse) {
  std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) { return reverse ? less(b, a) : less(a, b); });
}

Value extreme(const ListPtr& l, bool want_max, const char* name) {
  if (l->items.empty()) fail(name, "() arg is an empty sequence");
  Value best = l->items[0];
  for (const auto& v : l->items) {
    if (v.is_double() && std::isnan(v.to_double())) return v;
    if (want_max ? less(best, v) : less(v, best)) best = v;
  }
  return best;
}

}  // namespace

void register_list_ops(Registry& r) {
  r.add("aten::len.t(t[] a) -> int", wrap([](const ListPtr& l) { return static_cast<int64_t>(l->items.size()); }));
  r.add("aten::len.any(Any[] a) -> int", wrap([](const ListPtr& l) { return static_cast<int64_t>(l->items.size()); }));
  r.add("aten::__getitem__.t(t[](a) list, int idx) -> t(*)", wrap([](const ListPtr& l, int64_t i) {
          return l->items[normalize_index(i, l->items.size(), "list index out of range")];
        }));
  r.add("aten::_set_item.t(t[](a!) l, int idx, t(b -> *) el) -> t[](a!)", wrap([](const ListPtr& l, int64_t i, const Value& v) {
          l->items[normalize_index(i, l->items.size(), "list assignment index out of range")] = v;
          return l;
        }));
  r.add("aten::append.t(t[](a!) self, t(c -> *) el) -> t[](a!)", wrap([](const ListPtr& l, const Value& v) {
          l->items.push_back(v);
          return l;
        }));
  r.add("aten::insert.t(t[](a!) self, int idx, t(b -> *) el) -> ()", wrap([](const ListPtr& l, int64_t i, const Value& v) {
          int64_t n = static_cast<int64_t>(l->items.size());
          if (i < 0) i = std::max<int64_t>(i + n, 0);
          i = std::min(i, n);
          l->items.insert(l->items.begin() + i, v);
        }));
  r.add("aten::extend.t(t[](a!) self, t[] other) -> ()", wrap([](const ListPtr& l, const ListPtr& o) {
          std::vector<Value> add = o->items;  // l.extend(l) appends a copy
          l->items.insert(l->items.end(), add.begin(), add.end());
        }));
  r.add("aten::pop.t(t[](a!) self, int idx=-1) -> t(*)", wrap([](const ListPtr& l, int64_t i) {
          if (l->items.empty()) fail("pop from empty list");
          size_t k = normalize_index(i, l->items.size(), "pop index out of range");
          Value v = l->items[k];
          l->items.erase(l->items.begin() + static_cast<std::ptrdiff_t>(k));
          return v;
        }));
  r.add("aten::Delete.t(t[](a!) self, int idx) -> ()", wrap([](const ListPtr& l, int64_t i) {
          size_t k = normalize_index(i, l->items.size(), "list assignment index out of range");
          l->items.erase(l->items.begin() + static_cast<std::ptrdiff_t>(k));
        }));
  r.add("aten::clear.t(t[](a!) self) -> ()", wrap([](const ListPtr& l) { l->items.clear(); }));
  r.add("aten::reverse.t(t[](a!) self) -> ()", wrap([](const ListPtr& l) { std::reverse(l->items.begin(), l->items.end()); }));
  r.add("aten::add.t(t[] a, t[] b) -> t[]", wrap([](const ListPtr& a, const ListPtr& b) {
          auto out = make_list(a->elem_type, a->items);
          out->items.insert(out->items.end(), b->items.begin(), b->items.end());
          return out;
        }));
  auto repeat = [](const ListPtr& l, int64_t n) {
    auto out = make_list(l->elem_type);
    for (int64_t i = 0; i < n; ++i) out->items.insert(out->items.end(), l->items.begin(), l->items.end());
    return out;
  };
  r.add("aten::mul.left_t(t[] l, int n) -> t[]", wrap(repeat));
  r.add("aten::mul.right_(int n, t[] l) -> t[]", wrap([repeat](int64_t n, const ListPtr& l) { return repeat(l, n); }));
  r.add("aten::slice.t(t[] l, int? start=None, int? end=None, int step=1) -> t[]",
        wrap([](const ListPtr& l, std::optional<int64_t> s, std::optional<int64_t> e, int64_t step) {
          auto out = make_list(l->elem_type);
          for (size_t i : slice_indices(l->items.size(), s, e, step)) out->items.push_back(l->items[i]);
          return out;
        }));
  r.add("aten::list.t(t[] l) -> t[]", wrap([](const ListPtr& l) { return make_list(l->elem_type, l->items); }));
  r.add("aten::copy.t(t[](a) self) -> t[]", wrap([](const ListPtr& l) { return make_list(l->elem_type, l->items); }));

  // Element-typed methods: int, float, bool, str (Tensor elements compare by value in PyTorch,
  // which needs tensor kernels; those overloads are left to the tensor families).
  for (const char* t : {"int", "float", "bool", "str"}) {
    std::string ty = t;
    r.add("aten::count." + ty + "(" + ty + "[] self, " + ty + " el) -> int", wrap([](const ListPtr& l, const Value& v) {
            return static_cast<int64_t>(std::count_if(l->items.begin(), l->items.end(), [&](const Value& x) { return x.equals(v); }));
          }));
    r.add("aten::index.list_" + ty + "(" + ty + "[] self, " + ty + " el) -> int", wrap([](const ListPtr& l, const Value& v) {
            auto it = std::find_if(l->items.begin(), l->items.end(), [&](const Value& x) { return x.equals(v); });
            if (it == l->items.end()) fail("'", python_str(v), "' is not in list");
            return static_cast<int64_t>(it - l->items.begin());
          }));
    r.add("aten::remove." + ty + "(" + ty + "[](a!) self, " + ty + " el) -> ()", wrap([](const ListPtr& l, const Value& v) {
            auto it = std::find_if(l->items.begin(), l->items.end(), [&](const Value& x) { return x.equals(v); });
            if (it == l->items.end()) fail("list.remove(x): x not in list");
            l->items.erase(it);
          }));
    r.add("aten::sort." + ty + "(" + ty + "[](a!) self, bool reverse=False) -> ()",
          wrap([](const ListPtr& l, bool reverse) { sort_items(l->items, reverse); }));
    r.add("aten::sorted." + ty + "(" + ty + "[](a) input) -> " + ty + "[]", wrap([](const ListPtr& l) {
            auto out = make_list(l->elem_type, l->items);
            sort_items(out->items, false);
            return out;
          }));
    if (ty != "bool") {
      r.add("aten::__contains__." + ty + "_list(" + ty + "[] l, " + ty + " item) -> bool", wrap([](const ListPtr& l, const Value& v) {
              return std::any_of(l->items.begin(), l->items.end(), [&](const Value& x) { return x.equals(v); });
            }));
    }
    if (ty != "str") {
      r.add("aten::eq." + ty + "_list(" + ty + "[] a, " + ty + "[] b) -> bool",
            wrap([](const Value& a, const Value& b) { return a.equals(b); }));
      r.add("aten::ne." + ty + "_list(" + ty + "[] a, " + ty + "[] b) -> bool",
            wrap([](const Value& a, const Value& b) { return !a.equals(b); }));
      std::string self = ty == "int" ? "self_int" : ty == "float" ? "self_float" : "self_bool";
      std::string ret = ty;
      r.add("prim::min." + self + "(" + ty + "[] self) -> " + ret, wrap([](const ListPtr& l) { return extreme(l, false, "min"); }));
      r.add("prim::max." + self + "(" + ty + "[] self) -> " + ret, wrap([](const ListPtr& l) { return extreme(l, true, "max"); }));
      auto lexicographic = [](bool want_max) {
        return wrap([want_max](const ListPtr& a, const ListPtr& b) {
          // Python compares lists lexicographically and returns the smaller/larger whole list.
          size_t n = std::min(a->items.size(), b->items.size());
          for (size_t i = 0; i < n; ++i) {
            if (less(a->items[i], b->items[i])) return want_max ? b : a;
            if (less(b->items[i], a->items[i])) return want_max ? a : b;
          }
          bool a_shorter = a->items.size() <= b->items.size();
          return (a_shorter != want_max) ? a : b;
        });
      };
      r.add("prim::min." + ty + "_list(" + ty + "[] l, " + ty + "[] r) -> " + ty + "[]", lexicographic(false));
      r.add("prim::max." + ty + "_list(" + ty + "[] l, " + ty + "[] r) -> " + ty + "[]", lexicographic(true));
    }
  }
  r.add("aten::eq.str_list(str[] a, str[] b) -> bool", wrap([](const Value& a, const Value& b) { return a.equals(b); }));
  r.add("aten::ne.str_list(str[] a, str[] b) -> bool", wrap([](const Value& a, const Value& b) { return !a.equals(b); }));
  r.add("aten::sort.any(t[](a!) self, bool reverse=False) -> ()",
        wrap([](const ListPtr& l, bool reverse) { sort_items(l->items, reverse); }));
  r.add("aten::sorted.any(t[](a) self) -> t[]", wrap([](const ListPtr& l) {
          auto out = make_list(l->elem_type, l->items);
          sort_items(out->items, false);
          return out;
        }));
  r.add("aten::sum.int(int[] self) -> int", wrap([](const std::vector<int64_t>& v) {
          int64_t s = 0;
          for (int64_t x : v) s = wrap_add(s, x);
          return s;
        }));
  r.add("aten::sum.float(float[] self) -> float", wrap([](const std::vector<double>& v) {
          double s = 0;
          for (double x : v) s += x;
          return s;
        }));
  r.add("aten::sum.bool(bool[] self) -> int", wrap([](const std::vector<bool>& v) {
          return static_cast<int64_t>(std::count(v.begin(), v.end(), true));
        }));
}

}  // namespace ember::ops
