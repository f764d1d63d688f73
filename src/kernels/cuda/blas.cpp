// blas.cpp — matrix products on NVIDIA GPUs through cuBLAS, loaded at run time (no CUDA headers:
// the few entry points are declared from NVIDIA's cuBLAS documentation). float32 with cuBLAS's
// default math (no TF32, matching PyTorch's default torch.backends.cuda.matmul.allow_tf32=False)
// unless EMBER_CUDA_TF32=1.
#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "ember/error.h"
#include "kernels/cuda/driver.h"
#include "kernels/cuda/memory.h"
#include "kernels/cuda/nn.h"
#include "tensor/elementwise.h"

struct cublasContext;

namespace ember::cuda {

namespace {

using cublasStatus_t = int;
using cublasHandle_t = ::cublasContext*;
constexpr int kOpN = 0, kOpT = 1;
constexpr int kDefaultMath = 0, kTf32TensorOpMath = 3;

struct Blas {
  cublasStatus_t (*create)(cublasHandle_t*) = nullptr;
  cublasStatus_t (*set_math_mode)(cublasHandle_t, int) = nullptr;
  cublasStatus_t (*sgemm)(cublasHandle_t, int, int, int, int, int, const float*, const float*, int, const float*, int,
                          const float*, float*, int) = nullptr;
  cublasStatus_t (*sgemm_strided_batched)(cublasHandle_t, int, int, int, int, int, const float*, const float*, int,
                                          long long, const float*, int, long long, const float*, float*, int,
                                          long long, int) = nullptr;
  bool ok = false;
  std::string why;
};

const Blas& blas() {
  static const Blas b = [] {
    Blas b;
    std::string tried;
    // cuBLAS needs cuBLASLt: opened first (globally) so the folder need not be on the search path.
    open_library({"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11"}, &tried);
    void* lib = open_library({"libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"}, &tried);
    if (!lib) {
      b.why = "cuBLAS (libcublas.so.13 or .12) was not found (" + tried + ")";
      return b;
    }
    b.create = reinterpret_cast<decltype(b.create)>(dlsym(lib, "cublasCreate_v2"));
    b.set_math_mode = reinterpret_cast<decltype(b.set_math_mode)>(dlsym(lib, "cublasSetMathMode"));
    b.sgemm = reinterpret_cast<decltype(b.sgemm)>(dlsym(lib, "cublasSgemm_v2"));
    b.sgemm_strided_batched =
        reinterpret_cast<decltype(b.sgemm_strided_batched)>(dlsym(lib, "cublasSgemmStridedBatched"));
    b.ok = b.create && b.set_math_mode && b.sgemm && b.sgemm_strided_batched;
    if (!b.ok) b.why = "the cuBLAS library found lacks cublasCreate_v2/cublasSgemm_v2/cublasSgemmStridedBatched";
    return b;
  }();
  return b;
}

cublasHandle_t handle(Device device) {
  static std::mutex mu;
  static std::vector<cublasHandle_t> handles;
  const Blas& b = blas();
  if (!b.ok) fail("cuBLAS is not available: ", b.why);
  make_current(device);
  std::lock_guard<std::mutex> lock(mu);
  const size_t i = static_cast<size_t>(device.index);
  if (handles.size() <= i) handles.resize(i + 1, nullptr);
  if (!handles[i]) {
    if (b.create(&handles[i]) != 0) fail("cublasCreate failed on ", device.str());
    const char* tf32 = std::getenv("EMBER_CUDA_TF32");
    b.set_math_mode(handles[i], tf32 && *tf32 == '1' ? kTf32TensorOpMath : kDefaultMath);
  }
  return handles[i];
}

// A matrix [r, c] as cuBLAS sees it in the swapped (column-major) call: op N for row-major
// storage, op T for column-major (a transposed view), with its leading dimension.
struct Operand {
  const float* p;
  int op;
  int ld;
  Tensor keep;  // a contiguous copy, when the strides fit neither
};

bool fits_int(int64_t v) { return v >= 0 && v <= 0x7fffffff; }

Operand operand(const Tensor& t, int64_t r, int64_t c, int64_t s0, int64_t s1) {
  const int64_t rr = std::max<int64_t>(r, 1), cc = std::max<int64_t>(c, 1);
  if ((c <= 1 || s1 == 1) && (r <= 1 || s0 >= cc)) {
    const int64_t ld = r <= 1 ? cc : s0;
    if (fits_int(ld)) return {static_cast<const float*>(t.device_data()), kOpN, static_cast<int>(ld), Tensor()};
  }
  if ((r <= 1 || s0 == 1) && (c <= 1 || s1 >= rr)) {
    const int64_t ld = c <= 1 ? rr : s1;
    if (fits_int(ld)) return {static_cast<const float*>(t.device_data()), kOpT, static_cast<int>(ld), Tensor()};
  }
  Tensor k = t.contiguous();
  return {static_cast<const float*>(k.device_data()), kOpN, static_cast<int>(cc), k};
}

void check_status(cublasStatus_t s, const char* what) {
  if (s != 0) fail(what, " failed (cuBLAS status ", s, ")");
}

// Collapses the batch dims [0, nb) of t into one stride when they allow it (stride 0 included).
bool batch_stride(const Tensor& t, size_t nb, int64_t* stride) {
  int64_t st = 0;
  bool first = true;
  for (size_t d = nb; d-- > 0;) {
    const int64_t size = t.sizes()[d];
    if (size == 1) continue;
    if (first) {
      st = t.strides()[d];
      first = false;
      continue;
    }
    return false;  // two non-trivial batch dims: flattened by a copy instead
  }
  *stride = st;
  return true;
}

}  // namespace

bool blas_ready(std::string* why) {
  if (blas().ok) return true;
  if (why) *why = blas().why;
  return false;
}

Tensor mm(const Tensor& a, const Tensor& b, const Tensor& c, double beta, double alpha) {
  const int64_t M = a.size(0), K = a.size(1), N = b.size(1);
  if (b.size(0) != K)
    fail("mat1 and mat2 shapes cannot be multiplied (", M, "x", K, " and ", b.size(0), "x", N, ")");
  Tensor out = Tensor::empty_uninitialized({M, N}, DType::Float32, a.device());
  if (c.defined() && beta != 0.0) copy_into(out, c);
  else beta = 0.0;
  if (M == 0 || N == 0) return out;
  if (K == 0) {
    if (beta == 0.0) return Tensor::empty({M, N}, DType::Float32, a.device());
  }
  if (!fits_int(M) || !fits_int(N) || !fits_int(K)) fail("matrix product too large for cuBLAS (", M, "x", K, "x", N, ")");
  const Operand A = operand(a, M, K, a.stride(0), a.stride(1));
  const Operand B = operand(b, K, N, b.stride(0), b.stride(1));
  const float al = static_cast<float>(alpha), be = static_cast<float>(beta);
  check_status(blas().sgemm(handle(a.device()), B.op, A.op, static_cast<int>(N), static_cast<int>(M), static_cast<int>(K),
                            &al, B.p, B.ld, A.p, A.ld, &be, static_cast<float*>(out.device_data()), static_cast<int>(N)),
               "cublasSgemm");
  return out;
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias) {
  const int64_t K = x.size(-1), N = w.size(0);
  if (w.size(1) != K)
    fail("mat1 and mat2 shapes cannot be multiplied (", x.numel() / std::max<int64_t>(K, 1), "x", K, " and ", w.size(1),
         "x", N, ")");
  const Tensor xc = x.contiguous();
  const int64_t M = K ? xc.numel() / K : 0;
  const Tensor x2 = xc.as_strided({M, K}, {K, 1}, xc.offset());
  const Tensor wt = w.as_strided({K, N}, {w.stride(1), w.stride(0)}, w.offset());
  Tensor out2 = mm(x2, wt, bias, 1.0, 1.0);
  Shape sz(x.sizes().begin(), x.sizes().end());
  sz.back() = N;
  return out2.as_strided(sz, contiguous_strides(sz), 0);
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  const int64_t da = a.dim(), db = b.dim();
  if (da == 0 || db == 0) fail("both arguments to matmul need to be at least 1D, but they are ", da, "D and ", db, "D");
  if (da <= 2 && db <= 2) {
    const Tensor a2 = da == 1 ? a.as_strided({1, a.size(0)}, {0, a.stride(0)}, a.offset()) : a;
    const Tensor b2 = db == 1 ? b.as_strided({b.size(0), 1}, {b.stride(0), 0}, b.offset()) : b;
    Tensor r = mm(a2, b2);
    Shape sz;
    if (da == 2) sz.push_back(a.size(0));
    if (db == 2) sz.push_back(b.size(1));
    return r.as_strided(sz, contiguous_strides(sz), 0);
  }
  // Batched: a [..., M, K] (a vector becomes [1, K]), b [..., K, N] (a vector [K, 1]).
  const Tensor a3 = da == 1 ? a.as_strided({1, a.size(0)}, {0, a.stride(0)}, a.offset()) : a;
  const Tensor b3 = db == 1 ? b.as_strided({b.size(0), 1}, {b.stride(0), 0}, b.offset()) : b;
  const int64_t M = a3.size(-2), K = a3.size(-1), N = b3.size(-1);
  if (b3.size(-2) != K)
    fail("Expected size for first two dimensions of batch2 tensor to be: [", K, "] but got: [", b3.size(-2), "].");
  const size_t nba = static_cast<size_t>(a3.dim() - 2), nbb = static_cast<size_t>(b3.dim() - 2);
  const size_t nb = std::max(nba, nbb);
  Shape batch(nb, 1);
  for (size_t i = 0; i < nb; ++i) {
    const int64_t sa = i + nba >= nb ? a3.sizes()[i + nba - nb] : 1;
    const int64_t sb = i + nbb >= nb ? b3.sizes()[i + nbb - nb] : 1;
    if (sa != sb && sa != 1 && sb != 1)
      fail("The size of tensor a (", sa, ") must match the size of tensor b (", sb, ") at non-singleton dimension ", i);
    batch[i] = std::max(sa, sb);
  }
  // Each operand expanded to batch + its matrix (broadcast batch dims get stride 0).
  const auto expand = [&](const Tensor& t, size_t nbt, int64_t r, int64_t c) {
    Shape sz(batch.begin(), batch.end()), st(nb, 0);
    for (size_t i = 0; i < nbt; ++i) {
      const size_t o = nb - nbt + i;
      st[o] = t.sizes()[i] == 1 ? 0 : t.strides()[i];
    }
    sz.push_back(r);
    sz.push_back(c);
    st.push_back(t.stride(-2));
    st.push_back(t.stride(-1));
    return t.as_strided(sz, st, t.offset());
  };
  Tensor ea = expand(a3, nba, M, K), eb = expand(b3, nbb, K, N);
  int64_t sa = 0, sb = 0;
  if (!batch_stride(ea, nb, &sa)) {
    ea = ea.contiguous();
    sa = M * K;
  }
  if (!batch_stride(eb, nb, &sb)) {
    eb = eb.contiguous();
    sb = K * N;
  }
  int64_t B = 1;
  for (int64_t s : batch) B *= s;
  Shape out_sz(batch.begin(), batch.end());
  out_sz.push_back(M);
  out_sz.push_back(N);
  Tensor out = Tensor::empty_uninitialized(out_sz, DType::Float32, a.device());
  if (B > 0 && M > 0 && N > 0) {
    if (K == 0) {
      out = Tensor::empty(out_sz, DType::Float32, a.device());
    } else {
      if (!fits_int(M) || !fits_int(N) || !fits_int(K) || !fits_int(B)) fail("batched matrix product too large for cuBLAS");
      const Operand A = operand(ea, M, K, ea.stride(-2), ea.stride(-1));
      const Operand Bo = operand(eb, K, N, eb.stride(-2), eb.stride(-1));
      if (A.keep.defined()) sa = M * K;  // (never: expanded matrices keep unit inner strides or get copied whole)
      if (Bo.keep.defined()) sb = K * N;
      const float al = 1.f, be = 0.f;
      check_status(blas().sgemm_strided_batched(handle(a.device()), Bo.op, A.op, static_cast<int>(N), static_cast<int>(M),
                                                static_cast<int>(K), &al, Bo.p, Bo.ld, sb, A.p, A.ld, sa, &be,
                                                static_cast<float*>(out.device_data()), static_cast<int>(N), M * N,
                                                static_cast<int>(B)),
                   "cublasSgemmStridedBatched");
    }
  }
  // Vector operands drop their matrix dim again.
  Shape sz(batch.begin(), batch.end());
  if (da > 1) sz.push_back(M);
  if (db > 1) sz.push_back(N);
  return out.as_strided(sz, contiguous_strides(sz), 0);
}

}  // namespace ember::cuda
