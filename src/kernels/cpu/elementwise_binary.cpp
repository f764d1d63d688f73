// elementwise_binary.cpp — the CPU kernels of the binary rows of tensor/elementwise_ops.h,
// generated from the table, plus where/clamp/lerp/addcmul written by hand.
#include <array>
#include <cmath>
#include <complex>
#include <limits>
#include <optional>
#include <type_traits>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_fast.h"
#include "kernels/cpu/elementwise_scalar.h"
#include "kernels/cpu/nn_util.h"
#include "kernels/cpu/shape.h"
#include "kernels/cpu/vec_math.h"
#include "tensor/elementwise.h"
#include "tensor/elementwise_meta.h"
#include "tensor/promotion.h"
#include "core/check.h"

namespace ember::cpu {

namespace {

// A row's vector column: the vec_math array kernel, or none.
struct NoVec {};
template <vec::Binary K>
struct VecBinary {
  static constexpr vec::Binary kernel = K;
};


// One row's math over the call's iterator: the vector kernel on float32 runs when the row has
// one (and `path` allows it), else the scalar form f(x, y, alpha) per element.
template <ResultKind K, unsigned Dtypes, bool UsesAlpha, class Vec, class F>
void run_row(const ElementwiseCall& c, const Scalar& alpha, Path path, Vec, F f) {
  if constexpr (!std::is_same_v<Vec, NoVec>) {
    if (path == Path::Fast && c.unconverted && c.in_dtype == DType::Float32 && c.out_dtype == DType::Float32) {
      const float al = UsesAlpha ? alpha.to<float>() : 1.0f;
      float32_run2(
          c.iter,
          [al](const float* pa, int64_t as, const float* pb, int64_t bs, float* y, int64_t n) {
            vec::binary(Vec::kernel, pa, as, pb, bs, y, n, al);
          },
          [al, f](float x, float y) { return f(x, y, al); });
      return;
    }
  }
  visit_loop_dtype<loop_categories(K, Dtypes)>(c.in_dtype, [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    using Out = std::conditional_t<K == ResultKind::Bool || K == ResultKind::Logical, bool, T>;
    const A al = alpha.to<A>();
    cpu_loop<Out, T, T>(c.iter, [al, f](A x, A y) { return f(x, y, al); });
  });
}

#define VEC(k) VecBinary<vec::Binary::k>{}
#define NOVEC NoVec{}
#define EMBER_BINARY_CASE(E, name, kind, dtypes, checks, vector, schemas, ...)                           \
  case BinaryOp::E:                                                                                      \
    run_row<ResultKind::kind, dtypes, ((checks) & kCheckAlpha) != 0>(c, alpha, path, vector, __VA_ARGS__); \
    break;

Tensor run(BinaryOp op, const ElementwiseCall& c, const Scalar& alpha, Path path) {
  if (!c.iter.output().is_cpu()) return run_on_device(op, c, alpha);
  switch (op) { EMBER_BINARY_OPS(EMBER_BINARY_CASE) }
  return c.finish();
}

#undef EMBER_BINARY_CASE
#undef VEC
#undef NOVEC

// x * s with x a channels-last float32 [N, C, H, W] and s a per-channel [N or 1, C, 1, 1]
// (squeeze-excitation's scaling): each pixel's row of C channels times s's row, with the
// result channels-last like x. Null when the operands are not of that shape.
std::optional<Tensor> scale_channels_last(const Tensor& x, const Tensor& s) {
  if (x.dtype() != DType::Float32 || s.dtype() != DType::Float32 || !is_channels_last_2d(x) || s.dim() != 4 ||
      !s.is_contiguous() || s.size(1) != x.size(1) || s.size(2) != 1 || s.size(3) != 1 ||
      (s.size(0) != 1 && s.size(0) != x.size(0)))
    return std::nullopt;
  const int64_t N = x.size(0), C = x.size(1), P = x.size(2) * x.size(3);
  Tensor nhwc = Tensor::empty_uninitialized({N, x.size(2), x.size(3), C}, DType::Float32);
  float* y = nhwc.data<float>();
  for (int64_t n = 0; n < N; ++n) {
    const float* xs = x.data<float>() + n * x.stride(0);
    const float* sc = s.data<float>() + (s.size(0) == 1 ? 0 : n * C);
    float* yn = y + n * P * C;
    parallel_range(P, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(C, 1)), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) vec::binary(vec::Binary::Mul, xs + p * C, 1, sc, 1, yn + p * C, C, 1.0f);
    });
  }
  return permute(nhwc, std::array<int64_t, 4>{0, 3, 1, 2});
}

}  // namespace

