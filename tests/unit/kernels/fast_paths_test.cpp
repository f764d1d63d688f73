// The optimised paths against their oracles: gemm (oneDNN sgemm, blocked float64 loop) against
// the reference loop, the matrix-product ops on strided and broadcast operands, the cached oneDNN
// convolutions against the reference convolution, and elementwise ops and reductions giving the
// same bits whatever the thread count.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "ember/threads.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/dnnl_util.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/linalg.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cpu/shape.h"
#include "tensor/broadcast.h"
#include "tensor/iterator.h"
#include "core/check.h"

namespace ember::cpu {
namespace {

// Deterministic values in [-1, 1).
template <class T>
std::vector<T> random_values(size_t n, uint32_t seed) {
  std::vector<T> v(n);
  for (auto& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = static_cast<T>(static_cast<double>(seed >> 8) / static_cast<double>(1 << 23) - 1.0);
  }
  return v;
}

Tensor random_tensor(const Shape& sizes, DType dtype, uint32_t seed) {
  Tensor t = Tensor::empty(sizes, dtype);
  const auto n = static_cast<size_t>(t.numel());
  if (dtype == DType::Float32) {
    auto v = random_values<float>(n, seed);
    std::memcpy(t.raw_data(), v.data(), n * sizeof(float));
  } else {
    EMBER_ASSERT(dtype == DType::Float64, "test tensors are float32 or float64");
    auto v = random_values<double>(n, seed);
    std::memcpy(t.raw_data(), v.data(), n * sizeof(double));
  }
  return t;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes() || a.dtype() != b.dtype()) return false;
  Tensor ac = a.contiguous(), bc = b.contiguous();
  return std::memcmp(ac.raw_data(), bc.raw_data(), ac.nbytes()) == 0;
}

// |got - want| <= tol * (1 + |want|) elementwise.
void expect_near_all(const Tensor& got, const Tensor& want, double tol, const char* what) {
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double g = got.at_double(i), w = want.at_double(i);
    ASSERT_LE(std::abs(g - w), tol * (1 + std::abs(w))) << what << " at " << i << ": " << g << " vs " << w;
  }
}

struct GemmShape {
  int64_t m, n, k;
};

