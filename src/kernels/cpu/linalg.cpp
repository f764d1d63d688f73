// linalg.cpp — matrix products. Every op reduces to `product`: a batch of strided matrix
// products written into a contiguous output, run by `gemm` (float32/float64) or by the reference
// loop (other dtypes).
#include "kernels/cpu/linalg.h"

#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "kernels/cpu/dnnl_util.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/shape.h"
#include "tensor/broadcast.h"
#include "tensor/dispatch.h"
#include "tensor/elementwise.h"
#include "tensor/iterator.h"
#include "core/check.h"

namespace ember::cpu {

namespace {

// Below this many multiply-adds a product is not worth waking other threads for.
constexpr int64_t kParallelWork = 1 << 15;
// Products smaller than this run one per thread across a batch instead of each being split.
constexpr int64_t kSmallProduct = 1 << 22;

// Accumulator type of the reference loop: integers accumulate in their own type (PyTorch wraps
// too), 16-bit floats in float.
template <class T>
using ref_acc_t = std::conditional_t<std::is_integral_v<T>, T, opmath_t<T>>;

// Sums each C element's k products in order, one row of C at a time.
template <class T, class A>
void ref_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, A alpha, const T* a, int64_t lda,
              const T* b, int64_t ldb, A beta, T* c, int64_t ldc) {
  std::vector<A> row(static_cast<size_t>(n));
  for (int64_t i = 0; i < m; ++i) {
    std::fill(row.begin(), row.end(), A(0));
    for (int64_t p = 0; p < k; ++p) {
      const A av = static_cast<A>(ta ? a[p * lda + i] : a[i * lda + p]);
      if (tb) {
        for (int64_t j = 0; j < n; ++j) row[static_cast<size_t>(j)] += av * static_cast<A>(b[j * ldb + p]);
      } else {
        const T* br = b + p * ldb;
        for (int64_t j = 0; j < n; ++j) row[static_cast<size_t>(j)] += av * static_cast<A>(br[j]);
      }
    }
    T* cr = c + i * ldc;
    for (int64_t j = 0; j < n; ++j) {
      A v = alpha * row[static_cast<size_t>(j)];
      if (beta != A(0)) v += beta * static_cast<A>(cr[j]);
      cr[j] = scalar_cast<T>(v);
    }
  }
}

// C = beta * C for an empty inner dimension (beta == 0 clears, ignoring NaNs in C).
template <class T>
void scale_c(int64_t m, int64_t n, T beta, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
}

// float64: the reference loop's summation order (each element sums p = 0..k-1 in turn), so the
// results equal the reference bit for bit, with the rows split over threads and the columns in
// cache-sized panels.
void dgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
           int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  constexpr int64_t kPanel = 256;
  const bool par = m > 1 && m * n * k >= kParallelWork && omp_get_max_threads() > 1 && !omp_in_parallel();
#pragma omp parallel for schedule(static) if (par)
  for (int64_t i = 0; i < m; ++i) {
    double row[kPanel];
    for (int64_t j0 = 0; j0 < n; j0 += kPanel) {
      const int64_t nj = std::min(kPanel, n - j0);
      if (tb) {
        for (int64_t j = 0; j < nj; ++j) {
          const double* br = b + (j0 + j) * ldb;
          double acc = 0;
          if (ta) {
            for (int64_t p = 0; p < k; ++p) acc += a[p * lda + i] * br[p];
          } else {
            const double* ar = a + i * lda;
            for (int64_t p = 0; p < k; ++p) acc += ar[p] * br[p];
          }
          row[j] = acc;
        }
      } else {
        std::fill(row, row + nj, 0.0);
        for (int64_t p = 0; p < k; ++p) {
          const double av = ta ? a[p * lda + i] : a[i * lda + p];
          const double* br = b + p * ldb + j0;
          for (int64_t j = 0; j < nj; ++j) row[j] += av * br[j];
        }
      }
      double* cr = c + i * ldc + j0;
      for (int64_t j = 0; j < nj; ++j) cr[j] = beta == 0 ? alpha * row[j] : alpha * row[j] + beta * cr[j];
    }
  }
}

void check_same_dtype(const Tensor& a, const Tensor& b, const char* na, const char* nb) {
  if (a.dtype() != b.dtype())
    fail("expected ", na, " and ", nb, " to have the same dtype, but got: ", dtype_name(a.dtype()), " != ",
         dtype_name(b.dtype()));
}

