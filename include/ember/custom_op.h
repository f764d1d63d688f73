// ember/custom_op.h — your own operators, declared by schema string like TORCH_LIBRARY's m.def.
//
//   ember::Tensor scaled_add(const ember::Tensor& x, const ember::Tensor& y, double alpha) {
//     return x + y * alpha;
//   }
//   EMBER_REGISTER_OPS(my_ns) {
//     ember::register_op("my_ns::scaled_add(Tensor x, Tensor y, float alpha=1.0) -> Tensor", scaled_add);
//   }
//
// A registered operator is part of the one operator table: a model whose code calls
// `ops.my_ns.scaled_add(...)` (torch.ops.my_ns.scaled_add in Python) loads and runs it, `ember
// check` counts it as supported, overload resolution fills its defaults and keyword arguments, and
// ember::call / ember::Op reach it by name. Register before loading the models that use it; do not
// register while other threads load models or call ember::Op.
//
// Operators can live in your own shared library, linked against libember: EMBER_REGISTER_OPS runs
// when the library is loaded, by the dynamic linker or by ember::load_library (the CLI's
// `--library libmyops.so`).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/error.h"
#include "ember/tensor.h"
#include "ember/value.h"
#include "ember/values.h"

namespace ember {

// The general form: `fn` receives every schema argument in order (defaults already filled) and
// returns the result: its one return, a Tuple for several, None for none.
using OpFunction = std::function<Value(std::vector<Value>& args)>;
void register_op(std::string_view schema, OpFunction fn);

// dlopen()s a shared library whose EMBER_REGISTER_OPS blocks register operators; fails with the
// loader's message, or with the first registration error of the library.
void load_library(const std::string& path);

namespace detail {

// Argument conversion from a Value to a C++ parameter type.
template <class T> struct OpArg;
template <> struct OpArg<Tensor> { static Tensor get(const Value& v) { return v.to_tensor(); } };
template <> struct OpArg<int64_t> { static int64_t get(const Value& v) { return v.to_int(); } };
template <> struct OpArg<int> {
  static int get(const Value& v) { return static_cast<int>(v.to_int()); }
};
template <> struct OpArg<double> { static double get(const Value& v) { return v.is_int() ? static_cast<double>(v.to_int()) : v.to_double(); } };
template <> struct OpArg<float> { static float get(const Value& v) { return static_cast<float>(OpArg<double>::get(v)); } };
template <> struct OpArg<bool> { static bool get(const Value& v) { return v.to_bool(); } };
template <> struct OpArg<std::string> { static std::string get(const Value& v) { return v.to_string(); } };
template <> struct OpArg<Value> { static Value get(const Value& v) { return v; } };
template <> struct OpArg<std::vector<int64_t>> { static std::vector<int64_t> get(const Value& v) { return to_int_list(v); } };
template <> struct OpArg<std::vector<double>> { static std::vector<double> get(const Value& v) { return to_double_list(v); } };
template <> struct OpArg<std::vector<Tensor>> { static std::vector<Tensor> get(const Value& v) { return to_tensor_list(v); } };
template <class T> struct OpArg<std::optional<T>> {
  static std::optional<T> get(const Value& v) {
    if (v.is_none()) return std::nullopt;
    return OpArg<T>::get(v);
  }
};

template <class T> Value op_result(T&& v) { return Value(std::forward<T>(v)); }
inline Value op_result(int v) { return Value(static_cast<int64_t>(v)); }
template <class... T> Value op_result(std::tuple<T...>&& t) {
  return std::apply([](auto&&... x) { return tuple_value({op_result(std::move(x))...}); }, std::move(t));
}

template <class F> struct OpTraits : OpTraits<decltype(&F::operator())> {};
template <class R, class... A> struct OpTraits<R (*)(A...)> {
  using Result = R;
  using Args = std::tuple<std::decay_t<A>...>;
  static constexpr size_t arity = sizeof...(A);
};
template <class R, class... A> struct OpTraits<R(A...)> : OpTraits<R (*)(A...)> {};
template <class C, class R, class... A> struct OpTraits<R (C::*)(A...) const> : OpTraits<R (*)(A...)> {};
template <class C, class R, class... A> struct OpTraits<R (C::*)(A...)> : OpTraits<R (*)(A...)> {};

// Number of arguments the schema declares (for the arity check of typed registrations).
size_t schema_argument_count(std::string_view schema);

template <class F, size_t... I>
Value invoke_typed(F& f, std::vector<Value>& args, std::index_sequence<I...>) {
  using Args = typename OpTraits<std::decay_t<F>>::Args;
  using R = typename OpTraits<std::decay_t<F>>::Result;
  if constexpr (std::is_void_v<R>) {
    f(OpArg<std::tuple_element_t<I, Args>>::get(args[I])...);
    return Value();
  } else {
    return op_result(f(OpArg<std::tuple_element_t<I, Args>>::get(args[I])...));
  }
}

void record_registration_error(const std::string& message);

}  // namespace detail

// The typed form: a function or lambda whose parameters are Tensor, int64_t, double, bool,
// std::string, std::vector<int64_t|double|Tensor>, std::optional<...> of those, or Value, one per
// schema argument, returning Tensor, a scalar, a std::tuple of them, or void. A callable taking
// std::vector<Value>& and returning Value is registered in the general form.
template <class F>
void register_op(std::string_view schema, F fn) {
  if constexpr (std::is_invocable_r_v<Value, F&, std::vector<Value>&>) {
    register_op(schema, OpFunction(std::move(fn)));
  } else {
    using Traits = detail::OpTraits<std::decay_t<F>>;
    const size_t declared = detail::schema_argument_count(schema);
    if (declared != Traits::arity)
      fail("register_op: the schema '", schema, "' declares ", declared, " argument", declared == 1 ? "" : "s",
           " but the function takes ", Traits::arity);
    register_op(schema, OpFunction([f = std::move(fn)](std::vector<Value>& args) mutable {
                  return detail::invoke_typed(f, args, std::make_index_sequence<Traits::arity>());
                }));
  }
}

}  // namespace ember

// Runs `body` when the library holding it is loaded (by the dynamic linker or load_library).
// Errors inside it (a bad schema, a duplicate name) are kept and reported by load_library, since
// nothing may throw out of a library's initialisation.
#define EMBER_REGISTER_OPS(tag)                                              \
  static void ember_register_ops_body_##tag();                               \
  namespace {                                                                \
  const int ember_register_ops_##tag = [] {                                  \
    try {                                                                    \
      ember_register_ops_body_##tag();                                       \
    } catch (const std::exception& e) {                                      \
      ::ember::detail::record_registration_error(e.what());                  \
    }                                                                        \
    return 0;                                                                \
  }();                                                                       \
  }                                                                          \
  static void ember_register_ops_body_##tag()
