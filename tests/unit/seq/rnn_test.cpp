// RNN/LSTM/GRU layers and cells (ops/aten_rnn.cpp → kernels/cpu/rnn.h) against PyTorch-made
// cases: 1-2 layers, bidirectional, batch_first, with/without h0/c0, without biases, LSTM
// projections, packed sequences.
#include <gtest/gtest.h>

#include "seq_cases.h"

namespace ember::ops {

void register_rnn_ops(Registry& r);

namespace {

using testing::seq::call;
using testing::seq::Case;
using testing::seq::expect_close;
using testing::seq::load_cases;
using testing::seq::tensors;

class SeqRnn : public ::testing::Test {
 protected:
  void SetUp() override { register_rnn_ops(r); }
  Registry r;
};

std::vector<Tensor> weights(const Case& c) {
  std::vector<Tensor> w;
  for (int64_t i = 0; i < c.i("nweights"); ++i) w.push_back(c.tensor("w" + std::to_string(i)));
  return w;
}

// What nn.LSTM passes when no state is given: zeros.
Tensor zeros_like_shape(Shape s) { return Tensor::zeros(s, DType::Float32); }

TEST_F(SeqRnn, LayersMatchTorch) {
  int ran = 0;
  for (const Case& c : load_cases("rnn")) {
    SCOPED_TRACE(c.name);
    const std::string mode = c.str("mode");
    const Tensor x = c.tensor("input");
    const int64_t dirs = c.b("bidirectional") ? 2 : 1;
    const int64_t batch = x.size(c.b("batch_first") ? 0 : 1);
    const Shape hshape{c.i("layers") * dirs, batch, c.i("out_hidden")};
    const Shape cshape{c.i("layers") * dirs, batch, c.i("hidden")};
    const Tensor h0 = c.b("has_h0") ? c.tensor("h0") : zeros_like_shape(hshape);
    Value hx = h0;
    if (mode == "lstm")
      hx = tensors({h0, c.b("has_h0") ? c.tensor("c0") : zeros_like_shape(cshape)});
    try {
      Stack s = call(r, "aten::" + mode, "input",
                     {x, hx, tensors(weights(c)), Value(c.b("bias")), Value(c.i("layers")),
                      Value(0.0), Value(false), Value(c.b("bidirectional")), Value(c.b("batch_first"))});
      ASSERT_EQ(s.size(), mode == "lstm" ? 3u : 2u);
      expect_close(s[0].to_tensor(), c.tensor("out"), "output");
      expect_close(s[1].to_tensor(), c.tensor("hn"), "h_n");
      if (mode == "lstm") expect_close(s[2].to_tensor(), c.tensor("cn"), "c_n");
      ++ran;
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GE(ran, 15);
}

TEST_F(SeqRnn, PackedSequencesMatchTorch) {
  int ran = 0;
  for (const Case& c : load_cases("rnn_packed")) {
    SCOPED_TRACE(c.name);
    const std::string mode = c.str("mode");
    Value hx = c.tensor("h0");
    if (mode == "lstm") hx = tensors({c.tensor("h0"), c.tensor("c0")});
    try {
      // Through overload resolution, as a compiled call site would pick `.data`.
      std::vector<Value> out =
          r.call("aten::" + mode, {c.tensor("data"), c.tensor("batch_sizes"), hx,
                                   tensors(weights(c)), Value(c.b("bias")), Value(c.i("layers")),
                                   Value(0.0), Value(false), Value(c.b("bidirectional"))});
      ASSERT_EQ(out.size(), mode == "lstm" ? 3u : 2u);
      expect_close(out[0].to_tensor(), c.tensor("out"), "output");
      expect_close(out[1].to_tensor(), c.tensor("hn"), "h_n");
      if (mode == "lstm") expect_close(out[2].to_tensor(), c.tensor("cn"), "c_n");
      ++ran;
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GE(ran, 5);
}

TEST_F(SeqRnn, CellsMatchTorch) {
  int ran = 0;
  for (const Case& c : load_cases("cell")) {
    SCOPED_TRACE(c.name);
    const std::string mode = c.str("mode");
    const bool lstm = mode == "lstm";
    Value hx = lstm ? tensors({c.tensor("h"), c.tensor("c")}) : Value(c.tensor("h"));
    std::vector<Value> args{c.tensor("input"), hx, c.tensor("w_ih"), c.tensor("w_hh")};
    // Without biases the schema defaults (None) fill them in.
    if (c.b("bias")) {
      args.push_back(c.tensor("b_ih"));
      args.push_back(c.tensor("b_hh"));
    }
    try {
      Stack s = call(r, "aten::" + mode + "_cell", "", args);
      ASSERT_EQ(s.size(), lstm ? 2u : 1u);
      expect_close(s[0].to_tensor(), c.tensor("out_h"), "h");
      if (lstm) expect_close(s[1].to_tensor(), c.tensor("out_c"), "c");
      ++ran;
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GE(ran, 7);
}

TEST_F(SeqRnn, Float64AndBatchFirstView) {
  const Case c = load_cases("rnn")[3];  // lstm_bf_bi_nobias
  ASSERT_EQ(c.name, "lstm_bf_bi_nobias");
  std::vector<Tensor> w;
  for (const Tensor& t : weights(c)) w.push_back(t.to(DType::Float64));
  Stack s = call(r, "aten::lstm", "input",
                 {c.tensor("input").to(DType::Float64),
                  tensors({c.tensor("h0").to(DType::Float64), c.tensor("c0").to(DType::Float64)}),
                  tensors(w), Value(false), Value(int64_t{2}), Value(0.0), Value(false), Value(true),
                  Value(true)});
  const Tensor out = s[0].to_tensor();
  EXPECT_EQ(out.dtype(), DType::Float64);
  // PyTorch returns the batch-first output as a transposed view of time-major data.
  EXPECT_FALSE(out.is_contiguous());
  expect_close(out.to(DType::Float32), c.tensor("out"), "float64 output");
}

TEST_F(SeqRnn, BadArgumentsAreErrors) {
  const Case c = load_cases("rnn")[0];  // lstm_basic: 1 layer, biases
  ASSERT_EQ(c.name, "lstm_basic");
  const Value hx = tensors({c.tensor("h0"), c.tensor("c0")});
  std::vector<Tensor> w = weights(c);
  auto run = [&](std::vector<Tensor> ws, Value h, int64_t layers, double dropout, bool train) {
    call(r, "aten::lstm", "input",
         {c.tensor("input"), h, tensors(std::move(ws)), Value(true), Value(layers), Value(dropout),
          Value(train), Value(false), Value(false)});
  };
  EXPECT_THROW(run({w[0], w[1], w[2]}, hx, 1, 0.0, false), Error);  // 3 weights
  EXPECT_THROW(run(w, hx, 2, 0.0, false), Error);                   // 2 layers, 4 weights
  EXPECT_THROW(run(w, tensors({c.tensor("h0")}), 1, 0.0, false), Error);
  EXPECT_THROW(run({w[1], w[0], w[2], w[3]}, hx, 1, 0.0, false), Error);  // swapped shapes
  EXPECT_THROW(run(w, tensors({c.tensor("c0"), c.tensor("input")}), 1, 0.0, false), Error);
  EXPECT_NO_THROW(run(w, hx, 1, 0.5, true));  // dropout only acts between layers
  EXPECT_THROW(call(r, "aten::gru_cell", "", {c.tensor("input"), c.tensor("h0"), w[0], w[1]}), Error);
}

}  // namespace
}  // namespace ember::ops