// How a rows x cols matrix with element strides (sr, sc) reaches gemm without a copy: row-major
// (unit column stride) or column-major (unit row stride, passed as a transposed operand), with
// a leading dimension the BLAS rules accept.
struct Layout {
  bool ok = false, trans = false;
  int64_t ld = 0;
};

Layout layout_of(int64_t rows, int64_t cols, int64_t sr, int64_t sc) {
  const int64_t rmin = std::max<int64_t>(rows, 1), cmin = std::max<int64_t>(cols, 1);
  if (sc == 1 || cols == 1) {
    const int64_t ld = rows == 1 ? cmin : sr;
    if (ld >= cmin) return {true, false, ld};
  }
  if (sr == 1 || rows == 1) {
    const int64_t ld = cols == 1 ? rmin : sc;
    if (ld >= rmin) return {true, true, ld};
  }
  return {};
}

Layout matrix_layout(const Tensor& t) { return layout_of(t.size(-2), t.size(-1), t.stride(-2), t.stride(-1)); }

// Element offsets of each matrix of a [batch..., r, c] view, batch in row-major order (broadcast
// dims have stride 0 and repeat the same matrix).
std::vector<int64_t> batch_offsets(const Tensor& t) {
  const size_t nbd = static_cast<size_t>(t.dim()) - 2;
  const Shape batch(t.sizes().begin(), t.sizes().begin() + static_cast<std::ptrdiff_t>(nbd));
  std::vector<int64_t> offs(static_cast<size_t>(checked_numel(batch)));
  std::vector<int64_t> idx(nbd, 0);
  int64_t off = 0;
  for (size_t i = 0; i < offs.size(); ++i) {
    offs[i] = off;
    for (size_t d = nbd; d-- > 0;) {
      off += t.strides()[d];
      if (++idx[d] < batch[d]) break;
      off -= t.strides()[d] * batch[d];
      idx[d] = 0;
    }
  }
  return offs;
}

// c[i] = alpha · a[i] · b[i] + beta · c[i] for a [batch..., n, k], b [batch..., k, m] (any
// strides, broadcast batch dims included) and contiguous c [batch..., n, m] of the same dtype.
// A: the scalar type alpha and beta are given in.
template <class T, class A>
void product(Tensor a, Tensor b, const Tensor& c, A alpha, A beta) {
  EMBER_ASSERT(c.is_contiguous() && a.dtype() == c.dtype() && b.dtype() == c.dtype(), "bad product operands");
  const int64_t n = a.size(-2), k = a.size(-1), m = b.size(-1);
  if (c.numel() == 0) return;
  Layout la = matrix_layout(a), lb = matrix_layout(b);
  if (!la.ok) a = a.contiguous(), la = matrix_layout(a);
  if (!lb.ok) b = b.contiguous(), lb = matrix_layout(b);
  const std::vector<int64_t> oa = batch_offsets(a), ob = batch_offsets(b);
  const auto nb = static_cast<int64_t>(oa.size());
  const T* pa = static_cast<const T*>(a.raw_data());
  const T* pb = static_cast<const T*>(b.raw_data());
  T* pc = static_cast<T*>(c.raw_data());
  auto one = [&](int64_t i) {
    const T* ai = pa + oa[static_cast<size_t>(i)];
    const T* bi = pb + ob[static_cast<size_t>(i)];
    T* ci = pc + i * n * m;
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
      gemm(la.trans, lb.trans, n, m, k, alpha, ai, la.ld, bi, lb.ld, beta, ci, m);
    else
      ref_gemm<T, A>(la.trans, lb.trans, n, m, k, alpha, ai, la.ld, bi, lb.ld, beta, ci, m);
  };
  constexpr bool fast = std::is_same_v<T, float> || std::is_same_v<T, double>;
  const int64_t work = n * m * std::max<int64_t>(k, 1);
  // Many small products: one per thread, each single-threaded (gemm stays serial inside a
  // parallel region). Large ones: one after another, each split over the threads.
  const bool across = fast && nb > 1 && work < kSmallProduct && nb * work >= kParallelWork &&
                      omp_get_max_threads() > 1 && !omp_in_parallel();
  const auto range = [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) one(i);
  };
  if (across) parallel_range(nb, 1, range);
  else range(0, nb);
}

