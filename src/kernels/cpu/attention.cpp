// attention.cpp — see attention.h. Everything runs on contiguous buffers in the input's type;
// the products go through cpu::gemm (linalg.h), per (batch, head) for the attention scores.
#include "kernels/cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "ember/error.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/linalg.h"
#include "kernels/cpu/norm.h"
#include "kernels/cpu/random.h"
#include "kernels/cpu/vec_math.h"
#include "tensor/broadcast.h"
#include "core/check.h"

namespace ember::cpu {
namespace {

void check_floating(const std::string& op, const Tensor& t) {
  if (t.dtype() != DType::Float32 && t.dtype() != DType::Float64)
    fail("\"", op, "\" not implemented for '", dtype_name(t.dtype()), "'");
}

void check_same_dtype(const std::string& op, const Tensor& t, DType dtype, const char* what) {
  if (t.dtype() != dtype)
    fail(op, ": ", what, " has dtype ", dtype_name(t.dtype()), " but the input has ",
         dtype_name(dtype));
}

void check_shape(const std::string& op, const Tensor& t, std::initializer_list<int64_t> want,
                 const char* what) {
  const Shape w(want);
  if (t.sizes() != w)
    fail(op, ": expected ", what, " of shape ", shape_string(w), ", got ", shape_string(t.sizes()));
}

template <class F>
decltype(auto) visit_float(DType dtype, F&& f) {
  if (dtype == DType::Float32) return f(float{});
  EMBER_ASSERT(dtype == DType::Float64, "attention: unchecked dtype");
  return f(double{});
}

// Softmax over n elements spaced `inner` apart, skipping those whose mask is set (mask may be
// null). A row with nothing left is NaN, like PyTorch's masked and -inf-filled softmax.
template <class T>
void softmax_row(const T* in, const bool* mask, T* out, int64_t n, int64_t inner) {
  if constexpr (std::is_same_v<T, float>) {
    if (!mask && inner == 1) {
      vec::softmax_row(in, out, n);  // vectorised; a NaN input makes the row NaN here too
      return;
    }
  }
  auto exp_t = [](T v) {
    if constexpr (std::is_same_v<T, float>) return vec::exp(v);
    else return std::exp(v);
  };
  T mx = -std::numeric_limits<T>::infinity();
  bool any = false;
  for (int64_t j = 0; j < n; ++j) {
    if (mask && mask[j * inner]) continue;
    any = true;
    mx = std::max(mx, in[j * inner]);
  }
  if (!any) {
    for (int64_t j = 0; j < n; ++j) out[j * inner] = std::numeric_limits<T>::quiet_NaN();
    return;
  }
  T sum = 0;
  for (int64_t j = 0; j < n; ++j) {
    const T e = (mask && mask[j * inner]) ? T(0) : exp_t(in[j * inner] - mx);
    out[j * inner] = e;
    sum += e;
  }
  for (int64_t j = 0; j < n; ++j) out[j * inner] /= sum;
}

// The reference paths' softmax_row: in double with std::exp, no vectorised rows.
template <class T>
void softmax_row_reference(const T* in, const bool* mask, T* out, int64_t n, int64_t inner) {
  double mx = -std::numeric_limits<double>::infinity(), sum = 0;
  bool any = false;
  for (int64_t j = 0; j < n; ++j) {
    if (mask && mask[j * inner]) continue;
    any = true;
    mx = std::max(mx, static_cast<double>(in[j * inner]));
  }
  for (int64_t j = 0; j < n; ++j)
    if (!(mask && mask[j * inner])) sum += std::exp(static_cast<double>(in[j * inner]) - mx);
  for (int64_t j = 0; j < n; ++j)
    out[j * inner] = !any ? std::numeric_limits<T>::quiet_NaN()
                          : (mask && mask[j * inner]) ? T(0)
                                                      : static_cast<T>(std::exp(static_cast<double>(in[j * inner]) - mx) / sum);
}

// Softmax of contiguous data viewed as [outer, n, inner] along n.
template <class T, bool Reference = false>
void softmax_dim(const T* in, const bool* mask, T* out, int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * n * inner + i;
      if constexpr (Reference) softmax_row_reference(in + base, mask ? mask + base : nullptr, out + base, n, inner);
      else softmax_row(in + base, mask ? mask + base : nullptr, out + base, n, inner);
    }
}

// `gemm` for T as a plain function (its float and double overloads), to choose beside gemm_reference.
template <class T>
void gemm_fn(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
             int64_t ldb, T beta, T* c, int64_t ldc) {
  gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// The products of the attention kernels: `gemm`, or gemm_reference on the reference paths.
template <class T>
auto product_fn(bool ref) {
  return ref ? gemm_reference<T> : gemm_fn<T>;
}

// x [rows, k] · wᵀ ([n, k]) + b → out [rows, n] (all contiguous).
template <class T>
void linear_rows(const T* x, int64_t rows, int64_t k, const Tensor& w, const Tensor* b, T* out,
                 int64_t n, bool ref = false) {
  product_fn<T>(ref)(false, true, rows, n, k, T(1), x, k, w.data<T>(), k, T(0), out, n);
  if (b) {
    const T* bp = b->data<T>();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < n; ++j) out[r * n + j] += bp[j];
  }
}

// Splits qkv rows [B*T, 3D] (+ bias) into q, k, v buffers [B, H, T, dh], scaling q.
template <class T>
void split_heads(const T* qkv, const T* bias, int64_t B, int64_t T_, int64_t D, int64_t H, T* q,
                 T* k, T* v) {
  const int64_t dh = D / H;
  const T inv_sqrt = T(1) / std::sqrt(static_cast<T>(dh));
  T* dst[3] = {q, k, v};
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T_; ++t) {
      const T* row = qkv + (b * T_ + t) * 3 * D;
      for (int64_t p = 0; p < 3; ++p)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t e = 0; e < dh; ++e) {
            const int64_t col = p * D + h * dh + e;
            T val = row[col] + bias[col];
            if (p == 0) val *= inv_sqrt;
            dst[p][((b * H + h) * T_ + t) * dh + e] = val;
          }
    }
}

