// elementwise_unary.cpp — the CPU kernels of the unary rows of tensor/elementwise_ops.h,
// generated from the table, plus the activations and unary ops with parameters, written by hand.
// Float-only math (exp, sigmoid, ...) on integer or bool input computes in float32, as PyTorch does.
#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <optional>
#include <type_traits>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_fast.h"
#include "kernels/cpu/elementwise_scalar.h"
#include "kernels/cpu/vec_math.h"
#include "tensor/broadcast.h"
#include "tensor/elementwise.h"
#include "tensor/elementwise_meta.h"
#include "tensor/promotion.h"
#include "core/check.h"

namespace ember::cpu {

namespace {

// A row's vector column: the vec_math array kernel, or none.
struct NoVec {};
template <vec::Unary K>
struct VecUnary {
  static constexpr vec::Unary kernel = K;
};


template <class T>
struct real_of {
  using type = T;
};
template <class R>
struct real_of<std::complex<R>> {
  using type = R;
};

// One row's math over the call's iterator: the vector kernel on float32 runs when the row has
// one (and `path` allows it), else the scalar form f(v) per element.
template <ResultKind K, unsigned Dtypes, class Vec, class F>
void run_row(const ElementwiseCall& c, Path path, Vec, F f) {
  if constexpr (!std::is_same_v<Vec, NoVec>) {
    if (path == Path::Fast && c.unconverted && c.in_dtype == DType::Float32 && c.out_dtype == DType::Float32) {
      float32_run(
          c.iter, [](const float* in, float* y, int64_t n) { vec::unary(Vec::kernel, in, y, n); },
          [f](float v) { return f(v); });
      return;
    }
  }
  visit_loop_dtype<loop_categories(K, Dtypes)>(c.in_dtype, [&](auto tag) {
    using T = decltype(tag);
    using Out = std::conditional_t<K == ResultKind::Bool || K == ResultKind::Logical, bool,
                                   std::conditional_t<K == ResultKind::Magnitude, typename real_of<T>::type, T>>;
    cpu_loop<Out, T>(c.iter, f);
  });
}

#define VEC(k) VecUnary<vec::Unary::k>{}
#define NOVEC NoVec{}
#define EMBER_UNARY_CASE(E, error_name, kind, dtypes, vector, in_place, names, ...) \
  case UnaryOp::E:                                                                  \
    run_row<ResultKind::kind, dtypes>(c, path, vector, __VA_ARGS__);                \
    break;

Tensor run(UnaryOp op, const Tensor& out, const Tensor& x, Path path) {
  // Square on real dtypes is x ** 2 (PyTorch's square), so it shares pow's checks and kernels.
  if (op == UnaryOp::Square && !is_complex(x.dtype())) {
    if (out.defined()) return binary_(BinaryOp::Pow, out, Scalar(int64_t{2}), Scalar(int64_t{1}), path);
    return binary(BinaryOp::Pow, x, Scalar(int64_t{2}), Scalar(int64_t{1}), path);
  }
  const ElementwiseCall c = unary_meta(op, out, x);
  if (!c.iter.output().is_cpu()) return run_on_device(op, c);
  switch (op) { EMBER_UNARY_OPS(EMBER_UNARY_CASE) }
  return c.finish();
}

#undef EMBER_UNARY_CASE
#undef VEC
#undef NOVEC

// x (float32) through a vec_math kernel into `out` (float32, or undefined to allocate); the
// scalar form for strided runs.
template <class F>
Tensor vec_unary_map(vec::Unary op, const Tensor& out, const Tensor& x, F scalar) {
  return float32_map(out, x, [op](const float* in, float* y, int64_t n) { vec::unary(op, in, y, n); }, scalar);
}

bool float32_io(const Tensor& out, const Tensor& x) {
  return x.dtype() == DType::Float32 && (!out.defined() || out.dtype() == DType::Float32);
}

// Float-only op on x with scalar parameters, writing into `out` when given.
template <class F>
Tensor float_map(const Tensor& out, const Tensor& x, const char* name, F make) {
  const DType c = to_floating(x.dtype());
  if (!is_floating(x.dtype())) fail_dtype(name, x.dtype());
  if (out.defined()) check_can_cast_to_output(c, out.dtype());
  return dispatch_floating(c, name, [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    return map_into<T, T>(out, {x}, make(A{}));
  });
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x, Path path) { return run(op, Tensor(), x, path); }
Tensor unary_(UnaryOp op, const Tensor& self, Path path) { return run(op, self, self, path); }

Tensor round_decimals(const Tensor& x, int64_t decimals) {
  if (decimals == 0) return unary(UnaryOp::Round, x);
  return dispatch_floating(x.dtype(), "round", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const bool neg = decimals < 0;
    const A ten_pow = static_cast<A>(std::pow(A(10), static_cast<A>(neg ? -decimals : decimals)));
    if (neg) return map<T, T>({x}, [ten_pow](A v) { return std::nearbyint(v / ten_pow) * ten_pow; });
    return map<T, T>({x}, [ten_pow](A v) { return std::nearbyint(v * ten_pow) / ten_pow; });
  });
}

Tensor hardtanh(const Tensor& x, const Scalar& lo, const Scalar& hi) {
  if (x.dtype() == DType::Bool) fail("Bool inputs not supported for hardtanh");
  return clamp_out(Tensor::empty_uninitialized(x.sizes(), x.dtype()), x, lo, hi);
}

Tensor hardtanh_(const Tensor& x, const Scalar& lo, const Scalar& hi) {
  if (x.dtype() == DType::Bool) fail("Bool inputs not supported for hardtanh");
  return clamp_(x, std::optional<Scalar>(lo), std::optional<Scalar>(hi));
}

Tensor relu6(const Tensor& x) { return hardtanh(x, Scalar(int64_t{0}), Scalar(int64_t{6})); }

Tensor gelu(const Tensor& x, const std::string& approximate) {
  if (approximate != "none" && approximate != "tanh") fail("approximate argument must be either none or tanh.");
  const bool exact = approximate == "none";
  if (x.dtype() == DType::Float32) {
    if (exact) return vec_unary_map(vec::Unary::GeluErf, Tensor(), x, [](float v) { return vec::gelu_erf(v); });
    return vec_unary_map(vec::Unary::GeluTanh, Tensor(), x, [](float v) { return vec::gelu_tanh(v); });
  }
  if (exact)
    return float_map(Tensor(), x, "gelu", [](auto a) {
      using A = decltype(a);
      return [](A v) {
        if constexpr (std::is_same_v<A, float>) return vec::gelu_erf(v);
        else return v * A(0.5) * (A(1) + std::erf(v * A(M_SQRT1_2)));
      };
    });
  return float_map(Tensor(), x, "gelu", [](auto a) {
    using A = decltype(a);
    return [](A v) {
      if constexpr (std::is_same_v<A, float>) {
        return vec::gelu_tanh(v);
      } else {
        const A k = A(M_SQRT2 * M_2_SQRTPI * 0.5);
        return A(0.5) * v * (A(1) + std::tanh(k * (v + A(0.044715) * v * v * v)));
      }
    };
  });
}

Tensor softplus(const Tensor& x, const Scalar& beta, const Scalar& threshold) {
  return float_map(Tensor(), x, "softplus", [&](auto a) {
    using A = decltype(a);
    const A b = beta.to<A>(), th = threshold.to<A>();
    return [b, th](A v) { return v * b > th ? v : std::log1p(std::exp(v * b)) / b; };
  });
}

namespace {
Tensor elu_impl(const Tensor& out, const Tensor& x, const Scalar& alpha, const Scalar& scale,
                const Scalar& input_scale) {
  return float_map(out, x, "elu", [&](auto a) {
    using A = decltype(a);
    const A neg = alpha.to<A>() * scale.to<A>(), pos = scale.to<A>(), in = input_scale.to<A>();
    return [=](A v) { return v <= A(0) ? std::expm1(v * in) * neg : v * pos; };
  });
}
}  // namespace

Tensor elu(const Tensor& x, const Scalar& alpha, const Scalar& scale, const Scalar& input_scale) {
  return elu_impl(Tensor(), x, alpha, scale, input_scale);
}
Tensor elu_(const Tensor& x, const Scalar& alpha, const Scalar& scale, const Scalar& input_scale) {
  return elu_impl(x, x, alpha, scale, input_scale);
}
Tensor selu(const Tensor& x) {
  return elu(x, Scalar(1.6732632423543772848170429916717), Scalar(1.0507009873554804934193349852946),
             Scalar(1.0));
}
Tensor celu(const Tensor& x, const Scalar& alpha) {
  return elu(x, alpha, Scalar(1.0), Scalar(1.0 / alpha.to_double()));
}

namespace {
Tensor leaky_impl(const Tensor& out, const Tensor& x, const Scalar& slope) {
  if (float32_io(out, x)) {
    const float s = slope.to<float>();
    return float32_map(out, x, [s](const float* in, float* y, int64_t n) { vec::leaky_relu(in, y, n, s); },
                       [s](float v) { return v > 0.0f ? v : v * s; });
  }
  return float_map(out, x, "leaky_relu", [&](auto a) {
    using A = decltype(a);
    const A s = slope.to<A>();
    return [s](A v) { return v > A(0) ? v : v * s; };
  });
}
}  // namespace

Tensor leaky_relu(const Tensor& x, const Scalar& slope) { return leaky_impl(Tensor(), x, slope); }
Tensor leaky_relu_(const Tensor& x, const Scalar& slope) { return leaky_impl(x, x, slope); }

Tensor threshold(const Tensor& x, const Scalar& th, const Scalar& value) {
  return dispatch_numeric(x.dtype(), "threshold", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const A t = th.to<A>(), v = value.to<A>();
    return map<T, T>({x}, [t, v](A e) { return e <= t ? v : e; });
  });
}