// The reference paths' product: c = alpha · a @ b + beta · c (beta == 0 ignores c) for a
// [batch..., n, k] and b [batch..., k, m] of any strides (broadcast batch dims included) and a
// contiguous c of the same dtype, by direct strided indexing with no layout choice, no copy and
// no threads: every element sums its k products in order in double (floating dtypes) or in
// wrapping 64-bit integers (integer dtypes: the result wraps as PyTorch's does), then rounds once.
template <class T>
void product_reference(const Tensor& a, const Tensor& b, const Tensor& c, double alpha, double beta) {
  EMBER_ASSERT(c.is_contiguous() && a.dtype() == c.dtype() && b.dtype() == c.dtype(), "bad product operands");
  constexpr bool integral = std::is_integral_v<T>;
  using R = std::conditional_t<integral, uint64_t, double>;
  EMBER_ASSERT(!integral || (alpha == 1 && beta == 0), "integer products take no alpha or beta");
  const int64_t n = a.size(-2), k = a.size(-1), m = b.size(-1);
  if (c.numel() == 0) return;
  const int64_t nbd = c.dim() - 2, batches = c.numel() / (n * m);
  const T* pa = static_cast<const T*>(a.raw_data());
  const T* pb = static_cast<const T*>(b.raw_data());
  T* pc = static_cast<T*>(c.raw_data());
  const int64_t sa0 = a.stride(-2), sa1 = a.stride(-1), sb0 = b.stride(-2), sb1 = b.stride(-1);
  const auto real = [](T v) {
    if constexpr (integral) return static_cast<R>(v);
    else return scalar_cast<double>(v);
  };
  for (int64_t bi = 0; bi < batches; ++bi) {
    int64_t oa = 0, ob = 0;
    for (int64_t d = nbd - 1, rest = bi; d >= 0; --d) {
      const int64_t i = rest % c.size(d);
      rest /= c.size(d);
      oa += i * a.stride(d);
      ob += i * b.stride(d);
    }
    T* cb = pc + bi * n * m;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j) {
        R acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += real(pa[oa + i * sa0 + p * sa1]) * real(pb[ob + p * sb0 + j * sb1]);
        T& out = cb[i * m + j];
        if constexpr (integral) out = static_cast<T>(acc);
        else out = scalar_cast<T>(beta == 0 ? alpha * acc : alpha * acc + beta * scalar_cast<double>(out));
      }
  }
}

// A matrix product into a new [batch..., n, m] tensor.
Tensor product_new(const Tensor& a, const Tensor& b, const Shape& out_sizes, bool reference) {
  Tensor out = Tensor::empty(out_sizes, a.dtype());
  dispatch_numeric(a.dtype(), "matmul", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      fail_dtype("matmul", DType::Bool);
    } else if (reference) {
      product_reference<T>(a, b, out, 1, 0);
    } else {
      using A = ref_acc_t<T>;
      product<T, A>(a, b, out, A(1), A(0));
    }
  });
  return out;
}

// [batch..., r, c] → [prod(batch) * r, c]: a view when every leading dim steps exactly over the
// one inside it (rows one stride apart), else a contiguous copy.
Tensor fold_rows(const Tensor& t) {
  const int64_t c = t.size(-1);
  const int64_t rows = checked_numel(std::span<const int64_t>(t.sizes().data(), t.sizes().size() - 1));
  int64_t row_stride = -1, expect = 0;
  bool chain = true;
  for (int64_t d = t.dim() - 2; d >= 0 && chain; --d) {
    if (t.size(d) == 1) continue;
    if (row_stride < 0) row_stride = t.stride(d);
    else chain = t.stride(d) == expect;
    expect = t.stride(d) * t.size(d);
  }
  if (chain) return t.as_strided(Shape{rows, c}, Shape{row_stride < 0 ? c : row_stride, t.stride(-1)}, t.offset());
  return reshape(t.contiguous(), Shape{rows, c});
}

template <class F>
void with_fast_dtype(DType dt, F&& f) {
  if (dt == DType::Float32) f(float{});
  else f(double{});
}

bool fast_dtype(DType dt) { return dt == DType::Float32 || dt == DType::Float64; }