// The bool mask the fast path's softmax sees, [B, H, T, T] contiguous: a float mask becomes
// bool (nonzero = masked) and a [B, T] key-padding mask is broadcast over heads and queries.
Tensor attention_mask(const Tensor& mask_in, int64_t B, int64_t H, int64_t T_) {
  Tensor mask = mask_in.dtype() == DType::Bool
                    ? mask_in
                    : binary(BinaryOp::Ne, mask_in, Scalar(int64_t{0}));
  if (mask.dim() == 2) {
    if (mask.size(0) != B || mask.size(1) != T_)
      fail("_native_multi_head_attention: a 2-D mask must be a key padding mask of shape ",
           shape_string(Shape{B, T_}), ", got ", shape_string(mask.sizes()));
    const Shape s4{B, 1, 1, T_};
    mask = mask.contiguous();
    mask = mask.as_strided(s4, contiguous_strides(s4), mask.offset());
    const Shape full{B, H, T_, T_};
    mask = expand_to(mask, full);
  }
  return mask.contiguous();
}

void check_mask_type(const std::string& op, std::optional<int64_t> mask_type) {
  if (!mask_type) fail(op, ": Mask Type should be defined");
  if (*mask_type == 0) fail(op, ": src_mask (mask_type 0) is not supported on CPU, as in PyTorch 1.13");
  if (*mask_type != 1 && *mask_type != 2)
    fail(op, ": Mask Type should be 0 (src_mask), 1 (src_key_padding_mask), or 2 (default_mask), got ",
         *mask_type);
}

