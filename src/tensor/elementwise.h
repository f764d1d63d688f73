// elementwise.h — the typed layer over TensorIterator that elementwise ops are written with.
//
// An op picks its compute dtype (promotion.h), dispatches on it (dispatch.h) and passes a lambda:
//
//   Tensor my_add(const Tensor& a, const Tensor& b) {
//     return dispatch_numeric(result_type(a, b), "add", [&](auto tag) {
//       using T = decltype(tag);
//       using A = opmath_t<T>;
//       return map<T, T, T>({a, b}, [](A x, A y) { return x + y; });
//     });
//   }
//
// map<Out, In...>(inputs, f) converts inputs whose dtype differs from In, broadcasts them,
// allocates the Out result and calls f(opmath_t<In>...) per element, storing the result as Out.
// map_into(out, ...) writes into an existing tensor instead (in-place ops, writes through views);
// when out's dtype is not Out the result is computed aside and converted in. Large operands are
// split over the thread pool (TensorIterator::parallel_for_each), so f must be a pure function
// of its arguments; every element is computed the same way whatever the thread count.
#pragma once

#include <algorithm>
#include <array>
#include <tuple>
#include <utility>

#include "ember/tensor.h"
#include "tensor/convert.h"
#include "tensor/dispatch.h"
#include "tensor/iterator.h"

namespace ember {

// Copies src into dst (broadcasting src, converting dtype); dst may be any strided view, and
// writing it mutates the storage it shares. Overlapping src and dst are handled.
void copy_into(const Tensor& dst, const Tensor& src);

// A 0-dim tensor of `dtype` holding s.
class Scalar;
Tensor scalar_to_tensor(const Scalar& s, DType dtype);

namespace detail {
template <class Out, class... In, class F, size_t... I>
void run_loop(const TensorIterator& it, F& f, std::index_sequence<I...>) {
  it.parallel_for_each([&](char** data, const int64_t* strides, int64_t n) {
    constexpr int64_t out_size = sizeof(Out);
    Out* out = reinterpret_cast<Out*>(data[0]);
    const bool dense = strides[0] == out_size && ((strides[I + 1] == int64_t{sizeof(In)} || strides[I + 1] == 0) && ...);
    if (dense) {
      // Inputs constant along the run (stride 0: a scalar, a per-channel value) are spread into a
      // small buffer, so every block runs the same unit-stride loop, which the compiler vectorises.
      constexpr int64_t kBlock = 256;
      std::tuple<std::array<In, kBlock>...> spread;
      const int64_t first = std::min(n, kBlock);
      ((strides[I + 1] == 0
            ? (void)std::fill_n(std::get<I>(spread).begin(), first, *reinterpret_cast<const In*>(data[I + 1]))
            : (void)0),
       ...);
      for (int64_t j0 = 0; j0 < n; j0 += kBlock) {
        const int64_t m = std::min(kBlock, n - j0);
        std::tuple<const In*...> in{(strides[I + 1] == 0 ? std::get<I>(spread).data()
                                                         : reinterpret_cast<const In*>(data[I + 1]) + j0)...};
        Out* o = out + j0;
        for (int64_t j = 0; j < m; ++j)
          o[j] = scalar_cast<Out>(f(static_cast<opmath_t<In>>(std::get<I>(in)[j])...));
      }
      return;
    }
    for (int64_t j = 0; j < n; ++j) {
      Out* o = reinterpret_cast<Out*>(data[0] + j * strides[0]);
      *o = scalar_cast<Out>(
          f(static_cast<opmath_t<In>>(*reinterpret_cast<const In*>(data[I + 1] + j * strides[I + 1]))...));
    }
  });
}
}  // namespace detail

// Runs f over an iterator built with one Out output and inputs of types In... (already in those
// dtypes).
template <class Out, class... In, class F>
void cpu_loop(const TensorIterator& it, F&& f) {
  detail::run_loop<Out, In...>(it, f, std::index_sequence_for<In...>{});
}

template <class Out, class... In, class F>
Tensor map_into(const Tensor& out, std::array<Tensor, sizeof...(In)> inputs, F&& f) {
  constexpr DType in_dtypes[] = {dtype_of<In>::value...};
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].dtype() != in_dtypes[i]) inputs[i] = inputs[i].to(in_dtypes[i]);
  const bool direct = !out.defined() || out.dtype() == dtype_of<Out>::value;
  TensorIterator it;
  it.add_output(direct ? out : Tensor(), dtype_of<Out>::value);
  for (const Tensor& t : inputs) it.add_input(t);
  if (!direct) it.declare_shape(out.sizes());
  it.build();
  cpu_loop<Out, In...>(it, f);
  if (direct) return it.output();
  copy_into(out, it.output());
  return out;
}

template <class Out, class... In, class F>
Tensor map(std::array<Tensor, sizeof...(In)> inputs, F&& f) {
  return map_into<Out, In...>(Tensor(), std::move(inputs), std::forward<F>(f));
}

}  // namespace ember