// out = beta * self (broadcast to out) + alpha * a @ b, float32/float64 only; `reference`: by
// product_reference.
Tensor add_product(const Tensor& self, const Tensor& a, const Tensor& b, const Shape& out_sizes,
                   const Scalar& beta, const Scalar& alpha, bool reference) {
  Tensor out = Tensor::empty(out_sizes, a.dtype());
  with_fast_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T be = beta.to<T>(), al = alpha.to<T>();
    if (be != T(0)) copy_into(out, expand_to(self, out_sizes));
    if (reference) product_reference<T>(a, b, out, static_cast<double>(al), static_cast<double>(be));
    else product<T, T>(a, b, out, al, be);
  });
  return out;
}

// oneDNN's matmul primitive (brgemm kernels) for products with more than a couple of rows: as
// fast as its sgemm here, but sgemm generates its kernels on first use in a process, about
// 20 ms that would land in a model's first call, while a matmul primitive is built in well
// under a millisecond per shape (and cached). Row-vector products stay on sgemm, whose gemv
// path is faster and starts cheaply.
struct MatmulPrimitive {
  dnnl::matmul prim;
  dnnl::memory::desc a, b, c;
  bool ok = false;     // false: oneDNN has no fast matmul for this case (sgemm runs it)
  bool dense = false;  // the operands are packed densely first (strided views make oneDNN
                       // fall back to its sgemm-based matmul, which brings sgemm's start-up cost)
};

dnnl_util::LruCache<MatmulPrimitive>& matmul_cache() {
  static dnnl_util::LruCache<MatmulPrimitive> cache(1024);
  return cache;
}