template <class T>
std::tuple<Tensor, std::optional<Tensor>> mha_impl(const Tensor& query, const Tensor& key,
                                                   const Tensor& value, int64_t H,
                                                   const Tensor& qkv_w, const Tensor& qkv_b,
                                                   const Tensor& proj_w, const Tensor& proj_b,
                                                   const std::optional<Tensor>& mask_in,
                                                   bool need_weights, bool average,
                                                   std::optional<int64_t> mask_type, bool ref) {
  const int64_t B = query.size(0), T_ = query.size(1), D = query.size(2), dh = D / H;
  const auto product = product_fn<T>(ref);
  const DType dtype = query.dtype();
  const Tensor w = qkv_w.contiguous(), bias = qkv_b.contiguous();
  const Tensor pw = proj_w.contiguous(), pb = proj_b.contiguous();
  std::vector<T> qkv(static_cast<size_t>(B * T_ * 3 * D));
  if (query.is_same(key) && key.is_same(value)) {
    const Tensor x = query.contiguous();
    linear_rows<T>(x.data<T>(), B * T_, D, w, nullptr, qkv.data(), 3 * D, ref);
  } else {
    const Tensor* parts[3] = {&query, &key, &value};
    for (int64_t p = 0; p < 3; ++p) {
      const Tensor x = parts[p]->contiguous();
      product(false, true, B * T_, D, D, T(1), x.data<T>(), D, w.data<T>() + p * D * D, D, T(0),
              qkv.data() + p * D, 3 * D);
    }
  }
  const size_t head_elems = static_cast<size_t>(B * H * T_ * dh);
  std::vector<T> q(head_elems), k(head_elems), v(head_elems);
  split_heads<T>(qkv.data(), bias.data<T>(), B, T_, D, H, q.data(), k.data(), v.data());

  const int64_t wsizes[] = {B, H, T_, T_};
  Tensor weights = Tensor::empty(wsizes, dtype);
  T* s = weights.data<T>();
  for (int64_t bh = 0; bh < B * H; ++bh)
    product(false, true, T_, T_, dh, T(1), q.data() + bh * T_ * dh, dh, k.data() + bh * T_ * dh, dh, T(0),
            s + bh * T_ * T_, T_);
  Tensor mask;
  if (mask_in) {
    mask = attention_mask(*mask_in, B, H, T_);
    check_mask_type("_native_multi_head_attention", mask_type);
    if (mask.sizes() != weights.sizes())
      fail("_native_multi_head_attention: mask of shape ", shape_string(mask_in->sizes()),
           " does not fit attention scores of shape ", shape_string(weights.sizes()),
           " (expected [B, T] or [B, num_heads, T, T])");
  }
  if (ref) softmax_dim<T, true>(s, mask.defined() ? mask.data<bool>() : nullptr, s, B * H * T_, T_, 1);
  else softmax_dim<T>(s, mask.defined() ? mask.data<bool>() : nullptr, s, B * H * T_, T_, 1);

  std::vector<T> ctx(static_cast<size_t>(B * T_ * D));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      product(false, false, T_, dh, T_, T(1), s + (b * H + h) * T_ * T_, T_, v.data() + (b * H + h) * T_ * dh, dh,
              T(0), ctx.data() + b * T_ * D + h * dh, D);
  const int64_t osizes[] = {B, T_, D};
  Tensor out = Tensor::empty(osizes, dtype);
  linear_rows<T>(ctx.data(), B * T_, D, pw, &pb, out.data<T>(), D, ref);

  if (!need_weights) return {out, std::nullopt};
  if (!average) return {out, weights};
  const int64_t asizes[] = {B, T_, T_};
  Tensor avg = Tensor::empty(asizes, dtype);
  T* a = avg.data<T>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < T_ * T_; ++i) {
      T acc = 0;
      for (int64_t h = 0; h < H; ++h) acc += s[(b * H + h) * T_ * T_ + i];
      a[b * T_ * T_ + i] = acc / static_cast<T>(H);
    }
  return {out, avg};
}

void check_mha_args(const std::string& op, const Tensor& query, int64_t embed_dim, int64_t H,
                    const Tensor& qkv_w, const Tensor& qkv_b, const Tensor& proj_w,
                    const Tensor& proj_b) {
  check_floating(op, query);
  if (query.dim() != 3)
    fail(op, ": expected a 3-D input [batch, seq, embed], got ", shape_string(query.sizes()));
  const int64_t D = query.size(2);
  if (D != embed_dim) fail(op, ": input embedding size ", D, " differs from embed_dim ", embed_dim);
  if (H <= 0 || D % H != 0) fail(op, ": embed_dim ", D, " is not divisible by num_heads ", H);
  check_same_dtype(op, qkv_w, query.dtype(), "qkv_weight");
  check_same_dtype(op, qkv_b, query.dtype(), "qkv_bias");
  check_same_dtype(op, proj_w, query.dtype(), "proj_weight");
  check_same_dtype(op, proj_b, query.dtype(), "proj_bias");
  check_shape(op, qkv_w, {3 * D, D}, "qkv_weight");
  check_shape(op, qkv_b, {3 * D}, "qkv_bias");
  check_shape(op, proj_w, {D, D}, "proj_weight");
  check_shape(op, proj_b, {D}, "proj_bias");
}