template <class T>
void check_gemm_against_reference(double tol) {
  const GemmShape shapes[] = {{1, 1, 1}, {1, 7, 5}, {9, 1, 4}, {5, 6, 0}, {17, 33, 65}, {64, 48, 300}, {130, 70, 129}};
  uint32_t seed = 1;
  for (const auto& s : shapes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (const double beta : {0.0, 1.0, -0.5}) {
          SCOPED_TRACE(testing::Message() << s.m << "x" << s.n << "x" << s.k << " ta=" << ta << " tb=" << tb
                                          << " beta=" << beta);
          // Padded leading dimensions: the operands are views into wider buffers.
          const int64_t a_rows = ta ? s.k : s.m, a_cols = ta ? s.m : s.k;
          const int64_t b_rows = tb ? s.n : s.k, b_cols = tb ? s.k : s.n;
          const int64_t lda = a_cols + 3, ldb = b_cols + 2, ldc = s.n + 1;
          auto a = random_values<T>(static_cast<size_t>(a_rows * lda), seed++);
          auto b = random_values<T>(static_cast<size_t>(b_rows * ldb), seed++);
          auto c0 = random_values<T>(static_cast<size_t>(s.m * ldc), seed++);
          if (beta == 0)  // must not leak into the result
            for (auto& x : c0) x = std::numeric_limits<T>::quiet_NaN();
          std::vector<T> got = c0, want = c0;
          const T alpha = T(0.75);
          gemm(ta, tb, s.m, s.n, s.k, alpha, a.data(), lda, b.data(), ldb, T(beta), got.data(), ldc);
          gemm_reference<T>(ta, tb, s.m, s.n, s.k, alpha, a.data(), lda, b.data(), ldb, T(beta), want.data(), ldc);
          for (int64_t i = 0; i < s.m; ++i)
            for (int64_t j = 0; j < ldc; ++j) {
              const T g = got[static_cast<size_t>(i * ldc + j)], w = want[static_cast<size_t>(i * ldc + j)];
              if (j >= s.n) {  // padding past n is never written
                const T orig = c0[static_cast<size_t>(i * ldc + j)];
                ASSERT_TRUE(std::memcmp(&g, &orig, sizeof(T)) == 0) << "wrote padding at " << i << "," << j;
                continue;
              }
              if (tol == 0) ASSERT_EQ(g, w) << i << "," << j;
              else ASSERT_LE(std::abs(g - w), tol * (1 + std::abs(w))) << i << "," << j;
            }
        }
}

TEST(FastPaths, SgemmMatchesReference) {
  for (int threads : {1, 2}) {
    ThreadScope scope(threads);
    check_gemm_against_reference<float>(1e-5);
  }
}

TEST(FastPaths, DgemmEqualsReferenceBitForBit) {
  for (int threads : {1, 2}) {
    ThreadScope scope(threads);
    check_gemm_against_reference<double>(0);
  }
}

// parallel_range at more threads than this machine has cores (a 16-core host): every part gets
// a non-empty range inside [0, n), and the parts cover [0, n) once. (It used to hand n = 10 over
// 8 threads the ranges [10, 10) and [12, 10), and a channels-last global average pool then asked
// for a vector of -32 doubles: efficientnet_b0 failed at 8 threads.)
TEST(FastPaths, ParallelRangePartsAreNonEmptyAndCoverOnce) {
  for (int threads : {2, 3, 8, 16}) {
    ThreadScope scope(threads);
    for (int64_t n = 1; n <= 70; ++n) {
      for (int64_t grain : {1, 3}) {
        std::vector<int> seen(static_cast<size_t>(n), 0);
        std::vector<std::pair<int64_t, int64_t>> ranges(64, {-1, -1});
        std::atomic<int> calls{0};
        parallel_range(n, grain, [&](int64_t lo, int64_t hi) {
          int c = calls.fetch_add(1);
          if (c < 64) ranges[static_cast<size_t>(c)] = {lo, hi};
          for (int64_t i = std::max<int64_t>(lo, 0); i < std::min(hi, n); ++i) ++seen[static_cast<size_t>(i)];
        });
        for (int c = 0; c < std::min(calls.load(), 64); ++c) {
          auto [lo, hi] = ranges[static_cast<size_t>(c)];
          ASSERT_TRUE(lo >= 0 && lo < hi && hi <= n) << "threads " << threads << " n " << n << ": [" << lo << ", " << hi << ")";
        }
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(seen[static_cast<size_t>(i)], 1) << "n " << n << " element " << i;
      }
    }
  }
}

// Attention and small batched products call gemm from several threads at once, each on its
// own strided slices (head views with a wide row stride): every product must still be right.
TEST(FastPaths, ConcurrentStridedSgemmMatchesReference) {
  ThreadScope scope(2);
  constexpr int64_t kHeads = 96, m = 49, n = 32, k = 49, width = kHeads * n;
  auto a = random_values<float>(static_cast<size_t>(kHeads * m * k), 11);
  auto b = random_values<float>(static_cast<size_t>(k * width), 12);  // [k, heads * n]: head h is a column slice
  std::vector<float> want(static_cast<size_t>(kHeads * m * n));
  for (int64_t h = 0; h < kHeads; ++h)
    gemm_reference<float>(false, false, m, n, k, 1.f, a.data() + h * m * k, k, b.data() + h * n, width, 0.f,
                          want.data() + h * m * n, n);
  // A race shows up only sometimes: repeat.
  for (int round = 0; round < 10; ++round) {
    std::vector<float> got(want.size(), -1.f);
    parallel_range(kHeads, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t h = lo; h < hi; ++h)
        gemm(false, false, m, n, k, 1.f, a.data() + h * m * k, k, b.data() + h * n, width, 0.f, got.data() + h * m * n, n);
    });
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_NEAR(got[i], want[i], 1e-4 * (1 + std::abs(want[i]))) << "round " << round << " element " << i;
  }
}

// a @ b through the reference loop on contiguous copies; a [batch, n, k], b [batch, k, m].
Tensor reference_bmm(const Tensor& a_, const Tensor& b_) {
  Tensor a = a_.contiguous(), b = b_.contiguous();
  const int64_t nb = a.size(0), n = a.size(1), k = a.size(2), m = b.size(2);
  Tensor c = Tensor::empty(Shape{nb, n, m}, a.dtype());
  for (int64_t i = 0; i < nb; ++i) {
    if (a.dtype() == DType::Float32)
      gemm_reference<float>(false, false, n, m, k, 1.f, a.data<float>() + i * n * k, k, b.data<float>() + i * k * m,
                            m, 0.f, c.data<float>() + i * n * m, m);
    else
      gemm_reference<double>(false, false, n, m, k, 1.0, a.data<double>() + i * n * k, k,
                             b.data<double>() + i * k * m, m, 0.0, c.data<double>() + i * n * m, m);
  }
  return c;
}