// A matmul over row-major descriptors with the given leading dimensions, or null when oneDNN
// would run it on its sgemm-based implementation.
std::optional<dnnl::matmul> build_matmul(const dnnl::memory::desc& a, const dnnl::memory::desc& b,
                                         const dnnl::memory::desc& c, float alpha, float beta, bool bias) {
  try {
    // Products run concurrently on several threads (one attention head or batch item each):
    // each brings its own scratchpad (dnnl_util::attr).
    dnnl::primitive_attr attr = dnnl_util::attr();
    if (alpha != 1.f) attr.set_output_scales(0, {alpha});
    if (beta != 0.f) {
      dnnl::post_ops ops;
      ops.append_sum(beta);
      attr.set_post_ops(ops);
    }
    const dnnl::memory::desc bias_md({1, c.dims()[1]}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
    dnnl::matmul::primitive_desc pd(bias ? dnnl::matmul::desc(a, b, bias_md, c) : dnnl::matmul::desc(a, b, c), attr,
                                    dnnl_util::engine());
    if (std::string_view(pd.impl_info_str()).substr(0, 4) == "gemm") return std::nullopt;
    return dnnl::matmul(pd);
  } catch (const dnnl::error&) {
    return std::nullopt;
  }
}

// Copies a rows x cols matrix with row stride ld into a dense buffer.
void pack_rows(const float* src, int64_t ld, int64_t rows, int64_t cols, float* dst) {
  for (int64_t r = 0; r < rows; ++r) std::copy(src + r * ld, src + r * ld + cols, dst + r * cols);
}

bool matmul_gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc,
                 const float* bias = nullptr) {
  if (m <= 2) return false;  // row-vector products: sgemm's gemv path (see above)
  using dnnl::memory;
  dnnl_util::PrimitiveKey key(bias ? "matmul+bias" : "matmul");
  key.add(m).add(n).add(k).add(static_cast<int64_t>(trans_a)).add(static_cast<int64_t>(trans_b));
  key.add(lda).add(ldb).add(ldc).add(static_cast<double>(alpha)).add(static_cast<double>(beta));
  // Stored shapes: A is [m, k] or, transposed, [k, m]; B is [k, n] or [n, k].
  const int64_t a_rows = trans_a ? k : m, a_cols = trans_a ? m : k;
  const int64_t b_rows = trans_b ? n : k, b_cols = trans_b ? k : n;
  auto descs = [&](int64_t la, int64_t lb, int64_t lc, MatmulPrimitive& p) {
    p.a = memory::desc({m, k}, memory::data_type::f32, trans_a ? memory::dims{1, la} : memory::dims{la, 1});
    p.b = memory::desc({k, n}, memory::data_type::f32, trans_b ? memory::dims{1, lb} : memory::dims{lb, 1});
    p.c = memory::desc({m, n}, memory::data_type::f32, memory::dims{lc, 1});
  };
  const auto mp = matmul_cache().get_or_make(key.bytes(), [&] {
    auto p = std::make_shared<MatmulPrimitive>();
    descs(lda, ldb, ldc, *p);
    if (auto prim = build_matmul(p->a, p->b, p->c, alpha, beta, bias != nullptr)) {
      p->prim = *prim;
      p->ok = true;
    } else if (lda != a_cols || ldb != b_cols || ldc != n) {
      descs(a_cols, b_cols, n, *p);
      if (auto dense = build_matmul(p->a, p->b, p->c, alpha, beta, bias != nullptr)) {
        p->prim = *dense;
        p->ok = p->dense = true;
      }
    }
    return std::shared_ptr<const MatmulPrimitive>(std::move(p));
  });
  if (!mp->ok) return false;
  const dnnl::engine& eng = dnnl_util::engine();
  std::unordered_map<int, dnnl::memory> args;  // execute adds this thread's scratchpad
  if (bias)
    args.emplace(DNNL_ARG_BIAS, dnnl::memory(memory::desc({1, n}, memory::data_type::f32, memory::format_tag::ab), eng,
                                             const_cast<float*>(bias)));
  if (!mp->dense) {
    args.emplace(DNNL_ARG_SRC, dnnl::memory(mp->a, eng, const_cast<float*>(a)));
    args.emplace(DNNL_ARG_WEIGHTS, dnnl::memory(mp->b, eng, const_cast<float*>(b)));
    args.emplace(DNNL_ARG_DST, dnnl::memory(mp->c, eng, c));
    dnnl_util::execute("matmul", mp->prim, std::move(args));
    return true;
  }
  // Small strided products (attention heads): packing costs a copy of each operand.
  thread_local std::vector<float> buf;
  buf.resize(static_cast<size_t>(a_rows * a_cols + b_rows * b_cols + m * n));
  float* pa = buf.data();
  float* pb = pa + a_rows * a_cols;
  float* pc = pb + b_rows * b_cols;
  pack_rows(a, lda, a_rows, a_cols, pa);
  pack_rows(b, ldb, b_rows, b_cols, pb);
  if (beta != 0.f) pack_rows(c, ldc, m, n, pc);
  args.emplace(DNNL_ARG_SRC, dnnl::memory(mp->a, eng, pa));
  args.emplace(DNNL_ARG_WEIGHTS, dnnl::memory(mp->b, eng, pb));
  args.emplace(DNNL_ARG_DST, dnnl::memory(mp->c, eng, pc));
  dnnl_util::execute("matmul", mp->prim, std::move(args));
  for (int64_t r = 0; r < m; ++r) std::copy(pc + r * n, pc + (r + 1) * n, c + r * ldc);
  return true;
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) return scale_c(m, n, beta, c, ldc);
  // beta == 0 overwrites C without reading it (no NaN from C leaks in).
  if (matmul_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) return;
  if (beta == 0.f) {
    // Cleared so that NaNs already in C cannot leak in, whatever sgemm does with beta == 0.
    for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0.f);
  }
  const dnnl_status_t st = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b,
                                      ldb, beta, c, ldc);
  if (st != dnnl_success) fail("sgemm failed (oneDNN status ", static_cast<int>(st), ")");
}

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
          const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c,
          int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) return scale_c(m, n, beta, c, ldc);
  dgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

template <class T>
void gemm_reference(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha,
                    const T* a, int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  ref_gemm<T, T>(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
template void gemm_reference<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                                    const float*, int64_t, float, float*, int64_t);
template void gemm_reference<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                                     const double*, int64_t, double, double*, int64_t);