// x [..., K] · wᵀ + b as a new contiguous tensor [..., N].
Tensor linear(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, bool ref) {
  const Tensor x = x_in.contiguous(), w = w_in.contiguous(), b = b_in.contiguous();
  const int64_t K = x.size(-1), N = w.size(0), rows = x.numel() / std::max<int64_t>(K, 1);
  Shape sizes = x.sizes();
  sizes.back() = N;
  Tensor out = Tensor::empty(sizes, x.dtype());
  visit_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    linear_rows<T>(x.data<T>(), rows, K, w, &b, out.data<T>(), N, ref);
  });
  return out;
}

// a += b elementwise (same shape, both contiguous).
void add_into(const Tensor& a, const Tensor& b) {
  EMBER_ASSERT(a.sizes() == b.sizes() && a.is_contiguous() && b.is_contiguous(), "add_into shapes");
  visit_float(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* pa = a.data<T>();
    const T* pb = b.data<T>();
    for (int64_t i = 0; i < a.numel(); ++i) pa[i] += pb[i];
  });
}

}  // namespace

namespace {

Tensor masked_softmax_impl(const Tensor& input, const Tensor& mask, std::optional<int64_t> dim,
                           std::optional<int64_t> mask_type, bool reference) {
  const std::string op = "_masked_softmax";
  if (mask.dtype() != DType::Bool) fail(op, ": Mask should be a boolean tensor");
  check_floating("masked_softmax", input);
  check_mask_type(op, mask_type);
  if (mask.sizes() != input.sizes())
    fail(op, ": Mask shape should match input shape (mask ", shape_string(mask.sizes()),
         ", input ", shape_string(input.sizes()), ")");
  const int64_t nd = std::max<int64_t>(input.dim(), 1);
  const int64_t d = wrap_dim(dim.value_or(input.dim() - 1), input.dim());
  const Shape& sz = input.sizes();
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < d; ++i) outer *= sz[static_cast<size_t>(i)];
  for (int64_t i = d + 1; i < nd && i < input.dim(); ++i) inner *= sz[static_cast<size_t>(i)];
  const int64_t n = input.dim() == 0 ? 1 : sz[static_cast<size_t>(d)];
  const Tensor x = input.contiguous(), m = mask.contiguous();
  Tensor out = Tensor::empty(sz, input.dtype());
  visit_float(input.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (reference) softmax_dim<T, true>(x.data<T>(), m.data<bool>(), out.data<T>(), outer, n, inner);
    else softmax_dim<T>(x.data<T>(), m.data<bool>(), out.data<T>(), outer, n, inner);
  });
  return out;
}

}  // namespace

Tensor masked_softmax(const Tensor& input, const Tensor& mask, std::optional<int64_t> dim,
                      std::optional<int64_t> mask_type) {
  return masked_softmax_impl(input, mask, dim, mask_type, false);
}

Tensor masked_softmax_reference(const Tensor& input, const Tensor& mask, std::optional<int64_t> dim,
                                std::optional<int64_t> mask_type) {
  return masked_softmax_impl(input, mask, dim, mask_type, true);
}

