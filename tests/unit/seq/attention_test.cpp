// Attention ops (ops/aten_attention.cpp → kernels/cpu/attention.h) against PyTorch-made cases:
// the MultiheadAttention / TransformerEncoderLayer fast paths with key-padding and full masks,
// need_weights and average_attn_weights both ways, norm_first both ways, relu and gelu;
// _masked_softmax (including fully masked rows), _transform_bias_rescale_qkv and
// _scaled_dot_product_attention with bool/float/causal masks and broadcast batch dims.
#include <gtest/gtest.h>

#include "seq_cases.h"

namespace ember::ops {

void register_attention_ops(Registry& r);

namespace {

using testing::seq::call;
using testing::seq::Case;
using testing::seq::expect_close;
using testing::seq::load_cases;

class SeqAttention : public ::testing::Test {
 protected:
  void SetUp() override { register_attention_ops(r); }
  Registry r;
};

TEST_F(SeqAttention, NativeMultiHeadAttentionMatchesTorch) {
  int ran = 0;
  for (const Case& c : load_cases("mha")) {
    SCOPED_TRACE(c.name);
    const Tensor q = c.tensor("query");
    const std::string inputs = c.str("inputs");
    // Self-attention passes one tensor three times; key is value for encoder-decoder attention.
    const Tensor k = inputs == "self" ? q : c.tensor("key");
    const Tensor v = inputs == "separate" ? c.tensor("value") : k;
    try {
      Stack s = call(r, "aten::_native_multi_head_attention", "",
                     {q, k, v, Value(c.i("embed_dim")), Value(c.i("heads")), c.tensor("qkv_w"),
                      c.tensor("qkv_b"), c.tensor("proj_w"), c.tensor("proj_b"), c.opt("mask"),
                      Value(c.b("need_weights")), Value(c.b("average")), c.opt_int("mask_type")});
      ASSERT_EQ(s.size(), 2u);
      expect_close(s[0].to_tensor(), c.tensor("out"), "output");
      if (c.b("need_weights")) {
        expect_close(s[1].to_tensor(), c.tensor("weights"), "weights");
      } else {
        EXPECT_TRUE(s[1].is_none()) << "weights without need_weights";
      }
      ++ran;
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GE(ran, 9);
}

TEST_F(SeqAttention, MultiHeadAttentionMaskRules) {
  const Case c = load_cases("mha")[2];  // mha_kpm
  ASSERT_EQ(c.name, "mha_kpm");
  const Tensor q = c.tensor("query");
  auto run = [&](Value mask, Value mask_type) {
    call(r, "aten::_native_multi_head_attention", "",
         {q, q, q, Value(c.i("embed_dim")), Value(c.i("heads")), c.tensor("qkv_w"), c.tensor("qkv_b"),
          c.tensor("proj_w"), c.tensor("proj_b"), mask, Value(true), Value(true), mask_type});
  };
  EXPECT_NO_THROW(run(c.tensor("mask"), Value(int64_t{1})));
  // As in PyTorch 1.13 on CPU: the mask type must be given, and src_mask (0) is unsupported.
  EXPECT_THROW(run(c.tensor("mask"), Value()), Error);
  EXPECT_THROW(run(c.tensor("mask"), Value(int64_t{0})), Error);
  // A [T, T] mask is not a key padding mask for batch 3, length 4.
  EXPECT_THROW(run(Tensor::zeros(Shape{4, 4}, DType::Bool), Value(int64_t{1})), Error);
  EXPECT_THROW(call(r, "aten::_native_multi_head_attention", "",
                    {q, q, q, Value(int64_t{6}), Value(c.i("heads")), c.tensor("qkv_w"),
                     c.tensor("qkv_b"), c.tensor("proj_w"), c.tensor("proj_b")}),
               Error);
}

TEST_F(SeqAttention, EncoderLayerFastPathMatchesTorch) {
  int ran = 0;
  for (const Case& c : load_cases("encoder")) {
    SCOPED_TRACE(c.name);
    try {
      std::vector<Value> args{c.tensor("src"), Value(c.i("embed_dim")), Value(c.i("heads")),
                              c.tensor("qkv_w"), c.tensor("qkv_b"), c.tensor("proj_w"),
                              c.tensor("proj_b"), Value(c.b("gelu")), Value(c.b("norm_first")),
                              Value(c.f("eps"))};
      for (const char* role : {"n1_w", "n1_b", "n2_w", "n2_b", "f1_w", "f1_b", "f2_w", "f2_b"})
        args.push_back(c.tensor(role));
      if (c.b("kpm")) {
        args.push_back(c.tensor("mask"));
        args.push_back(Value(int64_t{1}));
      }
      Stack s = call(r, "aten::_transformer_encoder_layer_fwd", "", args);
      ASSERT_EQ(s.size(), 1u);
      expect_close(s[0].to_tensor(), c.tensor("out"), "output");
      ++ran;
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GE(ran, 5);
}

TEST_F(SeqAttention, MaskedSoftmaxMatchesTorch) {
  int ran = 0;
  for (const Case& c : load_cases("masked_softmax")) {
    SCOPED_TRACE(c.name);
    try {
      Stack s = call(r, "aten::_masked_softmax", "",
                     {c.tensor("input"), c.tensor("mask"), c.opt_int("dim"), c.opt_int("mask_type")});
      expect_close(s.at(0).to_tensor(), c.tensor("out"), "output");
      ++ran;
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GE(ran, 5);
  const Case c = load_cases("masked_softmax")[0];
  EXPECT_THROW(call(r, "aten::_masked_softmax", "", {c.tensor("input"), c.tensor("mask")}), Error);
  EXPECT_THROW(call(r, "aten::_masked_softmax", "",
                    {c.tensor("input"), c.tensor("input"), Value(), Value(int64_t{1})}),
               Error);  // float mask
  EXPECT_THROW(call(r, "aten::_masked_softmax", "",
                    {c.tensor("input"), c.tensor("mask"), Value(), Value(int64_t{3})}),
               Error);
}

TEST_F(SeqAttention, TransformBiasRescaleQkvMatchesTorch) {
  for (const Case& c : load_cases("tbrq")) {
    SCOPED_TRACE(c.name);
    Stack s = call(r, "aten::_transform_bias_rescale_qkv", "",
                   {c.tensor("qkv"), c.tensor("bias"), Value(c.i("heads"))});
    ASSERT_EQ(s.size(), 3u);
    expect_close(s[0].to_tensor(), c.tensor("q"), "q");
    expect_close(s[1].to_tensor(), c.tensor("k"), "k");
    expect_close(s[2].to_tensor(), c.tensor("v"), "v");
  }
}

TEST_F(SeqAttention, ScaledDotProductAttentionMatchesTorch) {
  int ran = 0;
  for (const Case& c : load_cases("sdpa")) {
    SCOPED_TRACE(c.name);
    try {
      Stack s = call(r, "aten::_scaled_dot_product_attention", "",
                     {c.tensor("q"), c.tensor("k"), c.tensor("v"), c.opt("mask"), Value(0.0),
                      Value(true), Value(c.b("causal"))});
      ASSERT_EQ(s.size(), 2u);
      expect_close(s[0].to_tensor(), c.tensor("out"), "output");
      expect_close(s[1].to_tensor(), c.tensor("weights"), "weights");
      ++ran;
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GE(ran, 5);
  const Case c = load_cases("sdpa")[0];
  EXPECT_THROW(call(r, "aten::_scaled_dot_product_attention", "",
                    {c.tensor("q"), c.tensor("k"), c.tensor("v"), Value(), Value(0.1)}),
               Error);  // random dropout cannot be reproduced
}

}  // namespace
}  // namespace ember::ops