TEST(FastPaths, ProductOpsOnStridedOperandsMatchReference) {
  for (DType dt : {DType::Float32, DType::Float64}) {
    for (int threads : {1, 2}) {
      ThreadScope scope(threads);
      SCOPED_TRACE(testing::Message() << dtype_name(dt) << " threads=" << threads);
      const double tol = dt == DType::Float32 ? 1e-5 : 1e-12;
      // mm with a transposed left operand and a column slice on the right.
      Tensor a = t(random_tensor({40, 30}, dt, 11));                     // [30, 40], column-major
      Tensor bw = random_tensor({40, 50}, dt, 12);
      Tensor b = slice(bw, 1, 3, 47, 2);                                 // [40, 22], column stride 2
      Tensor want = view(reference_bmm(unsqueeze(a, 0), unsqueeze(b, 0)), Shape{30, 22});
      expect_near_all(mm(a, b), want, tol, "mm");
      // bmm with a batch of transposed matrices.
      Tensor ba = transpose(random_tensor({6, 20, 17}, dt, 13), 1, 2);  // [6, 17, 20]
      Tensor bb = random_tensor({6, 20, 9}, dt, 14);
      expect_near_all(bmm(ba, bb), reference_bmm(ba, bb), tol, "bmm");
      // matmul broadcasting a [2, 1, 5, 7] batch against [3, 7, 4].
      Tensor ma = random_tensor({2, 1, 5, 7}, dt, 15), mb = random_tensor({3, 7, 4}, dt, 16);
      Tensor got = matmul(ma, mb);
      ASSERT_EQ(got.sizes(), (Shape{2, 3, 5, 4}));
      Tensor ea = reshape(expand_to(ma, Shape{2, 3, 5, 7}).contiguous(), Shape{6, 5, 7});
      Tensor eb = reshape(expand_to(mb, Shape{2, 3, 7, 4}).contiguous(), Shape{6, 7, 4});
      expect_near_all(reshape(got, Shape{6, 5, 4}), reference_bmm(ea, eb), tol, "matmul broadcast");
      // matmul folding a permuted 3-D operand against a matrix.
      Tensor x3 = permute(random_tensor({8, 4, 16}, dt, 17), std::vector<int64_t>{1, 0, 2});  // [4, 8, 16]
      Tensor w2 = random_tensor({16, 12}, dt, 18);
      Tensor fold = matmul(x3, w2);
      Tensor fold_want = reference_bmm(reshape(x3.contiguous(), Shape{1, 32, 16}), unsqueeze(w2, 0));
      expect_near_all(reshape(fold, Shape{1, 32, 12}), fold_want, tol, "matmul fold");
      // linear on a transposed input with bias, and addmm / baddbmm with beta and alpha.
      Tensor lx = transpose(random_tensor({3, 25, 10}, dt, 19), 0, 1);  // [25, 3, 10]
      Tensor lw = random_tensor({7, 10}, dt, 20), lb = random_tensor({7}, dt, 21);
      Tensor lin = linear(lx, lw, lb);
      Tensor lin_want = binary(BinaryOp::Add,
                               reference_bmm(reshape(lx.contiguous(), Shape{1, 75, 10}), unsqueeze(t(lw), 0)), lb);
      expect_near_all(reshape(lin, Shape{1, 75, 7}), lin_want, tol, "linear");
      Tensor s = random_tensor({22}, dt, 22);
      Tensor am = addmm(s, a, b, Scalar(0.5), Scalar(2.0));
      Tensor am_want = binary(BinaryOp::Add, binary(BinaryOp::Mul, s, Scalar(0.5)),
                              binary(BinaryOp::Mul, want, Scalar(2.0)));
      expect_near_all(am, am_want, tol, "addmm");
      Tensor bs = random_tensor({1, 17, 9}, dt, 23);
      Tensor bd = baddbmm(bs, ba, bb, Scalar(-1.0), Scalar(0.25));
      Tensor bd_want = binary(BinaryOp::Add, binary(BinaryOp::Mul, bs, Scalar(-1.0)),
                              binary(BinaryOp::Mul, reference_bmm(ba, bb), Scalar(0.25)));
      expect_near_all(bd, bd_want, tol, "baddbmm");
    }
  }
}