std::tuple<Tensor, Tensor, Tensor> transform_bias_rescale_qkv(const Tensor& qkv_in,
                                                              const Tensor& bias_in,
                                                              int64_t num_heads) {
  const std::string op = "_transform_bias_rescale_qkv";
  check_floating(op, qkv_in);
  if (qkv_in.dim() != 3 || qkv_in.size(2) % 3 != 0)
    fail(op, ": expected qkv of shape [B, T, 3*D], got ", shape_string(qkv_in.sizes()));
  const int64_t B = qkv_in.size(0), T_ = qkv_in.size(1), D = qkv_in.size(2) / 3;
  if (num_heads <= 0 || D % num_heads != 0)
    fail(op, ": embedding size ", D, " is not divisible by num_heads ", num_heads);
  check_same_dtype(op, bias_in, qkv_in.dtype(), "qkv_bias");
  check_shape(op, bias_in, {3 * D}, "qkv_bias");
  const Tensor qkv = qkv_in.contiguous(), bias = bias_in.contiguous();
  const int64_t sizes[] = {B, num_heads, T_, D / num_heads};
  Tensor q = Tensor::empty(sizes, qkv.dtype()), k = Tensor::empty(sizes, qkv.dtype()),
         v = Tensor::empty(sizes, qkv.dtype());
  visit_float(qkv.dtype(), [&](auto tag) {
    using T = decltype(tag);
    split_heads<T>(qkv.data<T>(), bias.data<T>(), B, T_, D, num_heads, q.data<T>(), k.data<T>(),
                   v.data<T>());
  });
  return {q, k, v};
}

namespace {

std::tuple<Tensor, std::optional<Tensor>> native_multi_head_attention_impl(
    const Tensor& query, const Tensor& key, const Tensor& value, int64_t embed_dim,
    int64_t num_heads, const Tensor& qkv_weight, const Tensor& qkv_bias, const Tensor& proj_weight,
    const Tensor& proj_bias, const std::optional<Tensor>& mask, bool need_weights,
    bool average_attn_weights, std::optional<int64_t> mask_type, bool ref) {
  const std::string op = "_native_multi_head_attention";
  check_mha_args(op, query, embed_dim, num_heads, qkv_weight, qkv_bias, proj_weight, proj_bias);
  if (key.sizes() != query.sizes() || value.sizes() != query.sizes())
    fail(op, ": expected `query`/`key`/`value` shapes to match, got ", shape_string(query.sizes()),
         ", ", shape_string(key.sizes()), ", ", shape_string(value.sizes()));
  check_same_dtype(op, key, query.dtype(), "key");
  check_same_dtype(op, value, query.dtype(), "value");
  return visit_float(query.dtype(), [&](auto tag) {
    using T = decltype(tag);
    return mha_impl<T>(query, key, value, num_heads, qkv_weight, qkv_bias, proj_weight, proj_bias,
                       mask, need_weights, average_attn_weights, mask_type, ref);
  });
}

Tensor transformer_encoder_layer_fwd_impl(const Tensor& src, int64_t embed_dim, int64_t num_heads,
                                          const EncoderLayerWeights& w, bool use_gelu, bool norm_first,
                                          double eps, const std::optional<Tensor>& mask,
                                          std::optional<int64_t> mask_type, bool ref) {
  const std::string op = "_transformer_encoder_layer_fwd";
  check_mha_args(op, src, embed_dim, num_heads, w.qkv_weight, w.qkv_bias, w.proj_weight,
                 w.proj_bias);
  if (src.numel() == 0) return src.clone();
  const int64_t D = embed_dim;
  const Tensor* norms[] = {&w.norm_weight_1, &w.norm_bias_1, &w.norm_weight_2, &w.norm_bias_2};
  for (const Tensor* t : norms) {
    check_same_dtype(op, *t, src.dtype(), "a layer norm parameter");
    check_shape(op, *t, {D}, "layer norm parameters");
  }
  const Tensor* ffn[] = {&w.ffn_weight_1, &w.ffn_bias_1, &w.ffn_weight_2, &w.ffn_bias_2};
  for (const Tensor* t : ffn) check_same_dtype(op, *t, src.dtype(), "a feed-forward parameter");
  const int64_t F = w.ffn_weight_1.dim() == 2 ? w.ffn_weight_1.size(0) : -1;
  check_shape(op, w.ffn_weight_1, {F, D}, "ffn_weight_1");
  check_shape(op, w.ffn_bias_1, {F}, "ffn_bias_1");
  check_shape(op, w.ffn_weight_2, {D, F}, "ffn_weight_2");
  check_shape(op, w.ffn_bias_2, {D}, "ffn_bias_2");

  const int64_t norm_shape[] = {D};
  auto norm = [&](const Tensor& x, const Tensor& g, const Tensor& b) {
    return (ref ? std::get<0>(layer_norm_reference(x, norm_shape, g, b, eps)) : layer_norm(x, norm_shape, g, b, eps))
        .contiguous();
  };
  const Tensor source = src.contiguous();
  Tensor x = norm_first ? norm(source, w.norm_weight_1, w.norm_bias_1) : source;
  x = std::get<0>(native_multi_head_attention_impl(x, x, x, embed_dim, num_heads, w.qkv_weight,
                                                   w.qkv_bias, w.proj_weight, w.proj_bias, mask, false,
                                                   true, mask_type, ref));
  add_into(x, source);
  if (!norm_first) x = norm(x, w.norm_weight_1, w.norm_bias_1);
  const Tensor residual = x;
  if (norm_first) x = norm(x, w.norm_weight_2, w.norm_bias_2);
  Tensor hidden = linear(x, w.ffn_weight_1, w.ffn_bias_1, ref);
  hidden = use_gelu ? gelu(hidden, "none").contiguous() : unary(UnaryOp::Relu, hidden).contiguous();
  x = linear(hidden, w.ffn_weight_2, w.ffn_bias_2, ref);
  add_into(x, residual);
  if (!norm_first) x = norm(x, w.norm_weight_2, w.norm_bias_2);
  return x;
}

}  // namespace

