// kernel_util.h — short ways to write kernels against the stack calling convention.
//
// A kernel pops all its arguments (schema order, defaults filled) from the top of the stack and
// pushes its returns. Most kernels are plain functions of typed arguments, so `wrap` turns
//   [](int64_t a, int64_t b) { return a + b; }
// into a Kernel: it converts the top N stack values with from_value<T>, calls the function, and
// pushes the result with to_value (a std::tuple result pushes one value per element, matching a
// schema with several returns; void pushes nothing). Kernels that need the raw stack use
// pop_args / peek / drop / push directly.
//
// Conversions (from_value<T>): Value (as is), bool, int64_t, double (also accepts int and bool, as
// TorchScript's float/Scalar arguments do), std::complex<double>, std::string, std::string_view is
// NOT offered (the stack slot is popped before the call), Tensor, Device, DType (ScalarType is an
// int in TorchScript), std::optional<T> (None -> nullopt), std::vector<T> (from a List),
// containers as their shared pointers (List/Dict/Tuple/Object).
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/dtype.h"
#include "ember/error.h"
#include "ember/tensor.h"
#include "ember/value.h"
#include "ops/registry.h"
#include "core/check.h"

namespace ember::ops {

// ---- reading arguments -------------------------------------------------------------------------

template <class T>
struct FromValue;

template <class T>
T from_value(const Value& v) {
  return FromValue<std::remove_cvref_t<T>>::get(v);
}

template <>
struct FromValue<Value> {
  static Value get(const Value& v) { return v; }
};
template <>
struct FromValue<bool> {
  static bool get(const Value& v) { return v.to_bool(); }
};
template <>
struct FromValue<int64_t> {
  static int64_t get(const Value& v) {
    if (v.is_bool()) return v.bool_unchecked() ? 1 : 0;
    return v.to_int();
  }
};
template <>
struct FromValue<double> {
  static double get(const Value& v) { return v.to_number(); }
};
template <>
struct FromValue<std::complex<double>> {
  static std::complex<double> get(const Value& v) {
    if (v.is_complex()) return v.to_complex();
    return {v.to_number(), 0.0};
  }
};
template <>
struct FromValue<std::string> {
  static std::string get(const Value& v) { return v.to_string(); }
};
template <>
struct FromValue<Tensor> {
  static Tensor get(const Value& v) { return v.to_tensor(); }
};
template <>
struct FromValue<Device> {
  static Device get(const Value& v) {
    if (v.is_string()) return Device::parse(v.to_string());
    return v.to_device();
  }
};
template <>
struct FromValue<DType> {
  static DType get(const Value& v) {
    DType d;
    if (!dtype_from_number(v.to_int(), &d)) fail("unsupported dtype number ", v.to_int());
    return d;
  }
};
template <>
struct FromValue<std::shared_ptr<List>> {
  static std::shared_ptr<List> get(const Value& v) { return v.to_list(); }
};
template <>
struct FromValue<std::shared_ptr<Dict>> {
  static std::shared_ptr<Dict> get(const Value& v) { return v.to_dict(); }
};
template <>
struct FromValue<std::shared_ptr<Tuple>> {
  static std::shared_ptr<Tuple> get(const Value& v) { return v.to_tuple(); }
};
template <>
struct FromValue<std::shared_ptr<Object>> {
  static std::shared_ptr<Object> get(const Value& v) { return v.to_object(); }
};
template <class T>
struct FromValue<std::optional<T>> {
  static std::optional<T> get(const Value& v) {
    if (v.is_none()) return std::nullopt;
    return from_value<T>(v);
  }
};
template <class T>
struct FromValue<std::vector<T>> {
  static std::vector<T> get(const Value& v) {
    // A lone int where int[N] is expected was already broadcast by the compiler; accept it here
    // too so kernels called from C++ behave the same.
    if constexpr (std::is_same_v<T, int64_t>)
      if (v.is_int()) return {v.int_unchecked()};
    const auto& items = v.to_list()->items;
    std::vector<T> out;
    out.reserve(items.size());
    for (const auto& x : items) out.push_back(from_value<T>(x));
    return out;
  }
};

// Argument i (0-based, schema order) of a kernel with n arguments, still on the stack.
inline Value& peek(Stack& s, size_t i, size_t n) {
  EMBER_ASSERT(s.size() >= n && i < n, "stack holds ", s.size(), " values, kernel wants ", n);
  return s[s.size() - n + i];
}
inline void drop(Stack& s, size_t n) {
  EMBER_ASSERT(s.size() >= n, "stack holds ", s.size(), " values, dropping ", n);
  s.resize(s.size() - n);
}
inline Value pop(Stack& s) {
  EMBER_ASSERT(!s.empty(), "pop from an empty stack");
  Value v = std::move(s.back());
  s.pop_back();
  return v;
}

// Pops the top sizeof...(Ts) values as typed arguments: auto [a, b] = pop_args<Tensor, int64_t>(s);
template <class... Ts>
std::tuple<Ts...> pop_args(Stack& s) {
  constexpr size_t n = sizeof...(Ts);
  auto read = [&]<size_t... I>(std::index_sequence<I...>) {
    return std::tuple<Ts...>{from_value<Ts>(peek(s, I, n))...};
  };
  std::tuple<Ts...> out = read(std::index_sequence_for<Ts...>{});
  drop(s, n);
  return out;
}

// ---- writing results ---------------------------------------------------------------------------

inline Value to_value(Value v) { return v; }
inline Value to_value(bool v) { return Value(v); }
inline Value to_value(int64_t v) { return Value(v); }
inline Value to_value(int v) { return Value(static_cast<int64_t>(v)); }
inline Value to_value(double v) { return Value(v); }
inline Value to_value(std::complex<double> v) { return Value(v); }
inline Value to_value(std::string v) { return Value(std::move(v)); }
inline Value to_value(const char* v) { return Value(std::string(v)); }
inline Value to_value(Tensor v) { return Value(std::move(v)); }
inline Value to_value(Device v) { return Value(v); }
inline Value to_value(DType v) { return Value(static_cast<int64_t>(v)); }
inline Value to_value(std::shared_ptr<List> v) { return Value(std::move(v)); }
inline Value to_value(std::shared_ptr<Dict> v) { return Value(std::move(v)); }
inline Value to_value(std::shared_ptr<Tuple> v) { return Value(std::move(v)); }
inline Value to_value(std::shared_ptr<Object> v) { return Value(std::move(v)); }
template <class T>
Value to_value(std::optional<T> v) {
  return v ? to_value(std::move(*v)) : Value();
}
// The element type a List built from std::vector<T> carries.
template <class T>
TypePtr list_elem_type() {
  if constexpr (std::is_same_v<T, bool>) return Type::get(TypeKind::Bool);
  else if constexpr (std::is_same_v<T, int64_t>) return Type::get(TypeKind::Int);
  else if constexpr (std::is_same_v<T, double>) return Type::get(TypeKind::Float);
  else if constexpr (std::is_same_v<T, std::string>) return Type::get(TypeKind::Str);
  else if constexpr (std::is_same_v<T, Tensor>) return Type::get(TypeKind::Tensor);
  else if constexpr (std::is_same_v<T, std::optional<Tensor>>) return Type::optional(Type::get(TypeKind::Tensor));
  else return Type::get(TypeKind::Any);
}
template <class T>
Value to_value(std::vector<T> v) {
  std::vector<Value> items;
  items.reserve(v.size());
  for (auto& x : v) items.push_back(to_value(std::move(x)));
  return Value(make_list(list_elem_type<T>(), std::move(items)));
}

template <class... Ts>
void push(Stack& s, Ts&&... vs) {
  (s.push_back(to_value(std::forward<Ts>(vs))), ...);
}

// ---- wrapping plain functions ------------------------------------------------------------------

namespace detail {
template <class F>
struct FnTraits : FnTraits<decltype(&F::operator())> {};
template <class R, class... A>
struct FnTraits<R (*)(A...)> {
  using Ret = R;
  using Args = std::tuple<std::remove_cvref_t<A>...>;
};
template <class R, class... A>
struct FnTraits<R(A...)> : FnTraits<R (*)(A...)> {};
template <class C, class R, class... A>
struct FnTraits<R (C::*)(A...) const> : FnTraits<R (*)(A...)> {};
template <class C, class R, class... A>
struct FnTraits<R (C::*)(A...)> : FnTraits<R (*)(A...)> {};

template <class T>
struct IsTuple : std::false_type {};
template <class... T>
struct IsTuple<std::tuple<T...>> : std::true_type {};

template <class R>
void push_result(Stack& s, R&& r) {
  if constexpr (IsTuple<std::remove_cvref_t<R>>::value)
    std::apply([&](auto&&... xs) { push(s, std::forward<decltype(xs)>(xs)...); }, std::forward<R>(r));
  else
    push(s, std::forward<R>(r));
}
}  // namespace detail

// Turns a function of typed arguments into a Kernel (see the header comment).
template <class F>
Kernel wrap(F f) {
  using Traits = detail::FnTraits<F>;
  using Args = typename Traits::Args;
  using Ret = typename Traits::Ret;
  return [f = std::move(f)](Stack& s) {
    constexpr size_t n = std::tuple_size_v<Args>;
    auto call = [&]<size_t... I>(std::index_sequence<I...>) -> decltype(auto) {
      return f(from_value<std::tuple_element_t<I, Args>>(peek(s, I, n))...);
    };
    if constexpr (std::is_void_v<Ret>) {
      call(std::make_index_sequence<n>{});
      drop(s, n);
    } else {
      Ret r = call(std::make_index_sequence<n>{});
      drop(s, n);
      detail::push_result(s, std::move(r));
    }
  };
}

// Declares an op with its CPU kernel and gives it a reference path (Backend::CPUReference): the
// plain version of the same math that tests/unit/ops/replay_test.cpp runs every recorded case
// through and compares with the CPU kernel. `make(fast)` and `make(reference)` build the two
// kernels from the same argument handling, so only the math differs:
//   add_with_reference(r, "aten::mm(Tensor self, Tensor mat2) -> Tensor", cpu::mm, cpu::mm_reference,
//                      [](auto mm) { return wrap([mm](const Tensor& a, const Tensor& b) { return mm(a, b); }); });
template <class Fn, class Make>
const Operator& add_with_reference(Registry& r, std::string_view schema, Fn fast, Fn reference, Make make) {
  const Operator& op = r.add(schema, make(fast));
  r.add_path(op.schema.qualified_name(), op.schema.overload, Backend::CPUReference, make(reference));
  return op;
}

}  // namespace ember::ops