Tensor nan_to_num(const Tensor& x, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  if (!is_floating(x.dtype())) return x.clone();
  return dispatch_floating(x.dtype(), "nan_to_num", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    // Defaults are the largest finite values of the tensor's own dtype.
    const A big = static_cast<A>(std::is_same_v<T, Half> ? 65504.0f : 3.38953139e38f);
    const A hi = posinf ? static_cast<A>(*posinf)
                        : (std::is_same_v<T, A> ? std::numeric_limits<A>::max() : big);
    const A lo = neginf ? static_cast<A>(*neginf)
                        : (std::is_same_v<T, A> ? std::numeric_limits<A>::lowest() : -big);
    const A n = static_cast<A>(nan.value_or(0.0));
    return map<T, T>({x}, [=](A v) { return v != v ? n : (v == std::numeric_limits<A>::infinity() ? hi : (v == -std::numeric_limits<A>::infinity() ? lo : v)); });
  });
}

Tensor prelu(const Tensor& x, const Tensor& weight) {
  const int64_t n = weight.numel();
  Tensor w = weight;
  if (n != 1) {
    if (x.dim() < 2) fail("Not allow zero-dim input tensor.");
    if (weight.dim() > 1 || x.size(1) != n)
      fail("Mismatch of parameter numbers and input channel size. Found parameter numbers = ", n,
           " and channel size = ", x.size(1), ".");
    // Lay the per-channel weights along dim 1 so they broadcast over x.
    Shape sizes(static_cast<size_t>(x.dim()), 1);
    Shape strides(static_cast<size_t>(x.dim()), 0);
    sizes[1] = n;
    strides[1] = weight.dim() == 1 ? weight.stride(0) : 1;
    w = weight.as_strided(sizes, strides, weight.offset());
  } else {
    w = weight.as_strided({}, {}, weight.offset());
  }
  const DType c = result_type(x, w);
  return dispatch_floating(c, "prelu", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    return map<T, T, T>({x, w}, [](A v, A s) { return v > A(0) ? v : v * s; });
  });
}

Tensor fill_(const Tensor& self, const Scalar& value) {
  TensorIterator it;
  it.add_output(self, self.dtype()).build();
  dispatch_all(self.dtype(), "fill_", [&](auto tag) {
    using T = decltype(tag);
    const T v = value.to<T>();
    it.parallel_for_each([&](char** data, const int64_t* strides, int64_t n) {
      for (int64_t j = 0; j < n; ++j) *reinterpret_cast<T*>(data[0] + j * strides[0]) = v;
    });
  });
  return self;
}

Tensor fill_(const Tensor& self, const Tensor& value) {
  if (value.dim() != 0)
    fail("fill_ only supports 0-dimension value tensor but got tensor with ", value.dim(), " dimensions.");
  copy_into(self, value);
  return self;
}

}  // namespace ember::cpu