namespace {

// The ops with their checks; `ref` runs every product on product_reference instead of gemm,
// oneDNN's matmul or the blocked loops.
Tensor mm_impl(const Tensor& a, const Tensor& b, bool ref) {
  if (a.dim() != 2) fail("self must be a matrix");
  if (b.dim() != 2) fail("mat2 must be a matrix");
  if (a.size(1) != b.size(0))
    fail("mat1 and mat2 shapes cannot be multiplied (", a.size(0), "x", a.size(1), " and ", b.size(0), "x", b.size(1), ")");
  check_same_dtype(a, b, "mat1", "mat2");
  return product_new(a, b, Shape{a.size(0), b.size(1)}, ref);
}

Tensor bmm_impl(const Tensor& a, const Tensor& b, bool ref) {
  if (a.dim() != 3) fail("batch1 must be a 3D tensor");
  if (b.dim() != 3) fail("batch2 must be a 3D tensor");
  if (a.size(0) != b.size(0)) fail("batch1 and batch2 must have same number of batches, got ", a.size(0), " and ", b.size(0));
  if (a.size(2) != b.size(1))
    fail("Expected size for first two dimensions of batch2 tensor to be: [", a.size(0), ", ", a.size(2), "] but got: [",
         b.size(0), ", ", b.size(1), "].");
  check_same_dtype(a, b, "batch1", "batch2");
  return product_new(a, b, Shape{a.size(0), a.size(1), b.size(2)}, ref);
}

Tensor dot_impl(const Tensor& a, const Tensor& b, bool ref) {
  if (a.dim() != 1 || b.dim() != 1)
    fail("1D tensors expected, but got ", a.dim(), "D and ", b.dim(), "D tensors");
  if (a.size(0) != b.size(0))
    fail("inconsistent tensor size, expected tensor [", a.size(0), "] and src [", b.size(0),
         "] to have the same number of elements, but got ", a.size(0), " and ", b.size(0), " elements respectively");
  check_same_dtype(a, b, "self", "other");
  return view(product_new(unsqueeze(a, 0), unsqueeze(b, 1), Shape{1, 1}, ref), Shape{});
}

Tensor mv_impl(const Tensor& a, const Tensor& v, bool ref) {
  if (a.dim() != 2 || v.dim() != 1)
    fail("vector + matrix @ vector expected, got ", a.dim(), ", ", v.dim());
  if (a.size(1) != v.size(0))
    fail("size mismatch, got input (", a.size(0), "), mat (", a.size(0), "x", a.size(1), "), vec (", v.size(0), ")");
  return squeeze(mm_impl(a, unsqueeze(v, 1), ref), 1);
}

Tensor matmul_impl(const Tensor& a, const Tensor& b, bool ref) {
  const int64_t da = a.dim(), db = b.dim();
  if (da == 0 || db == 0)
    fail("both arguments to matmul need to be at least 1D, but they are ", da, "D and ", db, "D");
  if (da == 1 && db == 1) return dot_impl(a, b, ref);
  if (da == 2 && db == 1) return mv_impl(a, b, ref);
  if (da == 1 && db == 2) return squeeze(mm_impl(unsqueeze(a, 0), b, ref), 0);
  if (da == 2 && db == 2) return mm_impl(a, b, ref);
  check_same_dtype(a, b, "self", "other");
  if (da >= 3 && db <= 2 && !ref) {
    // [batch..., n, k] @ [k, m]: one product over all rows, as PyTorch folds it (the reference
    // takes the batched path below, broadcasting the matrix).
    Tensor b2 = db == 1 ? unsqueeze(b, 1) : b;
    if (a.size(-1) != b2.size(0))
      fail("mat1 and mat2 shapes cannot be multiplied (", a.numel() / std::max<int64_t>(a.size(-1), 1), "x",
           a.size(-1), " and ", b2.size(0), "x", b2.size(1), ")");
    Tensor c = mm_impl(fold_rows(a), b2, ref);
    Shape out(a.sizes().begin(), a.sizes().end() - 1);
    if (db == 2) out.push_back(b.size(1));
    return view(c, out);
  }
  // Batched: lift 1-D operands to matrices, broadcast the batch dims, multiply, drop lifted dims.
  Tensor a2 = da == 1 ? unsqueeze(a, 0) : a;
  Tensor b2 = db == 1 ? unsqueeze(b, 1) : b;
  const int64_t n = a2.size(-2), k = a2.size(-1), k2 = b2.size(-2), m = b2.size(-1);
  if (k != k2)
    fail("mat1 and mat2 shapes cannot be multiplied (", checked_numel(a2.sizes()) / std::max<int64_t>(k, 1), "x", k,
         " and ", k2, "x", m, ")");
  Shape ba(a2.sizes().begin(), a2.sizes().end() - 2), bb(b2.sizes().begin(), b2.sizes().end() - 2);
  Shape batch = broadcast_shapes(ba, bb);
  Shape ea = batch, eb = batch, ec = batch;
  ea.insert(ea.end(), {n, k});
  eb.insert(eb.end(), {k, m});
  ec.insert(ec.end(), {n, m});
  Tensor C = product_new(expand_to(a2, ea), expand_to(b2, eb), ec, ref);
  Shape out = batch;
  if (da > 1) out.push_back(n);
  if (db > 1) out.push_back(m);
  return view(C, out);
}

Tensor addmm_impl(const Tensor& self, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha, bool ref) {
  if (m1.dim() != 2) fail("self must be a matrix");
  if (m2.dim() != 2) fail("mat2 must be a matrix");
  if (self.dtype() != m2.dtype()) fail("self and mat2 must have the same dtype");
  const Shape out_sizes{m1.size(0), m2.size(1)};
  const auto shape_error = [&] {
    fail("The expanded size of the tensor (", out_sizes[1], ") must match the existing size (",
         self.dim() ? self.size(-1) : 1, ") at non-singleton dimension 1.  Target sizes: ", shape_string(out_sizes),
         ".  Tensor sizes: ", shape_string(self.sizes()));
  };
  if (fast_dtype(m1.dtype()) && m1.dtype() == m2.dtype() && self.dtype() == m1.dtype()) {
    if (m1.size(1) != m2.size(0))
      fail("mat1 and mat2 shapes cannot be multiplied (", m1.size(0), "x", m1.size(1), " and ", m2.size(0), "x",
           m2.size(1), ")");
    if (!broadcastable_to(self.sizes(), out_sizes)) shape_error();
    return add_product(self, m1, m2, out_sizes, beta, alpha, ref);
  }
  Tensor prod = mm_impl(m1, m2, ref);
  if (!broadcastable_to(self.sizes(), prod.sizes())) shape_error();
  return dispatch_numeric(prod.dtype(), "addmm", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const A be = beta.to<A>(), al = alpha.to<A>();
    if (be == A(0)) return map<T, T>({prod}, [al](A p) { return static_cast<A>(al * p); });
    return map<T, T, T>({expand_to(self, prod.sizes()), prod}, [be, al](A s, A p) { return static_cast<A>(be * s + al * p); });
  });
}