std::tuple<Tensor, std::optional<Tensor>> native_multi_head_attention(
    const Tensor& query, const Tensor& key, const Tensor& value, int64_t embed_dim,
    int64_t num_heads, const Tensor& qkv_weight, const Tensor& qkv_bias, const Tensor& proj_weight,
    const Tensor& proj_bias, const std::optional<Tensor>& mask, bool need_weights,
    bool average_attn_weights, std::optional<int64_t> mask_type) {
  return native_multi_head_attention_impl(query, key, value, embed_dim, num_heads, qkv_weight, qkv_bias, proj_weight,
                                          proj_bias, mask, need_weights, average_attn_weights, mask_type, false);
}

std::tuple<Tensor, std::optional<Tensor>> native_multi_head_attention_reference(
    const Tensor& query, const Tensor& key, const Tensor& value, int64_t embed_dim,
    int64_t num_heads, const Tensor& qkv_weight, const Tensor& qkv_bias, const Tensor& proj_weight,
    const Tensor& proj_bias, const std::optional<Tensor>& mask, bool need_weights,
    bool average_attn_weights, std::optional<int64_t> mask_type) {
  return native_multi_head_attention_impl(query, key, value, embed_dim, num_heads, qkv_weight, qkv_bias, proj_weight,
                                          proj_bias, mask, need_weights, average_attn_weights, mask_type, true);
}

Tensor transformer_encoder_layer_fwd(const Tensor& src, int64_t embed_dim, int64_t num_heads,
                                     const EncoderLayerWeights& w, bool use_gelu, bool norm_first,
                                     double eps, const std::optional<Tensor>& mask,
                                     std::optional<int64_t> mask_type) {
  return transformer_encoder_layer_fwd_impl(src, embed_dim, num_heads, w, use_gelu, norm_first, eps, mask, mask_type,
                                            false);
}

Tensor transformer_encoder_layer_fwd_reference(const Tensor& src, int64_t embed_dim, int64_t num_heads,
                                               const EncoderLayerWeights& w, bool use_gelu, bool norm_first,
                                               double eps, const std::optional<Tensor>& mask,
                                               std::optional<int64_t> mask_type) {
  return transformer_encoder_layer_fwd_impl(src, embed_dim, num_heads, w, use_gelu, norm_first, eps, mask, mask_type,
                                            true);
}

