// nn.cpp — normalisation, pooling, softmax, reductions, gathers and parameterised activations as
// NVRTC kernels (one program, compiled once per GPU architecture and cached; see nvrtc.h).
#include "kernels/cuda/nn.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ember/error.h"
#include "kernels/cuda/memory.h"
#include "kernels/cuda/nvrtc.h"
#include "kernels/cuda/prelude.h"
#include "tensor/device_memory.h"

namespace ember::cuda {

namespace {

const char* kNnSource = R"CUDA(
// Sums a value over the block (blockDim.x a multiple of 32, at most 1024); every thread gets it.
inline float block_sum(float v, float* shared) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  v = lane < warps ? shared[lane] : 0.f;
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
inline float block_max(float v, float* shared) {
  for (int o = 16; o > 0; o >>= 1) { const float w = __shfl_xor_sync(0xffffffffu, v, o); v = (w > v || w != w) ? w : v; }
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  v = lane < warps ? shared[lane] : -__int_as_float(0x7f800000);
  for (int o = 16; o > 0; o >>= 1) { const float w = __shfl_xor_sync(0xffffffffu, v, o); v = (w > v || w != w) ? w : v; }
  return v;
}

extern "C" __global__ void bn_infer(const float* x, float* y, const float* w, const float* b, const float* mean,
                                    const float* var, float eps, i64 C, i64 HW, i64 n) {
  EMBER_GRID_LOOP(i, n) {
    const i64 c = (i / HW) % C;
    const float inv = 1.f / sqrtf(var[c] + eps);
    const float scale = (w ? w[c] : 1.f) * inv;
    y[i] = (x[i] - mean[c]) * scale + (b ? b[c] : 0.f);
  }
}

extern "C" __global__ void max_pool2d(const float* x, float* y, i64 H, i64 W, i64 OH, i64 OW, int kh, int kw, int sh,
                                      int sw, int ph, int pw, int dh, int dw, i64 n) {
  EMBER_GRID_LOOP(i, n) {
    const i64 ow = i % OW, oh = (i / OW) % OH, plane = i / (OW * OH);
    const float* xp = x + plane * H * W;
    float best = -__int_as_float(0x7f800000);
    for (int a = 0; a < kh; ++a) {
      const i64 h = oh * sh - ph + (i64)a * dh;
      if (h < 0 || h >= H) continue;
      for (int b = 0; b < kw; ++b) {
        const i64 w = ow * sw - pw + (i64)b * dw;
        if (w < 0 || w >= W) continue;
        const float v = xp[h * W + w];
        if (v > best || v != v) best = v;
      }
    }
    y[i] = best;
  }
}

extern "C" __global__ void avg_pool2d(const float* x, float* y, i64 H, i64 W, i64 OH, i64 OW, int kh, int kw, int sh,
                                      int sw, int ph, int pw, int include_pad, i64 divisor, i64 n) {
  EMBER_GRID_LOOP(i, n) {
    const i64 ow = i % OW, oh = (i / OW) % OH, plane = i / (OW * OH);
    i64 h0 = oh * sh - ph, w0 = ow * sw - pw;
    i64 h1 = ewm::min(h0 + kh, H + ph), w1 = ewm::min(w0 + kw, W + pw);
    const i64 pool = (h1 - h0) * (w1 - w0);
    h0 = ewm::max(h0, (i64)0); w0 = ewm::max(w0, (i64)0); h1 = ewm::min(h1, H); w1 = ewm::min(w1, W);
    const float* xp = x + plane * H * W;
    float s = 0.f;
    for (i64 h = h0; h < h1; ++h)
      for (i64 w = w0; w < w1; ++w) s += xp[h * W + w];
    const i64 d = divisor > 0 ? divisor : (include_pad ? pool : (h1 - h0) * (w1 - w0));
    y[i] = s / (float)d;
  }
}

extern "C" __global__ void adaptive_avg_pool2d(const float* x, float* y, i64 H, i64 W, i64 OH, i64 OW, i64 n) {
  EMBER_GRID_LOOP(i, n) {
    const i64 ow = i % OW, oh = (i / OW) % OH, plane = i / (OW * OH);
    const i64 h0 = (oh * H) / OH, h1 = ((oh + 1) * H + OH - 1) / OH;
    const i64 w0 = (ow * W) / OW, w1 = ((ow + 1) * W + OW - 1) / OW;
    const float* xp = x + plane * H * W;
    float s = 0.f;
    for (i64 h = h0; h < h1; ++h)
      for (i64 w = w0; w < w1; ++w) s += xp[h * W + w];
    y[i] = s / (float)((h1 - h0) * (w1 - w0));
  }
}

// One block per row of length L.
extern "C" __global__ void softmax_rows(const float* x, float* y, i64 L, int log_out) {
  __shared__ float shared[32];
  const float* xr = x + (i64)blockIdx.x * L;
  float* yr = y + (i64)blockIdx.x * L;
  float m = -__int_as_float(0x7f800000);
  for (i64 j = threadIdx.x; j < L; j += blockDim.x) { const float v = xr[j]; if (v > m || v != v) m = v; }
  m = block_max(m, shared);
  float s = 0.f;
  for (i64 j = threadIdx.x; j < L; j += blockDim.x) s += expf(xr[j] - m);
  s = block_sum(s, shared);
  if (log_out) {
    const float ls = logf(s);
    for (i64 j = threadIdx.x; j < L; j += blockDim.x) yr[j] = xr[j] - m - ls;
  } else {
    for (i64 j = threadIdx.x; j < L; j += blockDim.x) yr[j] = expf(xr[j] - m) / s;
  }
}

extern "C" __global__ void layer_norm_rows(const float* x, float* y, const float* w, const float* b, i64 L, float eps) {
  __shared__ float shared[32];
  const float* xr = x + (i64)blockIdx.x * L;
  float* yr = y + (i64)blockIdx.x * L;
  float s = 0.f;
  for (i64 j = threadIdx.x; j < L; j += blockDim.x) s += xr[j];
  const float mean = block_sum(s, shared) / (float)L;
  float q = 0.f;
  for (i64 j = threadIdx.x; j < L; j += blockDim.x) { const float d = xr[j] - mean; q += d * d; }
  const float inv = rsqrtf(block_sum(q, shared) / (float)L + eps);
  for (i64 j = threadIdx.x; j < L; j += blockDim.x) {
    float v = (xr[j] - mean) * inv;
    if (w) v *= w[j];
    if (b) v += b[j];
    yr[j] = v;
  }
}

// Rows of length L summed (scale 1) or averaged (scale 1/L): one block per row.
extern "C" __global__ void sum_rows(const float* x, float* y, i64 L, float scale) {
  __shared__ float shared[32];
  const float* xr = x + (i64)blockIdx.x * L;
  float s = 0.f;
  for (i64 j = threadIdx.x; j < L; j += blockDim.x) s += xr[j];
  s = block_sum(s, shared);
  if (threadIdx.x == 0) y[blockIdx.x] = s * scale;
}

// out[r, :] = w[idx[r], :]; an index out of [0, num) sets *bad to it (+1) and writes nothing.
extern "C" __global__ void embedding_rows(const float* w, const long long* idx, float* y, i64 num, i64 D, i64 n,
                                          long long* bad) {
  EMBER_GRID_LOOP(i, n) {
    const i64 r = i / D, d = i % D;
    long long k = idx[r];
    if (k < 0 || k >= num) { *bad = 1; continue; }
    y[i] = w[k * D + d];
  }
}

extern "C" __global__ void gelu(const float* x, float* y, int tanh_mode, i64 n) {
  EMBER_GRID_LOOP(i, n) {
    const float v = x[i];
    if (tanh_mode) {
      const float k = 0.7978845608028654f * (v + 0.044715f * v * v * v);
      y[i] = 0.5f * v * (1.f + tanhf(k));
    } else {
      y[i] = 0.5f * v * (1.f + erff(v * 0.7071067811865476f));
    }
  }
}

// ember::conv_fused's epilogue over NCHW y, in place: act(y * scale[c] + shift[c] + residual).
// act: 0 none, 1 relu, 2 clamp(lo, hi), 3 silu, 4 sigmoid, 5 hardswish, 6 tanh, 7 gelu (erf).
extern "C" __global__ void conv_epilogue(float* y, const float* scale, const float* shift, const float* res, i64 C,
                                         i64 HW, int act, float lo, float hi, i64 n) {
  EMBER_GRID_LOOP(i, n) {
    const i64 c = (i / HW) % C;
    float v = y[i];
    if (scale) v *= scale[c];
    if (shift) v += shift[c];
    if (res) v += res[i];
    switch (act) {
      case 1: v = v != v ? v : (v > 0.f ? v : 0.f); break;
      case 2: if (v == v) v = fminf(fmaxf(v, lo), hi); break;
      case 3: v = v / (1.f + expf(-v)); break;
      case 4: v = 1.f / (1.f + expf(-v)); break;
      case 5: v = v * fminf(fmaxf(v + 3.f, 0.f), 6.f) / 6.f; break;
      case 6: v = tanhf(v); break;
      case 7: v = 0.5f * v * (1.f + erff(v * 0.7071067811865476f)); break;
      default: break;
    }
    y[i] = v;
  }
}

extern "C" __global__ void clamp(const float* x, float* y, int has_lo, float lo, int has_hi, float hi, i64 n) {
  EMBER_GRID_LOOP(i, n) {
    float v = x[i];
    if (v == v) {
      if (has_lo && v < lo) v = lo;
      if (has_hi && v > hi) v = hi;
    }
    y[i] = v;
  }
}
)CUDA";

Program& program() {
  static Program p(nn_source());
  return p;
}

CUfunction fn(Device d, const char* name) { return program().function(d, name); }

const float* fptr(const Tensor& t) { return t.defined() ? static_cast<const float*>(t.device_data()) : nullptr; }
float* fout(const Tensor& t) { return static_cast<float*>(t.device_data()); }

void need_float(const Tensor& x, const char* what) {
  if (x.dtype() != DType::Float32 || x.is_cpu()) fail("internal: ", what, " on CUDA takes float32 device tensors");
}

Tensor like(const Tensor& x, std::span<const int64_t> sizes) {
  return Tensor::empty_uninitialized(sizes, DType::Float32, x.device());
}

int64_t pool_out(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  const int64_t span = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (span < 0 ? -((-span + s - 1) / s) : span / s) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

// y = kernel(x) elementwise over a contiguous copy of float32 x: the kernel's parameters are
// (x, y, extra..., n).
template <class... Extra>
Tensor map_elements(const Tensor& x_, const char* op, const char* kernel, Extra... extra) {
  need_float(x_, op);
  const Tensor x = x_.contiguous();
  Tensor y = like(x, x.sizes());
  int64_t n = x.numel();
  if (n == 0) return y;
  const float* xp = fptr(x);
  float* yp = fout(y);
  launch(x.device(), fn(x.device(), kernel), launch_for(n),
         {static_cast<void*>(&xp), static_cast<void*>(&yp), static_cast<void*>(&extra)..., static_cast<void*>(&n)});
  return y;
}

// A pooling result: x's sizes with the last two replaced by OH x OW.
Tensor pooled(const Tensor& x, int64_t OH, int64_t OW, const char* op) {
  if (OH <= 0 || OW <= 0) fail(op, ": the output size is too small (", OH, "x", OW, ")");
  Shape out(x.sizes().begin(), x.sizes().end());
  out[out.size() - 2] = OH;
  out[out.size() - 1] = OW;
  return like(x, out);
}

// Block size for row kernels: a multiple of 32 covering short rows with few idle threads.
unsigned row_block(int64_t L) { return L >= 1024 ? 512 : L >= 256 ? 256 : L >= 64 ? 128 : 32; }

}  // namespace

std::string nn_source() { return std::string(prelude()) + kNnSource; }

Tensor batch_norm(const Tensor& x_, const Tensor& weight, const Tensor& bias, const Tensor& mean, const Tensor& var,
                  double eps) {
  need_float(x_, "batch_norm");
  const Tensor x = x_.contiguous();
  int64_t C = x.dim() > 1 ? x.size(1) : 1;
  int64_t HW = 1;
  for (int64_t d = 2; d < x.dim(); ++d) HW *= x.size(d);
  Tensor y = like(x, x.sizes());
  int64_t n = x.numel();
  if (n == 0) return y;
  const Tensor w = weight.defined() ? weight.contiguous() : Tensor(), b = bias.defined() ? bias.contiguous() : Tensor();
  const Tensor m = mean.contiguous(), v = var.contiguous();
  const float* xp = fptr(x);
  float* yp = fout(y);
  const float *wp = fptr(w), *bp = fptr(b), *mp = fptr(m), *vp = fptr(v);
  float e = static_cast<float>(eps);
  launch(x.device(), fn(x.device(), "bn_infer"), launch_for(n), {&xp, &yp, &wp, &bp, &mp, &vp, &e, &C, &HW, &n});
  return y;
}

Tensor max_pool2d(const Tensor& x_, std::array<int64_t, 2> k, std::array<int64_t, 2> s, std::array<int64_t, 2> p,
                  std::array<int64_t, 2> d, bool ceil_mode) {
  need_float(x_, "max_pool2d");
  const Tensor x = x_.contiguous();
  int64_t H = x.size(-2), W = x.size(-1);
  int64_t OH = pool_out(H, k[0], s[0], p[0], d[0], ceil_mode), OW = pool_out(W, k[1], s[1], p[1], d[1], ceil_mode);
  Tensor y = pooled(x, OH, OW, "max_pool2d");
  int64_t n = y.numel();
  if (n == 0) return y;
  int kh = int(k[0]), kw = int(k[1]), sh = int(s[0]), sw = int(s[1]), ph = int(p[0]), pw = int(p[1]), dh = int(d[0]),
      dw = int(d[1]);
  const float* xp = fptr(x);
  float* yp = fout(y);
  launch(x.device(), fn(x.device(), "max_pool2d"), launch_for(n),
         {&xp, &yp, &H, &W, &OH, &OW, &kh, &kw, &sh, &sw, &ph, &pw, &dh, &dw, &n});
  return y;
}

Tensor avg_pool2d(const Tensor& x_, std::array<int64_t, 2> k, std::array<int64_t, 2> s, std::array<int64_t, 2> p,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor) {
  need_float(x_, "avg_pool2d");
  const Tensor x = x_.contiguous();
  int64_t H = x.size(-2), W = x.size(-1);
  int64_t OH = pool_out(H, k[0], s[0], p[0], 1, ceil_mode), OW = pool_out(W, k[1], s[1], p[1], 1, ceil_mode);
  Tensor y = pooled(x, OH, OW, "avg_pool2d");
  int64_t n = y.numel();
  if (n == 0) return y;
  int kh = int(k[0]), kw = int(k[1]), sh = int(s[0]), sw = int(s[1]), ph = int(p[0]), pw = int(p[1]);
  int inc = count_include_pad ? 1 : 0;
  int64_t div = divisor.value_or(0);
  const float* xp = fptr(x);
  float* yp = fout(y);
  launch(x.device(), fn(x.device(), "avg_pool2d"), launch_for(n),
         {&xp, &yp, &H, &W, &OH, &OW, &kh, &kw, &sh, &sw, &ph, &pw, &inc, &div, &n});
  return y;
}

Tensor adaptive_avg_pool2d(const Tensor& x_, std::array<int64_t, 2> o) {
  need_float(x_, "adaptive_avg_pool2d");
  const Tensor x = x_.contiguous();
  int64_t H = x.size(-2), W = x.size(-1), OH = o[0], OW = o[1];
  Tensor y = pooled(x, OH, OW, "adaptive_avg_pool2d");
  int64_t n = y.numel();
  if (n == 0) return y;
  const float* xp = fptr(x);
  float* yp = fout(y);
  launch(x.device(), fn(x.device(), "adaptive_avg_pool2d"), launch_for(n), {&xp, &yp, &H, &W, &OH, &OW, &n});
  return y;
}

Tensor softmax(const Tensor& x_, int64_t dim, bool log) {
  need_float(x_, "softmax");
  const int64_t nd = std::max<int64_t>(x_.dim(), 1);
  if (dim < 0) dim += nd;
  if (x_.dim() == 0) dim = 0;
  const bool last = x_.dim() == 0 || dim == x_.dim() - 1;
  // Rows along the last dim: any other dim is moved there and back.
  Tensor x = x_;
  if (!last) {
    Shape perm(static_cast<size_t>(x.dim()));
    std::iota(perm.begin(), perm.end(), 0);
    std::swap(perm[static_cast<size_t>(dim)], perm.back());
    Shape sz, st;
    for (int64_t p : perm) {
      sz.push_back(x.size(p));
      st.push_back(x.stride(p));
    }
    x = x.as_strided(sz, st, x.offset());
  }
  x = x.contiguous();
  Tensor y = like(x, x.sizes());
  const int64_t L = x.dim() ? x.size(-1) : 1;
  const int64_t rows = L ? x.numel() / L : 0;
  if (rows > 0 && L > 0) {
    const float* xp = fptr(x);
    float* yp = fout(y);
    int lg = log ? 1 : 0;
    int64_t len = L;
    Launch l;
    l.grid_x = static_cast<unsigned>(std::min<int64_t>(rows, 0x7fffffff));
    l.block = row_block(L);
    if (rows > 0x7fffffff) fail("softmax on CUDA: too many rows");
    launch(x.device(), fn(x.device(), "softmax_rows"), l, {&xp, &yp, &len, &lg});
  }
  if (last) return y;
  Shape sz(y.sizes().begin(), y.sizes().end()), st(y.strides().begin(), y.strides().end());
  std::swap(sz[static_cast<size_t>(dim)], sz.back());
  std::swap(st[static_cast<size_t>(dim)], st.back());
  return y.as_strided(sz, st, 0).contiguous();
}

Tensor layer_norm(const Tensor& x_, int64_t nd, const Tensor& weight, const Tensor& bias, double eps) {
  need_float(x_, "layer_norm");
  const Tensor x = x_.contiguous();
  int64_t L = 1;
  for (int64_t d = x.dim() - nd; d < x.dim(); ++d) L *= x.size(d);
  Tensor y = like(x, x.sizes());
  const int64_t rows = L ? x.numel() / L : 0;
  if (rows == 0 || L == 0) return y;
  const Tensor w = weight.defined() ? weight.contiguous() : Tensor(), b = bias.defined() ? bias.contiguous() : Tensor();
  const float *xp = fptr(x), *wp = fptr(w), *bp = fptr(b);
  float* yp = fout(y);
  float e = static_cast<float>(eps);
  Launch l;
  l.grid_x = static_cast<unsigned>(rows);
  l.block = row_block(L);
  launch(x.device(), fn(x.device(), "layer_norm_rows"), l, {&xp, &yp, &wp, &bp, &L, &e});
  return y;
}

Tensor embedding(const Tensor& weight_, const Tensor& indices) {
  need_float(weight_, "embedding");
  const Tensor w = weight_.contiguous();
  const Tensor idx = (indices.dtype() == DType::Int64 ? indices : indices.to(DType::Int64)).contiguous();
  int64_t num = w.size(0), D = w.size(1);
  Shape out(idx.sizes().begin(), idx.sizes().end());
  out.push_back(D);
  Tensor y = like(w, out);
  int64_t n = y.numel();
  if (n == 0) return y;
  Tensor bad = Tensor::empty({1}, DType::Int64, w.device());  // zeroed
  const float* wp = fptr(w);
  const long long* ip = static_cast<const long long*>(idx.device_data());
  float* yp = fout(y);
  long long* bp = static_cast<long long*>(bad.device_data());
  launch(w.device(), fn(w.device(), "embedding_rows"), launch_for(n), {&wp, &ip, &yp, &num, &D, &n, &bp});
  if (bad.to(Device{}).item_int() != 0) fail("index out of range in self");
  return y;
}

Tensor gelu(const Tensor& x, bool tanh_mode) { return map_elements(x, "gelu", "gelu", int{tanh_mode ? 1 : 0}); }

void conv_epilogue(const Tensor& y, const Tensor& scale, const Tensor& shift, const Tensor& residual, int act, float lo,
                   float hi) {
  need_float(y, "conv_fused");
  if (!y.is_contiguous()) fail("internal: conv_fused's epilogue takes a contiguous output");
  int64_t n = y.numel();
  if (n == 0) return;
  int64_t C = y.dim() > 1 ? y.size(1) : 1, HW = 1;
  for (int64_t d = 2; d < y.dim(); ++d) HW *= y.size(d);
  const Tensor sc = scale.defined() ? scale.contiguous() : Tensor(), sh = shift.defined() ? shift.contiguous() : Tensor();
  const Tensor res = residual.defined() ? residual.contiguous() : Tensor();
  float* yp = fout(y);
  const float *sp = fptr(sc), *hp = fptr(sh), *rp = fptr(res);
  launch(y.device(), fn(y.device(), "conv_epilogue"), launch_for(n), {&yp, &sp, &hp, &rp, &C, &HW, &act, &lo, &hi, &n});
}

Tensor clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi) {
  return map_elements(x, "clamp", "clamp", int{lo ? 1 : 0}, lo ? static_cast<float>(*lo) : 0.f, int{hi ? 1 : 0},
                      hi ? static_cast<float>(*hi) : 0.f);
}

