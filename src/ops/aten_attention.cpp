// aten_attention.cpp — schemas of the attention ops bound to kernels/cpu/attention.h, plus the
// queries and helpers the scripted code of nn.MultiheadAttention / nn.Transformer* calls on its way
// to them (fast-path conditions, warnings, all()/any() over lists).
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "kernels/cpu/attention.h"
#include "kernels/cpu/nested.h"
#include "ops/kernel_util.h"

namespace ember::ops {
namespace {

// The fast-path conditions and helpers scripted attention code evaluates.
void register_attention_support(Registry& r) {
  // ember's only nested tensors are the padded ones of kernels/cpu/nested.h; it records no
  // gradients and has no autocast.
  r.add("prim::is_nested(Tensor a) -> bool", wrap([](const Tensor& t) { return cpu::is_nested(t); }));
  r.add("aten::is_grad_enabled() -> bool", wrap([]() { return false; }));
  r.add("aten::is_autocast_enabled() -> bool", wrap([]() { return false; }));
  r.add("aten::is_autocast_cpu_enabled() -> bool", wrap([]() { return false; }));
  r.add("prim::requires_grad(Tensor a) -> bool", wrap([](const Tensor& t) { return t.requires_grad(); }));
  // Python's default warning filter shows a message once per location; once per text is close.
  r.add("aten::warn(str message, int stacklevel=2) -> ()", wrap([](std::string message, int64_t) {
          static std::mutex mu;
          static std::set<std::string> seen;
          std::lock_guard<std::mutex> lock(mu);
          if (seen.insert(message).second) std::cerr << "UserWarning: " << message << "\n";
        }));
  auto all_of = [](const auto& items) {
    for (const auto& x : items)
      if (!x) return false;
    return true;
  };
  auto any_of = [](const auto& items) {
    for (const auto& x : items)
      if (x) return true;
    return false;
  };
  r.add("aten::all.bool(bool[] self) -> bool", wrap([all_of](std::vector<bool> v) { return all_of(v); }));
  r.add("aten::all.int(int[] self) -> bool", wrap([all_of](std::vector<int64_t> v) { return all_of(v); }));
  r.add("aten::all.float(float[] self) -> bool", wrap([all_of](std::vector<double> v) { return all_of(v); }));
  r.add("aten::any.bool(bool[] self) -> bool", wrap([any_of](std::vector<bool> v) { return any_of(v); }));
  r.add("aten::any.int(int[] self) -> bool", wrap([any_of](std::vector<int64_t> v) { return any_of(v); }));
  r.add("aten::any.float(float[] self) -> bool", wrap([any_of](std::vector<double> v) { return any_of(v); }));
  r.add("aten::any.str(str[] self) -> bool", wrap([](std::vector<std::string> v) {
          for (const auto& x : v)
            if (!x.empty()) return true;
          return false;
        }));
}

}  // namespace

void register_attention_ops(Registry& r) {
  using OptTensor = std::optional<Tensor>;
  using OptInt = std::optional<int64_t>;
  register_attention_support(r);
  using MaskedSoftmax = Tensor (*)(const Tensor&, const Tensor&, OptInt, OptInt);
  add_with_reference(r, "aten::_masked_softmax(Tensor self, Tensor mask, int? dim=None, int? mask_type=None) -> Tensor",
                     MaskedSoftmax{cpu::masked_softmax}, MaskedSoftmax{cpu::masked_softmax_reference}, [](MaskedSoftmax k) {
                       return wrap([k](const Tensor& self, const Tensor& mask, OptInt dim, OptInt mask_type) {
                         return k(self, mask, dim, mask_type);
                       });
                     });
  r.add("aten::_transform_bias_rescale_qkv(Tensor qkv, Tensor qkv_bias, int num_heads) -> (Tensor, Tensor, Tensor)",
        wrap([](const Tensor& qkv, const Tensor& bias, int64_t num_heads) {
          return cpu::transform_bias_rescale_qkv(qkv, bias, num_heads);
        }));
  // The second result is None when need_weights is false, as PyTorch returns an undefined tensor.
  using Mha = std::tuple<Tensor, std::optional<Tensor>> (*)(const Tensor&, const Tensor&, const Tensor&, int64_t, int64_t,
                                                            const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                                            const OptTensor&, bool, bool, OptInt);
  add_with_reference(r, "aten::_native_multi_head_attention(Tensor query, Tensor key, Tensor value, int embed_dim, int num_head, Tensor qkv_weight, Tensor qkv_bias, Tensor proj_weight, Tensor proj_bias, Tensor? mask=None, bool need_weights=True, bool average_attn_weights=True, int? mask_type=None) -> (Tensor, Tensor)",
                     Mha{cpu::native_multi_head_attention}, Mha{cpu::native_multi_head_attention_reference}, [](Mha f) {
                       return wrap([f](const Tensor& q, const Tensor& k, const Tensor& v, int64_t embed_dim, int64_t num_head,
                                       const Tensor& qkv_w, const Tensor& qkv_b, const Tensor& proj_w, const Tensor& proj_b,
                                       OptTensor mask, bool need_weights, bool average, OptInt mask_type) {
                         auto [out, weights] = f(q, k, v, embed_dim, num_head, qkv_w, qkv_b, proj_w, proj_b, mask,
                                                 need_weights, average, mask_type);
                         return std::make_tuple(out, to_value(std::move(weights)));
                       });
                     });
  using EncoderLayer = Tensor (*)(const Tensor&, int64_t, int64_t, const cpu::EncoderLayerWeights&, bool, bool, double,
                                  const OptTensor&, OptInt);
  add_with_reference(r, "aten::_transformer_encoder_layer_fwd(Tensor src, int embed_dim, int num_heads, Tensor qkv_weight, Tensor qkv_bias, Tensor proj_weight, Tensor proj_bias, bool use_gelu, bool norm_first, float eps, Tensor norm_weight_1, Tensor norm_bias_1, Tensor norm_weight_2, Tensor norm_bias_2, Tensor ffn_weight_1, Tensor ffn_bias_1, Tensor ffn_weight_2, Tensor ffn_bias_2, Tensor? mask=None, int? mask_type=None) -> Tensor",
      EncoderLayer{cpu::transformer_encoder_layer_fwd}, EncoderLayer{cpu::transformer_encoder_layer_fwd_reference}, [](EncoderLayer layer) -> Kernel {
        return [layer](Stack& s) {
          constexpr size_t n = 20;
          auto t = [&](size_t i) { return peek(s, i, n).to_tensor(); };
          cpu::EncoderLayerWeights w{t(3),  t(4),  t(5),  t(6),  t(10), t(11),
                                     t(12), t(13), t(14), t(15), t(16), t(17)};
          const Tensor src = t(0);
          const int64_t embed_dim = from_value<int64_t>(peek(s, 1, n));
          const int64_t num_heads = from_value<int64_t>(peek(s, 2, n));
          const bool use_gelu = from_value<bool>(peek(s, 7, n));
          const bool norm_first = from_value<bool>(peek(s, 8, n));
          const double eps = from_value<double>(peek(s, 9, n));
          auto mask = from_value<OptTensor>(peek(s, 18, n));
          auto mask_type = from_value<OptInt>(peek(s, 19, n));
          // A nested input (TransformerEncoder's fast path) runs each sequence at its length:
          // its padded rows are masked keys, and the result stays nested.
          const bool nested = cpu::is_nested(src);
          if (nested) {
            if (mask) fail("_transformer_encoder_layer_fwd: a mask is not supported with a nested tensor input");
            mask = cpu::nested_padding_mask(src);
            mask_type = 1;
          }
          Tensor out = layer(src, embed_dim, num_heads, w, use_gelu, norm_first, eps, mask, mask_type);
          if (nested) out = cpu::nested_like(out, src);
          drop(s, n);
          push(s, std::move(out));
        };
      });
  using Sdpa = std::tuple<Tensor, Tensor> (*)(const Tensor&, const Tensor&, const Tensor&, const OptTensor&, double,
                                               bool, bool);
  add_with_reference(r, "aten::_scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, float dropout_p=0., bool need_attn_weights=False, bool is_causal=False) -> (Tensor, Tensor)",
                     Sdpa{cpu::scaled_dot_product_attention}, Sdpa{cpu::scaled_dot_product_attention_reference}, [](Sdpa f) {
                       return wrap([f](const Tensor& q, const Tensor& k, const Tensor& v, OptTensor mask, double dropout_p,
                                       bool need_weights, bool is_causal) {
                         return f(q, k, v, mask, dropout_p, need_weights, is_causal);
                       });
                     });
  // PyTorch 2.x's public op (F.scaled_dot_product_attention).
  r.add("aten::scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, float dropout_p=0., bool is_causal=False, *, float? scale=None, bool enable_gqa=False) -> Tensor",
        wrap([](const Tensor& q, const Tensor& k, const Tensor& v, OptTensor mask, double dropout_p, bool is_causal,
                std::optional<double> scale, bool enable_gqa) {
          return cpu::scaled_dot_product_attention_v2(q, k, v, mask, dropout_p, is_causal, scale, enable_gqa);
        }));
}

}  // namespace ember::ops