namespace {

struct SdpaOptions {
  std::string op;
  std::optional<double> scale;  // nullopt: 1/sqrt(E)
  bool zero_masked_rows = false;
  double dropout_p = 0;
  bool reference = false;  // gemm_reference and a double softmax (the reference path)
};

std::tuple<Tensor, Tensor> sdpa(const Tensor& query, const Tensor& key, const Tensor& value,
                                const std::optional<Tensor>& attn_mask, bool is_causal, const SdpaOptions& o) {
  const std::string& op = o.op;
  check_floating(op, query);
  check_same_dtype(op, key, query.dtype(), "key");
  check_same_dtype(op, value, query.dtype(), "value");
  if (query.dim() < 2 || key.dim() < 2 || value.dim() < 2)
    fail(op, ": query, key and value need at least 2 dimensions");
  if (is_causal && attn_mask)
    fail(op, ": Explicit attn_mask should not be set when is_causal=True");
  const int64_t L = query.size(-2), E = query.size(-1), S = key.size(-2), Ev = value.size(-1);
  if (key.size(-1) != E)
    fail(op, ": query and key embedding sizes differ (", E, " and ", key.size(-1), ")");
  if (value.size(-2) != S)
    fail(op, ": key and value sequence lengths differ (", S, " and ", value.size(-2), ")");
  auto batch_of = [](const Tensor& t) { return Shape(t.sizes().begin(), t.sizes().end() - 2); };
  const Shape batch = broadcast_shapes(broadcast_shapes(batch_of(query), batch_of(key)), batch_of(value));
  int64_t nb = 1;
  for (int64_t s : batch) nb *= s;
  auto with = [&](int64_t a, int64_t b) {
    Shape s = batch;
    s.push_back(a);
    s.push_back(b);
    return s;
  };
  const Tensor q = expand_to(query, with(L, E)).contiguous();
  const Tensor k = expand_to(key, with(S, E)).contiguous();
  const Tensor v = expand_to(value, with(S, Ev)).contiguous();
  Tensor mask;  // additive, [batch..., L, S], or a bool "attend" mask
  if (attn_mask) {
    mask = attn_mask->dtype() == DType::Bool ? *attn_mask : attn_mask->to(query.dtype());
    mask = expand_to(mask, with(L, S)).contiguous();
  }
  const Shape wsizes = with(L, S);
  Tensor weights = Tensor::empty(wsizes, query.dtype());
  Tensor out = Tensor::empty(with(L, Ev), query.dtype());
  visit_float(query.dtype(), [&](auto tag) {
    using T = decltype(tag);
    // q kᵀ scaled through both operands by sqrt(scale), as PyTorch's math path does.
    std::vector<T> qs(static_cast<size_t>(q.numel())), ks(static_cast<size_t>(k.numel()));
    if (o.scale) {
      const T root = static_cast<T>(std::sqrt(*o.scale));
      for (size_t i = 0; i < qs.size(); ++i) qs[i] = q.data<T>()[i] * root;
      for (size_t i = 0; i < ks.size(); ++i) ks[i] = k.data<T>()[i] * root;
    } else {
      const T root = static_cast<T>(std::sqrt(std::sqrt(static_cast<double>(E))));
      for (size_t i = 0; i < qs.size(); ++i) qs[i] = q.data<T>()[i] / root;
      for (size_t i = 0; i < ks.size(); ++i) ks[i] = k.data<T>()[i] / root;
    }
    T* w = weights.data<T>();
    const T neg_inf = -std::numeric_limits<T>::infinity();
    for (int64_t b = 0; b < nb; ++b) {
      T* wb = w + b * L * S;
      product_fn<T>(o.reference)(false, true, L, S, E, T(1), qs.data() + b * L * E, E,
                                                    ks.data() + b * S * E, E, T(0), wb, S);
      for (int64_t i = 0; i < L; ++i)
        for (int64_t j = 0; j < S; ++j) {
          T& x = wb[i * S + j];
          if (is_causal) {
            if (j > i) x += neg_inf;
          } else if (mask.defined()) {
            if (mask.dtype() == DType::Bool) {
              if (!mask.data<bool>()[b * L * S + i * S + j]) x += neg_inf;
            } else {
              x += mask.data<T>()[b * L * S + i * S + j];
            }
          }
        }
      std::vector<char> all_masked;
      if (o.zero_masked_rows) {
        all_masked.assign(static_cast<size_t>(L), 1);
        for (int64_t i = 0; i < L; ++i)
          for (int64_t j = 0; j < S && all_masked[static_cast<size_t>(i)]; ++j)
            if (!(wb[i * S + j] == neg_inf)) all_masked[static_cast<size_t>(i)] = 0;
      }
      if (o.reference) softmax_dim<T, true>(wb, nullptr, wb, L, S, 1);
      else softmax_dim<T>(wb, nullptr, wb, L, S, 1);
      for (int64_t i = 0; i < static_cast<int64_t>(all_masked.size()); ++i)
        if (all_masked[static_cast<size_t>(i)]) std::fill(wb + i * S, wb + (i + 1) * S, T(0));
    }
    if (o.dropout_p > 0) weights = dropout(DropoutKind::Plain, weights, o.dropout_p, true, false).contiguous();
    for (int64_t b = 0; b < nb; ++b)
      product_fn<T>(o.reference)(false, false, L, Ev, S, T(1), weights.data<T>() + b * L * S, S,
                                                    v.data<T>() + b * S * Ev, Ev, T(0), out.data<T>() + b * L * Ev, Ev);
  });
  return {out, weights};
}

// Each of key's `heads` heads (dim -3) repeated `groups` times in a row (repeat_interleave).
Tensor repeat_heads(const Tensor& t, int64_t groups) {
  if (groups == 1) return t;
  Shape sizes = t.sizes();
  const size_t h = sizes.size() - 3;
  Shape expanded = sizes;
  expanded.insert(expanded.begin() + static_cast<std::ptrdiff_t>(h) + 1, groups);
  Shape out = sizes;
  out[h] *= groups;
  Tensor u = t.contiguous();
  Shape st = contiguous_strides(sizes);
  Shape est = st;
  est.insert(est.begin() + static_cast<std::ptrdiff_t>(h) + 1, 0);
  return u.as_strided(expanded, est, u.offset()).contiguous().as_strided(out, contiguous_strides(out), 0);
}

}  // namespace