BinaryOp div_mode(const std::optional<std::string>& mode) {
  if (!mode) return BinaryOp::Div;
  if (*mode == "trunc") return BinaryOp::DivTrunc;
  if (*mode == "floor") return BinaryOp::DivFloor;
  fail("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '", *mode, "'");
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, const Scalar& alpha, Path path) {
  if (op == BinaryOp::Mul && path == Path::Fast && a.is_cpu() && b.is_cpu()) {
    if (auto y = scale_channels_last(a, b)) return *y;
    if (auto y = scale_channels_last(b, a)) return *y;
  }
  return run(op, binary_meta(op, Tensor(), a, b, alpha), alpha, path);
}

Tensor binary(BinaryOp op, const Tensor& a, const Scalar& b, const Scalar& alpha, Path path) {
  // x ** 2 on floats is x * x, as PyTorch computes it (the vectorised product; a spectrogram's
  // power=2 runs here).
  if (op == BinaryOp::Pow && is_floating(a.dtype()) && !b.is_complex() && b.to<double>() == 2.0)
    return run(BinaryOp::Mul, binary_meta(BinaryOp::Mul, Tensor(), a, a, alpha), alpha, path);
  return run(op, binary_meta(op, Tensor(), a, b, alpha), alpha, path);
}

Tensor binary(BinaryOp op, const Scalar& a, const Tensor& b, const Scalar& alpha, Path path) {
  return run(op, binary_meta(op, Tensor(), a, b, alpha), alpha, path);
}

Tensor binary_(BinaryOp op, const Tensor& self, const Tensor& b, const Scalar& alpha, Path path) {
  return run(op, binary_meta(op, self, self, b, alpha), alpha, path);
}

Tensor binary_(BinaryOp op, const Tensor& self, const Scalar& b, const Scalar& alpha, Path path) {
  return run(op, binary_meta(op, self, self, b, alpha), alpha, path);
}

// ---- where ---------------------------------------------------------------------------------------

namespace {
Tensor where_impl(const Tensor& cond, const Tensor& a, const Tensor& b, DType common) {
  if (cond.dtype() != DType::Bool && cond.dtype() != DType::UInt8)
    fail("where expected condition to be a boolean tensor, but got a tensor with dtype ",
         dtype_name(cond.dtype()));
  return dispatch_all(common, "where", [&](auto tag) {
    using T = decltype(tag);
    return map<T, bool, T, T>({cond, a, b}, [](bool c, T x, T y) { return c ? x : y; });
  });
}
}  // namespace

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  return where_impl(cond, a, b, result_type(a, b));
}
Tensor where(const Tensor& cond, const Scalar& a, const Tensor& b) {
  const DType common = ResultType().add(a).add(b).result();
  return where_impl(cond, scalar_to_tensor(a, common), b, common);
}
Tensor where(const Tensor& cond, const Tensor& a, const Scalar& b) {
  const DType common = result_type(a, b);
  return where_impl(cond, a, scalar_to_tensor(b, common), common);
}
Tensor where(const Tensor& cond, const Scalar& a, const Scalar& b) {
  const DType common = result_type(a, b);
  return where_impl(cond, scalar_to_tensor(a, common), scalar_to_tensor(b, common), common);
}

// ---- clamp ---------------------------------------------------------------------------------------

namespace {
// clamp(x, lo, hi) = min(max(x, lo), hi), NaN in x or a bound propagating; lo > hi gives hi.
Tensor clamp_impl(const Tensor& out, const Tensor& x, const Tensor* lo, const Tensor* hi, DType common) {
  if (!lo && !hi) fail("torch.clamp: At least one of 'min' or 'max' must not be None");
  if (out.defined()) check_can_cast_to_output(common, out.dtype());
  return dispatch_numeric(common, "clamp", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    auto lower = [](A v, A l) { return (v != v) ? v : (l != l ? l : (v < l ? l : v)); };
    auto upper = [](A v, A h) { return (v != v) ? v : (h != h ? h : (v > h ? h : v)); };
    if (lo && hi)
      return map_into<T, T, T, T>(out, {x, *lo, *hi}, [=](A v, A l, A h) { return upper(lower(v, l), h); });
    if (lo) return map_into<T, T, T>(out, {x, *lo}, lower);
    return map_into<T, T, T>(out, {x, *hi}, upper);
  });
}