TEST(FastPaths, AddmmBetaZeroIgnoresNaNInSelf) {
  Tensor s = Tensor::empty({3, 4}, DType::Float32);
  for (int i = 0; i < 12; ++i) s.data<float>()[i] = std::numeric_limits<float>::quiet_NaN();
  Tensor a = random_tensor({3, 5}, DType::Float32, 3), b = random_tensor({5, 4}, DType::Float32, 4);
  Tensor r = addmm(s, a, b, Scalar(0.0), Scalar(1.0));
  for (int64_t i = 0; i < r.numel(); ++i) EXPECT_FALSE(std::isnan(r.at_double(i))) << i;
}

struct ConvCase {
  Shape x, w;
  Shape stride, padding, dilation;
  int64_t groups;
  bool bias;
};

TEST(FastPaths, CachedDnnlConvolutionMatchesReference) {
  const ConvCase cases[] = {
      {{2, 3, 17, 19}, {8, 3, 7, 7}, {2, 2}, {3, 3}, {1, 1}, 1, true},     // stem-like, blocked layouts
      {{1, 16, 12, 12}, {16, 16, 3, 3}, {1, 1}, {1, 1}, {1, 1}, 1, false},
      {{1, 16, 12, 12}, {24, 16, 1, 1}, {1, 1}, {0, 0}, {1, 1}, 1, true},  // 1x1: plain gemm path
      {{1, 16, 12, 12}, {16, 1, 3, 3}, {2, 2}, {1, 1}, {1, 1}, 16, true},  // depthwise
      {{1, 8, 10, 11}, {12, 2, 3, 3}, {1, 2}, {2, 1}, {2, 1}, 4, false},   // grouped, dilated
      {{2, 4, 9}, {6, 4, 3}, {1}, {1}, {1}, 1, true},                      // 1-D
  };
  for (int threads : {1, 2}) {
    ThreadScope scope(threads);
    uint32_t seed = 100;
    for (const auto& c : cases) {
      SCOPED_TRACE(testing::Message() << "x " << shape_string(c.x) << " w " << shape_string(c.w) << " threads "
                                      << threads);
      Tensor x = random_tensor(c.x, DType::Float32, seed++);
      Tensor w = random_tensor(c.w, DType::Float32, seed++);
      std::optional<Tensor> b;
      if (c.bias) b = random_tensor({c.w[0]}, DType::Float32, seed++);
      const ConvParams p = make_conv_params(c.x.size() - 2, c.stride, c.padding, c.dilation, false, {}, c.groups);
      Tensor want = convolution_reference(x, w, b, p);
      expect_near_all(convolution_dnnl(x, w, b, p), want, 1e-4, "first call");
      expect_near_all(convolution_dnnl(x, w, b, p), want, 1e-4, "second call");
      // An in-place change to the weights (here all of them) shows in the next call.
      cpu::binary_(BinaryOp::Mul, w, Scalar(-2.0));
      expect_near_all(convolution_dnnl(x, w, b, p), convolution_reference(x, w, b, p), 1e-4, "after weight write");
    }
  }
}

TEST(FastPaths, ConvSitePacksItsWeightOnceAndBuildsOnePrimitivePerSize) {
  // A 3x3 convolution takes its weights in a blocked layout: the site packs them when prepared,
  // before any call, and every call with that weight reads the packed copy.
  const ConvParams p = make_conv_params(2, Shape{1, 1}, Shape{1, 1}, Shape{1, 1}, false, {}, 1);
  Tensor w = random_tensor({16, 16, 3, 3}, DType::Float32, 8);
  ConvSite site;
  site.prepare(w, false, p, false);
  EXPECT_EQ(site.packed_count(), 1u);
  EXPECT_EQ(site.primitive_count(), 0u);
  Tensor x9 = random_tensor({1, 16, 9, 9}, DType::Float32, 7);
  Tensor x13 = random_tensor({2, 16, 13, 11}, DType::Float32, 9);
  {
    ConvSite::Active use(site);
    for (int round = 0; round < 2; ++round) {
      expect_near_all(convolution_dnnl(x9, w, std::nullopt, p), convolution_reference(x9, w, std::nullopt, p), 1e-4, "9x9");
      expect_near_all(convolution_dnnl(x13, w, std::nullopt, p), convolution_reference(x13, w, std::nullopt, p), 1e-4,
                      "13x11");
    }
    EXPECT_EQ(site.primitive_count(), 2u);  // one per input size, reused on the second round
    EXPECT_EQ(site.packed_count(), 1u);     // the size-independent packing served both sizes
    // Another weight through the same site (one computed at run time) is packed for its call
    // only, and gives its own result.
    Tensor other = random_tensor({16, 16, 3, 3}, DType::Float32, 10);
    expect_near_all(convolution_dnnl(x9, other, std::nullopt, p), convolution_reference(x9, other, std::nullopt, p), 1e-4,
                    "other weight");
    EXPECT_EQ(site.packed_count(), 1u);
  }
  // A 1x1 weight between plain tensors runs the plain kernels, which read it unpacked.
  const ConvParams p1 = make_conv_params(2, Shape{1, 1}, Shape{0, 0}, Shape{1, 1}, false, {}, 1);
  ConvSite plain;
  plain.prepare(random_tensor({8, 16, 1, 1}, DType::Float32, 11), true, p1, false);
  EXPECT_EQ(plain.packed_count(), 0u);
  // Weights the oneDNN path does not take are left to the call.
  ConvSite f64;
  f64.prepare(random_tensor({16, 16, 3, 3}, DType::Float64, 12), false, p, false);
  EXPECT_EQ(f64.packed_count(), 0u);
}