std::tuple<Tensor, Tensor> scaled_dot_product_attention(const Tensor& query, const Tensor& key,
                                                        const Tensor& value,
                                                        const std::optional<Tensor>& attn_mask,
                                                        double dropout_p, bool need_attn_weights,
                                                        bool is_causal) {
  (void)need_attn_weights;  // PyTorch 1.13's math path returns the weights either way
  SdpaOptions o;
  o.op = "_scaled_dot_product_attention";
  if (dropout_p > 0)
    fail(o.op, ": dropout_p = ", dropout_p, " would apply random dropout; ember only runs inference");
  return sdpa(query, key, value, attn_mask, is_causal, o);
}

std::tuple<Tensor, Tensor> scaled_dot_product_attention_reference(const Tensor& query, const Tensor& key,
                                                                  const Tensor& value,
                                                                  const std::optional<Tensor>& attn_mask,
                                                                  double dropout_p, bool need_attn_weights,
                                                                  bool is_causal) {
  (void)need_attn_weights;
  SdpaOptions o;
  o.op = "_scaled_dot_product_attention";
  o.reference = true;
  if (dropout_p > 0)
    fail(o.op, ": dropout_p = ", dropout_p, " would apply random dropout; ember only runs inference");
  return sdpa(query, key, value, attn_mask, is_causal, o);
}

Tensor scaled_dot_product_attention_v2(const Tensor& query, const Tensor& key, const Tensor& value,
                                       const std::optional<Tensor>& attn_mask, double dropout_p,
                                       bool is_causal, std::optional<double> scale, bool enable_gqa) {
  SdpaOptions o;
  o.op = "scaled_dot_product_attention";
  o.scale = scale;
  o.zero_masked_rows = true;
  if (dropout_p < 0 || dropout_p > 1) fail(o.op, ": dropout_p must be in [0, 1], got ", dropout_p);
  o.dropout_p = dropout_p;
  Tensor k = key, v = value;
  if (enable_gqa && query.dim() >= 3 && key.dim() >= 3 && value.dim() >= 3) {
    const int64_t hq = query.size(-3), hk = key.size(-3), hv = value.size(-3);
    if (hk == 0 || hv == 0 || hq % hk != 0 || hq % hv != 0)
      fail(o.op, ": with enable_gqa, the query's ", hq, " heads must be a multiple of the key's ", hk,
           " and the value's ", hv);
    k = repeat_heads(key, hq / hk);
    v = repeat_heads(value, hq / hv);
  }
  return std::get<0>(sdpa(query, k, v, attn_mask, is_causal, o));
}

}  // namespace ember::cpu