Tensor clamp_scalars(const Tensor& out, const Tensor& self, const std::optional<Scalar>& lo,
                     const std::optional<Scalar>& hi) {
  ResultType rt;
  rt.add(self);
  if (lo) rt.add(*lo);
  if (hi) rt.add(*hi);
  const DType common = rt.result();
  if (common == DType::Float32 && self.dtype() == DType::Float32 && (!out.defined() || out.dtype() == DType::Float32) &&
      (lo || hi)) {
    // Scalar bounds on float32 (relu6, hardtanh, clamp_min/max): one vectorised pass. NaN
    // bounds keep the general kernel's rules.
    const float inf = std::numeric_limits<float>::infinity();
    const float l = lo ? lo->to<float>() : -inf, h = hi ? hi->to<float>() : inf;
    if (l == l && h == h)
      return float32_map(out, self, [l, h](const float* x, float* y, int64_t n) { vec::clamp(x, y, n, l, h); },
                         [l, h](float v) {
                           v = v < l ? l : v;
                           return v > h ? h : v;
                         });
  }
  Tensor l = lo ? scalar_to_tensor(*lo, common) : Tensor();
  Tensor h = hi ? scalar_to_tensor(*hi, common) : Tensor();
  return clamp_impl(out, self, lo ? &l : nullptr, hi ? &h : nullptr, common);
}

Tensor clamp_tensors(const Tensor& out, const Tensor& self, const std::optional<Tensor>& lo,
                     const std::optional<Tensor>& hi) {
  ResultType rt;
  rt.add(self);
  if (lo) rt.add(*lo);
  if (hi) rt.add(*hi);
  return clamp_impl(out, self, lo ? &*lo : nullptr, hi ? &*hi : nullptr, rt.result());
}
}  // namespace

Tensor clamp(const Tensor& self, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi) {
  return clamp_scalars(Tensor(), self, lo, hi);
}
Tensor clamp(const Tensor& self, const std::optional<Tensor>& lo, const std::optional<Tensor>& hi) {
  return clamp_tensors(Tensor(), self, lo, hi);
}
Tensor clamp_out(const Tensor& out, const Tensor& self, const std::optional<Scalar>& lo,
                 const std::optional<Scalar>& hi) {
  return clamp_scalars(out, self, lo, hi);
}
Tensor clamp_(const Tensor& self, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi) {
  return clamp_scalars(self, self, lo, hi);
}
Tensor clamp_(const Tensor& self, const std::optional<Tensor>& lo, const std::optional<Tensor>& hi) {
  return clamp_tensors(self, self, lo, hi);
}

// ---- lerp, addcmul, addcdiv ------------------------------------------------------------------------

namespace {
template <class A>
A lerp_value(A start, A end, A w) {
  return std::abs(w) < A(0.5) ? start + w * (end - start) : end - (end - start) * (A(1) - w);
}
}  // namespace

Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight) {
  if (self.dtype() != end.dtype() || self.dtype() != weight.dtype())
    fail("expected dtype ", dtype_name(self.dtype()), " for `end` and `weight` but got ", dtype_name(end.dtype()),
         " and ", dtype_name(weight.dtype()));
  return dispatch_floating(self.dtype(), "lerp", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    return map<T, T, T, T>({self, end, weight}, [](A s, A e, A w) { return lerp_value(s, e, w); });
  });
}

Tensor lerp(const Tensor& self, const Tensor& end, const Scalar& weight) {
  if (self.dtype() != end.dtype())
    fail("expected dtype ", dtype_name(self.dtype()), " for `end` but got dtype ", dtype_name(end.dtype()));
  return dispatch_floating(self.dtype(), "lerp", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const A w = weight.to<A>();
    return map<T, T, T>({self, end}, [w](A s, A e) { return lerp_value(s, e, w); });
  });
}

Tensor addcmul(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  const DType common = ResultType().add(self).add(t1).add(t2).result();
  return dispatch_numeric(common, "addcmul", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const A v = value.to<A>();
    return map<T, T, T, T>({self, t1, t2}, [v](A s, A x, A y) { return static_cast<A>(s + v * x * y); });
  });
}

Tensor addcdiv(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  const DType common = ResultType().add(self).add(t1).add(t2).result();
  if (is_integral(t1.dtype(), true) && is_integral(t2.dtype(), true))
    fail("Integer division with addcdiv is no longer supported, and in a future release addcdiv will "
         "perform a true division of tensor1 and tensor2.");
  return dispatch_floating(common, "addcdiv", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const A v = value.to<A>();
    return map<T, T, T, T>({self, t1, t2}, [v](A s, A x, A y) { return s + v * x / y; });
  });
}

}  // namespace ember::cpu