Tensor baddbmm_impl(const Tensor& self, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha, bool ref) {
  if (fast_dtype(b1.dtype()) && b1.dtype() == b2.dtype() && self.dtype() == b1.dtype() && b1.dim() == 3 &&
      b2.dim() == 3 && b1.size(0) == b2.size(0) && b1.size(2) == b2.size(1)) {
    const Shape out_sizes{b1.size(0), b1.size(1), b2.size(2)};
    if (!broadcastable_to(self.sizes(), out_sizes))
      fail("baddbmm: self of shape ", shape_string(self.sizes()), " cannot be broadcast to ", shape_string(out_sizes));
    return add_product(self, b1, b2, out_sizes, beta, alpha, ref);
  }
  Tensor prod = bmm_impl(b1, b2, ref);
  if (!broadcastable_to(self.sizes(), prod.sizes()))
    fail("baddbmm: self of shape ", shape_string(self.sizes()), " cannot be broadcast to ", shape_string(prod.sizes()));
  return dispatch_numeric(prod.dtype(), "baddbmm", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const A be = beta.to<A>(), al = alpha.to<A>();
    if (be == A(0)) return map<T, T>({prod}, [al](A p) { return static_cast<A>(al * p); });
    return map<T, T, T>({expand_to(self, prod.sizes()), prod}, [be, al](A s, A p) { return static_cast<A>(be * s + al * p); });
  });
}