// Runs f at 1 and at 2 threads and checks the results are bitwise equal.
template <class F>
void expect_thread_invariant(const char* what, F&& f) {
  Tensor one, two;
  {
    ThreadScope scope(1);
    one = f();
  }
  {
    ThreadScope scope(2);
    two = f();
  }
  EXPECT_TRUE(same_bits(one, two)) << what;
}

TEST(FastPaths, ElementwiseAndReductionsDoNotDependOnThreadCount) {
  Tensor a = random_tensor({3, 170, 301}, DType::Float32, 31);  // ~153K elements
  Tensor b = random_tensor({170, 1}, DType::Float32, 32);
  Tensor at = transpose(a, 1, 2);
  Tensor d = random_tensor({90, 1201}, DType::Float64, 33);
  expect_thread_invariant("add broadcast", [&] { return binary(BinaryOp::Add, a, b); });
  expect_thread_invariant("mul transposed", [&] { return binary(BinaryOp::Mul, at, Scalar(1.5)); });
  expect_thread_invariant("gelu", [&] { return gelu(a, "none"); });
  expect_thread_invariant("exp float64", [&] { return unary(UnaryOp::Exp, d); });
  expect_thread_invariant("in-place through a view", [&] {
    Tensor c = a.clone();
    unary_(UnaryOp::Tanh, slice(c, 2, 1, 300, 3));
    return c;
  });
  const int64_t last[] = {-1}, mid[] = {1}, both[] = {0, 2};
  expect_thread_invariant("sum last", [&] { return sum(a, std::span<const int64_t>(last), false, std::nullopt); });
  expect_thread_invariant("sum mid", [&] { return sum(a, std::span<const int64_t>(mid), true, std::nullopt); });
  expect_thread_invariant("mean both", [&] { return mean(a, std::span<const int64_t>(both), false, std::nullopt); });
  expect_thread_invariant("amax transposed", [&] { return amax(at, std::span<const int64_t>(last), false); });
  expect_thread_invariant("var", [&] { return var(d, std::span<const int64_t>(last), 1, false); });
  expect_thread_invariant("softmax", [&] { return softmax(a, -1, std::nullopt); });
  expect_thread_invariant("softmax dim 1", [&] { return softmax(a, 1, std::nullopt); });
  expect_thread_invariant("cumsum", [&] { return cumsum(d, 0, std::nullopt); });
}

TEST(FastPaths, IteratorRangesCoverEveryElementOnce) {
  // A permuted, sliced operand so the iteration has several dims of odd sizes.
  Tensor base = random_tensor({7, 11, 13}, DType::Float32, 41);
  Tensor x = slice(permute(base, std::vector<int64_t>{2, 0, 1}), 2, 1, 10, 2);  // [13, 7, 5]
  TensorIterator it;
  it.add_output(Tensor(), DType::Float32).add_input(x).build();
  // Visit in uneven ranges and record each input value into the output position it pairs with.
  const int64_t n = it.numel(), cuts[] = {0, 1, 4, 5, 37, 38, 200, n};
  int64_t visited = 0;
  for (size_t r = 0; r + 1 < std::size(cuts); ++r)
    it.for_each_range(cuts[r], cuts[r + 1], [&](char** data, const int64_t* strides, int64_t len) {
      for (int64_t j = 0; j < len; ++j)
        *reinterpret_cast<float*>(data[0] + j * strides[0]) =
            *reinterpret_cast<const float*>(data[1] + j * strides[1]) + 1.0f;
      visited += len;
    });
  EXPECT_EQ(visited, n);
  expect_near_all(it.output(), binary(BinaryOp::Add, x, Scalar(1.0)), 0, "ranges");
}

}  // namespace
}  // namespace ember::cpu