Tensor reduce_sum(const Tensor& x_, const std::vector<int64_t>& dims, bool keepdim, bool mean) {
  need_float(x_, "sum");
  std::vector<bool> reduced(static_cast<size_t>(x_.dim()), false);
  for (int64_t d : dims) reduced[static_cast<size_t>(d)] = true;
  // Kept dims first, reduced dims last: rows of the reduced elements.
  Shape sz, st, kept;
  int64_t L = 1;
  for (int pass = 0; pass < 2; ++pass)
    for (int64_t d = 0; d < x_.dim(); ++d)
      if (reduced[static_cast<size_t>(d)] == (pass == 1)) {
        sz.push_back(x_.size(d));
        st.push_back(x_.stride(d));
        if (pass == 0) kept.push_back(x_.size(d));
        else L *= x_.size(d);
      }
  const Tensor x = x_.as_strided(sz, st, x_.offset()).contiguous();
  Shape out;
  for (int64_t d = 0; d < x_.dim(); ++d)
    if (!reduced[static_cast<size_t>(d)]) out.push_back(x_.size(d));
    else if (keepdim) out.push_back(1);
  Tensor y = like(x, out);
  const int64_t rows = y.numel();
  if (rows == 0) return y;
  if (L == 0) {
    Tensor z = Tensor::empty(out, DType::Float32, x.device());
    if (mean) fail("mean of an empty dimension on CUDA");  // PyTorch gives NaN; rare enough to refuse
    return z;
  }
  const float* xp = fptr(x);
  float* yp = fout(y);
  float scale = mean ? 1.f / static_cast<float>(L) : 1.f;
  Launch l;
  l.grid_x = static_cast<unsigned>(rows);
  l.block = row_block(L);
  if (rows > 0x7fffffff) fail("sum on CUDA: too many rows");
  launch(x.device(), fn(x.device(), "sum_rows"), l, {&xp, &yp, &L, &scale});
  return y;
}

}  // namespace ember::cuda