Tensor linear_impl(const Tensor& x, const Tensor& weight, const std::optional<Tensor>& bias, bool ref) {
  if (weight.dim() != 2 && weight.dim() != 1) fail("linear: weight must be 1-D or 2-D, got ", weight.dim(), "-D");
  // PyTorch 1.13 runs a biased linear of a 2-D input, or of a contiguous 3-D one, as
  // addmm(bias, x, weight.t()), which wants a matrix weight and a bias of its dtype.
  if (bias && (x.dim() == 2 || (x.dim() == 3 && x.is_contiguous()))) {
    if (weight.dim() != 2) fail("mat2 must be a matrix, got ", weight.dim(), "-D tensor");
    if (bias->dtype() != weight.dtype()) fail("self and mat2 must have the same dtype");
  }
  const bool fast = weight.dim() == 2 && x.dim() >= 1 && fast_dtype(x.dtype()) && x.dtype() == weight.dtype() &&
                    x.size(-1) == weight.size(1) &&
                    (!bias || (bias->dtype() == x.dtype() && bias->dim() == 1 && bias->size(0) == weight.size(0)));
  if (!fast) {
    Tensor y = matmul_impl(x, weight.dim() == 2 ? t(weight) : weight, ref);
    if (!bias) return y;
    return binary(BinaryOp::Add, y, *bias);
  }
  // Every row of x at once against weightᵀ, with the bias as the product's starting value (what
  // PyTorch's addmm does for 2-D inputs).
  Tensor rows = x.dim() == 1 ? unsqueeze(x, 0) : fold_rows(x);
  Shape out_sizes(x.sizes().begin(), x.sizes().end() - 1);
  out_sizes.push_back(weight.size(0));
  const Shape flat{rows.size(0), weight.size(0)};
  // float32 with unit-stride rows: the bias is the matmul primitive's own bias input, so the
  // product is stored once instead of over a broadcast copy of the bias.
  if (!ref && bias && x.dtype() == DType::Float32 && rows.stride(1) == 1 && weight.is_contiguous() && bias->is_contiguous()) {
    Tensor out = Tensor::empty_uninitialized(flat, DType::Float32);
    const int64_t m = rows.size(0), n = weight.size(0), k = weight.size(1);
    if (k > 0 && matmul_gemm(false, true, m, n, k, 1.f, rows.data<float>(), std::max<int64_t>(rows.stride(0), k),
                             weight.data<float>(), k, 0.f, out.data<float>(), n, bias->data<float>()))
      return view(out, out_sizes);
  }
  Tensor out = bias ? add_product(*bias, rows, t(weight), flat, Scalar(int64_t{1}), Scalar(int64_t{1}), ref)
                    : product_new(rows, t(weight), flat, ref);
  return view(out, out_sizes);
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) { return mm_impl(a, b, false); }
Tensor bmm(const Tensor& a, const Tensor& b) { return bmm_impl(a, b, false); }
Tensor matmul(const Tensor& a, const Tensor& b) { return matmul_impl(a, b, false); }
Tensor dot(const Tensor& a, const Tensor& b) { return dot_impl(a, b, false); }
Tensor mv(const Tensor& a, const Tensor& v) { return mv_impl(a, v, false); }
Tensor addmm(const Tensor& self, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha) {
  return addmm_impl(self, m1, m2, beta, alpha, false);
}
Tensor baddbmm(const Tensor& self, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha) {
  return baddbmm_impl(self, b1, b2, beta, alpha, false);
}
Tensor linear(const Tensor& x, const Tensor& weight, const std::optional<Tensor>& bias) {
  return linear_impl(x, weight, bias, false);
}

Tensor mm_reference(const Tensor& a, const Tensor& b) { return mm_impl(a, b, true); }
Tensor bmm_reference(const Tensor& a, const Tensor& b) { return bmm_impl(a, b, true); }
Tensor matmul_reference(const Tensor& a, const Tensor& b) { return matmul_impl(a, b, true); }
Tensor dot_reference(const Tensor& a, const Tensor& b) { return dot_impl(a, b, true); }
Tensor mv_reference(const Tensor& a, const Tensor& v) { return mv_impl(a, v, true); }
Tensor addmm_reference(const Tensor& self, const Tensor& m1, const Tensor& m2, const Scalar& beta,
                       const Scalar& alpha) {
  return addmm_impl(self, m1, m2, beta, alpha, true);
}
Tensor baddbmm_reference(const Tensor& self, const Tensor& b1, const Tensor& b2, const Scalar& beta,
                         const Scalar& alpha) {
  return baddbmm_impl(self, b1, b2, beta, alpha, true);
}
Tensor linear_reference(const Tensor& x, const Tensor& weight, const std::optional<Tensor>& bias) {
  return linear_impl(x, weight, bias, true);
}

}  // namespace ember::cpu
